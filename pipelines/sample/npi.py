"""NPI check digits: the Luhn formula over the NPI with the card-issuer prefix 80840 (CMS NPI standard)."""
from __future__ import annotations

NPI_PREFIX = "80840"


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def npi_check_digit(base9: str) -> str:
    """The 10th digit of an NPI whose first nine digits are base9."""
    if len(base9) != 9 or not base9.isdigit():
        raise ValueError(f"NPI base must be 9 digits: {base9!r}")
    for d in "0123456789":
        if luhn_valid(NPI_PREFIX + base9 + d):
            return d
    raise AssertionError("unreachable")


def make_npi(base9: str) -> str:
    return base9 + npi_check_digit(base9)


def npi_valid(npi: str) -> bool:
    return len(npi) == 10 and npi.isdigit() and npi[0] in "12" and luhn_valid(NPI_PREFIX + npi)

"""Expected allowed amounts exactly as docs/DESIGN.md §4 prices them (own implementation, for the ground
truth of the sample; the checks price in SQL), with the fee schedule of each date of service's year:
RVUs and GPCIs of that year, the conversion factor in force on the date.

Money is Decimal, rounded half-up to cents (DuckDB's round on DECIMAL)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ..resources import sql_dir

CENT = Decimal("0.01")
D0 = Decimal("0")
CO_SHARE = Decimal("0.12")
LOCALITY = "01"                      # Newton, MA: Metropolitan Boston


def r2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def patient_share(payer_class: str, rest: Decimal) -> tuple[list[tuple], Decimal]:
    """What the 835 takes off an allowed amount after deductible and copay: Medicare 20% coinsurance (PR-2) and
    2% sequestration (CO-253), the MA plan 20% coinsurance, other payers nothing. (CAS rows with an amount, paid.)"""
    if payer_class == "medicare":
        coins = r2(rest * Decimal("0.2"))
        seq = r2((rest - coins) * Decimal("0.02"))
        return [x for x in (("PR", "2", coins), ("CO", "253", seq)) if x[2]], rest - coins - seq
    if payer_class == "medicare_advantage":
        coins = r2(rest * Decimal("0.2"))
        return [x for x in (("PR", "2", coins),) if x[2]], rest - coins
    return [], rest


def _read(name: str) -> list[dict]:
    with open(sql_dir() / "seeds" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class CodeInfo:
    """Year-independent attributes of a code (seed codes.csv)."""
    cpt: str
    is_timed: bool
    once_per_day: bool
    always_therapy: bool
    unit_rule: str
    discipline: str
    addon_primary: str
    medicare_status: str
    valid_until: date | None


@dataclass(frozen=True)
class Rate:
    """One code's Medicare fee-schedule unit prices for one year, locality 01."""
    cpt: str
    year: int
    mppr_ind: str
    pe_dollars: Decimal      # PE RVU x PE GPCI (ordering key for MPPR; the CF is common to the year)
    full: Decimal
    reduced: Decimal


@dataclass(frozen=True)
class Payer:
    key: str
    name: str            # name written in the files (matches the directory patterns)
    payer_id: str
    payer_class: str
    unit_method: str | None
    timely_filing_days: int
    requires_auth: bool
    fee_pct: Decimal
    appeal_days: int
    follows_medicare: bool

    @property
    def medicare_rules(self) -> bool:
        """KX, TMR, CO, CO pricing and MUE scope (DESIGN §5: medicare, + plans configured to follow it)."""
        return self.payer_class == "medicare" or self.follows_medicare


@lru_cache(maxsize=None)
def seeds() -> dict:
    cfs = [(date.fromisoformat(r["start_date"]), date.fromisoformat(r["end_date"]), Decimal(r["conversion_factor"]))
           for r in _read("conversion_factors.csv")]
    gpci = {int(r["year"]): tuple(Decimal(r[k]) for k in ("work_gpci", "pe_gpci", "mp_gpci"))
            for r in _read("gpci.csv") if r["locality"] == LOCALITY}
    rvu = {}
    for r in _read("rvu.csv"):
        if r["modifier"]:
            continue
        rvu[(int(r["year"]), r["cpt"])] = r
    codes = {}
    for r in _read("codes.csv"):
        codes[r["cpt"]] = CodeInfo(
            cpt=r["cpt"], is_timed=r["is_timed"] == "true", once_per_day=r["once_per_day"] == "true",
            always_therapy=r["always_therapy"] == "true", unit_rule=r["unit_rule"], discipline=r["discipline"],
            addon_primary=r["addon_primary"], medicare_status=r["medicare_status"],
            valid_until=date.fromisoformat(r["valid_until"]) if r["valid_until"] else None)
    kx = {(int(r["year"])): (Decimal(r["threshold"]), Decimal(r["tmr_amount"]))
          for r in _read("kx_thresholds.csv") if r["bucket"] == "OT"}
    deductible = {int(r["year"]): Decimal(r["amount"]) for r in _read("part_b_deductible.csv")}
    directory = {r["payer_key"]: r for r in _read("payer_directory.csv")}
    ncci = {(r["column1"], r["column2"]) for r in _read("ncci_pairs.csv")
            if r["active_by_default"] == "true" and r["modifier_indicator"] == "1"
            and r["direction_known"] == "true" and r["confidence"] in ("MED", "HIGH")}
    mue = {}
    for r in _read("mue.csv"):
        mue.setdefault(r["cpt"], []).append(
            (int(r["mue_value"]), r["mai"], date.fromisoformat(r["effective_from"]),
             date.fromisoformat(r["effective_to"]) if r["effective_to"] else None))
    return {"cfs": cfs, "gpci": gpci, "rvu": rvu, "codes": codes, "kx": kx, "deductible": deductible,
            "directory": directory, "ncci": ncci, "mue": mue}


_CODES: dict[str, CodeInfo] = {}


def info(cpt: str) -> CodeInfo:
    c = _CODES.get(cpt)
    if c is None:
        c = _CODES[cpt] = seeds()["codes"][cpt]
    return c


@lru_cache(maxsize=None)
def conversion_factor(d: date) -> Decimal | None:
    for lo, hi, cf in seeds()["cfs"]:
        if lo <= d <= hi:
            return cf
    return None


@lru_cache(maxsize=None)
def _rate(cpt: str, year: int, cf: Decimal) -> Rate | None:
    s = seeds()
    v = s["rvu"].get((year, cpt))
    g = s["gpci"].get(year)
    if v is None or g is None:
        return None
    gw, gpe, gmp = g
    w, pe, mp = Decimal(v["work_rvu"]), Decimal(v["nf_pe_rvu"]), Decimal(v["mp_rvu"])
    return Rate(cpt=cpt, year=year, mppr_ind=v["mppr_ind"], pe_dollars=pe * gpe,
                full=r2((w * gw + pe * gpe + mp * gmp) * cf),
                reduced=r2((w * gw + Decimal("0.5") * pe * gpe + mp * gmp) * cf))


@lru_cache(maxsize=None)
def rate(cpt: str, dos: date) -> Rate | None:
    """The code's unit prices for the date of service (None: no fee schedule for that year)."""
    cf = conversion_factor(dos)
    return None if cf is None else _rate(cpt, dos.year, cf)


def has_fee_schedule(cpt: str, dos: date) -> bool:
    return rate(cpt, dos) is not None


def kx_threshold(year: int) -> Decimal:
    return seeds()["kx"][year][0]


def tmr_amount(year: int) -> Decimal:
    return seeds()["kx"][year][1]


def part_b_deductible(year: int) -> Decimal:
    return seeds()["deductible"][year]


def mue_for(cpt: str, dos: date) -> tuple[int, str] | None:
    """(MUE value, MAI) of the bundled MUE whose effective range covers the date, if any."""
    for value, mai, lo, hi in seeds()["mue"].get(cpt, ()):
        if lo <= dos and (hi is None or dos <= hi):
            return value, mai
    return None


@lru_cache(maxsize=None)
def _cpt_desc(cpt: str) -> tuple:
    # lower cpt wins a tie -> invert ordering for a max()
    return tuple(-ord(ch) for ch in cpt)


def medicare_lines(lines, dos: date) -> list[Decimal]:
    """Medicare fee-schedule amount of each line of one visit (one date of service), MPPR applied over the
    visit's units (DESIGN §4), before any CO differential. `lines` = sequence of (cpt, units); lines are in
    line order (the engine's last tie-break)."""
    rates = [rate(cpt, dos) for cpt, _ in lines]
    best = None  # (pe_dollars, full, -cpt order, -line index) -> highest wins
    for i, ((cpt, units), rt) in enumerate(zip(lines, rates)):
        if rt is not None and rt.mppr_ind == "5" and units > 0:
            key = (rt.pe_dollars, rt.full, _cpt_desc(cpt), -i)
            if best is None or key > best[0]:
                best = (key, i)
    out = []
    for i, ((cpt, units), rt) in enumerate(zip(lines, rates)):
        if rt is None:
            raise KeyError(f"no fee schedule for {cpt} in {dos.year}")
        if units <= 0:
            out.append(D0)
        elif rt.mppr_ind != "5":
            out.append(rt.full * units)
        elif best is not None and best[1] == i:
            out.append(rt.full + rt.reduced * (units - 1))
        else:
            out.append(rt.reduced * units)
    return out


def expected_lines(lines, payer: Payer, dos: date) -> list[tuple[Decimal, Decimal]]:
    """(expected allowed, expected before the CO differential) per line of one visit.
    `lines` = sequence of (cpt, units, has_co). Medicare rules: CO lines x (1 - 0.12); other payers:
    round(fee % x Medicare line, 2), no CO differential."""
    med = medicare_lines([(c, u) for c, u, _ in lines], dos)
    out = []
    for (_, _, has_co), m in zip(lines, med):
        if payer.medicare_rules:
            out.append((r2(m * (1 - CO_SHARE)) if has_co else m, m))
        else:
            v = fee_round(payer.fee_pct, m)
            out.append((v, v))
    return out


def fee_round(fee_pct: Decimal, medicare_amount: Decimal) -> Decimal:
    """round(fee % x Medicare amount, 2) as the engine computes it: the fee percentage is a DOUBLE, so the
    product is a binary double, rounded half away from zero on its exact binary value (1.05 x 39.10 is
    41.054999... in binary: 41.05, not 41.06)."""
    return dround(float(fee_pct) * float(medicare_amount))


def dround(x: float) -> Decimal:
    """round(x, 2) of a DOUBLE as DuckDB does it: the exact binary value, half away from zero."""
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def visit_price(lines, payer: Payer, dos: date) -> Decimal:
    return sum((e for e, _ in expected_lines(lines, payer, dos)), D0)


_CHARGE_CACHE: dict[str, Decimal] = {}


def unit_charge(cpt: str) -> Decimal:
    """The practice's charge master: whole dollars, about 1.85 x the highest Medicare unit price of the
    code over the loaded years (charges never fall below an allowed amount)."""
    c = _CHARGE_CACHE.get(cpt)
    if c is None:
        fulls = [_rate(cpt, y, cf).full for (lo, hi, cf) in seeds()["cfs"] for y in {lo.year}
                 if _rate(cpt, y, cf) is not None]
        c = (max(fulls) * Decimal("1.85")).quantize(Decimal("1"))
        _CHARGE_CACHE[cpt] = c
    return c

"""The fee_schedule table (CONTRACT §5): one row per code, Massachusetts locality and effective period, priced
with RULEBOOK §11.1 from the bundled seeds (2025: RVU25D; 2026: RVU26C, the July release, for all 2026 dates)
or an imported CMS release; a year with no release is a labelled proxy (RULEBOOK §11.4), never used for
underpayments."""
from __future__ import annotations

from decimal import Decimal

import pytest

from builders import MiniPractice


def staged(*claims) -> MiniPractice:
    p = MiniPractice()
    for cid, dos in claims:
        p.claim(cid, dos, [("97530", "GO", 1)])
    p.run(as_of="2026-12-31")
    return p


def price(p, dos, locality="01", cpt="97530", col="allowed"):
    return p.con.execute(f"""select {col} from fee_schedule where cpt = ? and locality = ? and modifier = ''
                             and ?::date between effective_from and effective_to""", [cpt, locality, dos]).fetchone()[0]


@pytest.mark.parametrize("dos,locality,allowed,reduced", [
    ("2025-06-02", "01", "39.13", "27.12"),        # RULEBOOK §11.3
    ("2025-06-02", "99", "36.01", "25.37"),
    ("2026-02-02", "01", "39.32", "27.41"),        # RULEBOOK §11.4 (July 2026 values for every 2026 date)
    ("2026-11-30", "99", "37.68", "26.44"),
])
def test_bundled_releases_price_the_rulebook_examples(dos, locality, allowed, reduced):
    p = staged(("C1", "2025-06-02"), ("C2", "2026-02-02"))
    assert price(p, dos, locality) == Decimal(allowed)
    assert price(p, dos, locality, col="reduced_allowed") == Decimal(reduced)
    release = price(p, dos, locality, col="release")
    assert release.startswith("RVU25D" if dos.startswith("2025") else "RVU26C")
    assert price(p, dos, locality, col="is_proxy") is False


def test_a_year_without_a_release_is_a_labelled_proxy():
    # 2024: no bundled RVUs or GPCIs; proxy = 2025 RVUs x 2025 GPCIs x the 2024 CF of the date ($33.2875 from
    # 9 March): (0.44 x 1.042 + 0.62 x 1.197 + 0.01 x 0.894) x 33.2875 = $40.26
    p = staged(("C1", "2024-06-03"), ("C2", "2025-06-02"))
    assert price(p, "2024-06-03") == Decimal("40.26")
    assert price(p, "2024-06-03", col="is_proxy") is True
    assert price(p, "2024-06-03", col="release").startswith("proxy: RVU25D")
    assert price(p, "2024-01-08") == Decimal("39.61")          # CF $32.7442 before 9 March 2024
    basis = p.con.execute("select price_basis from stg_line_pricing where line_key = 'C1#1'").fetchone()[0]
    assert basis.startswith("proxy Medicare fee schedule 2024")


def test_a_proxy_price_is_never_an_underpayment():
    p = MiniPractice()
    p.claim("C1", "2024-06-03", [("97530", "GO", 1)])
    p.remit("C1", "2024-06-20", [("97530", "GO", 8.0, 10.0, [("CO", "45", 90.0), ("PR", "2", 2.0)])])
    p.claim("C2", "2025-06-02", [("97530", "GO", 1)])
    p.remit("C2", "2025-06-20", [("97530", "GO", 8.0, 10.0, [("CO", "45", 90.0), ("PR", "2", 2.0)])])
    f = p.run(as_of="2025-07-31", rules=["UNDERPAYMENT"])
    assert list(f.claim_id) == ["C2"]                           # 2025: $39.13 expected, $10 allowed
    assert p.con.execute("select is_proxy from stg_line_status where claim_id = 'C1'").fetchone()[0] is True


def test_the_appendix_names_the_release_of_each_year_and_the_proxies():
    p = staged(("C1", "2024-06-03"), ("C2", "2025-06-02"), ("C3", "2026-06-01"))
    got = dict(p.con.execute("select topic, value from assumptions where topic like 'Fee schedule 20%'").fetchall())
    assert got["Fee schedule 2026"].startswith("RVU26C")
    assert got["Fee schedule 2025"].startswith("RVU25D")
    assert "proxy (never used for underpayment findings) for 97530" in got["Fee schedule 2024"]

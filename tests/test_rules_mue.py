"""MUE_EXCEEDED (RULEBOOK §5): units of one code for one patient on one date above the practitioner MUE.

Bundled MUEs: the MAI-3 (date-of-service) values of CMS's 2026 Q2 practitioner table, from 2026-04-01
(sql/seeds/mue.csv): 97530 = 6, 97110 = 6, 97112 = 4. Prices: 2026, Metropolitan Boston (locality 01):
97530 full (0.44 x 1.041 + 0.60 x 1.188 + 0.01 x 0.623) x 33.4009 = $39.32; MPPR subsequent unit
(0.44 x 1.041 + 0.30 x 1.188 + 0.01 x 0.623) x 33.4009 = $27.41. 97110 subsequent (0.45 x 1.041 + 0.5 x 0.41 x 1.188
+ 0.01 x 0.623) x 33.4009 = $23.99.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from builders import MiniPractice

AS_OF = "2026-07-31"


def mue(findings):
    f = findings[findings.rule_id == "MUE_EXCEEDED"]
    return sorted((r.claim_id, r.cpt, r.units_billed, r.units_expected, Decimal(str(r.amount_usd)).quantize(Decimal("0.01")),
                   r.amount_kind) for r in f.itertuples())


def paid(p, claim_id, lines, date="2026-05-20"):
    p.remit(claim_id, date, [(cpt, mods, 1.0, None) for cpt, mods, _ in lines])


def test_a_day_above_the_mue_is_found_and_priced_as_the_excess_units():
    p = MiniPractice()
    lines = [("97530", "GO", 8)]
    p.claim("C1", "2026-05-04", lines)
    paid(p, "C1", lines)
    p.visit("2026-05-04", "97530", minutes=120)          # the minutes support 8 units: no UNITS_OVERBILLED
    f = p.run(as_of=AS_OF)
    assert mue(f) == [("C1", "97530", 8.0, 6.0, Decimal("54.82"), "at_risk")]   # 2 x $27.41
    detail = f[f.rule_id == "MUE_EXCEEDED"].detail.iloc[0]
    assert "MUE of 6 per day (MAI 3" in detail and "CO-151/N362" in detail
    assert "UNITS_OVERBILLED" not in set(f.rule_id)


def test_the_excess_of_a_day_falls_on_the_lines_that_carry_it():
    # 97110: 4 units on each of two claims the same day = 8 > 6: the second claim's line carries 2 excess units
    p = MiniPractice()
    p.claim("C1", "2026-06-01", [("97110", "GO", 4)])
    p.claim("C2", "2026-06-01", [("97110", "GO", 4)])
    p.visit("2026-06-01", "97110", minutes=120)
    f = p.run(as_of=AS_OF, rules=["MUE_EXCEEDED"])
    got = mue(f)
    assert [(c, u, e) for c, _, u, e, _, _ in got] == [("C2", 4.0, 2.0)]
    assert got[0][4] == Decimal("47.98")                  # 2 x $23.99 (MPPR subsequent units)
    assert got[0][5] == "recoverable"                     # unpaid, within the filing limit


@pytest.mark.parametrize("dos,payer,fires", [
    ("2026-03-31", "medicare", False),     # before the bundled MUE table's effective date
    ("2026-04-01", "medicare", True),
    ("2026-05-04", "bcbs", False),         # CMS's Medicare edit: not applied to a commercial payer
    ("2026-05-04", "ma", False),           # Medicare Advantage not configured to follow Medicare rules
])
def test_scope_dates_and_payers(dos, payer, fires):
    p = MiniPractice(payer=payer)
    p.claim("C1", dos, [("97530", "GO", 7)])
    p.claim("C0", "2026-04-02", [("97530", "GO", 1)], payer="medicare", member_id="OTHER1")   # some MUE date
    p.visit(dos, "97530", minutes=105)
    f = p.run(as_of=AS_OF, rules=["MUE_EXCEEDED"])
    assert bool(mue(f)) is fires


def test_units_the_minutes_do_not_support_are_counted_once_on_units_overbilled():
    p = MiniPractice()
    p.claim("C1", "2026-05-04", [("97530", "GO", 8)])
    p.visit("2026-05-04", "97530", minutes=60)            # supports 4 units
    f = p.run(as_of=AS_OF)
    assert mue(f) == [("C1", "97530", 8.0, 6.0, Decimal("0.00"), "recoverable")]
    assert "UNITS_OVERBILLED finding" in f[f.rule_id == "MUE_EXCEEDED"].detail.iloc[0]
    assert set(f[f.rule_id == "UNITS_OVERBILLED"].cpt) == {"97530"}


def test_a_denied_line_reports_zero_and_points_at_the_denial():
    p = MiniPractice()
    p.claim("C1", "2026-05-04", [("97530", "GO", 8)])
    p.remit("C1", "2026-05-20", [("97530", "GO", 0.0, 0.0, [("CO", "151", 250.0)])])
    p.visit("2026-05-04", "97530", minutes=120)
    f = p.run(as_of=AS_OF)
    assert mue(f)[0][4] == Decimal("0.00")
    assert "DENIAL_RECOVERABLE or DENIAL_WRITE_OFF" in f[f.rule_id == "MUE_EXCEEDED"].detail.iloc[0]
    assert "DENIAL_RECOVERABLE" in set(f.rule_id)


def test_untimed_once_a_day_codes_are_left_to_untimed_multiple_units():
    p = MiniPractice()
    p.claim("C1", "2026-05-04", [("97150", "GO", 2)])     # group therapy: MUE 1, once a day
    f = p.run(as_of=AS_OF)
    assert mue(f) == []
    assert set(f[f.rule_id == "UNTIMED_MULTIPLE_UNITS"].cpt) == {"97150"}


def test_no_mue_for_the_dates_means_not_evaluated():
    p = MiniPractice()
    p.claim("C1", "2025-05-04", [("97530", "GO", 8)])
    p.run(as_of="2025-07-31")
    evaluated, missing = p.con.execute(
        "select evaluated, missing_input from coverage where rule_id = 'MUE_EXCEEDED'").fetchone()
    assert evaluated is False and "no MUE table for the Medicare dates of service" in missing

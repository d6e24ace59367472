"""The units family on tiny hand-made practices: UNITS_UNDERBILLED, UNITS_OVERBILLED, UNITS_MISALLOCATED,
UNTIMED_MULTIPLE_UNITS, MINUTES_MISSING (RULEBOOK §1.1-§1.4; DESIGN §4 unit-difference pricing, §6).

One shared practice holds every case as its own patient (member id) on 2025-05-05, audited as of
2025-06-30; each test reads its case by claim id. Prices are Medicare CY2025, locality 01 Metropolitan
Boston (RULEBOOK §11.3), full / MPPR-reduced unit: 97110 $32.11 / $23.78, 97112 $35.73 / $26.43,
97116 $32.11 / $23.78, 97140 $30.27 / $22.53, 97035 $15.50 / $11.43, 97530 $39.13 / $27.12,
97535 $35.98 / $25.72, 97165 $112.30 / $82.68. Aetna and Cigna (commercial, directory) are 105% of
Medicare, each line rounded to cents. Medicare files within 365 days, Aetna/Cigna within 90.
Every "no finding" case sits in a practice where planted cases do fire, so no test passes on an empty result.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from builders import MiniPractice

UNITS_RULES = ["UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED", "UNTIMED_MULTIPLE_UNITS",
               "MINUTES_MISSING"]
DOS = "2025-05-05"
AS_OF = "2025-06-30"
MEDICARE_DEADLINE = dt.date(2026, 5, 5)     # DOS + 365
COMMERCIAL_DEADLINE = dt.date(2025, 8, 3)   # DOS + 90


def plant(p: MiniPractice, claim_id: str, minutes: dict[str, float | None], billed: list[tuple[str, float]],
          payer: str = "medicare", dos: str = DOS) -> None:
    """One visit day of its own patient: the EMR's minutes by code, and a claim billing (cpt, units) lines."""
    member = "MB" + claim_id
    p.claim(claim_id, dos, [(cpt, "GO", units) for cpt, units in billed], payer=payer, member_id=member)
    for cpt, m in minutes.items():
        p.visit(dos, cpt, minutes=m, member_id=member, payer=payer, patient_id="MRN-" + claim_id)


# RULEBOOK §1.2: CMS's own examples (Pub. 100-04 Ch.5 §20.2) -> the correct Medicare billing.
CMS_EXAMPLES = [
    # case,     minutes by code,                                        total, T, correct Medicare billing
    ("Ex1",     {"97112": 24, "97110": 23},                               47, 3, {"97112": 2, "97110": 1}),
    ("Ex2",     {"97112": 20, "97110": 20},                               40, 3, {"97112": 2, "97110": 1}),
    ("Ex2-alt", {"97112": 20, "97110": 20},                               40, 3, {"97112": 1, "97110": 2}),
    ("Ex3",     {"97110": 33, "97140": 7},                                40, 3, {"97110": 2, "97140": 1}),
    ("Ex4",     {"97110": 18, "97140": 13, "97116": 10, "97035": 8},      49, 3, {"97110": 1, "97140": 1, "97116": 1}),
    ("Ex5",     {"97112": 7, "97110": 7, "97140": 7},                     21, 1, {"97112": 1}),
    ("Ex5-b",   {"97112": 7, "97110": 7, "97140": 7},                     21, 1, {"97110": 1}),
    ("Ex5-c",   {"97112": 7, "97110": 7, "97140": 7},                     21, 1, {"97140": 1}),
]

# RULEBOOK §1.3: the per-code method on the same examples, for a per_code payer (Aetna configured), billed
# the Medicare way. per-code total vs T; the one finding that follows.
PER_CODE_CONTRASTS = [
    # case, per-code total, T, rule,                cpt,    billed, expected, amount,  kind
    ("Ex1", 4, 3, "UNITS_UNDERBILLED", "97110", 1, 2, "24.97", "recoverable"),  # 97110 x2 $49.94 - x1 $24.97
    ("Ex2", 2, 3, "UNITS_OVERBILLED",  "97112", 2, 1, "27.75", "overbilled"),   # 97112 x2 $65.27 - x1 $37.52
    ("Ex3", 2, 3, "UNITS_OVERBILLED",  "97140", 1, 0, "23.66", "overbilled"),   # 97140 reduced 1.05 x $22.53
    ("Ex4", 4, 3, "UNITS_UNDERBILLED", "97035", 0, 1, "12.00", "recoverable"),  # 97035 added, reduced 1.05 x $11.43
    ("Ex5", 0, 1, "UNITS_OVERBILLED",  "97112", 1, 0, "37.52", "overbilled"),   # 97112 alone, full 1.05 x $35.73
]

# Planted findings of the shared practice (besides the per-code contrasts):
# claim, payer, minutes by code, billed lines, then the expected findings
# (rule, cpt, units_billed, units_expected, amount, kind, fix_by).
PLANTED = [
    # RULEBOOK §11.3 worked example as a unit difference: 97530 x1 + 97535 x1 billed, minutes support
    # 97530 x2; the missing unit is the visit's $91.97 - $64.85 = $27.12 (MPPR-reduced 97530).
    ("MPPR", "medicare", {"97530": 30, "97535": 15}, [("97530", 1), ("97535", 1)],
     [("UNITS_UNDERBILLED", "97530", 1, 2, "27.12", "recoverable", MEDICARE_DEADLINE)]),
    # Ex2 billed as 3 of one code: the right total, an invalid spread; billed $88.59 vs allocated $85.94.
    ("MIS3", "medicare", {"97112": 20, "97110": 20}, [("97112", 3)],
     [("UNITS_MISALLOCATED", "97112", 3, 2, "2.65", "overbilled", None)]),
    # Ex1 with the extra unit on the smaller remainder (8 < 9): billed $83.29 vs allocated $85.94.
    ("MISR", "medicare", {"97112": 24, "97110": 23}, [("97112", 1), ("97110", 2)],
     [("UNITS_MISALLOCATED", "97110", 2, 1, "2.65", "recoverable", MEDICARE_DEADLINE)]),
    # Ex4 with two codes over their allocation (97110 x2 on remainder 3, 97035 x1 on 8, while 97140 (13)
    # and 97116 (10) get nothing): billed $67.32 vs allocated $78.42; the visit's $11.10 is carried by
    # the first over-allocated line only, the second reports $0 (no double count).
    ("MIS2", "medicare", {"97110": 18, "97140": 13, "97116": 10, "97035": 8}, [("97110", 2), ("97035", 1)],
     [("UNITS_MISALLOCATED", "97110", 2, 1, "11.10", "recoverable", MEDICARE_DEADLINE),
      ("UNITS_MISALLOCATED", "97035", 1, 0, "0.00", "recoverable", MEDICARE_DEADLINE)]),
    # Ex5 billing 0 units: only the (untimed) evaluation is billed; the one timed unit goes to 97110
    # (remainders tie at 7, then cpt) and is MPPR-reduced behind the evaluation.
    ("EX5E", "medicare", {"97165": 45, "97112": 7, "97110": 7, "97140": 7}, [("97165", 1)],
     [("UNITS_UNDERBILLED", "97110", 0, 1, "23.78", "recoverable", MEDICARE_DEADLINE)]),
    # Ex5 billing 0 units on the lines themselves: 97110's line; its unit is the visit's only one (full).
    ("EX5Z", "medicare", {"97112": 7, "97110": 7, "97140": 7}, [("97112", 0), ("97110", 0), ("97140", 0)],
     [("UNITS_UNDERBILLED", "97110", 0, 1, "32.11", "recoverable", MEDICARE_DEADLINE)]),
    # Total time: 20 min supports 1 unit; the second (reduced) 97530 unit is excess.
    ("OVER", "medicare", {"97530": 20}, [("97530", 2)],
     [("UNITS_OVERBILLED", "97530", 2, 1, "27.12", "overbilled", None)]),
    # A lone timed code under 8 minutes (RULEBOOK §1.5 check (d)): T = 0.
    ("LT8", "medicare", {"97535": 6}, [("97535", 1)],
     [("UNITS_OVERBILLED", "97535", 1, 0, "35.98", "overbilled", None)]),
    # Not configured (Cigna): both methods say 3 for 97530 40 min, billed 2: $98.04 - $69.56.
    ("BOTH", "cigna", {"97530": 40}, [("97530", 2)],
     [("UNITS_UNDERBILLED", "97530", 2, 3, "28.48", "recoverable", COMMERCIAL_DEADLINE)]),
    # Not configured: 24 + 23 min; total time 97530 2 / 97535 1, per code 2 / 2: both say under for both
    # codes; 97535's expectation is the nearer one (1). $69.56 - $41.09; 97535 added reduced 1.05 x $25.72.
    ("BOTH2", "cigna", {"97530": 24, "97535": 23}, [("97530", 1)],
     [("UNITS_UNDERBILLED", "97530", 1, 2, "28.47", "recoverable", COMMERCIAL_DEADLINE),
      ("UNITS_UNDERBILLED", "97535", 0, 1, "27.01", "recoverable", COMMERCIAL_DEADLINE)]),
    # Untimed evaluation billed x2: the excess unit is the reduced $82.68 behind the first.
    ("EVAL2", "medicare", {"97165": 45}, [("97165", 2)],
     [("UNTIMED_MULTIPLE_UNITS", "97165", 2, 1, "82.68", "overbilled", None)]),
    # ... and split over two lines: the second line carries the excess.
    ("EVAL11", "medicare", {"97165": 45}, [("97165", 1), ("97165", 1)],
     [("UNTIMED_MULTIPLE_UNITS", "97165", 1, 0, "82.68", "overbilled", None)]),
    # A timed line whose visit row records no minutes: the line's value, 97110 x2 = $32.11 + $23.78.
    ("NOMIN", "medicare", {"97110": None}, [("97110", 2)],
     [("MINUTES_MISSING", "97110", 2, None, "55.89", "recoverable", MEDICARE_DEADLINE)]),
    # A timed line with no visit row for its code: 97535 (reduced behind 97530); the day is not judged
    # for units (97530 45 min billed x1 would otherwise be UNITS_UNDERBILLED).
    ("NOROW", "medicare", {"97530": 45}, [("97530", 1), ("97535", 1)],
     [("MINUTES_MISSING", "97535", 1, None, "25.72", "recoverable", MEDICARE_DEADLINE)]),
]

# Near misses in the same practice: no units finding of any kind.
NEAR_MISSES = [
    # DESIGN §6: 97530 38 min + 97535 7 min = 45 min, T = 3; 97530 x3 and no 97535 is correct.
    ("NEAR", "medicare", {"97530": 38, "97535": 7}, [("97530", 3)]),
    # Not configured, methods disagree: total time says Ex1 billed right, per code says 97110 short.
    ("DIS1", "cigna", {"97112": 24, "97110": 23}, [("97112", 2), ("97110", 1)]),
    # Not configured, Ex2 as 3 of one code: total time says misallocated (not a direction), per code says
    # 97112 over and 97110 under: no finding, and never UNITS_MISALLOCATED for an unconfigured payer.
    ("DIS2", "cigna", {"97112": 20, "97110": 20}, [("97112", 3)]),
    # A per-code payer billed by its own method (Ex1: 2 + 2 units): no finding, and no allocation test.
    ("PCOK", "aetna", {"97112": 24, "97110": 23}, [("97112", 2), ("97110", 2)]),
    # One evaluation and one group session: two different untimed codes, one unit each.
    ("EVAL1", "medicare", {"97165": 45, "97150": 30}, [("97165", 1), ("97150", 1)]),
    # Minutes documented for every timed line.
    ("DOCD", "medicare", {"97110": 15}, [("97110", 1)]),
]


@pytest.fixture(scope="module")
def practice() -> MiniPractice:
    """Every case above, each its own patient, staged and checked once as of 2025-06-30."""
    p = MiniPractice()
    p.configure_payer("aetna", unit_method="per_code")
    for case, minutes, _, _, billing in CMS_EXAMPLES:
        plant(p, "CMS-" + case, minutes, list(billing.items()))
    for case, minutes, _, _, billing in CMS_EXAMPLES:
        if "-" not in case:
            plant(p, "PC-" + case, minutes, list(billing.items()), payer="aetna")
    for claim_id, payer, minutes, billed, _ in PLANTED:
        plant(p, claim_id, minutes, billed, payer=payer)
    for claim_id, payer, minutes, billed in NEAR_MISSES:
        plant(p, claim_id, minutes, billed, payer=payer)
    p.run(as_of=AS_OF, rules=UNITS_RULES)
    return p


def findings_of(p: MiniPractice, claim_id: str) -> list[tuple]:
    """(rule, cpt, units_billed, units_expected, amount, kind, fix_by) of a claim's findings, exact types."""
    return p.con.execute("""
        select rule_id, cpt, units_billed, units_expected, amount_usd, amount_kind, fix_by from findings
        where claim_id = ? order by rule_id, cpt""", [claim_id]).fetchall()


def expected(rows) -> list[tuple]:
    return sorted((r, c, b, e, Decimal(a), k, f) for r, c, b, e, a, k, f in rows)


def allocation(p: MiniPractice, claim_id: str) -> tuple[int, dict[str, int], dict[str, int]]:
    """T, the canonical total-time units and the per-code units of the claim's visit day (stg_units_codes)."""
    rows = p.con.execute("""
        select cpt, day_units, units_total_time, units_per_code from stg_units_codes
        where visit_key = (select visit_key from stg_claim_lines where claim_id = ? limit 1)""", [claim_id]).fetchall()
    assert rows, f"{claim_id}: day not judged"
    return rows[0][1], {c: tt for c, _, tt, _ in rows}, {c: pc for c, _, _, pc in rows}


# --- RULEBOOK §1.2: the CMS examples ---------------------------------------------------------------

@pytest.mark.parametrize("case,minutes,total,units,billing", CMS_EXAMPLES, ids=[c[0] for c in CMS_EXAMPLES])
def test_cms_example_allocation_billed_right_raises_nothing(practice, case, minutes, total, units, billing):
    day_units, canonical, _ = allocation(practice, "CMS-" + case)
    assert sum(minutes.values()) == total
    assert day_units == units
    # ties (Ex2, Ex5) go to the code billed with more units, so any valid CMS billing is the canonical one
    assert canonical == {cpt: billing.get(cpt, 0) for cpt in minutes}
    assert findings_of(practice, "CMS-" + case) == []
    assert len(practice.con.execute("select * from findings").fetchall()) > 0


def test_cms_allocation_without_billing_breaks_ties_by_code(practice):
    """Ex5 with nothing timed billed: the one unit goes to the lowest code of the tied remainders."""
    assert allocation(practice, "EX5E")[:2] == (1, {"97110": 1, "97112": 0, "97140": 0})


# --- RULEBOOK §1.3: per-code contrasts ---------------------------------------------------------------

@pytest.mark.parametrize("case,per_code_total,total_time,rule,cpt,billed,units_expected,amount,kind",
                         PER_CODE_CONTRASTS, ids=[c[0] for c in PER_CODE_CONTRASTS])
def test_per_code_payer_on_the_cms_examples(practice, case, per_code_total, total_time, rule, cpt, billed,
                                           units_expected, amount, kind):
    day_units, _, per_code = allocation(practice, "PC-" + case)
    assert (sum(per_code.values()), day_units) == (per_code_total, total_time)
    fix_by = COMMERCIAL_DEADLINE if kind == "recoverable" else None
    assert findings_of(practice, "PC-" + case) == expected([(rule, cpt, billed, units_expected, amount, kind, fix_by)])


# --- Planted findings and near misses ----------------------------------------------------------------

@pytest.mark.parametrize("claim_id,payer,minutes,billed,rows", PLANTED, ids=[c[0] for c in PLANTED])
def test_planted_finding(practice, claim_id, payer, minutes, billed, rows):
    assert findings_of(practice, claim_id) == expected(rows)


@pytest.mark.parametrize("claim_id,payer,minutes,billed", NEAR_MISSES, ids=[c[0] for c in NEAR_MISSES])
def test_near_miss_raises_nothing(practice, claim_id, payer, minutes, billed):
    assert findings_of(practice, claim_id) == []
    assert findings_of(practice, "MPPR") != []      # the same run does find the planted cases


def test_worked_example_prices_the_visit_both_ways(practice):
    """RULEBOOK §11.3: 97530 x2 + 97535 x1 = $91.97 through MPPR, against $64.85 as billed."""
    row = practice.con.execute("""
        select billed_visit_price, scenario_visit_price, amount_usd, value_basis from stg_units_prices
        where scenario like 'units:%|97530' and visit_key in (select visit_key from stg_claim_lines where claim_id = 'MPPR')
    """).fetchone()
    assert row == (Decimal("64.85"), Decimal("91.97"), Decimal("27.12"),
                   "Medicare fee schedule 2025, locality 01, MPPR applied")


def test_where_a_finding_is_reported(practice):
    """The code's first line; an unbilled documented code on the day's claim with empty modifiers."""
    rows = practice.con.execute("""
        select claim_id, cpt, modifiers, dos, payer, payer_class, provider_npi, source_file from findings
        where claim_id in ('MPPR', 'PC-Ex4') order by claim_id""").fetchall()
    assert rows == [
        ("MPPR", "97530", "GO", dt.date(2025, 5, 5), "Medicare Part B (NGS J-K)", "medicare", "1548326741", "test.837"),
        ("PC-Ex4", "97035", "", dt.date(2025, 5, 5), "Aetna", "commercial", "1548326741", "test.837"),
    ]


@pytest.mark.parametrize("claim_id,phrases", [
    ("MPPR", ["97530 billed 1 unit(s)", "support 2", "97530 30 min, 97535 15 min",
              "total-time method: 45 timed min on the day = 3 units, 2 billed", "$27.12",
              "Medicare fee schedule 2025, locality 01, MPPR applied"]),
    ("BOTH", ["unit method not configured", "both methods agree", "total time: 40 timed min on the day = 3 units",
              "per code: 40 min = 3", "$28.48", "105% of the Medicare fee schedule 2025"]),
    ("PC-Ex1", ["per-code method: 23 min = 2 units"]),
    ("MIS3", ["CMS allocation gives it 2", "$88.59 as billed and $85.94 as allocated"]),
    ("EVAL2", ["97165", "2 units", "1 excess unit(s)", "$82.68"]),
    ("NOROW", ["no visit row for the code that day", "$25.72"]),
    ("NOMIN", ["a visit row that records no minutes", "$55.89"]),
])
def test_detail_states_the_numbers_and_the_price_basis(practice, claim_id, phrases):
    (detail,) = practice.con.execute("select detail from findings where claim_id = ?", [claim_id]).fetchone()
    for phrase in phrases:
        assert phrase in detail, detail
    assert detail.count(". ") == 0 and detail.endswith(".")


def test_findings_carry_no_phi(practice):
    details = [r[0] for r in practice.con.execute("select detail from findings").fetchall()]
    assert len(details) >= len(PLANTED)
    claims = [r[0] for r in practice.con.execute("select distinct claim_id from findings").fetchall()]
    for detail in details:
        for phi in ["DOE", "JANE", "1950", "MRN-"] + ["MB" + c for c in claims]:
            assert phi not in detail, detail


def test_every_planted_rule_fires(practice):
    fired = {r[0] for r in practice.con.execute("select distinct rule_id from findings").fetchall()}
    assert fired == set(UNITS_RULES)


# --- Runs of their own: past the filing limit, paid lines, no visits export ----------------------------

def test_underbilled_past_the_filing_deadline_is_lost():
    p = MiniPractice()
    plant(p, "MPPR", {"97530": 30, "97535": 15}, [("97530", 1), ("97535", 1)])
    p.run(as_of="2026-05-06", rules=UNITS_RULES)
    assert findings_of(p, "MPPR") == expected(
        [("UNITS_UNDERBILLED", "97530", 1, 2, "27.12", "lost", MEDICARE_DEADLINE)])


def test_minutes_missing_on_a_paid_line_is_at_risk_at_the_835_allowed():
    p = MiniPractice()
    plant(p, "PAID", {"97530": None}, [("97530", 1)])
    p.remit("PAID", "2025-05-20", [("97530", "GO", 30.68, 39.13, [("CO", "45", 60.87), ("PR", "2", 7.83)])])
    p.run(as_of=AS_OF, rules=UNITS_RULES)
    assert findings_of(p, "PAID") == expected(
        [("MINUTES_MISSING", "97530", 1, None, "39.13", "at_risk", MEDICARE_DEADLINE)])


def test_no_minutes_missing_without_a_visits_export():
    """No visit rows at all: the export is missing, not the minutes. The untimed check still runs."""
    p = MiniPractice()
    p.claim("NOEXPORT", DOS, [("97165", "GO", 2), ("97530", "GO", 2)])
    p.run(as_of=AS_OF, rules=UNITS_RULES)
    assert p.con.execute("select count(*) from visits").fetchone() == (0,)
    assert findings_of(p, "NOEXPORT") == expected(
        [("UNTIMED_MULTIPLE_UNITS", "97165", 2, 1, "82.68", "overbilled", None)])


def test_without_a_fee_schedule_the_median_allowed_prices_the_unit_else_no_estimate():
    """DESIGN §4: a payer with no fee schedule falls back to the practice's median allowed per unit for the
    code and payer (835s); with no paid history the finding stays, at $0, and the detail says so."""
    p = MiniPractice(payer="unknown")
    p.claim("HIST", "2025-04-01", [("97530", "GO", 2)], member_id="MBHIST")
    p.remit("HIST", "2025-04-20", [("97530", "GO", 80.00, 80.00)])          # $40.00 a unit
    plant(p, "MED", {"97530": 40}, [("97530", 2)], payer="unknown")
    plant(p, "NONE", {"97535": 40}, [("97535", 2)], payer="unknown")
    p.run(as_of=AS_OF, rules=UNITS_RULES)
    deadline = dt.date(2025, 8, 3)                                            # default 90 days
    assert findings_of(p, "MED") == expected([("UNITS_UNDERBILLED", "97530", 2, 3, "40.00", "recoverable", deadline)])
    assert findings_of(p, "NONE") == expected([("UNITS_UNDERBILLED", "97535", 2, 3, "0.00", "recoverable", deadline)])
    details = dict(p.con.execute("select claim_id, detail from findings where claim_id in ('MED', 'NONE')").fetchall())
    assert "median allowed per unit of 97530 for this payer in the 835s" in details["MED"]
    assert "no fee schedule or paid history for 97535, so no dollar estimate" in details["NONE"]

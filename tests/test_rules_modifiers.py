"""Modifier, Medicare-threshold, NCCI and coding-edit rules (RULEBOOK §1.4, §2, §3, §4, §5; DESIGN rule table, §7).

Every case builds a tiny practice, runs only the rule under test and checks the exact finding (claim, DOS,
cpt, amount to the cent, amount_kind, fix_by) or its absence on the near-miss. Prices are the 2025
Metropolitan Boston (locality 01) fee schedule: per unit full / MPPR-reduced
97530 39.13 / 27.12, 97535 35.98 / 25.72, 97110 32.11 / 23.78, 97168 78.14 / 55.68, 97165 112.30 / 82.68,
97161 109.20, 97129 23.34 (no MPPR), 97130 22.28 (no MPPR), 97763 57.51, 97014 13.71 (no MPPR).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from builders import MiniPractice

AS_OF = "2025-12-31"
MEDICARE_FILING = dt.timedelta(days=365)


def rows(findings, rule_id):
    """The findings of one rule as plain dicts (dates as date, amount as Decimal to the cent)."""
    out = []
    for r in findings[findings.rule_id == rule_id].to_dict("records"):
        r["dos"] = r["dos"].date() if hasattr(r["dos"], "date") else r["dos"]
        r["fix_by"] = None if r["fix_by"] is None or r["fix_by"] != r["fix_by"] else (
            r["fix_by"].date() if hasattr(r["fix_by"], "date") else r["fix_by"])
        r["amount_usd"] = Decimal(str(r["amount_usd"])).quantize(Decimal("0.01"))
        out.append(r)
    return out


def key(r):
    return (r["claim_id"], r["dos"].isoformat(), r["cpt"], f"{r['amount_usd']:.2f}", r["amount_kind"],
            r["fix_by"].isoformat() if r["fix_by"] else None)


def deadline(dos: str, days: int = 365) -> str:
    return (dt.date.fromisoformat(dos) + dt.timedelta(days=days)).isoformat()


# -- GO_MISSING / DISCIPLINE_MODIFIER_WRONG (RULEBOOK §2) ------------------------------------------------

@pytest.mark.parametrize("rule_id,cpt,mods,payer,amount,filing_days", [
    # always-therapy code, none of GO/GP/GN
    ("GO_MISSING", "97530", "", "medicare", "39.13", 365),
    ("GO_MISSING", "97530", "KX", "medicare", "39.13", 365),
    ("GO_MISSING", "97165", "", "medicare", "112.30", 365),
    ("GO_MISSING", "97530", "", "masshealth", "27.39", 90),        # 70% of 39.13
    # GP/GN on an OT service, GO on a PT-only code, two discipline modifiers, CQ on a GO line
    ("DISCIPLINE_MODIFIER_WRONG", "97530", "GP", "medicare", "39.13", 365),
    ("DISCIPLINE_MODIFIER_WRONG", "97165", "GN", "medicare", "112.30", 365),
    ("DISCIPLINE_MODIFIER_WRONG", "97161", "GO", "medicare", "109.20", 365),
    ("DISCIPLINE_MODIFIER_WRONG", "97530", "GO;GP", "medicare", "39.13", 365),
    ("DISCIPLINE_MODIFIER_WRONG", "97530", "GO;CQ", "medicare", "39.13", 365),
    ("DISCIPLINE_MODIFIER_WRONG", "97530", "GP", "bcbs", "43.04", 90),   # 110% of 39.13
])
def test_discipline_modifier_fires(rule_id, cpt, mods, payer, amount, filing_days):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [(cpt, mods, 1)], payer=payer)
    got = rows(p.run(as_of="2025-05-01", rules=[rule_id]), rule_id)     # inside every payer's filing limit
    assert [key(r) for r in got] == [("C1", "2025-03-04", cpt, amount, "recoverable", deadline("2025-03-04", filing_days))]
    assert got[0]["modifiers"] == mods and got[0]["units_billed"] == 1
    assert got[0]["payer_class"] == {"bcbs": "commercial"}.get(payer, payer)


@pytest.mark.parametrize("cpt,mods,payer", [
    ("97530", "GO", "medicare"),            # right modifier
    ("97530", "GO;KX", "medicare"),
    ("97165", "GO", "medicare"),
    ("97161", "GP", "medicare"),            # PT code with its own modifier
    ("97129", "", "medicare"),              # not on the always-therapy list
    ("97530", "", "unknown"),               # payer does not require discipline modifiers
    ("97530", "GP", "unknown"),
])
def test_discipline_modifier_near_miss(cpt, mods, payer):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [(cpt, mods, 1)], payer=payer)
    f = p.run(as_of=AS_OF, rules=["GO_MISSING", "DISCIPLINE_MODIFIER_WRONG"])
    assert f.empty, f[["rule_id", "cpt", "modifiers"]]


def test_discipline_detail_names_every_reason():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO;GP", 1), ("97161", "GO", 1)])
    got = {r["cpt"]: r["detail"] for r in rows(p.run(as_of=AS_OF, rules=["DISCIPLINE_MODIFIER_WRONG"]),
                                               "DISCIPLINE_MODIFIER_WRONG")}
    assert "GP on an OT service" in got["97530"] and "two discipline modifiers" in got["97530"]
    assert "GO on 97161, a PT-only code that takes GP" in got["97161"]


def test_go_missing_paid_line_is_at_risk_at_the_835_allowed():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "", 2)])
    p.remit("C1", "2025-04-01", [("97530", "", 52.0, 66.25, [("PR", "2", 14.25)])])
    got = rows(p.run(as_of=AS_OF, rules=["GO_MISSING"]), "GO_MISSING")
    assert [key(r) for r in got] == [("C1", "2025-03-04", "97530", "66.25", "at_risk", "2026-03-04")]
    assert "835 allowed amount" in got[0]["detail"]


def test_go_missing_unpaid_line_past_filing_is_lost():
    p = MiniPractice()
    p.claim("C1", "2024-01-08", [("97530", "", 1)])
    p.claim("C2", "2025-03-04", [("97530", "GO", 1)])
    got = rows(p.run(as_of="2025-03-04", rules=["GO_MISSING"]), "GO_MISSING")
    assert [(r["claim_id"], r["amount_kind"], r["fix_by"]) for r in got] == [("C1", "lost", dt.date(2025, 1, 8))]   # one calendar year (2024 is a leap year)
    # no 2024 fee schedule is bundled: a labelled proxy (RULEBOOK §11.4) = 2025 RVUs x 2025 GPCIs x the 2024 CF
    # before 9 March ($32.7442): (0.44 x 1.042 + 0.62 x 1.197 + 0.01 x 0.894) x 32.7442 = $39.61
    assert got[0]["amount_usd"] == Decimal("39.61")
    assert "proxy Medicare fee schedule 2024" in got[0]["detail"]


@pytest.mark.parametrize("claim_level", [False, True])
def test_go_missing_on_a_denied_line_reports_zero_and_points_at_the_denial(claim_level):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "", 1)])
    if claim_level:
        p.remit("C1", "2025-04-01", [], status="4")
        p.claim_adjustment("C1", "CO", "16", 39.13)
    else:
        p.remit("C1", "2025-04-01", [("97530", "", 0.0, None, [("CO", "4", 39.13)])])
    got = rows(p.run(as_of=AS_OF, rules=["GO_MISSING"]), "GO_MISSING")
    assert [key(r) for r in got] == [("C1", "2025-03-04", "97530", "0.00", "recoverable", "2026-03-04")]
    assert "DENIAL_RECOVERABLE or DENIAL_WRITE_OFF" in got[0]["detail"]
    assert ("CO-16" if claim_level else "CO-4") in got[0]["detail"]


# -- KX_MISSING / TMR_THRESHOLD (RULEBOOK §4) --------------------------------------------------------

def kx_practice() -> MiniPractice:
    """Beneficiary A crosses the 2025 OT threshold ($2,410) on claim A3 line 2 and $3,000 on claim A8;
    beneficiary B has more PT (GP) than OT dollars and stays below the OT threshold.

    A running OT total (expected allowed, DOS / claim / line order):
      A1 2025-02-03 97530x30 GO          825.61 (denied CO-50: still counted)      825.61
      A2 2025-03-03 97530x30 GO          825.61                                    1651.22
      A3 2025-04-07 1: 97535x1 GO         25.72 (MPPR: 97530 holds the full unit)  1676.94
                    2: 97530x30 GO       825.61  -> crosses 2410, no KX: fires     2502.55
      A4 2025-05-05 97530x2 GO;KX         66.25  has KX: no finding                2568.80
      A5 2025-06-02 1: 97535x1 GO         35.98  fires                             2604.78
                    2: 97110x1 GP         23.78  PT bucket: not counted, no finding
      A6 2025-06-09 97535x1 GO            35.98  fires at $0 (denied CO-119)       2640.76
      A7 2025-07-07 97530x10 GO;KX       283.21                                    2923.97
      A8 2025-08-04 97530x5 GO;KX        147.61  -> crosses 3000: TMR              3071.58
      A9 2025-09-08 97535x2 GO;GA         61.70  GA: no KX finding                 3133.28
    """
    p = MiniPractice()
    a = dict(member_id="A0000000001")
    p.claim("A1", "2025-02-03", [("97530", "GO", 30)], **a)
    p.remit("A1", "2025-03-01", [("97530", "GO", 0.0, None, [("CO", "50", 825.61)])])
    p.claim("A2", "2025-03-03", [("97530", "GO", 30)], **a)
    p.claim("A3", "2025-04-07", [("97535", "GO", 1), ("97530", "GO", 30)], **a)
    p.claim("A4", "2025-05-05", [("97530", "GO;KX", 2)], **a)
    p.claim("A5", "2025-06-02", [("97535", "GO", 1), ("97110", "GP", 1)], **a)
    p.claim("A6", "2025-06-09", [("97535", "GO", 1)], **a)
    p.remit("A6", "2025-07-01", [("97535", "GO", 0.0, None, [("CO", "119", 35.98)])])
    p.claim("A7", "2025-07-07", [("97530", "GO;KX", 10)], **a)
    p.claim("A8", "2025-08-04", [("97530", "GO;KX", 5)], **a)
    p.claim("A9", "2025-09-08", [("97535", "GO;GA", 2)], **a)
    b = dict(member_id="B0000000002")
    p.claim("B1", "2025-02-03", [("97530", "GO", 30)], **b)                 # OT 825.61
    p.claim("B2", "2025-02-04", [("97110", "GP", 100)], **b)                # PT 2386.33
    p.claim("B3", "2025-03-03", [("97530", "GO", 2)], **b)                  # OT total 891.86: below
    return p


def test_kx_missing_on_the_crossing_line_and_later_lines_without_kx():
    got = rows(kx_practice().run(as_of=AS_OF, rules=["KX_MISSING"]), "KX_MISSING")
    assert sorted(key(r) for r in got) == [
        ("A3", "2025-04-07", "97530", "825.61", "recoverable", "2026-04-07"),
        ("A5", "2025-06-02", "97535", "35.98", "recoverable", "2026-06-02"),
        ("A6", "2025-06-09", "97535", "0.00", "recoverable", "2026-06-09"),
    ]
    by_claim = {r["claim_id"]: r["detail"] for r in got}
    assert "crossing the $2410.00 KX threshold from $1676.94" in by_claim["A3"]
    assert "already above" in by_claim["A5"] and "DENIAL_" in by_claim["A6"]


def test_kx_running_total_uses_expected_allowed_in_date_claim_line_order():
    p = kx_practice()
    p.run(as_of=AS_OF, rules=["KX_MISSING"])
    totals = dict(p.con.execute("""
        select claim_id || '#' || line_number, running_total from stg_medicare_ot_lines
        where patient_key = 'M:A0000000001'""").fetchall())
    assert totals["A3#1"] == Decimal("1676.94") and totals["A3#2"] == Decimal("2502.55")
    assert "A5#2" not in totals                                            # GP line: PT bucket
    assert totals["A8#1"] == Decimal("3071.58")


def test_tmr_threshold_once_per_beneficiary_year_with_the_exposed_amount():
    got = rows(kx_practice().run(as_of=AS_OF, rules=["TMR_THRESHOLD"]), "TMR_THRESHOLD")
    # 147.61 (A8, the crossing line) + 61.70 (A9)
    assert [key(r) for r in got] == [("A8", "2025-08-04", None, "209.31", "at_risk", None)]
    assert "2923.97 to $3071.58" in got[0]["detail"]


def test_kx_and_tmr_ignore_payers_that_do_not_follow_medicare():
    p = kx_practice()
    p.claims = [dict(c, payer_name="BCBSMA MEDICARE HMO BLUE", payer_id="BCBSMAMA") for c in p.claims]
    f = p.run(as_of=AS_OF, rules=["KX_MISSING", "TMR_THRESHOLD"])
    assert f.empty


# -- CO_MODIFIER_MISSING / CO_MODIFIER_UNNEEDED (RULEBOOK §3, DESIGN §7) ------------------------------

@pytest.mark.parametrize("cpt,mods,units,minutes,role,ota_minutes,rule_id,amount", [
    # OTA furnished the whole service: 2 CO units of 2; 0.12 x 66.25
    ("97530", "GO", 2, 30, "OTA", None, "CO_MODIFIER_MISSING", "7.95"),
    # OT 18 + OTA 12: 1 whole OT unit, final unit OT 3 / OTA 12 -> CO; 0.12 x 66.25 x 1/2
    ("97530", "GO", 2, 30, "OT", 12, "CO_MODIFIER_MISSING", "3.98"),
    # OT 12 + OTA 11: two remaining units, both 9-14 min -> one with CO
    ("97530", "GO", 2, 23, "OT", 11, "CO_MODIFIER_MISSING", "3.98"),
    # OT 7 + OTA 3 of the only unit: OT short of 8 and OTA 30% -> CO; 0.12 x 39.13
    ("97530", "GO", 1, 10, "OT", 3, "CO_MODIFIER_MISSING", "4.70"),
    # untimed: OTA 4 of 30 minutes (> 10%); 0.12 x 78.14
    ("97168", "GO", 1, 30, "OT", 4, "CO_MODIFIER_MISSING", "9.38"),
    # CO on a service the OT furnished alone: 0.12 x 66.25 (expected before the CO reduction)
    ("97530", "GO;CO", 2, 30, "OT", None, "CO_MODIFIER_UNNEEDED", "7.95"),
    ("97530", "GO;CO", 2, 30, "OT", 3, "CO_MODIFIER_UNNEEDED", "7.95"),
])
def test_co_fires(cpt, mods, units, minutes, role, ota_minutes, rule_id, amount):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [(cpt, mods, units)])
    p.visit("2025-03-04", cpt, minutes=minutes, role=role, ota_minutes=ota_minutes)
    f = p.run(as_of=AS_OF, rules=["CO_MODIFIER_MISSING", "CO_MODIFIER_UNNEEDED"])
    got = rows(f, rule_id)
    kind, fix_by = ("overbilled", None) if rule_id == "CO_MODIFIER_MISSING" else ("recoverable", "2026-03-04")
    assert [key(r) for r in got] == [("C1", "2025-03-04", cpt, amount, kind, fix_by)]
    assert len(f) == 1


@pytest.mark.parametrize("cpt,lines,minutes,role,ota_minutes", [
    ("97530", [("GO", 1)], 10, "OT", 1),         # OTA share exactly 10% (and OT met the unit)
    ("97530", [("GO", 2)], 30, "OT", 3),         # OTA 10% of the service: final unit OT 12 min
    ("97530", [("GO", 1)], 10, "OT", 2),         # OT alone furnished 8 minutes of the final unit
    ("97168", [("GO", 1)], 30, "OT", 3),         # untimed, OTA exactly 10%
    ("97530", [("GO", 2)], 30, "OT", None),      # OT alone, no CO
    ("97530", [("GO;CO", 2)], 30, "OTA", None),  # OTA alone, CO billed
    ("97530", [("GO;CO", 1), ("GO", 1)], 30, "OT", 12),   # one CO unit needed, billed on its own line
])
def test_co_near_miss(cpt, lines, minutes, role, ota_minutes):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [(cpt, mods, units) for mods, units in lines])
    p.visit("2025-03-04", cpt, minutes=minutes, role=role, ota_minutes=ota_minutes)
    assert p.run(as_of=AS_OF, rules=["CO_MODIFIER_MISSING", "CO_MODIFIER_UNNEEDED"]).empty


@pytest.mark.parametrize("payer,dos", [("ma", "2025-03-04"), ("aetna", "2025-03-04"), ("medicare", "2021-12-30")])
def test_co_scope_medicare_rules_from_2022(payer, dos):
    p = MiniPractice()
    p.claim("C1", dos, [("97530", "GO", 2)], payer=payer)
    p.visit(dos, "97530", minutes=30, role="OTA", payer=payer)
    assert p.run(as_of=AS_OF, rules=["CO_MODIFIER_MISSING"]).empty


# -- NCCI_MODIFIER_MISSING (RULEBOOK §5) -------------------------------------------------------------

@pytest.mark.parametrize("col1_mods,col2_mods,fires", [
    ("GO", "GO", True),
    ("GO;59", "GO", True),        # modifier on column 1 does not bypass the edit
    ("GO", "GO;59", False),
    ("GO", "GO;XU", False),
    ("GO", "GO;XE", False),
])
def test_ncci_97530_with_97168(col1_mods, col2_mods, fires):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", col1_mods, 1), ("97168", col2_mods, 1)])
    got = rows(p.run(as_of=AS_OF, rules=["NCCI_MODIFIER_MISSING"]), "NCCI_MODIFIER_MISSING")
    # 97168 holds the visit's full MPPR unit (higher PE): 78.14
    assert [key(r) for r in got] == ([("C1", "2025-03-04", "97168", "78.14", "recoverable", "2026-03-04")] if fires else [])


def test_ncci_pair_across_two_claims_of_one_patient_day():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97110", "GO", 1)])
    p.claim("C2", "2025-03-04", [("97168", "GO", 1)])
    p.remit("C2", "2025-04-01", [("97168", "GO", 60.0, 76.00)])
    got = rows(p.run(as_of=AS_OF, rules=["NCCI_MODIFIER_MISSING"]), "NCCI_MODIFIER_MISSING")
    assert [key(r) for r in got] == [("C2", "2025-03-04", "97168", "76.00", "at_risk", "2026-03-04")]


@pytest.mark.parametrize("lines_day1,lines_day2", [
    ([("97530", "GO", 1), ("97140", "GO", 1)], []),       # LOW-MED pair, off by default
    ([("97530", "GO", 1), ("97535", "GO", 1)], []),       # UNCONFIRMED, off
    ([("97530", "GO", 1)], [("97168", "GO", 1)]),         # different days
])
def test_ncci_near_miss(lines_day1, lines_day2):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", lines_day1)
    if lines_day2:
        p.claim("C2", "2025-03-05", lines_day2)
    assert p.run(as_of=AS_OF, rules=["NCCI_MODIFIER_MISSING"]).empty


# -- CODING_EDIT (RULEBOOK §1.4 last paragraph, §5) --------------------------------------------------

@pytest.mark.parametrize("lines,payer,dos,cpt,line_number,amount,edit", [
    ([("97130", "GO", 1)], "medicare", "2025-03-04", "97130", 1, "22.28", "without its primary code 97129"),
    ([("97760", "GO", 1), ("97763", "GO", 1)], "medicare", "2025-03-04", "97763", 2, "57.51",
     "the same day as 97760"),
    ([("97165", "GO", 1), ("97168", "GO", 1)], "medicare", "2025-03-04", "97168", 2, "55.68",
     "evaluation code number 2"),
    ([("97014", "GO", 1)], "medicare", "2025-03-04", "97014", 1, "13.71", "status I"),
    ([("97010", "GO", 1)], "medicare", "2025-03-04", "97010", 1, "7.34", "status B"),
    ([("97127", "GO", 1)], "aetna", "2025-03-04", "97127", 1, "0.00", "deleted after 2019-12-31"),
])
def test_coding_edit_fires(lines, payer, dos, cpt, line_number, amount, edit):
    p = MiniPractice()
    p.claim("C1", dos, lines, payer=payer)
    got = rows(p.run(as_of="2025-05-01", rules=["CODING_EDIT"]), "CODING_EDIT")
    filing = 365 if payer == "medicare" else 90
    assert [key(r) for r in got] == [("C1", dos, cpt, amount, "recoverable", deadline(dos, filing))]
    assert edit in got[0]["detail"]


@pytest.mark.parametrize("lines,payer,dos", [
    ([("97129", "GO", 1), ("97130", "GO", 2)], "medicare", "2025-03-04"),
    ([("97763", "GO", 1)], "medicare", "2025-03-04"),
    ([("97760", "GO", 1)], "medicare", "2025-03-04"),
    ([("97165", "GO", 1), ("97530", "GO", 2)], "medicare", "2025-03-04"),
    ([("97014", "GO", 1)], "aetna", "2025-03-04"),
    ([("97127", "GO", 1)], "aetna", "2019-12-30"),
])
def test_coding_edit_near_miss(lines, payer, dos):
    p = MiniPractice()
    p.claim("C1", dos, lines, payer=payer)
    assert p.run(as_of=AS_OF, rules=["CODING_EDIT"]).empty


def test_coding_edit_evals_across_claims_flags_the_later_claim_and_zeroes_a_denied_line():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97165", "GO", 1)])
    p.claim("C2", "2025-03-04", [("97168", "GO", 1)])
    p.remit("C2", "2025-04-01", [("97168", "GO", 0.0, None, [("CO", "97", 55.68)])])
    got = rows(p.run(as_of=AS_OF, rules=["CODING_EDIT"]), "CODING_EDIT")
    assert [key(r) for r in got] == [("C2", "2025-03-04", "97168", "0.00", "recoverable", "2026-03-04")]
    assert "CO-97" in got[0]["detail"]

"""Staging on tiny hand-made practices: which 837 and 835 rows are a claim's final state, how lines and
visits match, how payers are classified (DESIGN §3, §11). One test per reviewed defect: each asserts the
false finding is gone AND the staged state the rules read is the right one.

Prices are Medicare CY2025, locality 01 (RULEBOOK §11.3): 97530 x2 = $39.13 + $27.12 = $66.25.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from builders import MiniPractice, d

MEDICARE_PAID = [("97530", "GO", 51.94, 66.25, [("CO", "45", 133.75), ("PR", "2", 13.25), ("CO", "253", 1.06)])]


def medicare_visit() -> MiniPractice:
    """One Medicare visit, documented, under a plan of care, paid in full by Medicare: no finding at all."""
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)])
    p.visit("2025-03-04", "97530", minutes=30)
    p.plan("2025-03-01", "2025-05-01", signed="2025-03-05")
    p.remit("C1", "2025-03-20", MEDICARE_PAID)
    return p


def final_remit(p: MiniPractice, claim_id: str = "C1"):
    return p.con.execute("""select status_code, remit_payer_name, paid, is_reversed from stg_remit_claims_final
                            where claim_id = ?""", [claim_id]).fetchone()


def line_status(p: MiniPractice, line_key: str = "C1#1"):
    return p.con.execute("""select paid, remit_allowed, is_denied, denial_code, disposition from stg_line_status
                            where line_key = ?""", [line_key]).fetchone()


# #1 -------------------------------------------------------------------------------------------------
def test_a_secondary_payers_crossover_835_does_not_replace_medicares_answer():
    p = medicare_visit()
    # MassHealth pays the coinsurance later for the same CLP01, status 2, OA-23 = Medicare's payment
    p.remit("C1", "2025-04-10", [("97530", "GO", 13.25, None, [("OA", "23", 53.00), ("CO", "45", 133.75)])],
            status="2", payer="masshealth")
    f = p.run(as_of="2025-06-30")
    assert f.empty                                           # was DENIAL_RECOVERABLE OA-23 $53.00
    assert final_remit(p) == ("1", "MEDICARE PART B", Decimal("51.94"), False)
    assert line_status(p) == (Decimal("51.94"), Decimal("66.25"), False, None, "at_risk")
    assert p.con.execute("select claim_id, status_code, payer_name from stg_remit_secondary").fetchall() == \
        [("C1", "2", "MASSHEALTH")]


def test_an_unclassified_payers_status_2_remit_does_not_replace_the_primary_one():
    p = medicare_visit()
    p.remit("C1", "2025-04-10", [("97530", "GO", 13.25, 13.25, [("CO", "45", 186.75)])], status="2", payer="unknown")
    f = p.run(as_of="2025-06-30")
    assert f.empty                                           # was UNDERPAYMENT $53.00 (allowed 13.25)
    assert final_remit(p) == ("1", "MEDICARE PART B", Decimal("51.94"), False)


# #20 ------------------------------------------------------------------------------------------------
def test_a_correction_and_a_reversal_on_the_same_date_leave_the_correction_final():
    p = medicare_visit()
    p.remit("C1", "2025-05-01", MEDICARE_PAID)                # correction, listed before the reversal
    p.reversal("C1", "2025-05-01")
    f = p.run(as_of="2025-06-30")
    assert f.empty                                           # was CLAIM_UNPAID $66.25
    status, _, paid, reversed_ = final_remit(p)
    assert (status, paid, reversed_) == ("1", Decimal("51.94"), False)


# #2 -------------------------------------------------------------------------------------------------
def test_a_secondary_837_with_the_same_claim_id_does_not_overwrite_the_medicare_claim():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)], submitted="2025-03-06")
    p.remit("C1", "2025-03-20", MEDICARE_PAID)
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)], payer="masshealth", member_id="100200300400",
            submitted="2025-03-25")
    p.visit("2025-03-04", "97530", minutes=30)
    f = p.run(as_of="2025-09-30")
    assert f.empty                                           # was MINUTES_MISSING + VISIT_UNBILLED
    assert p.con.execute("select payer_class, patient_key, versions from stg_claims").fetchall() == \
        [("medicare", "M:1EG4TE5MK73", 1)]
    assert p.con.execute("select payer_key, subscriber_member_id from stg_secondary_claims").fetchall() == \
        [("masshealth", "100200300400")]
    # a corrected claim to the same payer is still a new version
    p2 = MiniPractice()
    p2.claim("C1", "2025-03-04", [("97530", "GO", 2)], submitted="2025-03-06")
    p2.claim("C1", "2025-03-04", [("97530", "GO", 3)], submitted="2025-03-10", frequency="7")
    p2.run(as_of="2025-09-30", rules=[])
    assert p2.con.execute("select versions, frequency_code from stg_claims").fetchall() == [(2, "7")]
    assert p2.con.execute("select units from stg_claim_lines").fetchall() == [(3.0,)]


# #3 -------------------------------------------------------------------------------------------------
def test_visit_rows_keyed_by_name_and_birth_date_match_the_claims_patient():
    p = medicare_visit()
    for v in p.visits:
        v.update(member_id=None, patient_last="Doe", patient_first="Jane", patient_dob=dt.date(1950, 1, 2))
    p.visit("2025-03-05", "97530", minutes=30, member_id="MRN-STYLE-ID")   # member id no claim has, plus a name
    p.visits[-1].update(patient_last="DOE", patient_first="JANE", patient_dob=dt.date(1950, 1, 2))
    f = p.run(as_of="2025-06-30")
    # was MINUTES_MISSING, POC_MISSING and VISIT_UNBILLED on 03-04; 03-05 is a real unbilled visit of the patient
    assert list(zip(f.rule_id, f.dos.astype(str))) == [("VISIT_UNBILLED", "2025-03-05")]
    assert p.con.execute("select distinct patient_key from stg_visit_lines").fetchall() == [("M:1EG4TE5MK73",)]


# #4 -------------------------------------------------------------------------------------------------
def test_an_mrn_with_two_member_ids_links_its_plans_to_both():
    p = MiniPractice()
    for i, dos in enumerate(["2025-01-06", "2025-01-08", "2025-01-13"]):
        p.claim(f"A{i}", dos, [("97530", "GO", 2)], payer="aetna", member_id="W1")
        p.visit(dos, "97530", minutes=30, payer="aetna", member_id="W1")
    p.plan("2025-02-03", "2025-04-30", signed="2025-02-05")
    for i, dos in enumerate(["2025-02-03", "2025-02-05"]):
        p.claim(f"M{i}", dos, [("97530", "GO", 2)])
        p.visit(dos, "97530", minutes=30)
    # the control: a Medicare day before the plan starts
    p.claim("M9", "2025-01-27", [("97530", "GO", 2)])
    p.visit("2025-01-27", "97530", minutes=30)
    f = p.run(as_of="2025-03-30", rules=["POC_MISSING", "POC_RECERT_LATE", "POC_CERT_LATE"])
    assert list(zip(f.rule_id, f.claim_id)) == [("POC_MISSING", "M9")]   # M0, M1 were POC_MISSING
    assert sorted(p.con.execute("select patient_key from stg_mrn_map").fetchall()) == [("M:1EG4TE5MK73",), ("M:W1",)]
    # one plan row per key, never twice for one key
    assert p.con.execute("select count(*), count(distinct patient_key) from stg_plans").fetchone() == (2, 2)


# #7 -------------------------------------------------------------------------------------------------
def test_medicare_named_plans_that_are_not_part_b_are_not_classified_medicare():
    p = MiniPractice()
    for i, k in enumerate(["humana_ma", "sco", "medex", "hp_enhance", "medicare_bare", "medicare"]):
        p.claim(f"C{i}", "2025-03-04", [("97530", "GO", 2)], payer=k, member_id=f"M{i}")
    p.run(as_of="2025-06-30", rules=[])
    got = dict((r[0], r[1:]) for r in p.con.execute(
        "select payer_name, payer_class, follows_medicare_rules from stg_payers").fetchall())
    assert got["HUMANA MEDICARE ADVANTAGE"] == ("medicare_advantage", False)
    assert got["SENIOR WHOLE HEALTH MEDICARE SCO"] == ("medicare_advantage", False)
    assert got["BLUE CROSS MEDEX MEDICARE SUPPLEMENT"] == ("other", False)
    assert got["HARVARD PILGRIM MEDICARE ENHANCE"] == ("other", False)       # name wins over the id 04271HP
    assert got["MEDICARE"] == ("medicare", True)                             # bare name, NGS id 14212
    assert got["MEDICARE PART B"] == ("medicare", True)
    # no KX/CO/POC rule treats the MA plan as Medicare Part B
    assert p.con.execute("select payer_class from stg_claims where claim_id = 'C0'").fetchone() == ("medicare_advantage",)


# #10 ------------------------------------------------------------------------------------------------
def test_one_remit_line_without_a_date_matches_one_claim_line_only():
    p = MiniPractice(payer="bcbs", member_id="XYZ123")
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)])
    p.lines.append(dict(p.lines[-1], line_number=2, dos=d("2025-03-06"), line_control_number=None,
                        segment_pos=p.lines[-1]["segment_pos"] + 1))
    p.lines[0]["line_control_number"] = None
    p.visit("2025-03-04", "97530", minutes=30)
    p.visit("2025-03-06", "97530", minutes=30)
    p.remit("C1", "2025-03-20", [("97530", "GO", 70.0, 70.0, [("CO", "45", 30.0)]),
                                 ("97530", "GO", 0.0, None, [("CO", "50", 100.0)])])
    for r in p.remit_lines:
        r.update(dos=None, line_control_number=None)
    f = p.run(as_of="2025-06-30")
    matches = p.con.execute("select line_key, remit_segment_pos from stg_line_match order by line_key").fetchall()
    assert matches == [("C1#1", 21), ("C1#2", 22)]           # was both lines on segment 21
    assert line_status(p, "C1#1")[:4] == (Decimal("70.00"), Decimal("70.00"), False, None)
    assert line_status(p, "C1#2")[:4] == (Decimal("0.00"), Decimal("0.00"), True, "CO-50")
    assert list(zip(f.rule_id, f.claim_id, f.dos.astype(str))) == [("DENIAL_RECOVERABLE", "C1", "2025-03-06")]


# #11 ------------------------------------------------------------------------------------------------
def test_mips_and_other_expected_adjustments_on_a_paid_line_are_not_denials():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)])
    p.visit("2025-03-04", "97530", minutes=30)
    p.plan("2025-03-01", "2025-05-01", signed="2025-03-05")
    p.remit("C1", "2025-03-20", [("97530", "GO", 50.90, 66.25, [("CO", "45", 133.75), ("PR", "2", 13.25),
                                                                ("CO", "253", 1.04), ("CO", "237", 1.06)])])
    # control: a real denial (CO-50) is still one
    p.claim("C2", "2025-03-06", [("97530", "GO", 2)])
    p.visit("2025-03-06", "97530", minutes=30)
    p.remit("C2", "2025-03-20", [("97530", "GO", 0, None, [("CO", "50", 200.0)])])
    f = p.run(as_of="2025-06-30", rules=["DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF"])
    assert list(zip(f.rule_id, f.claim_id)) == [("DENIAL_RECOVERABLE", "C2")]   # C1 was CO-237 "denied"
    assert line_status(p, "C1#1")[2:4] == (False, None)
    assert p.con.execute("select class from seed_carc_classes where reason_code in ('237', '144', '94')"
                         ).fetchall() == [("EXPECTED",)] * 3


def test_oa_23_on_a_secondary_remit_is_not_a_denial():
    p = MiniPractice(payer="masshealth", member_id="100200300400")
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)])
    p.visit("2025-03-04", "97530", minutes=30)
    p.remit("C1", "2025-04-10", [("97530", "GO", 13.25, None, [("OA", "23", 53.00)])], status="2")
    p.run(as_of="2025-06-30", rules=["DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF"])
    assert line_status(p)[:4] == (Decimal("13.25"), Decimal("13.25"), False, None)
    assert p.con.execute("select count(*) from findings").fetchone() == (0,)


# #17 ------------------------------------------------------------------------------------------------
def test_a_line_applied_to_the_deductible_is_at_risk_not_lost():
    p = MiniPractice(payer="aetna", member_id="W123")
    p.claim("C1", "2025-01-06", [("97530", "GO", 2)])
    p.visit("2025-01-06", "97535", minutes=30)
    p.remit("C1", "2025-01-20", [("97530", "GO", 0, 69.56, [("CO", "45", 130.44), ("PR", "1", 69.56)])])
    f = p.run(as_of="2025-06-30", rules=["MINUTES_MISSING"])
    assert line_status(p) == (Decimal("0.00"), Decimal("69.56"), False, None, "at_risk")
    assert list(zip(f.rule_id, f.amount_kind, f.amount_usd)) == [("MINUTES_MISSING", "at_risk", 69.56)]  # was lost


# #18 ------------------------------------------------------------------------------------------------
def test_a_future_booked_visit_does_not_move_the_as_of_date():
    p = MiniPractice(payer="bcbs", member_id="HMO111")
    p.claim("C1", "2025-05-28", [("97530", "GO", 2)], submitted="2025-06-01")
    p.visit("2025-05-28", "97530", minutes=30)
    p.claim("C0", "2025-05-20", [("97530", "GO", 2)], submitted="2025-05-21")
    p.visit("2025-05-20", "97530", minutes=30)
    p.remit("C0", "2025-06-10", [("97530", "GO", 70.0, 72.88, [("CO", "45", 27.12), ("PR", "3", 2.88)])])
    p.visit("2025-08-15", "97530", units=2, minutes=None)     # a booked appointment in the export
    f = p.run(as_of=None)
    assert p.con.execute("select as_of from audit_params").fetchone() == (d("2025-06-10"),)
    assert f.empty                                            # was TIMELY_FILING_RISK C1 + VISIT_UNBILLED 08-15
    # with no 837 or 835 at all, the visits date the audit
    p2 = MiniPractice()
    p2.visit("2025-05-28", "97530", minutes=30)
    p2.run(as_of=None, rules=[])
    assert p2.con.execute("select as_of from audit_params").fetchone() == (d("2025-05-28"),)


# Replacements / voids under a new claim number (REF*F8) and CO-18 duplicate submissions ----------------
def claim_flags(p: MiniPractice, claim_id: str):
    return p.con.execute("select is_void, is_superseded, superseded_by from stg_claims where claim_id = ?",
                         [claim_id]).fetchone()


def staged_line_keys(p: MiniPractice):
    return [r[0] for r in p.con.execute("select line_key from stg_claim_lines order by line_key").fetchall()]


def masshealth_replaced(replacement_units: int) -> MiniPractice:
    """C1 billed 1 unit, paid; replaced by C1R (frequency 7, REF*F8 = C1's payer claim id PC1)."""
    p = MiniPractice(payer="masshealth", member_id="100200300400")
    p.claim("C1", "2025-03-04", [("97530", "GO", 1)], submitted="2025-03-06")
    p.visit("2025-03-04", "97530", minutes=30)
    p.remit("C1", "2025-03-20", [("97530", "GO", 27.39, 27.39, [("CO", "45", 72.61)])])
    p.claim("C1R", "2025-03-04", [("97530", "GO", replacement_units)], submitted="2025-04-01", frequency="7",
            payer_claim_ref="PC1")
    paid = 27.39 * replacement_units
    p.remit("C1R", "2025-04-15", [("97530", "GO", paid, paid, [("CO", "45", 200 - paid)])])
    return p


def test_a_replacement_under_a_new_claim_number_supersedes_the_original():
    p = masshealth_replaced(2)
    f = p.run(as_of="2025-04-30")
    assert claim_flags(p, "C1") == (False, True, "C1R")
    assert claim_flags(p, "C1R") == (False, False, None)
    assert staged_line_keys(p) == ["C1R#1"]
    assert f.empty                                            # was UNITS_OVERBILLED "3 billed vs 2"


def test_a_wrong_replacement_under_a_new_claim_number_keeps_its_own_finding():
    p = masshealth_replaced(3)                                # 30 min support 2 units; the replacement bills 3
    f = p.run(as_of="2025-04-30")
    assert list(zip(f.rule_id, f.claim_id, f.units_billed, f.units_expected)) == [
        ("UNITS_OVERBILLED", "C1R", 3.0, 2.0)]               # not 4 (C1's unit is no longer counted)


def test_a_void_under_a_new_claim_number_removes_the_original():
    p = MiniPractice(payer="masshealth", member_id="100200300400")
    p.claim("C1", "2025-03-04", [("97530", "GO", 4)], submitted="2025-03-06")   # never answered
    p.claim("C1V", "2025-03-04", [("97530", "GO", 4)], submitted="2025-03-10", frequency="8",
            payer_claim_ref="C1")                          # REF*F8 = the original's claim id
    f = p.run(as_of="2025-06-30", rules=["UNITS_OVERBILLED", "CLAIM_UNPAID", "TIMELY_FILING_RISK"])
    assert claim_flags(p, "C1") == (False, True, "C1V")
    assert claim_flags(p, "C1V") == (True, False, None)
    assert staged_line_keys(p) == []
    assert f.empty                                            # was CLAIM_UNPAID C1
    # a frequency-7 claim naming another payer's claim, or an earlier claim, supersedes nothing
    q = MiniPractice(payer="masshealth", member_id="100200300400")
    q.claim("C1", "2025-03-04", [("97530", "GO", 1)], submitted="2025-03-06")
    q.claim("C2", "2025-03-11", [("97530", "GO", 1)], submitted="2025-03-12", frequency="7",
            payer_claim_ref="C1", payer="bcbs")
    q.claim("C3", "2025-03-18", [("97530", "GO", 1)], submitted="2025-03-01", frequency="7", payer_claim_ref="C1")
    q.run(as_of="2025-06-30", rules=[])
    assert staged_line_keys(q) == ["C1#1", "C2#1", "C3#1"]


def medicare_duplicate(with_original: bool = True) -> MiniPractice:
    """C1 (eval + 97530 x2) paid by Medicare; C2, the same service under another claim number, denied CO-18."""
    p = MiniPractice()
    p.plan("2025-03-01", "2025-05-01", signed="2025-03-05")
    p.visit("2025-03-04", "97530", minutes=30)
    p.visit("2025-03-04", "97166", minutes=45, note_type="eval")
    if with_original:
        p.claim("C1", "2025-03-04", [("97166", "GO", 1), ("97530", "GO", 2)])
        p.remit("C1", "2025-03-20", [
            ("97166", "GO", 88.03, 112.30, [("CO", "45", 87.70), ("PR", "2", 22.46), ("CO", "253", 1.81)]),
            ("97530", "GO", 51.94, 66.25, [("CO", "45", 133.75), ("PR", "2", 13.25), ("CO", "253", 1.06)])])
    p.claim("C2", "2025-03-04", [("97166", "GO", 1), ("97530", "GO", 2)], submitted="2025-03-25")
    p.remit("C2", "2025-04-05", [("97166", "GO", 0, None, [("CO", "18", 200.0)]),
                                 ("97530", "GO", 0, None, [("CO", "18", 200.0)])])
    return p


def test_a_duplicate_submission_denied_co18_is_not_extra_billing_or_lost_money():
    p = medicare_duplicate()
    f = p.run(as_of="2025-06-30")
    assert f.empty     # was UNITS_OVERBILLED, UNTIMED_MULTIPLE_UNITS, CODING_EDIT, DENIAL_WRITE_OFF x2
    assert staged_line_keys(p) == ["C1#1", "C1#2"]
    assert p.con.execute("select line_key, original_line_key, denial_code from stg_duplicate_lines "
                         "order by line_key").fetchall() == [("C2#1", "C1#1", "CO-18"), ("C2#2", "C1#2", "CO-18")]
    # the KX running total counts the service once
    assert p.con.execute("select count(*), sum(ot_amount) = max(running_total) from stg_medicare_ot_lines"
                         ).fetchone() == (2, True)


def test_a_co18_denial_with_no_paid_original_is_still_a_denial():
    p = medicare_duplicate(with_original=False)
    f = p.run(as_of="2025-06-30", rules=["DENIAL_WRITE_OFF", "DENIAL_RECOVERABLE"])
    assert list(zip(f.rule_id, f.claim_id, f.cpt, f.amount_kind)) == [
        ("DENIAL_WRITE_OFF", "C2", "97166", "lost"), ("DENIAL_WRITE_OFF", "C2", "97530", "lost")]
    assert p.con.execute("select count(*) from stg_duplicate_lines").fetchone() == (0,)

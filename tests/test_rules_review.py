"""Fixes from the rules review: one focused test per fix, built from the reviewer's reproduction, with a
near miss that must still fire (or still differ). Prices are the 2025 Medicare fee schedule, locality 01."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from builders import MiniPractice


def d(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def money(value: str) -> Decimal:
    return Decimal(value)


def rows(p: MiniPractice, rule_id: str | None = None) -> set[tuple]:
    """(rule_id, claim_id, dos, cpt, amount_usd, amount_kind, fix_by) of the findings, exact types."""
    sql = "select rule_id, claim_id, dos, cpt, amount_usd, amount_kind, fix_by from findings"
    args = []
    if rule_id:
        sql += " where rule_id = ?"
        args = [rule_id]
    return set(p.con.execute(sql, args).fetchall())


def detail(p: MiniPractice, rule_id: str, claim_id: str) -> str:
    (text,) = p.con.execute("select detail from findings where rule_id = ? and claim_id = ?", [rule_id, claim_id]).fetchone()
    return text


# --- 5. Timely filing: first submission vs the limit; correction deadline of filed lines --------------------

def test_timely_filed_unpaid_claim_past_its_deadline_is_recoverable_not_lost():
    # MassHealth, 90 days: DOS 2025-03-04, deadline 2025-06-02. C1 first submitted 2025-03-10 (timely), no
    # remittance; C2 first submitted 2025-06-05, after the deadline: lost.
    p = MiniPractice(payer="masshealth", member_id="100200300400")
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)], submitted="2025-03-10")
    p.visit("2025-03-04", "97530", minutes=30)
    p.claim("C2", "2025-03-05", [("97530", "GO", 2)], submitted="2025-06-05", member_id="100200300401")
    p.run(as_of="2025-07-31", rules=["TIMELY_FILING_RISK", "CLAIM_UNPAID"])
    assert rows(p) == {
        ("TIMELY_FILING_RISK", "C1", d("2025-03-04"), None, money("46.38"), "recoverable", d("2025-06-02")),
        ("TIMELY_FILING_RISK", "C2", d("2025-03-05"), None, money("46.38"), "lost", d("2025-06-03")),
    }
    assert "first submitted on 2025-03-10, within the limit" in detail(p, "TIMELY_FILING_RISK", "C1")
    assert "proof of timely filing (the clearinghouse acceptance report)" in detail(p, "TIMELY_FILING_RISK", "C1")
    assert "first submitted only on 2025-06-05, after the limit" in detail(p, "TIMELY_FILING_RISK", "C2")


def test_timely_filing_uses_the_first_submission_of_a_resubmitted_claim():
    # first sent 2025-03-10, replaced (frequency 7) on 2025-06-10 after the deadline: still timely
    p = MiniPractice(payer="masshealth", member_id="100200300400")
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)], submitted="2025-03-10")
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)], submitted="2025-06-10", frequency="7")
    p.paid_control_claim()                      # the input has 835s: unpaid claims can be judged
    p.run(as_of="2025-07-31", rules=["TIMELY_FILING_RISK", "CLAIM_UNPAID"])
    assert rows(p) == {("TIMELY_FILING_RISK", "C1", d("2025-03-04"), None, money("46.38"), "recoverable", d("2025-06-02"))}


def test_underbilled_unit_on_an_adjudicated_claim_uses_the_correction_deadline():
    # MassHealth (appeal/corrected-claim window configured to 120 days), paid 2025-03-25: correction deadline
    # = greatest(filing deadline 2025-06-02, 2025-03-25 + 120 = 2025-07-23).
    def practice():
        p = MiniPractice(payer="masshealth", member_id="100200300400")
        p.configure_payer("masshealth", appeal_days=120)
        p.claim("C1", "2025-03-04", [("97530", "GO", 1)], submitted="2025-03-10")
        p.visit("2025-03-04", "97530", minutes=30)
        p.remit("C1", "2025-03-25", [("97530", "GO", 27.39, 27.39, [("CO", "45", 72.61)])])
        return p
    p = practice()
    p.run(as_of="2025-06-30", rules=["UNITS_UNDERBILLED"])
    assert rows(p) == {("UNITS_UNDERBILLED", "C1", d("2025-03-04"), "97530", money("18.99"), "recoverable", d("2025-07-23"))}
    assert "correctable until 2025-07-23 (payer corrected-claim window)" in detail(p, "UNITS_UNDERBILLED", "C1")
    # near miss: the day after the window closes it is lost
    p = practice()
    p.run(as_of="2025-07-24", rules=["UNITS_UNDERBILLED"])
    assert rows(p) == {("UNITS_UNDERBILLED", "C1", d("2025-03-04"), "97530", money("18.99"), "lost", d("2025-07-23"))}


def test_unpaid_claim_line_keeps_the_filing_deadline_as_correction_deadline():
    p = MiniPractice(payer="masshealth", member_id="100200300400")
    p.claim("C1", "2025-03-04", [("97530", "GO", 1)], submitted="2025-03-10")
    p.visit("2025-03-04", "97530", minutes=30)
    p.run(as_of="2025-04-01", rules=["UNITS_UNDERBILLED"])
    assert rows(p) == {("UNITS_UNDERBILLED", "C1", d("2025-03-04"), "97530", money("18.99"), "recoverable", d("2025-06-02"))}


# --- 6. CO_MODIFIER_UNNEEDED only when the notes say who furnished the minutes ------------------------------

def _co_practice(role):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO;CO", 2)])
    p.remit("C1", "2025-03-20", [("97530", "GO;CO", 45.71, 58.30, [("CO", "45", 141.70), ("PR", "2", 11.66), ("CO", "253", 0.93)])])
    p.visit("2025-03-04", "97530", minutes=30, role=role)
    p.plan("2025-03-01", "2025-05-01", signed="2025-03-05")
    p.run(as_of="2025-06-30", rules=["CO_MODIFIER_UNNEEDED", "CO_MODIFIER_MISSING"])
    return p


def test_co_unneeded_not_judged_without_provider_role_or_ota_minutes():
    assert rows(_co_practice(None)) == set()


def test_co_unneeded_still_fires_when_the_notes_name_the_ot():
    # near miss: provider_role = OT documented; Medicare claim first paid 2025-03-20, so the correction
    # deadline is the reopening window 2025-03-20 + 365 (later than the filing deadline 2026-03-04)
    assert rows(_co_practice("OT")) == {
        ("CO_MODIFIER_UNNEEDED", "C1", d("2025-03-04"), "97530", money("7.95"), "recoverable", d("2026-03-20"))}


# --- 12. UNDERPAYMENT only on a confirmed fee schedule ------------------------------------------------------

def _aetna(configured: bool):
    p = MiniPractice(payer="aetna", member_id="W9")
    if configured:
        p.configure_payer("aetna", fee_pct_of_medicare=1.05)
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)])
    p.visit("2025-03-04", "97530", minutes=30)
    p.remit("C1", "2025-03-20", [("97530", "GO", 46.25, 66.25, [("CO", "45", 133.75), ("PR", "3", 20.00)])])
    p.run(as_of="2025-06-30", rules=["UNDERPAYMENT"])
    return p


def test_no_underpayment_against_the_directory_default_fee_pct():
    assert rows(_aetna(configured=False)) == set()


def test_underpayment_against_a_configured_fee_pct_still_fires():
    assert rows(_aetna(configured=True)) == {
        ("UNDERPAYMENT", "C1", d("2025-03-04"), "97530", money("3.31"), "recoverable", d("2025-09-16"))}


# --- 13. Medicare MA130 denials: new claim, bounded by timely filing ----------------------------------------

def _ma130(remarks, as_of):
    p = MiniPractice()
    p.plan("2025-01-06", "2025-03-31", signed="2025-01-08")
    p.claim("C1", "2025-01-10", [("97530", "", 2)])
    p.visit("2025-01-10", "97530", minutes=30)
    p.remit("C1", "2025-03-01", [("97530", "", 0, None, [("CO", "4", 200.0)])])
    p.remit_lines[-1]["remark_codes"] = remarks
    p.run(as_of=as_of, rules=["DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF"])
    return p


def test_ma130_denial_window_ends_at_the_filing_deadline():
    p = _ma130("MA130", "2026-02-15")
    assert rows(p) == {("DENIAL_WRITE_OFF", "C1", d("2025-01-10"), "97530", money("66.25"), "lost", None)}
    assert "timely filing limit for the required new claim (RARC MA130" in detail(p, "DENIAL_WRITE_OFF", "C1")
    # before the filing deadline (2026-01-10) it is recoverable, fix_by the filing deadline
    p = _ma130("N286;MA130", "2026-01-10")
    assert rows(p) == {("DENIAL_RECOVERABLE", "C1", d("2025-01-10"), "97530", money("66.25"), "recoverable", d("2026-01-10"))}


def test_fix_denial_without_ma130_keeps_the_reopening_window():
    p = _ma130("N286", "2026-02-15")
    assert rows(p) == {("DENIAL_RECOVERABLE", "C1", d("2025-01-10"), "97530", money("66.25"), "recoverable", d("2026-03-01"))}
    assert "Medicare reopening window (365 days) ends 2026-03-01" in detail(p, "DENIAL_RECOVERABLE", "C1")


# --- 14. POC_RECERT_LATE skips the evaluation that opens a new episode --------------------------------------

def _poc(new_episode_code: str):
    p = MiniPractice()
    p.plan("2025-01-06", "2025-03-31", signed="2025-01-10", kind="initial")
    p.claim("C1", "2025-01-06", [("97166", "GO", 1)]); p.visit("2025-01-06", "97166", minutes=45, note_type="eval")
    p.claim("C2", "2025-01-08", [("97530", "GO", 2)]); p.visit("2025-01-08", "97530", minutes=30)
    p.claim("C3", "2025-09-10", [(new_episode_code, "GO", 1)])
    p.visit("2025-09-10", new_episode_code, minutes=45 if new_episode_code == "97166" else 15,
            note_type="eval" if new_episode_code == "97166" else "daily")
    p.plan("2025-09-11", "2025-11-30", signed="2025-09-15", kind="initial")
    p.claim("C4", "2025-09-12", [("97530", "GO", 2)]); p.visit("2025-09-12", "97530", minutes=30)
    p.run(as_of="2025-10-30", rules=["POC_MISSING", "POC_RECERT_LATE", "POC_CERT_LATE"])
    return p


def test_poc_recert_late_skips_the_evaluation_day_of_a_new_episode():
    assert rows(_poc("97166")) == set()


def test_poc_recert_late_still_fires_on_treatment_outside_every_interval():
    p = _poc("97530")
    assert rows(p) == {("POC_RECERT_LATE", "C3", d("2025-09-10"), None, money("39.13"), "at_risk", None)}


# --- 15. MASSHEALTH_RX_LAPSED counts the prescription date --------------------------------------------------

def _rx(dos: str):
    p = MiniPractice(payer="masshealth", member_id="100200300400")
    p.plan("2025-03-01", "2025-04-30", signed=None, order="2025-02-25", kind="initial")
    p.claim("C1", dos, [("97530", "GO", 2)]); p.visit(dos, "97530", minutes=30)
    p.remit("C1", "2025-05-20", [("97530", "GO", 46.38, 46.38, [("CO", "45", 153.62)])])
    p.run(as_of="2025-06-30", rules=["MASSHEALTH_RX_LAPSED"])
    return p


def test_rx_lapsed_counts_the_prescription_date():
    assert rows(_rx("2025-03-04")) == set()


def test_rx_lapsed_still_fires_60_days_after_the_prescription():
    p = _rx("2025-04-30")       # 64 days after the 2025-02-25 prescription, no signature
    assert rows(p) == {("MASSHEALTH_RX_LAPSED", "C1", d("2025-04-30"), None, money("46.38"), "at_risk", None)}
    assert "64 days after the last prescription/plan signature on 2025-02-25" in detail(p, "MASSHEALTH_RX_LAPSED", "C1")


# --- 16. MINUTES_MISSING only inside the period the visits export covers ------------------------------------

def test_minutes_missing_only_judges_days_inside_the_visits_export_period():
    p = MiniPractice()
    p.plan("2025-02-01", "2025-04-30", signed="2025-02-03")
    p.claim("C1", "2025-02-04", [("97530", "GO", 2)])            # before the export's first visit: not judged
    p.remit("C1", "2025-02-20", [("97530", "GO", 51.94, 66.25, [("CO", "45", 133.75), ("PR", "2", 13.25), ("CO", "253", 1.06)])])
    p.claim("C2", "2025-03-04", [("97530", "GO", 2)]); p.visit("2025-03-04", "97530", minutes=30)
    p.claim("C3", "2025-03-11", [("97530", "GO", 2)])            # near miss: inside the period, no visit row
    p.claim("C4", "2025-03-18", [("97530", "GO", 2)]); p.visit("2025-03-18", "97530", minutes=30)
    p.run(as_of="2025-04-30", rules=["MINUTES_MISSING"])
    assert rows(p) == {("MINUTES_MISSING", "C3", d("2025-03-11"), "97530", money("66.25"), "recoverable", d("2026-03-11"))}


def test_tmr_exposure_does_not_double_count_lines_already_kx_missing():
    """RULEBOOK §4(a)/(c): lines above $3,000 without KX are KX_MISSING findings; TMR_THRESHOLD's exposure
    counts only the other lines, so the compliance-exposure headline holds each dollar once."""
    import datetime as dt
    from builders import MiniPractice
    p = MiniPractice()
    start = dt.date(2025, 1, 6)
    for i in range(27):                         # 97530 x4 = 39.13 + 3 x 27.12 = $120.49 a visit (locality 01)
        mods = "GO" if i < 20 or i >= 25 else "GO;KX"   # KX on visits 21-25; visits 26 and 27 lack it
        p.claim(f"C{i + 1:02d}", start + dt.timedelta(days=7 * i), [("97530", mods, 4)])
    f = p.run(as_of="2025-09-30", rules=["KX_MISSING", "TMR_THRESHOLD"])
    kx = f[f.rule_id == "KX_MISSING"]
    tmr = f[f.rule_id == "TMR_THRESHOLD"]
    assert sorted(kx.claim_id) == ["C26", "C27"]
    assert list(tmr.claim_id) == ["C25"]                       # 24 x 120.49 = 2,891.76; 25 x = 3,012.25
    assert float(tmr.amount_usd.iloc[0]) == 120.49             # only C25 (with KX); C26/C27 are under KX_MISSING
    assert "2 line(s) without KX are counted under KX_MISSING" in tmr.detail.iloc[0]

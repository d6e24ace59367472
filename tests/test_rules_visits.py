"""Visit-grain rules: plan of care, progress reports, MassHealth, authorizations (RULEBOOK §7, §8, §9(d);
DESIGN rule table, §8, §9).

Each test builds a tiny practice with MiniPractice, plants the case and its near-miss side by side (a second
patient when the near-miss alone would leave nothing to see), and compares the exact set of findings:
(claim_id, dos, amount_usd, amount_kind). One finding per patient and DOS; amount = the whole visit value
(unpaid visits: the fee-schedule values below; paid visits: the 835 allowed).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

import pytest

from builders import MiniPractice, d

V_97530 = Decimal("39.13")      # 97530 x1, Medicare 2025, locality 01 (also Medicare Advantage at 100%)
V_97165 = Decimal("112.30")     # 97165 x1, Medicare 2025, locality 01
V_MH_97530 = Decimal("27.39")   # 97530 x1, MassHealth (70% of Medicare)
V_BCBS_97530 = Decimal("43.04")  # 97530 x1, BCBSMA (110% of Medicare)


def cid(who: int, day) -> str:
    return f"P{who}-{d(day):%Y%m%d}"


def treat(p: MiniPractice, who: int, days, payer=None, evals=(), reports=(), note_types=True):
    """Bill and document one 97530 visit per day for patient `who` (97165 on `evals` days, noted 'eval';
    `reports` days noted 'progress'); claim id P<who>-<yyyymmdd>."""
    evals = {d(x) for x in evals}
    reports = {d(x) for x in reports}
    for day in map(d, days):
        cpt = "97165" if day in evals else "97530"
        note = "eval" if day in evals else "progress" if day in reports else "daily"
        p.claim(cid(who, day), day, [(cpt, "GO", 1)], payer=payer, member_id=f"MBR{who}")
        p.visit(day, cpt, minutes=30, note_type=note if note_types else None, member_id=f"MBR{who}",
                patient_id=f"MRN{who}", payer=payer)
    return p


def paid(p: MiniPractice, who: int, day, allowed: float, payer=None):
    """Remit the visit's single line as paid at `allowed` (the visit value becomes the 835 allowed)."""
    p.remit(cid(who, day), d(day) + dt.timedelta(days=20), [("97530", "GO", allowed, allowed)], payer=payer)
    return p


def every(first, n: int, step: int = 7) -> list[dt.date]:
    return [d(first) + dt.timedelta(days=step * i) for i in range(n)]


def found(findings, rule_id: str) -> set[tuple]:
    rows = findings[findings.rule_id == rule_id]
    assert (rows.cpt.isna()).all() and (rows.amount_usd >= 0).all()
    return {(r.claim_id, r.dos.date() if hasattr(r.dos, "date") else r.dos, Decimal(str(r.amount_usd)).quantize(Decimal("0.01")),
             r.amount_kind) for r in rows.itertuples()}


def hit(who: int, day, amount, kind="at_risk") -> tuple:
    return (cid(who, day), d(day), Decimal(str(amount)).quantize(Decimal("0.01")), kind)


# --- POC_MISSING ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("plan_start,expected_days", [
    ("2025-03-05", []),                      # plan starts on the first treatment: covered
    ("2025-03-06", ["2025-03-05"]),          # one treatment day before the plan
    ("2025-03-08", ["2025-03-05", "2025-03-07"]),
], ids=["plan-on-first-treatment", "one-day-early", "two-days-early"])
def test_poc_missing(plan_start, expected_days):
    p = MiniPractice()
    # patient 1: eval-only day 03-03 (never flagged), treatment 03-05, 03-07, 03-10
    treat(p, 1, ["2025-03-03", "2025-03-05", "2025-03-07", "2025-03-10"], evals=["2025-03-03"])
    p.plan(plan_start, "2025-05-30", signed=plan_start, patient_id="MRN1")
    # patient 2 (control): treated with no plan at all
    treat(p, 2, ["2025-03-04"])
    f = p.run(as_of="2025-06-30", rules=["POC_MISSING"])
    assert found(f, "POC_MISSING") == {hit(1, x, V_97530) for x in expected_days} | {hit(2, "2025-03-04", V_97530)}
    assert (f.payer == "Medicare Part B (NGS J-K)").all() and f.fix_by.isna().all()


def test_poc_missing_needs_the_plans_export():
    p = MiniPractice()
    treat(p, 1, ["2025-03-05"])
    assert p.run(as_of="2025-06-30", rules=["POC_MISSING"]).empty     # no plans_of_care rows: rule does not run
    p.plan("2025-01-01", "2025-03-01", signed="2025-01-01", patient_id="MRN9")   # export loaded (another patient)
    f = p.run(as_of="2025-06-30", rules=["POC_MISSING"])
    assert found(f, "POC_MISSING") == {hit(1, "2025-03-05", V_97530)}


def test_poc_missing_ignores_non_medicare_payers():
    p = MiniPractice()
    treat(p, 1, ["2025-03-05"], payer="bcbs")
    treat(p, 2, ["2025-03-06"], payer="ma")
    p.plan("2025-04-01", "2025-06-01", signed="2025-04-01", patient_id="MRN1")
    p.plan("2025-04-01", "2025-06-01", signed="2025-04-01", patient_id="MRN2")
    f = p.run(as_of="2025-06-30", rules=["POC_MISSING"])
    assert found(f, "POC_MISSING") == {hit(2, "2025-03-06", V_97530)}
    assert f.payer_class.tolist() == ["medicare_advantage"]


# --- POC_CERT_LATE ----------------------------------------------------------------------------------------

CERT_DAYS = ["2025-03-03", "2025-03-10", "2025-03-20", "2025-04-02", "2025-04-10"]   # 03-03 = evaluation


def cert_value(day):
    return V_97165 if d(day) == d("2025-03-03") else V_97530


@pytest.mark.parametrize("signed,expected_days", [
    ("2025-04-02", []),                                                    # day 30 after the first treatment
    ("2025-04-03", ["2025-03-03", "2025-03-10", "2025-03-20", "2025-04-02"]),  # day 31: every DOS before it
    (None, CERT_DAYS),                                                      # unsigned, 30 days passed by as_of
], ids=["signed-day-30", "signed-day-31", "unsigned"])
def test_poc_cert_late(signed, expected_days):
    p = MiniPractice()
    treat(p, 1, CERT_DAYS, evals=["2025-03-03"])
    p.plan("2025-03-03", "2025-05-30", signed=signed, patient_id="MRN1")
    # patient 2 (control): signed 45 days after the first treatment
    treat(p, 2, ["2025-03-04", "2025-03-11"])
    p.plan("2025-03-04", "2025-05-30", signed="2025-04-18", patient_id="MRN2")
    f = p.run(as_of="2025-06-30", rules=["POC_CERT_LATE", "POC_RECERT_LATE", "POC_MISSING"])
    assert found(f, "POC_CERT_LATE") == ({hit(1, x, cert_value(x)) for x in expected_days}
                                         | {hit(2, "2025-03-04", V_97530), hit(2, "2025-03-11", V_97530)})
    assert set(f.rule_id) == {"POC_CERT_LATE"}          # late certification is not also a missing/lapsed one
    assert f.severity.unique().tolist() == ["low"]


def test_poc_cert_late_unsigned_within_30_days_of_as_of():
    p = MiniPractice()
    treat(p, 1, ["2025-06-10", "2025-06-17"])
    p.plan("2025-06-10", "2025-08-30", signed=None, patient_id="MRN1")        # day 20 at as_of: not yet late
    treat(p, 2, ["2025-05-20", "2025-05-27"])
    p.plan("2025-05-20", "2025-08-30", signed=None, patient_id="MRN2")        # day 41 at as_of: late
    f = p.run(as_of="2025-06-30", rules=["POC_CERT_LATE"])
    assert found(f, "POC_CERT_LATE") == {hit(2, "2025-05-20", V_97530), hit(2, "2025-05-27", V_97530)}


@pytest.mark.parametrize("order,transmitted,expected_days", [
    ("2025-01-06", "2025-02-05", []),                          # order on the first treatment, sent on day 30
    ("2025-01-07", "2025-02-05", ["2025-01-06", "2025-01-13"]),  # order dated after the first treatment
    ("2025-01-06", "2025-02-06", ["2025-01-06", "2025-01-13"]),  # transmitted on day 31
    (None, None, ["2025-01-06", "2025-01-13"]),
], ids=["exception-met", "order-late", "transmitted-day-31", "no-order"])
def test_poc_cert_late_2025_order_exception(order, transmitted, expected_days):
    p = MiniPractice()
    treat(p, 1, ["2025-01-06", "2025-01-13", "2025-02-24"])
    p.plan("2025-01-06", "2025-03-31", signed="2025-02-20", order=order, transmitted=transmitted, patient_id="MRN1")
    treat(p, 2, ["2025-01-07"])                                 # control: late, no order
    p.plan("2025-01-07", "2025-03-31", signed="2025-02-20", patient_id="MRN2")
    f = p.run(as_of="2025-06-30", rules=["POC_CERT_LATE"])
    assert found(f, "POC_CERT_LATE") == {hit(1, x, V_97530) for x in expected_days} | {hit(2, "2025-01-07", V_97530)}


def test_poc_cert_late_exception_applies_to_2025_dos_only():
    p = MiniPractice()
    treat(p, 1, ["2024-12-16", "2024-12-23", "2025-01-06"])
    paid(p, 1, "2024-12-16", 45.00)
    paid(p, 1, "2024-12-23", 45.00)
    # signed 46 days after the first treatment; order and transmittal in time
    p.plan("2024-12-16", "2025-03-14", signed="2025-01-31", order="2024-12-10", transmitted="2025-01-10",
           patient_id="MRN1")
    f = p.run(as_of="2025-06-30", rules=["POC_CERT_LATE"])
    assert found(f, "POC_CERT_LATE") == {hit(1, "2024-12-16", 45.00), hit(1, "2024-12-23", 45.00)}


# --- POC_RECERT_LATE --------------------------------------------------------------------------------------
# Plan from 2025-01-06; certified interval = [start, min(end, start + 90 days)], both ends inclusive.
# A 120-day plan (to 2025-05-05) is certified to 2025-04-06 (start + 90); 2025-04-07 is start + 91.

RECERT_DAYS = ["2025-01-06", "2025-04-06", "2025-04-07", "2025-04-15"]


@pytest.mark.parametrize("plan_end,recert,expected_days", [
    ("2025-05-05", None, ["2025-04-07", "2025-04-15"]),                          # 120-day plan, 90 certified
    ("2025-05-05", ("2025-04-07", "2025-07-05", "2025-04-05"), []),              # recert signed in time
    ("2025-05-05", ("2025-04-07", "2025-07-05", "2025-04-07"), []),              # signed on its first day
    ("2025-05-05", ("2025-04-07", "2025-07-05", "2025-04-10"), ["2025-04-07"]),  # signed late: gap until then
    ("2025-05-05", ("2025-04-07", "2025-07-05", None), ["2025-04-07", "2025-04-15"]),  # never signed
    ("2025-04-05", None, ["2025-04-06", "2025-04-07", "2025-04-15"]),            # plan ends before start + 90
], ids=["no-recert", "recert-in-time", "recert-on-start", "recert-late", "recert-unsigned", "short-plan"])
def test_poc_recert_late(plan_end, recert, expected_days):
    p = MiniPractice()
    treat(p, 1, RECERT_DAYS)
    p.plan("2025-01-06", plan_end, signed="2025-01-06", patient_id="MRN1")
    if recert:
        p.plan(recert[0], recert[1], signed=recert[2], kind="recert", patient_id="MRN1")
    # patient 2 (control): 30-day plan, treated on day 40
    treat(p, 2, ["2025-02-01", "2025-03-13"])
    p.plan("2025-02-01", "2025-03-03", signed="2025-02-01", patient_id="MRN2")
    f = p.run(as_of="2025-06-30", rules=["POC_RECERT_LATE", "POC_CERT_LATE", "POC_MISSING"])
    assert found(f, "POC_RECERT_LATE") == {hit(1, x, V_97530) for x in expected_days} | {hit(2, "2025-03-13", V_97530)}
    assert set(f.rule_id) == {"POC_RECERT_LATE"}
    assert f.severity.unique().tolist() == ["medium"]


# --- PROGRESS_REPORT_OVERDUE ------------------------------------------------------------------------------

TWELVE = every("2025-03-03", 12, step=2)        # treatment days 1..12; day 1 is the evaluation


@pytest.mark.parametrize("reports,evals,expected_days", [
    ([10], [1], []),                   # report on the 10th treatment day: the 11th starts a new period
    ([], [1], [11, 12]),               # none until the 11th: fires on the 11th and after
    ([11], [1], [11]),                 # written on the 11th: that day is still the 11th since the evaluation
    ([], [1, 8], []),                  # a new evaluation on day 8 starts a new episode (day 1 again)
    ([], [], [11, 12]),                # no evaluation note: counted from the first treatment day
    ([4, 9], [1], []),
], ids=["report-day-10", "no-report", "report-day-11", "new-episode", "no-eval-note", "two-reports"])
def test_progress_report_overdue(reports, evals, expected_days):
    p = MiniPractice()
    treat(p, 1, TWELVE, evals=[TWELVE[i - 1] for i in evals], reports=[TWELVE[i - 1] for i in reports])
    # patient 2 (control, Medicare Advantage): eval, then ten more days with no report
    control = every("2025-03-04", 11, step=2)
    treat(p, 2, control, payer="ma", evals=control[:1])
    # patient 3: commercial, never in scope
    treat(p, 3, every("2025-03-04", 12, step=2), payer="aetna")
    f = p.run(as_of="2025-06-30", rules=["PROGRESS_REPORT_OVERDUE"])

    def value(i):
        return V_97165 if i in evals else V_97530
    assert found(f, "PROGRESS_REPORT_OVERDUE") == ({hit(1, TWELVE[i - 1], value(i)) for i in expected_days}
                                                   | {hit(2, control[10], V_97530)})


def test_progress_report_overdue_detail_and_gate():
    days = every("2025-03-03", 13, step=2)           # eval on day 1, report on day 2, day 13 = 11th since it
    p = MiniPractice()
    treat(p, 1, days, evals=days[:1], reports=days[1:2], note_types=False)
    assert p.run(as_of="2025-06-30", rules=["PROGRESS_REPORT_OVERDUE"]).empty    # no note types exported
    p = MiniPractice()
    treat(p, 1, days, evals=days[:1], reports=days[1:2])
    f = p.run(as_of="2025-06-30", rules=["PROGRESS_REPORT_OVERDUE"])
    assert found(f, "PROGRESS_REPORT_OVERDUE") == {hit(1, days[-1], V_97530)}
    assert f.detail.tolist() == [
        "Treatment day 11 since the last progress report on 2025-03-05 (a report is due every 10 treatment days);"
        " visit value $39.13 (Medicare fee schedule 2025, locality 01, MPPR applied)."]


# --- MASSHEALTH_PA_MISSING --------------------------------------------------------------------------------

MH22 = every("2025-01-06", 22)          # weekly; visit 21 = 2025-05-26, visit 22 = 2025-06-02


@pytest.mark.parametrize("auths,expected_visits", [
    ([("2025-05-01", "2025-12-31")], []),          # authorization covering visits 21+
    ([], [21, 22]),                                 # none: visit 21 and after
    ([("2025-05-26", "2025-05-26")], [22]),         # covers visit 21 only
    ([("2025-01-01", "2025-05-25")], [21, 22]),     # ends the day before visit 21
], ids=["authorized", "no-auth", "auth-covers-21-only", "auth-ends-before"])
def test_masshealth_pa_missing(auths, expected_visits):
    p = MiniPractice(payer="masshealth")
    treat(p, 1, MH22)
    for k, (start, end) in enumerate(auths):
        p.auth(f"PA{k}", start, end, visits=None, patient_id="MRN1")
    p.auth("PA-OTHER", "2025-01-01", "2025-12-31", patient_id="MRN99")   # the export was loaded
    # patient 2 (control): 21 visits, no authorization, visit 21 paid
    control = every("2025-01-07", 21)
    treat(p, 2, control)
    paid(p, 2, control[20], 30.00)
    # patient 3: 20 visits, no authorization: never
    treat(p, 3, every("2025-01-08", 20))
    f = p.run(as_of="2025-06-30", rules=["MASSHEALTH_PA_MISSING"])
    assert found(f, "MASSHEALTH_PA_MISSING") == ({hit(1, MH22[n - 1], V_MH_97530, "lost") for n in expected_visits}
                                                 | {hit(2, control[20], 30.00, "at_risk")})
    assert set(f.payer_class) == {"masshealth"}


def test_masshealth_pa_needs_evidence_before_judging():
    """Without an authorizations export nothing is judged; a claim's own REF*G1 number is authorization."""
    p = MiniPractice(payer="masshealth")
    treat(p, 1, MH22)
    assert p.run(as_of="2025-06-30", rules=["MASSHEALTH_PA_MISSING"]).empty      # no export: no guess
    p.auth("PA-OTHER", "2025-01-01", "2025-12-31", patient_id="MRN99")
    assert len(p.run(as_of="2025-06-30", rules=["MASSHEALTH_PA_MISSING"])) == 2  # visits 21 and 22
    for c in p.claims:
        c["prior_auth"] = "MH-PA-123"
    assert p.run(as_of="2025-06-30", rules=["MASSHEALTH_PA_MISSING"]).empty


def test_masshealth_window_restarts_after_12_months():
    # window 1 = 2025-01-02 .. 2026-01-01 (start + 1 year - 1 day); 2026-01-02 opens window 2
    p = MiniPractice(payer="masshealth")
    days = every("2025-01-02", 19) + [d("2025-12-31"), d("2025-12-31") + dt.timedelta(days=1),
                                      d("2026-01-02"), d("2026-01-03")]
    treat(p, 1, days)
    p.auth("PA-OTHER", "2025-01-01", "2025-12-31", patient_id="MRN99")   # the export was loaded
    paid(p, 1, "2026-01-01", 28.00)            # 2026: no fee schedule seeded; paid at the 835 allowed
    f = p.run(as_of="2026-03-31", rules=["MASSHEALTH_PA_MISSING"])
    # visits 20 (2025-12-31) none; 21 (2026-01-01) fires; 2026-01-02 and 01-03 are visits 1 and 2 of window 2
    assert found(f, "MASSHEALTH_PA_MISSING") == {hit(1, "2026-01-01", 28.00)}
    windows = p.con.execute("select dos, window_no, visit_no from stg_masshealth_visits where dos >= '2025-12-31' order by dos").fetchall()
    assert windows == [(d("2025-12-31"), 1, 20), (d("2026-01-01"), 1, 21), (d("2026-01-02"), 2, 1), (d("2026-01-03"), 2, 2)]


def test_masshealth_window_restart_counts_again_to_20():
    # window 1 has 21 visits (fires on the 21st); window 2 starts at the first visit after it and fires at its 21st
    p = MiniPractice(payer="masshealth")
    w1 = every("2024-03-04", 21)
    w2 = every("2025-03-10", 21)                                   # first visit after 2025-03-03
    treat(p, 1, w1 + w2)
    p.auth("PA-OTHER", "2025-01-01", "2025-12-31", patient_id="MRN99")   # the export was loaded
    f = p.run(as_of="2025-09-30", rules=["MASSHEALTH_PA_MISSING"])
    # 2024 DOS, unpaid, lost: priced with the labelled proxy fee schedule (RULEBOOK §11.4: 2025 RVUs x 2025
    # GPCIs x the 2024 CF after 9 March, $33.2875): 97530 = $40.26, MassHealth 70% = $28.18
    assert found(f, "MASSHEALTH_PA_MISSING") == {hit(1, w1[20], 28.18, "lost"), hit(1, w2[20], V_MH_97530, "lost")}


# --- MASSHEALTH_RX_LAPSED ---------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def rx_findings():
    p = MiniPractice(payer="masshealth")
    days = ["2025-02-27", "2025-03-03", "2025-04-30", "2025-05-01", "2025-05-12", "2025-07-11", "2025-07-12"]
    treat(p, 1, days)
    paid(p, 1, "2025-05-01", 30.00)
    p.plan("2025-03-01", "2025-06-30", signed="2025-03-01", patient_id="MRN1")
    p.plan("2025-05-10", "2025-08-30", signed="2025-05-12", kind="recert", patient_id="MRN1")
    # patient 2 (Medicare): never in scope
    treat(p, 2, ["2025-06-01"], payer="medicare")
    return found(p.run(as_of="2025-09-30", rules=["MASSHEALTH_RX_LAPSED"]), "MASSHEALTH_RX_LAPSED")


@pytest.mark.parametrize("dos,expected", [
    ("2025-02-27", (V_MH_97530, "lost")),   # before any signature
    ("2025-03-03", None),
    ("2025-04-30", None),                   # 60 days after the 2025-03-01 signature
    ("2025-05-01", (Decimal("30.00"), "at_risk")),  # 61 days, paid
    ("2025-05-12", None),                   # renewal signed that day
    ("2025-07-11", None),                   # 60 days after 2025-05-12
    ("2025-07-12", (V_MH_97530, "lost")),   # 61 days
])
def test_masshealth_rx_lapsed(dos, expected):
    rows = {r[1]: r for r in rx_findings()}
    assert len(rows) == 3
    if expected is None:
        assert d(dos) not in rows
    else:
        assert rows[d(dos)] == hit(1, dos, *expected)


def test_masshealth_rx_lapsed_needs_the_plans_export():
    p = MiniPractice(payer="masshealth")
    treat(p, 1, ["2025-03-03"])
    assert p.run(as_of="2025-06-30", rules=["MASSHEALTH_RX_LAPSED"]).empty
    p.plan("2025-01-01", "2025-03-01", signed="2025-01-01", patient_id="MRN9")
    assert found(p.run(as_of="2025-06-30", rules=["MASSHEALTH_RX_LAPSED"]), "MASSHEALTH_RX_LAPSED") == {
        hit(1, "2025-03-03", V_MH_97530, "lost")}


# --- AUTH_EXCEEDED ----------------------------------------------------------------------------------------

AUTH_DAYS = ["2025-02-24"] + [str(x) for x in every("2025-03-03", 11)] + ["2025-07-07"]
# 2025-02-24 before the authorization; 03-03 .. 05-12 = visits 1..11 of A1 (10 allowed); 07-07 after its end


@lru_cache(maxsize=1)
def auth_findings():
    p = MiniPractice(payer="bcbs").configure_payer("bcbs", requires_auth=True)   # HMO Blue panel
    treat(p, 1, AUTH_DAYS)
    paid(p, 1, "2025-05-12", 50.00)
    p.auth("A1", "2025-03-01", "2025-06-30", visits=10, patient_id="MRN1")
    # patient 2: Aetna does not require authorization; patient 3: MassHealth FFS is MASSHEALTH_PA_MISSING's
    treat(p, 2, ["2025-08-01"], payer="aetna")
    treat(p, 3, ["2025-08-01"], payer="masshealth")
    # patient 4: Medicare Advantage, authorization with no visit count covering the visit
    treat(p, 4, ["2025-04-01", "2025-09-01"], payer="ma")
    p.auth("A4", "2025-03-01", "2025-06-30", visits=None, payer="ma", patient_id="MRN4")
    return found(p.run(as_of="2025-09-30", rules=["AUTH_EXCEEDED"]), "AUTH_EXCEEDED")


@pytest.mark.parametrize("who,dos,expected", [
    (1, "2025-02-24", (V_BCBS_97530, "lost")),     # before the authorization's dates
    (1, "2025-03-03", None),                        # visit 1 of 10
    (1, "2025-05-05", None),                        # visit 10 of 10
    (1, "2025-05-12", (Decimal("50.00"), "at_risk")),  # visit 11 of 10, paid
    (1, "2025-07-07", (V_BCBS_97530, "lost")),     # after the authorization's end
    (2, "2025-08-01", None),                        # payer without authorization requirement
    (3, "2025-08-01", None),                        # MassHealth FFS: out of scope
    (4, "2025-04-01", None),                        # MA, inside an authorization without a count
    (4, "2025-09-01", (V_97530, "lost")),           # MA, outside it
])
def test_auth_exceeded(who, dos, expected):
    rows = {(r[0]): r for r in auth_findings()}
    assert len(rows) == 4
    if expected is None:
        assert cid(who, dos) not in rows
    else:
        assert rows[cid(who, dos)] == hit(who, dos, *expected)


def test_bcbsma_needs_authorization_only_when_configured():
    """RULEBOOK §9: BCBSMA HMO/POS members need authorization, PPO members do not; the directory cannot
    tell them apart, so the practice says so in practice.toml."""
    p = MiniPractice(payer="bcbs")
    treat(p, 1, ["2025-03-03"])
    p.auth("X9", "2025-01-01", "2025-12-31", visits=5, patient_id="MRN9")
    assert p.run(as_of="2025-06-30", rules=["AUTH_EXCEEDED"]).empty
    p.configure_payer("bcbs", requires_auth=True)
    assert len(p.run(as_of="2025-06-30", rules=["AUTH_EXCEEDED"])) == 1


def test_auth_exceeded_needs_the_authorizations_export():
    p = MiniPractice(payer="bcbs").configure_payer("bcbs", requires_auth=True)
    treat(p, 1, ["2025-03-03"])
    assert p.run(as_of="2025-06-30", rules=["AUTH_EXCEEDED"]).empty           # no authorizations export
    p.auth("X9", "2025-01-01", "2025-12-31", visits=5, patient_id="MRN9")       # export loaded (another patient)
    f = p.run(as_of="2025-06-30", rules=["AUTH_EXCEEDED"])
    assert found(f, "AUTH_EXCEEDED") == {hit(1, "2025-03-03", V_BCBS_97530, "lost")}
    assert f.detail.tolist() == [
        "Visit on 2025-03-03 is outside the dates of every authorization on file for this patient and payer;"
        " visit value $43.04 (110% of the Medicare fee schedule 2025, MPPR applied)."]

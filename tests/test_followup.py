"""The day-30 follow-up on tiny hand-made practices (DESIGN §12): a baseline audit saved to a file, then a day-30
audit of the same practice (the baseline's rows plus the new ones, or only the new ones) followed up against it.
Every status with exact dollars and days, payments counted once and net of reversals, new vs newly visible
findings, the habit rates, and the refusals.

Prices are Medicare CY2025, locality 01 (RULEBOOK §11.3): 97530 $39.13 a unit, 97110 $32.11, 97140 $30.27.
Day 0 = 2025-06-30, day 30 = 2025-07-30.
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import os
import stat
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from builders import MiniPractice, d
from pipelines.checks import run_rules
from pipelines.config import PracticeConfig
from pipelines.errors import InputError
from pipelines.followup import (FOLLOW_UP_COLUMNS, check_same_practice, compare_with_expected, figures,
                                read_follow_up_csv, resolve_baseline, run_follow_up, set_aside_billed_in_baseline)
from pipelines.prioritize import prioritize
from pipelines.stage import stage

RULES = ["DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF", "UNDERPAYMENT", "CLAIM_UNPAID", "VISIT_UNBILLED",
         "TIMELY_FILING_RISK", "GO_MISSING", "POC_MISSING"]
DAY0, DAY30 = "2025-06-30", "2025-07-30"
PATIENT_B, PATIENT_C = "2EG4TE5MK74", "3EG4TE5MK75"


def usd(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


def build(p: MiniPractice, db, as_of: str, rules=RULES) -> duckdb.DuckDBPyConnection:
    """Stage, check and prioritize a MiniPractice into the database `db` (a file or ':memory:')."""
    con = p.connect(str(db))
    stage(con, PracticeConfig(locality=p.locality, payers=p.payer_config), d(as_of))
    run_rules(con, rules)
    prioritize(con)
    return con


def baseline_practice() -> MiniPractice:
    """Day 0: four Medicare denials (D1-D3 CO-16, reopening to 2026-05-20; D4 CO-50 of 2025-03-20, redetermination to
    2025-07-18), an unpaid claim (P1), an unbilled visit of patient B, and patient C's paid visit with no plan of
    care on file (the plans export holds another patient's plan)."""
    p = MiniPractice()
    p.paid_control_claim()
    for cid, dos, cpt, carc, paid_on in (("D1", "2025-05-01", "97530", "16", "2025-05-20"),
                                         ("D2", "2025-05-02", "97110", "16", "2025-05-20"),
                                         ("D3", "2025-05-05", "97140", "16", "2025-05-20"),
                                         ("D4", "2025-03-04", "97530", "50", "2025-03-20")):
        p.claim(cid, dos, [(cpt, "GO", 1)])
        p.remit(cid, paid_on, [(cpt, "GO", 0.0, None, [("CO", carc, 100.0)])])
    p.claim("P1", "2025-04-01", [("97530", "GO", 2)])
    p.visit("2025-06-02", "97530", minutes=30, member_id=PATIENT_B, patient_id="MRN2")
    p.claim("C1", "2025-05-12", [("97530", "GO", 2)], member_id=PATIENT_C)
    p.remit("C1", "2025-05-30", [("97530", "GO", 78.26, 78.26)])
    p.visit("2025-05-12", "97530", minutes=30, member_id=PATIENT_C, patient_id="MRN3")
    p.plan("2025-01-01", "2025-03-01", signed="2025-01-01", patient_id="MRN9")
    return p


def day30_practice(p: MiniPractice, only_new: bool) -> MiniPractice:
    """Day 30: D1 appealed and paid $60.00; D2 resubmitted (frequency 7), not paid; D3 and D4 untouched; the unbilled
    visit billed as U1 and paid $55.10; P1 paid $40.00; C's plan of care (signed 2025-05-02) now exported; a new claim
    N1 after day 0 and an older claim O1 the baseline never saw, both without GO. only_new: these rows alone."""
    q = MiniPractice() if only_new else copy.deepcopy(p)
    q._pos = 10_000
    if only_new:
        q.paid_control_claim("2025-07-01")
    q.remit("D1", "2025-07-15", [("97530", "GO", 60.00, 60.00)])
    q.claim("D2", "2025-05-02", [("97110", "GO", 1)], submitted="2025-07-10", frequency="7")
    q.claim("U1", "2025-06-02", [("97530", "GO", 2)], member_id=PATIENT_B, submitted="2025-07-05")
    q.remit("U1", "2025-07-20", [("97530", "GO", 55.10, 55.10)])
    q.remit("P1", "2025-07-18", [("97530", "GO", 40.00, 40.00)])
    q.plan("2025-05-01", "2025-08-01", signed="2025-05-02", patient_id="MRN3")
    q.claim("N1", "2025-07-08", [("97530", "", 2)])
    q.claim("O1", "2025-04-10", [("97110", "", 1)], submitted="2025-04-14")
    return q


def follow(tmp_path: Path, p0: MiniPractice, p1: MiniPractice, day0=DAY0, day30=DAY30, rules=RULES, **kw):
    """The baseline saved to tmp_path/base.duckdb, the day-30 audit in memory, followed up into tmp_path/out.
    Returns (connection, result, follow-up.csv rows keyed by (rule_id, claim_id, dos, cpt))."""
    build(p0, tmp_path / "base.duckdb", day0, rules).close()
    con = build(p1, ":memory:", day30, rules)
    result = run_follow_up(con, tmp_path / "base.duckdb", tmp_path / "out", **kw)
    rows = {(r["rule_id"], r["claim_id"], r["dos"], r["cpt"]): r for r in read_follow_up_csv(tmp_path / "out" / "follow-up.csv")}
    return con, result, rows


@pytest.fixture(scope="module", params=[False, True], ids=["all-files", "only-new-files"])
def scenario(request, tmp_path_factory):
    """The follow-up of baseline_practice() by day30_practice(), with all files or only the new ones; built once
    per module (the tests only read it)."""
    p0 = baseline_practice()
    tmp_path = tmp_path_factory.mktemp("scenario")
    con, result, rows = follow(tmp_path, p0, day30_practice(p0, only_new=request.param))
    yield {"only_new": request.param, "con": con, "result": result, "rows": rows, "out": tmp_path / "out"}
    con.close()


# (rule_id, claim_id, dos, cpt) -> status, recovered, days_left, evidence (a part of it)
EXPECTED = {
    ("DENIAL_RECOVERABLE", "D1", "2025-05-01", "97530"): ("recovered", "60.00", "", "835 test.835 of 2025-07-15, claim D1"),
    ("DENIAL_RECOVERABLE", "D2", "2025-05-02", "97110"): ("corrected", "0.00", "", "resubmitted 2025-07-10"),
    ("DENIAL_RECOVERABLE", "D3", "2025-05-05", "97140"): ("open", "0.00", "294", "fix by 2026-05-20"),
    ("DENIAL_RECOVERABLE", "D4", "2025-03-04", "97530"): ("lost", "0.00", "-12", "deadline 2025-07-18 passed 12 days"),
    ("CLAIM_UNPAID", "P1", "2025-04-01", ""): ("recovered", "40.00", "", "835 test.835 of 2025-07-18, claim P1"),
    ("VISIT_UNBILLED", "", "2025-06-02", ""): ("recovered", "55.10", "", "claim U1"),
}


@pytest.mark.parametrize("key", list(EXPECTED), ids=[f"{k[0]}-{k[1] or k[2]}" for k in EXPECTED])
def test_status_dollars_and_days_of_each_baseline_finding(scenario, key):
    status, recovered, days_left, evidence = EXPECTED[key]
    row = scenario["rows"][key]
    assert (row["status"], row["amount_recovered_usd"], row["days_left"]) == (status, recovered, days_left)
    assert evidence in row["evidence"]


def test_a_finding_the_new_data_disproves_is_withdrawn_with_the_reason_only_when_the_data_covers_it(scenario):
    row = scenario["rows"][("POC_MISSING", "C1", "2025-05-12", "")]
    if scenario["only_new"]:      # C's visit is not in the day-30 files: judged by dates and payments only
        assert (row["status"], row["days_left"]) == ("open", "")
        assert "not in the day-30 files" in row["evidence"]
    else:
        assert row["status"] == "withdrawn"
        assert row["evidence"] == ("not a problem after all: a plan of care starting 2025-05-01, signed 2025-05-02, "
                                   "is now on file")
    assert not any(r["status"] == "withdrawn" for r in scenario["rows"].values()) or not scenario["only_new"]


def test_follow_up_csv_columns_pseudonyms_and_figures(scenario):
    path = scenario["out"] / "follow-up.csv"
    with path.open(newline="") as fh:
        assert next(csv.reader(fh)) == FOLLOW_UP_COLUMNS
    rows = read_follow_up_csv(path)
    assert len(rows) == 12                                   # every baseline finding, once
    base = duckdb.connect(str(path.parent.parent / "base.duckdb"), read_only=True)
    refs = dict(base.execute("select coalesce(claim_id, '') || '|' || dos || '|' || rule_id, patient_ref "
                             "from findings").fetchall())
    base.close()
    for r in rows:                                           # the day-0 pseudonym, as the practice saw it
        assert r["patient_ref"] == refs[f"{r['claim_id']}|{r['dos']}|{r['rule_id']}"]
    f = scenario["result"]
    assert f["recovered_usd"] == usd("155.10") == figures(rows)["recovered_usd"]
    assert f["recoverable_usd"] == usd("30.27")              # D3, 294 days left
    assert f["nearest_deadline"] == dt.date(2026, 5, 20)
    assert f["lost_since_usd"] == usd("39.13")               # D4, whose appeal window closed on 2025-07-18
    assert f["by_status"]["corrected"] == 1 and f["by_status"]["recovered"] == 3


def test_new_and_newly_visible_findings(scenario):
    status = dict(scenario["con"].execute(
        "select rule_id || ' ' || claim_id, follow_up_status from findings where rule_id = 'GO_MISSING'").fetchall())
    assert status == {"GO_MISSING N1": "new", "GO_MISSING O1": "newly_visible"}
    # the findings still there from day 0 are marked as such
    if not scenario["only_new"]:
        assert scenario["con"].execute("""select follow_up_status from findings
                                          where rule_id = 'DENIAL_RECOVERABLE' and claim_id = 'D3'""").fetchone()[0] == "baseline"


def test_the_baseline_is_attached_read_only_and_detached(scenario):
    assert "fu_base" not in {r[0] for r in scenario["con"].execute("select database_name from duckdb_databases()").fetchall()}
    assert scenario["con"].execute("select count(*) from follow_up").fetchone()[0] == 12


def test_the_pdf_is_written_with_the_figures(scenario):
    from pypdf import PdfReader
    pdf = scenario["out"] / "follow-up-report.pdf"
    reader = PdfReader(pdf)
    assert 2 <= len(reader.pages) <= 5
    text = " ".join(page.extract_text() for page in reader.pages)
    for figure in ("$155.10", "$30.27", "$39.13"):
        assert figure in text
    assert "DENIAL_RECOVERABLE" not in text and "RULEBOOK" not in text


def test_the_same_inputs_give_the_same_follow_up(tmp_path):
    p0 = baseline_practice()
    outs = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        con, _, _ = follow(tmp_path / run, p0, day30_practice(p0, only_new=False))
        con.close()
        outs.append((tmp_path / run / "out" / "follow-up.csv").read_bytes())
    assert outs[0] == outs[1]


# --- payments counted once, net of reversals ----------------------------------------------------------------

def test_a_denied_line_paid_after_day_0_counts_its_dollars_once(tmp_path):
    """A line billed without GO and denied carries two findings: the denial ($39.13) and GO_MISSING ($0, the dollars
    are on the denial). Paid $35.00 after day 0: both are recovered, the $35.00 counted on the denial only."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("G1", "2025-05-01", [("97530", "", 1)])
    p0.remit("G1", "2025-05-20", [("97530", "", 0.0, None, [("CO", "4", 100.0)])])
    p1 = copy.deepcopy(p0)
    p1.claim("G1", "2025-05-01", [("97530", "GO", 1)], submitted="2025-07-01", frequency="7")
    p1.remit("G1", "2025-07-15", [("97530", "GO", 35.00, 35.00)])
    con, result, rows = follow(tmp_path, p0, p1)
    denial = rows[("DENIAL_RECOVERABLE", "G1", "2025-05-01", "97530")]
    go = rows[("GO_MISSING", "G1", "2025-05-01", "97530")]
    assert (denial["baseline_amount_usd"], go["baseline_amount_usd"]) == ("39.13", "0.00")
    assert (denial["status"], denial["amount_recovered_usd"]) == ("recovered", "35.00")
    assert (go["status"], go["amount_recovered_usd"]) == ("recovered", "0.00")
    assert "counted on DENIAL_RECOVERABLE" in go["evidence"]
    assert result["recovered_usd"] == usd("35.00")


def test_an_underpayment_corrected_by_a_reversal_and_a_new_payment_recovers_the_difference(tmp_path):
    """Paid $30.00 against $39.13 expected (UNDERPAYMENT $9.13, appeal window 120 days). After day 0 the payer reverses
    its payment (-$30.00) and pays $39.13: $9.13 recovered, net of the reversal."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("U2", "2025-05-01", [("97530", "GO", 1)])
    p0.remit("U2", "2025-05-20", [("97530", "GO", 30.00, 30.00, [("CO", "45", 70.00)])])
    p1 = copy.deepcopy(p0)
    p1.reversal("U2", "2025-07-10")
    p1.remit("U2", "2025-07-10", [("97530", "GO", 39.13, 39.13, [("CO", "45", 60.87)])])
    _, result, rows = follow(tmp_path, p0, p1)
    row = rows[("UNDERPAYMENT", "U2", "2025-05-01", "97530")]
    assert (row["baseline_amount_usd"], row["status"], row["amount_recovered_usd"]) == ("9.13", "recovered", "9.13")
    assert result["recovered_usd"] == usd("9.13")


def test_an_unpaid_claims_first_payment_does_not_recover_its_units_finding(tmp_path):
    """An increment (units, underpayment, CO) on a line that was unpaid on day 0 is recovered only by a payment that
    follows a payment: the first payment of the claim belongs to the unpaid claim."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("Q1", "2025-04-01", [("97530", "GO", 1)])
    p0.visit("2025-04-01", "97530", minutes=30)               # two units documented, one billed
    p1 = copy.deepcopy(p0)
    p1.remit("Q1", "2025-07-15", [("97530", "GO", 39.13, 39.13)])
    rules = RULES + ["UNITS_UNDERBILLED"]
    _, result, rows = follow(tmp_path, p0, p1, rules=rules)
    assert rows[("CLAIM_UNPAID", "Q1", "2025-04-01", "")]["amount_recovered_usd"] == "39.13"
    units = rows[("UNITS_UNDERBILLED", "Q1", "2025-04-01", "97530")]
    assert (units["status"], units["amount_recovered_usd"]) == ("open", "0.00")
    assert int(units["days_left"]) > 0
    assert result["recovered_usd"] == usd("39.13")


def test_a_claim_replaced_under_a_new_number_is_followed_by_its_replacement(tmp_path):
    """Unpaid claim R1 replaced after day 0 by R2 (frequency 7, REF*F8 = R1) and R2 paid: R1's finding is recovered."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("R1", "2025-04-01", [("97530", "GO", 1)])
    p1 = copy.deepcopy(p0)
    p1.claim("R2", "2025-04-01", [("97530", "GO", 1)], submitted="2025-07-01", frequency="7", payer_claim_ref="R1")
    p1.remit("R2", "2025-07-20", [("97530", "GO", 39.13, 39.13)])
    _, _, rows = follow(tmp_path, p0, p1)
    row = rows[("CLAIM_UNPAID", "R1", "2025-04-01", "")]
    assert (row["status"], row["amount_recovered_usd"]) == ("recovered", "39.13")
    assert "claim R2" in row["evidence"]


def test_a_denial_written_off_since_day_0_is_lost_with_no_days_left(tmp_path):
    """The payer answers the appeal of D5 after day 0 with a timely-filing denial (CO-29, write-off): lost, 0 days."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("D5", "2025-05-01", [("97530", "GO", 1)])
    p0.remit("D5", "2025-05-20", [("97530", "GO", 0.0, None, [("CO", "16", 100.0)])])
    p1 = copy.deepcopy(p0)
    p1.remit("D5", "2025-07-20", [("97530", "GO", 0.0, None, [("CO", "29", 100.0)])])
    _, result, rows = follow(tmp_path, p0, p1)
    row = rows[("DENIAL_RECOVERABLE", "D5", "2025-05-01", "97530")]
    assert (row["status"], row["days_left"]) == ("lost", "0")
    assert "written off since day 0" in row["evidence"]
    assert result["lost_since_usd"] == usd("39.13")


def test_a_recoverable_item_already_past_its_date_on_day_0_stays_open_with_0_days(tmp_path):
    """An unpaid claim first submitted in time stays recoverable past its filing limit (proof of timely filing):
    at day 30 it is open, 0 days left, not lost since day 0."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("T1", "2024-05-01", [("97530", "GO", 1)], submitted="2024-05-06")
    build(p0, ":memory:", DAY0).close()
    p1 = copy.deepcopy(p0)
    _, result, rows = follow(tmp_path, p0, p1)
    row = rows[("TIMELY_FILING_RISK", "T1", "2024-05-01", "")]
    assert (row["status"], row["days_left"]) == ("open", "0")
    assert result["lost_since_usd"] == 0 and result["recoverable_usd"] == usd(row["baseline_amount_usd"]) > 0


# --- did the habits change? ---------------------------------------------------------------------------------

def _go_claims(p: MiniPractice, prefix: str, first: dt.date, n: int, missing: int) -> None:
    """n one-line 97530 claims for n patients over the 28 days from `first`, the first `missing` without GO, each paid."""
    for i in range(n):
        cid, dos = f"{prefix}{i:02d}", first + dt.timedelta(days=i % 28)
        mods = "" if i < missing else "GO"
        p.claim(cid, dos, [("97530", mods, 1)], member_id=f"{prefix}M{i:04d}")
        p.remit(cid, dos + dt.timedelta(days=10), [("97530", mods, 39.13, 39.13)])


@pytest.mark.parametrize("before_missing,after_n,verdict,after_rate", [
    (10, 35, "fewer", 0.0),        # 25.0 per 100 lines before, 0 of 35 since: two standard errors apart
    (2, 35, "same", 0.0),          # 5.0 before, 0 of 35 since: no clear change
    (10, 12, "too_early", None),   # 12 lines since day 0: too few to judge
])
def test_habit_rates_before_and_after_day_0(tmp_path, before_missing, after_n, verdict, after_rate):
    p0 = MiniPractice()
    p0.paid_control_claim()
    _go_claims(p0, "B", dt.date(2025, 4, 1), 40, before_missing)
    p1 = copy.deepcopy(p0)
    _go_claims(p1, "A", dt.date(2025, 7, 1), after_n, 0)
    con, _, _ = follow(tmp_path, p0, p1, day30="2025-07-31", rules=["GO_MISSING"])
    row = con.execute("""select before_hits, before_eligible, before_rate, after_hits, after_eligible, after_rate, verdict
                         from follow_up_habits where measure = 'GO_MISSING'""").fetchone()
    assert row == (before_missing, 41, round(100 * before_missing / 41, 1), 0, after_n, after_rate, verdict)


# --- refusals -----------------------------------------------------------------------------------------------

def test_a_baseline_that_is_not_an_audit_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="not an rcm-audit database"):
        resolve_baseline(tmp_path / "notes.txt")
    other = duckdb.connect(str(tmp_path / "other.duckdb"))
    other.execute("create table t (x int)")
    other.close()
    with pytest.raises(InputError, match="not an rcm-audit database"):
        resolve_baseline(tmp_path / "other.duckdb")
    with pytest.raises(InputError, match="no audit.duckdb"):
        resolve_baseline(tmp_path)
    with pytest.raises(InputError, match="baseline not found"):
        resolve_baseline(tmp_path / "missing")


def test_a_baseline_in_the_output_folder_is_refused(tmp_path):
    build(baseline_practice(), tmp_path / "audit.duckdb", DAY0).close()
    with pytest.raises(InputError, match="would overwrite it"):
        resolve_baseline(tmp_path, out_dir=tmp_path)
    with pytest.raises(InputError, match="newer than this audit"):
        resolve_baseline(tmp_path, as_of=dt.date(2025, 6, 1))
    with pytest.raises(InputError, match="another practice"):
        resolve_baseline(tmp_path, npi="1999999993")
    assert resolve_baseline(tmp_path) == tmp_path / "audit.duckdb"


def test_a_baseline_of_another_practice_or_newer_is_refused_after_staging(tmp_path):
    p0 = baseline_practice()
    build(p0, tmp_path / "base.duckdb", DAY0).close()
    other = MiniPractice(billing_npi="1999999993")
    other.claim("X1", "2025-07-01", [("97530", "GO", 1)])
    con = build(other, ":memory:", DAY30)
    with pytest.raises(InputError, match="another practice's audit"):
        check_same_practice(con, tmp_path / "base.duckdb")
    con.close()
    strangers = MiniPractice(billing_npi=None)
    strangers.claim("X1", "2025-07-01", [("97530", "GO", 1)], member_id="ZZZ999")
    con = build(strangers, ":memory:", DAY30)
    with pytest.raises(InputError, match="shares no patient and no claim"):
        check_same_practice(con, tmp_path / "base.duckdb")
    con.close()
    con = build(day30_practice(p0, only_new=False), ":memory:", "2025-06-01")
    with pytest.raises(InputError, match=r"baseline audit \(as of 2025-06-30\) is newer than this audit \(as of 2025-06-01\)"):
        check_same_practice(con, tmp_path / "base.duckdb")
    con.close()


def test_show_phi_outputs_are_readable_by_their_owner_only(tmp_path):
    p0 = baseline_practice()
    con, _, _ = follow(tmp_path, p0, day30_practice(p0, only_new=False), show_phi=True)
    con.close()
    for name in ("follow-up.csv", "follow-up-report.pdf"):
        assert stat.S_IMODE(os.stat(tmp_path / "out" / name).st_mode) == 0o600


def test_compare_with_expected_names_each_difference():
    actual = [{"rule_id": "CLAIM_UNPAID", "claim_id": "P1", "dos": "2025-04-01", "cpt": "", "status": "recovered",
               "amount_recovered_usd": "40.00"},
              {"rule_id": "GO_MISSING", "claim_id": "G1", "dos": "2025-05-01", "cpt": "97530", "status": "open",
               "amount_recovered_usd": "0.00"}]
    expected = [dict(actual[0]), dict(actual[1], status="corrected")]
    assert compare_with_expected(actual, actual) == []
    diffs = compare_with_expected(actual, expected)
    assert diffs == ["GO_MISSING/G1/2025-05-01/97530: expected [('corrected', Decimal('0.00'))], "
                     "got [('open', Decimal('0.00'))]"]


def test_minutes_repeated_by_a_refreshed_export_do_not_withdraw_a_units_finding(tmp_path):
    """97530 x3 billed for 30 documented minutes: UNITS_OVERBILLED on day 0. The day-30 folder holds the old visit
    export and a refreshed one repeating its row: the repeated row is read once (stg_visit_rows), the minutes stay
    30, and the day-30 audit still finds the overbilling: it stays open, not withdrawn."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("V1", "2025-05-01", [("97530", "GO", 3)])
    p0.remit("V1", "2025-05-20", [("97530", "GO", 100.00, 100.00)])
    p0.visit("2025-05-01", "97530", minutes=30)
    p1 = copy.deepcopy(p0)
    p1.visits.append(dict(p1.visits[0], source_file="visits_refreshed.csv"))
    rules = ["UNITS_OVERBILLED", "UNITS_UNDERBILLED", "DENIAL_RECOVERABLE"]
    con, _, rows = follow(tmp_path, p0, p1, rules=rules)
    row = rows[("UNITS_OVERBILLED", "V1", "2025-05-01", "97530")]
    assert (row["status"], row["days_left"]) == ("open", "")
    assert "still finds it" in row["evidence"]
    assert con.execute("select still_found, covered from follow_up where rule_id = 'UNITS_OVERBILLED'").fetchone() \
        == (True, True)                                       # 30 minutes, not 60: the repeated row counts once
    con.close()


def test_minutes_summed_over_two_exports_do_not_withdraw_a_units_finding(tmp_path):
    """The day-30 folder holds the old visit export (30 minutes) and another export with a different row for the
    same code and day (45 minutes): 75 minutes summed, the day-30 audit no longer finds the overbilling, but sums
    over several exports prove nothing: it stays open (exposure), with the reason it is kept."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("V1", "2025-05-01", [("97530", "GO", 3)])
    p0.remit("V1", "2025-05-20", [("97530", "GO", 100.00, 100.00)])
    p0.visit("2025-05-01", "97530", minutes=30)
    p1 = copy.deepcopy(p0)
    p1.visit("2025-05-01", "97530", minutes=45, source_file="visits_other.csv")
    rules = ["UNITS_OVERBILLED", "UNITS_UNDERBILLED", "DENIAL_RECOVERABLE"]
    con, _, rows = follow(tmp_path, p0, p1, rules=rules)
    row = rows[("UNITS_OVERBILLED", "V1", "2025-05-01", "97530")]
    assert (row["status"], row["days_left"]) == ("open", "")
    assert "do not show why" in row["evidence"]
    assert con.execute("select still_found, covered from follow_up where rule_id = 'UNITS_OVERBILLED'").fetchone() \
        == (False, True)                                      # the day-30 audit no longer finds it
    con.close()


@pytest.mark.parametrize("voided", [False, True], ids=["claim-in-day-0-files", "voided-since-day-0"])
def test_a_visit_billed_by_a_day_0_claim_is_not_unbilled_with_only_the_new_files(tmp_path, voided):
    """Day 0: the visit of 2025-05-01 is billed (V1) and paid. Day 30, only the new files: a refreshed visit export
    repeats that visit, and V1 is not in the folder: the visit is billed, not unbilled, and no VISIT_UNBILLED or
    TIMELY_FILING_RISK of it reaches the findings, the coverage counts or the ranking. When the new files void V1,
    the visit is unbilled again and reported."""
    p0 = MiniPractice()
    p0.paid_control_claim()
    p0.claim("V1", "2025-05-01", [("97530", "GO", 2)])
    p0.remit("V1", "2025-05-20", [("97530", "GO", 78.26, 78.26)])
    p0.visit("2025-05-01", "97530", minutes=30)
    build(p0, tmp_path / "base.duckdb", DAY0).close()
    p1 = MiniPractice()
    p1._pos = 10_000
    p1.paid_control_claim("2025-07-01")
    p1.visit("2025-05-01", "97530", minutes=30, source_file="visits_refreshed.csv")
    if voided:
        p1.claim("V1", "2025-05-01", [("97530", "GO", 2)], submitted="2025-07-02", frequency="8")
    con = p1.connect(":memory:")
    stage(con, PracticeConfig(locality=p1.locality), d(DAY30))
    run_rules(con, RULES)
    before = con.execute("""select rule_id, count(*) from findings where rule_id in ('VISIT_UNBILLED', 'TIMELY_FILING_RISK')
                            group by all""").fetchall()
    assert sum(n for _, n in before) == 1                                    # the rule alone finds the visit unbilled
    removed = set_aside_billed_in_baseline(con, tmp_path / "base.duckdb")
    prioritize(con)
    left = con.execute("""select count(*), count(priority_rank) from findings
                          where rule_id in ('VISIT_UNBILLED', 'TIMELY_FILING_RISK')""").fetchone()
    covered = con.execute("""select sum(findings) from coverage
                             where rule_id in ('VISIT_UNBILLED', 'TIMELY_FILING_RISK')""").fetchone()[0]
    if voided:
        assert (removed, left, covered) == ({}, (1, 1), 1)
    else:
        assert (removed, left, covered) == (dict(before), (0, 0), 0)
        assert con.execute("select * from follow_up_set_aside").fetchall() == before
    con.close()


@pytest.mark.parametrize("new_auth", [False, True], ids=["same-authorization", "new-authorization"])
def test_an_authorization_already_on_file_on_day_0_withdraws_nothing(tmp_path, new_auth):
    """Day 0: AUTH_EXCEEDED on the third visit of an authorization for two (BCBSMA HMO). Day 30, only the new files:
    the refreshed visit export repeats the visits, whose claims are in the day-0 files, so the count of billed
    visits falls and the day-30 audit no longer finds it. The authorization is the one on file on day 0: no reason,
    the finding stays open. An authorization new since day 0 (for 12 visits) withdraws it, with that reason."""
    days = ["2025-03-03", "2025-03-10", "2025-03-17"]

    def practice(only_new: bool) -> MiniPractice:
        p = MiniPractice(payer="bcbs").configure_payer("bcbs", requires_auth=True)
        if only_new:          # another patient's claim since day 0: the day-30 input has 837s and 835s
            p._pos = 10_000
            p.claim("N1", "2025-07-07", [("97530", "GO", 1)], member_id="OTHER0001")
            p.remit("N1", "2025-07-21", [("97530", "GO", 40.00, 40.00)])
        for i, day in enumerate(days):
            if not only_new:
                p.claim(f"A{i}", day, [("97530", "GO", 1)])
                p.remit(f"A{i}", d(day) + dt.timedelta(days=20), [("97530", "GO", 40.00, 40.00)])
            p.visit(day, "97530", minutes=15, source_file="visits_refreshed.csv" if only_new else "visits.csv")
        p.auth("AU1", "2025-03-01", "2025-06-30", visits=2)
        if only_new and new_auth:
            p.auth("AU2", "2025-03-01", "2025-06-30", visits=12)
        return p

    rules = ["AUTH_EXCEEDED", "VISIT_UNBILLED"]
    con, _, rows = follow(tmp_path, practice(False), practice(True), rules=rules)
    row = rows[("AUTH_EXCEEDED", "A2", "2025-03-17", "")]
    if new_auth:
        assert row["status"] == "withdrawn"
        assert row["evidence"] == "not a problem after all: an authorization now on file covers the date (2025-03-01 to 2025-06-30)"
    else:
        assert row["status"] == "open" and "do not show why" in row["evidence"]
    assert list(rows) == [("AUTH_EXCEEDED", "A2", "2025-03-17", "")]
    con.close()

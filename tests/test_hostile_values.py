"""Reliability: values with limits. Units, amounts and dates of the X12 files are finite, plausible and real
calendar dates, or they are stored as empty with a warning naming the segment and element — at ingest,
before any staging arithmetic — and the audit still runs to its end (no traceback, exit 0, every output).
Limits (sql/ingest/x12_macros.sql): units 0-99 per line (SV104, SVC07; SVC05 -99 to 99: a reversal),
|amount| < 1,000,000, other numbers finite and < 1e9, dates CCYYMMDD in 1900-2099 (ISA09 YYMMDD)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.config import PracticeConfig
from pipelines.ingest import ingest_paths
from pipelines.ingest.x12 import read_x12
from pipelines.pipeline import check, stage_data

FIX = Path(__file__).resolve().parent / "fixtures" / "x12"
BASE_837 = (FIX / "base.837").read_text()
BASE_835 = (FIX / "base.835").read_text()


def load(con, tmp_path: Path, text: str, name: str):
    p = tmp_path / name
    p.write_text(text)
    return read_x12(con, p, name)


def swap(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def warnings_at(res, place: str) -> list[str]:
    return [i.reason for i in res.issues if i.place == place and i.severity == "warning"]


# --- units ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("units,why", [
    ("inf", "'inf' is not a finite number of units"),
    ("NaN", "'NaN' is not a finite number of units"),
    ("Infinity", "'Infinity' is not a finite number of units"),
    ("1e400", "'1e400' is not a finite number of units"),
    ("-inf", "'-inf' is not a finite number of units"),
    ("1e9", "'1e9' is not a plausible number of units (limit: 0 to 99 per line)"),
    ("150", "'150' is not a plausible number of units (limit: 0 to 99 per line)"),
    ("-1", "'-1' is not a plausible number of units (limit: 0 to 99 per line)"),
])
def test_implausible_837_units_are_stored_empty_with_their_place(con, tmp_path, units, why):
    res = load(con, tmp_path, swap(BASE_837, "SV1*HC:97530:GO:KX*150.00*UN*2***1", f"SV1*HC:97530:GO:KX*150.00*UN*{units}***1"),
               "units.837")
    assert res.status == "loaded" and res.lines_loaded == 3            # the line loads, its units do not
    assert warnings_at(res, "segment 28 (SV1), SV104") == [f"SV104 {why}; stored as empty"]
    got = con.execute("select units from claim_lines where segment_pos = 28").fetchone()[0]
    assert got is None
    assert con.execute("select units from claim_lines where segment_pos = 32").fetchone()[0] == 1.5   # 99.x fine


@pytest.mark.parametrize("svc05,svc07,expected_paid,expected_original,places", [
    ("-inf", "1e9", None, None, ["segment 24 (SVC), SVC05", "segment 24 (SVC), SVC07"]),
    ("150", "2", None, 2.0, ["segment 24 (SVC), SVC05"]),
    ("-2", "", -2.0, None, []),                         # a reversal's negative units paid are plausible
    ("", "", 1.0, None, []),                            # SVC05 absent = 1 unit (X12 default)
])
def test_835_units_paid_and_original_units(con, tmp_path, svc05, svc07, expected_paid, expected_original, places):
    res = load(con, tmp_path, swap(BASE_835, "SVC*HC:97530:GO:KX*150.00*110.00**2",
                                   f"SVC*HC:97530:GO:KX*150.00*110.00**{svc05}**{svc07}"), "units.835")
    assert res.status == "loaded"
    paid, original = con.execute("select units_paid, original_units from remit_lines where segment_pos = 24").fetchone()
    assert (paid, original) == (expected_paid, expected_original)
    assert sorted(i.place for i in res.issues if i.place.startswith("segment 24 ")) == places


# --- amounts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("old,new,table,column,where,place", [
    ("CLM*CLM001*300.00", "CLM*CLM001*1e400", "claims", "total_charge", "claim_id = 'CLM001'", "segment 22 (CLM), CLM02"),
    ("CLM*CLM001*300.00", "CLM*CLM001*2000000", "claims", "total_charge", "claim_id = 'CLM001'", "segment 22 (CLM), CLM02"),
    ("SV1*HC:97530:GO:KX*150.00", "SV1*HC:97530:GO:KX*NaN", "claim_lines", "charge", "segment_pos = 28",
     "segment 28 (SV1), SV102"),
])
def test_implausible_837_amounts_are_stored_empty(con, tmp_path, old, new, table, column, where, place):
    res = load(con, tmp_path, swap(BASE_837, old, new), "amounts.837")
    assert res.claims_loaded == 2
    assert con.execute(f"select {column} from {table} where {where}").fetchone()[0] is None
    [reason] = warnings_at(res, place)
    assert reason.endswith("; stored as empty") and ("amount" in reason)


@pytest.mark.parametrize("old,new,table,column,where,place", [
    ("CLP*CLM001*1*300.00", "CLP*CLM001*1*-1e7", "remit_claims", "charge", "segment_pos = 17", "segment 17 (CLP), CLP03"),
    ("SVC*HC:97530:GO:KX*150.00*110.00", "SVC*HC:97530:GO:KX*150.00*inf", "remit_lines", "paid", "segment_pos = 24",
     "segment 24 (SVC), SVC03"),
    ("AMT*B6*130.00", "AMT*B6*1000000", "remit_lines", "allowed", "segment_pos = 24", "segment 24 (SVC), AMT02"),
    ("CAS*CO*16*95.50", "CAS*CO*16*9e9", "remit_adjustments", "amount", "reason_code = '16'",
     "segment 38 (CAS), CAS03"),
    ("BPR*I*225.50", "BPR*I*Infinity", "remit_payments", "amount", "true", "segment 3 (ST), BPR02"),
    ("WO:CLM000*-5.25", "WO:CLM000*-5e6", "provider_adjustments", "amount", "pair_index = 1", "segment 41 (PLB), PLB04"),
])
def test_implausible_835_amounts_are_stored_empty(con, tmp_path, old, new, table, column, where, place):
    res = load(con, tmp_path, swap(BASE_835, old, new), "amounts.835")
    assert res.claims_loaded == 3
    assert con.execute(f"select {column} from {table} where {where}").fetchone()[0] is None
    [reason] = warnings_at(res, place)
    assert "amount" in reason and reason.endswith("; stored as empty")


def test_amounts_just_inside_the_limit_load(con, tmp_path):
    res = load(con, tmp_path, swap(BASE_837, "CLM*CLM001*300.00", "CLM*CLM001*999999.99"), "big.837")
    assert not [i for i in res.issues if "CLM02" in i.place]
    assert float(con.execute("select total_charge from claims where claim_id = 'CLM001'").fetchone()[0]) == 999999.99


# --- dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("old,new,place,loaded", [
    # 835: production date (not kept), payment date, claim dates, service date, fiscal period date
    ("DTM*405*20250314", "DTM*405*20251340", "segment 6 (DTM), DTM02", None),
    ("DTM*405*20250314", "DTM*405*NOTADATE", "segment 6 (DTM), DTM02", None),
    ("*456*20250315~", "*456*20250230~", "segment 4 (BPR), BPR16", "select payment_date from remit_payments"),
    ("DTM*232*20250210~\nDTM*233", "DTM*232*20250230~\nDTM*233", "segment 21 (DTM), DTM02",
     "select statement_from from remit_claims where segment_pos = 17"),
    ("DTM*472*20250210", "DTM*472*18991231", "segment 25 (DTM), DTM02", "select dos from remit_lines where segment_pos = 24"),
    ("PLB*1234567893*20251231", "PLB*1234567893*20251232", "segment 41 (PLB), PLB02",
     "select fiscal_date from provider_adjustments where pair_index = 1"),
    ("*250315*0900*", "*251340*0900*", "segment 1 (ISA), ISA09", None),
    ("*PRACTICE*20250315*0900*201", "*PRACTICE*20250230*0900*201", "segment 2 (GS), GS04", None),
])
def test_835_dates_that_are_not_calendar_dates(con, tmp_path, old, new, place, loaded):
    res = load(con, tmp_path, swap(BASE_835, old, new), "dates.835")
    assert res.status == "loaded" and res.claims_loaded == 3
    [reason] = warnings_at(res, place)
    assert "is not a real calendar date" in reason and reason.endswith("; stored as empty")
    if loaded:
        assert con.execute(loaded).fetchone()[0] is None


@pytest.mark.parametrize("old,new,place,loaded", [
    ("BHT*0019*00*B0001*20250301", "BHT*0019*00*B0001*NOTADATE", "segment 4 (BHT), BHT04",
     "select submission_date from claims where claim_id = 'CLM001'"),
    ("DTP*472*D8*20250210", "DTP*472*D8*20250230", "segment 29 (DTP), DTP03",
     "select dos from claim_lines where segment_pos = 28"),
    ("DTP*472*RD8*20250210-20250214", "DTP*472*RD8*20250210-20251340", "segment 33 (DTP), DTP03",
     "select dos_end from claim_lines where segment_pos = 32"),
    ("DTP*472*D8*20250211", "DTP*472*DT*202502111200", "segment 49 (DTP), DTP02",
     "select dos from claim_lines where segment_pos = 48"),
    ("DMG*D8*20150615*M", "DMG*D8*20151340*M", "segment 43 (DMG), DMG02",
     "select patient_dob from claims where claim_id = 'CLM002'"),
])
def test_837_dates_that_are_not_calendar_dates(con, tmp_path, old, new, place, loaded):
    res = load(con, tmp_path, swap(BASE_837, old, new), "dates.837")
    assert res.status == "loaded" and res.claims_loaded == 2
    [reason] = warnings_at(res, place)
    assert reason.endswith("; stored as empty")
    assert con.execute(loaded).fetchone()[0] is None


def test_real_calendar_dates_load_without_a_word(con, tmp_path):
    text = swap(BASE_837, "DTP*472*D8*20250210", "DTP*472*D8*20240229")        # a leap day
    text = swap(text, "DMG*D8*19480512*F", "DMG*D8*19000101*F")
    res = load(con, tmp_path, text, "leap.837")
    assert not [i for i in res.issues if "date" in i.reason]
    assert str(con.execute("select dos from claim_lines where segment_pos = 28").fetchone()[0]) == "2024-02-29"


def test_a_birth_date_in_the_wrong_format_is_not_quoted(con, tmp_path):
    res = load(con, tmp_path, swap(BASE_837, "DMG*D8*19480512*F", "DMG*D8*05/12/1948*F"), "dob.837")
    [reason] = warnings_at(res, "segment 20 (DMG), DMG02")
    assert "1948" not in reason and "05/12" not in reason


def test_a_damaged_line_number_is_renumbered_with_a_warning(con, tmp_path):
    """LX01 keys the line in staging: a missing or repeated one would stop the audit on its invariants."""
    text = swap(BASE_837, "LX*2~", "LX*1~")
    res = load(con, tmp_path, text, "lx.837")
    assert [(i.place, i.reason) for i in res.issues] == [
        ("segment 32 (SV1), LX01", "LX01 '1' repeats an earlier line's number in the claim: the line is numbered 1002 instead")]
    assert con.execute("select list(line_number order by segment_pos) from claim_lines where claim_id = 'CLM001'"
                       ).fetchone()[0] == [1, 1002]


# --- the audit runs to its end ------------------------------------------------------------------------

def _hostile_values_folder(folder: Path) -> Path:
    folder.mkdir()
    t837 = swap(BASE_837, "SV1*HC:97530:GO:KX*150.00*UN*2***1", "SV1*HC:97530:GO:KX*150.00*UN*inf***1")
    t837 = swap(t837, "SV1*HC:97110:GO*150.00*UN*1.5***1", "SV1*HC:97110:GO*NaN*UN*1e9***1")
    t837 = swap(t837, "DTP*472*D8*20250211", "DTP*472*D8*20250230")
    t837 = swap(t837, "LX*2~", "LX*1~")
    (folder / "a.837").write_text(t837)
    t837b = swap(BASE_837.replace("CLM00", "CLX00"), "SV1*HC:97110:GO*150.00*UN*1.5***1", "SV1*HC:97110:GO*150.00*UN*-inf***1")
    (folder / "b.837").write_text(swap(t837b, "SV1*HC:92507*95.50*UN*1***2", "SV1*HC:92507*95.50*UN*1e400***2"))
    t835 = swap(BASE_835, "SVC*HC:97530:GO:KX*150.00*110.00**2", "SVC*HC:97530:GO:KX*150.00*110.00**Infinity")
    t835 = swap(t835, "DTM*405*20250314", "DTM*405*20251340")
    (folder / "a.835").write_text(swap(t835, "CLP*CLM001*1*300.00*220.00", "CLP*CLM001*1*300.00*1e400"))
    return folder


def test_the_audit_runs_to_its_end_on_hostile_values(tmp_path):
    """inf / NaN / Infinity / 1e400 / -inf / 1e9 units, non-finite amounts, impossible dates and a repeated
    line number, in one folder: staging, every rule and the report run (exit 0, every output written)."""
    folder = _hostile_values_folder(tmp_path / "in")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "audit", str(folder), "-o", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    for name in ("audit-report.pdf", "findings.csv", "worklist.xlsx", "ingest-log.csv", "audit.duckdb"):
        assert (out / name).stat().st_size > 0, name
    assert "a.837,837P,loaded,2,3,0,0" in (out / "ingest-log.csv").read_text()
    import duckdb
    db = duckdb.connect(str(out / "audit.duckdb"), read_only=True)
    issues = set(db.execute("select source_file, place, reason from ingest_issues").fetchall())
    assert ("a.837", "segment 28 (SV1), SV104", "SV104 'inf' is not a finite number of units; stored as empty") in issues
    assert ("a.835", "segment 6 (DTM), DTM02",
            "DTM*405 '20251340' is not a real calendar date (CCYYMMDD, years 1900-2099); stored as empty") in issues


def test_staging_and_rules_never_see_a_non_finite_value(con, tmp_path):
    ingest_paths(con, [_hostile_values_folder(tmp_path / "in")])
    stage_data(con, PracticeConfig())
    check(con)
    assert con.execute("select count(*) from findings").fetchone()[0] > 0
    bad = con.execute("""select count(*) from claim_lines
                         where isinf(units) or isnan(units) or units >= 100 or units < 0""").fetchone()[0]
    assert bad == 0
    assert con.execute("select max(amount_usd) from findings").fetchone()[0] < 1_000_000

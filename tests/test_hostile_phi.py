"""Reliability: names, birth dates, member ids and addresses never leave the database. `rcm-audit audit` runs
(as the analyst runs it, in a subprocess) on a folder of files full of planted PHI (tests/hostile_inputs.py:
damaged 837s and 835s — a corrupted byte in a patient's NM1, a birth date in the wrong format, a 100 KB
element, a lost terminator that glues a patient's NM1 to the segment before it, a truncation inside a name,
PHI in the envelope, wrong delimiters — next to clean copies, and a visit export with PHI columns and broken
rows), and none of the planted strings may appear in the terminal, ingest-log.csv, the ingest_log and
ingest_issues tables, the PDF's text, worklist.xlsx or findings.csv."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from pypdf import PdfReader

from hostile_inputs import damaged_x12, leaks, phi_export_csv, write_phi_folder
from pipelines.ingest import ingest_paths
from pipelines.warehouse import connect


def _audit(folder: Path, out: Path) -> dict[str, str]:
    """Run the audit; return every user-facing text it produced, by where it appeared."""
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "audit", str(folder), "-o", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    db = duckdb.connect(str(out / "audit.duckdb"), read_only=True)
    try:
        texts = {
            "terminal": run.stdout + run.stderr,
            "ingest-log.csv": (out / "ingest-log.csv").read_text(encoding="utf-8"),
            "findings.csv": (out / "findings.csv").read_text(encoding="utf-8"),
            "table ingest_log": "\n".join(map(str, db.execute("select * from ingest_log").fetchall())),
            "table ingest_issues": "\n".join(map(str, db.execute("select * from ingest_issues").fetchall())),
        }
        texts["issue rows"] = db.execute("select source_file, place, severity, reason from ingest_issues").fetchall()
    finally:
        db.close()
    texts["audit-report.pdf"] = "\n".join(page.extract_text() for page in PdfReader(str(out / "audit-report.pdf")).pages)
    book = openpyxl.load_workbook(out / "worklist.xlsx", read_only=True)
    texts["worklist.xlsx"] = "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                                       for v in row if v is not None)
    return texts


@pytest.fixture(scope="module")
def x12_audit(tmp_path_factory):
    """The audit of the planted-PHI X12 files (clean and damaged), without the export."""
    folder = write_phi_folder(tmp_path_factory.mktemp("phi") / "in")
    (folder / "visits.csv").unlink()
    return _audit(folder, folder.parent / "out")


@pytest.fixture(scope="module")
def export_audit(tmp_path_factory):
    """The audit of the same files plus the visit export with PHI columns and broken rows."""
    folder = write_phi_folder(tmp_path_factory.mktemp("phi_export") / "in")
    return _audit(folder, folder.parent / "out")


OUTPUTS = ["terminal", "ingest-log.csv", "table ingest_log", "table ingest_issues", "audit-report.pdf",
           "worklist.xlsx", "findings.csv"]


@pytest.mark.parametrize("where", OUTPUTS)
def test_no_planted_phi_from_damaged_x12_in_any_output(x12_audit, where):
    assert x12_audit[where].strip(), f"{where} is empty"              # the output exists and says something
    assert leaks(x12_audit[where]) == []


@pytest.mark.parametrize("where", OUTPUTS)
def test_no_planted_phi_from_an_export_in_any_output(export_audit, where):
    assert leaks(export_audit[where]) == []


def test_every_damage_is_answered_with_its_place(x12_audit):
    """The messages are there — with the place (segment number and element) — just without the PHI."""
    rows: dict[tuple[str, str], list[str]] = {}
    for f, p, _, r in x12_audit["issue rows"]:
        rows.setdefault((f, p), []).append(r)
    assert rows[("corrupt_nm1.837", "segment 17")] == ["2 segment(s) with an unreadable segment id skipped (the first here)"]
    assert rows[("bad_dob.837", "segment 43 (DMG), DMG02")][0].startswith("DMG02 is not a real calendar date")
    assert rows[("huge_element.837", "segment 22 (CLM), CLM02")] == ["CLM02 is not an amount; stored as empty"]
    assert rows[("glued.835", "segment 18 (CAS), CAS06")] == ["CAS06 is not an amount; stored as empty"]
    assert rows[("name_in_values.837", "segment 28 (SV1), SV104")] == ["SV104 is not a finite number of units; stored as empty"]
    assert sorted(rows[("envelope.837", "segment 50 (SE)")]) == [
        "SE01 (not a count) does not match the 48 segments of the transaction at segment 3 (ST); loaded anyway",
        "SE02 does not match ST02 of the transaction at segment 3 (ST)"]
    assert "truncated" in rows[("truncated_name.837", "segment 3 (ST)")][0]
    assert all(len(r) < 200 for rs in rows.values() for r in rs)        # a 100 KB element is never echoed
    log = x12_audit["ingest-log.csv"]
    assert "clean.837,837P,loaded,2,3,0,0" in log and "clean.835,835,loaded,3,2,0,0" in log


def test_a_reader_failure_names_only_the_exception_type(tmp_path, monkeypatch):
    """'could not be read': whatever the exception says (it may quote the data), only its type is shown."""
    from pipelines.ingest import x12

    def explode(*args, **kwargs):
        raise ValueError("could not convert 'QUIXOTEVANDER ZEPHYRINA 19470312' to a number")

    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in damaged_x12().items():
        (folder / name).write_bytes(data)
    monkeypatch.setattr(x12, "_load", explode)                 # the mapping pass of every file
    monkeypatch.setattr(x12, "load_many", explode)             # the batch reader itself (its mapping half)
    con = connect(":memory:")
    results = ingest_paths(con, [folder])
    assert len(results) == len(damaged_x12())
    failed = [r for r in results if "could not be read (ValueError)" in r.message]
    assert failed and all(r.status == "rejected" for r in failed)
    text = "\n".join(map(str, con.execute("select * from ingest_log").fetchall()
                         + con.execute("select * from ingest_issues").fetchall()))
    assert "ValueError" in text and leaks(text) == []


def test_the_planted_export_has_the_broken_rows_it_claims():
    """The export of the test above really holds PHI in its broken rows (else the test proves nothing)."""
    text = phi_export_csv()
    assert "13/45/2025" in text and "1947-13-12" in text and ',"QUIXOTEVANDER,' in text
    assert set(leaks(text)) >= {"QUIXOTEVANDER", "ZEPHYRINA", "ZQX99123457", "1947-03-12", "1947-13-12"}

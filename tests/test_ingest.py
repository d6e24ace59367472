"""The ingest orchestrator: every file gets one clear line, bad files never stop the others, the same
bytes load once, counts reconcile, and the database is readable by its owner only."""
from __future__ import annotations

import os
import stat

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.ingest import ingest_paths
from pipelines.warehouse import connect

CLAIM_837 = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250310*1200*^*00501*000000001*0*P*:~"
    "GS*HC*SENDER*RECEIVER*20250310*1200*1*X*005010X222A1~"
    "ST*837*0001*005010X222A1~"
    "BHT*0019*00*BATCH1*20250310*1200*CH~"
    "NM1*41*2*CHARLES RIVER OT*****46*123456789~PER*IC*BILLING*TE*6175551212~"
    "NM1*40*2*NGS*****46*14212~"
    "HL*1**20*1~NM1*85*2*CHARLES RIVER OT*****XX*1234567893~N3*1 WASHINGTON ST~N4*NEWTON*MA*02458~"
    "REF*EI*123456789~"
    "HL*2*1*22*0~SBR*P*18*******MB~NM1*IL*1*DOE*JANE****MI*1EG4TE5MK73~DMG*D8*19500102*F~"
    "NM1*PR*2*MEDICARE PART B*****PI*14212~"
    "CLM*CR25-000001*180.00***11:B:1*Y*A*Y*Y~HI*ABK:M6281~"
    "NM1*DN*1*SMITH*JOHN****XX*1245319599~NM1*82*1*JONES*AMY****XX*1548326741~"
    "LX*1~SV1*HC:97530:GO*120.00*UN*2***1~DTP*472*D8*20250304~REF*6R*CR25-000001-1~"
    "LX*2~SV1*HC:97535:GO*60.00*UN*1***1~DTP*472*D8*20250304~REF*6R*CR25-000001-2~"
    "SE*28*0001~GE*1*1~IEA*1*000000001~"
)

VISITS_CSV = "MRN,Date of Service,CPT Code,Units,Treatment Minutes,Member ID\nMRN1,03/04/2025,97530,2,30,1EG4TE5MK73\n"


@pytest.fixture
def practice_folder(tmp_path):
    """A folder as a practice might send it: good files, a copy, and every kind of bad input."""
    folder = tmp_path / "in"
    (folder / "claims").mkdir(parents=True)
    (folder / "claims" / "march.837").write_text(CLAIM_837)
    (folder / "claims" / "march-copy.txt").write_text(CLAIM_837)           # same bytes, other name
    (folder / "empty.835").write_bytes(b"")
    (folder / "scan.835").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    (folder / "blob.dat").write_bytes(bytes(range(256)) * 8)
    (folder / "trailing.837").write_text(CLAIM_837.replace("CR25-000001", "CR25-000002") + "\x00\x00garbage after IEA")
    (folder / "visits.csv").write_text(VISITS_CSV)
    (folder / "no_cpt.csv").write_text("MRN,Date of Service,Units\nMRN1,03/04/2025,2\n")
    (folder / "practice.toml").write_text('[practice]\nname = "Test"\n')
    return folder


def test_every_file_gets_one_clear_line_and_the_rest_still_loads(practice_folder, tmp_path):
    con = connect(tmp_path / "a.duckdb")
    results = ingest_paths(con, [practice_folder])
    by_file = {r.source_file: r for r in results}

    # files are read in name order: the copy comes first, the original is then the duplicate
    assert by_file["claims/march-copy.txt"].status == "loaded"
    assert by_file["claims/march-copy.txt"].claims_loaded == 1 and by_file["claims/march-copy.txt"].lines_loaded == 2
    assert by_file["claims/march.837"].status == "duplicate"
    assert "claims/march-copy.txt" in by_file["claims/march.837"].message
    assert by_file["empty.835"].status == "rejected" and by_file["empty.835"].message == "empty file"
    assert by_file["scan.835"].status == "rejected" and "PDF" in by_file["scan.835"].message
    assert by_file["blob.dat"].status == "rejected"
    assert by_file["trailing.837"].claims_loaded == 1                       # data before the garbage loads
    assert by_file["visits.csv"].kind == "visits" and by_file["visits.csv"].lines_loaded == 1
    assert by_file["no_cpt.csv"].status == "rejected" and "cpt" in by_file["no_cpt.csv"].message
    assert by_file["practice.toml"].status == "skipped"

    log = con.execute("select source_file, status from ingest_log").fetchall()
    assert len(log) == len(results) == 9
    assert con.execute("select count(*) from claims").fetchone()[0] == 2    # the copy did not load twice
    assert con.execute("select sum(units) from claim_lines where claim_id = 'CR25-000001'").fetchone()[0] == 3


def test_counts_reconcile(practice_folder, tmp_path):
    con = connect(tmp_path / "a.duckdb")
    results = ingest_paths(con, [practice_folder])
    loaded_claims = sum(r.claims_loaded for r in results)
    assert loaded_claims == con.execute("select count(*) from claims").fetchone()[0] + \
        con.execute("select count(*) from remit_claims").fetchone()[0]
    x12_lines = sum(r.lines_loaded for r in results if r.kind in ("837P", "835"))
    assert x12_lines == con.execute("select count(*) from claim_lines").fetchone()[0]


def test_ingesting_the_same_file_twice_loads_it_once(practice_folder, tmp_path):
    con = connect(tmp_path / "a.duckdb")
    ingest_paths(con, [practice_folder / "claims" / "march.837"])
    again = ingest_paths(con, [practice_folder / "claims" / "march.837"])
    assert again[0].status == "duplicate"
    assert con.execute("select count(*) from claim_lines").fetchone()[0] == 2


def test_database_is_readable_by_its_owner_only(tmp_path):
    db = tmp_path / "sub" / "audit.duckdb"
    connect(db).close()
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


def test_cli_ingest_prints_one_line_per_file_and_match_rates(practice_folder, tmp_path):
    result = CliRunner().invoke(app, ["ingest", str(practice_folder), "--db", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 0, result.output
    assert "scan.835" in result.output and "PDF" in result.output
    assert "claims seen 2 = loaded 2 + rejected 0" in result.output
    assert "documented code-days matched to a claim line: 1/1" in result.output
    assert "Traceback" not in result.output
    # PHI never reaches the terminal
    for phi in ("DOE", "JANE", "1EG4TE5MK73", "19500102"):
        assert phi not in result.output


def test_cli_help_version_and_rules():
    runner = CliRunner()
    assert "audit" in runner.invoke(app, ["--help"]).output
    assert runner.invoke(app, ["--version"]).output.startswith("rcm-audit ")
    for command in ("audit", "ingest", "check", "report", "sample", "rules"):
        assert runner.invoke(app, [command, "--help"]).exit_code == 0
    listing = runner.invoke(app, ["rules"]).output
    assert listing.count("RULEBOOK §") >= 27 and "KX_MISSING" in listing and "MUE_EXCEEDED" in listing


def test_cli_errors_are_one_line_without_traceback(tmp_path):
    result = CliRunner().invoke(app, ["check", "--db", str(tmp_path / "missing.duckdb")])
    assert result.exit_code == 2
    assert "run `rcm-audit ingest` first" in result.output
    assert "Traceback" not in result.output


def test_batches_read_ahead_are_logged_in_order_and_a_copy_of_a_file_not_yet_mapped_is_a_duplicate(tmp_path,
                                                                                                 monkeypatch):
    """X12 batches are read on a reader thread while the batch before is mapped (issue 16): with batches of
    two files, a copy of a file whose batch is still being read is found a duplicate once that batch is loaded,
    and every file is logged in name order."""
    import pipelines.ingest as ingest
    monkeypatch.setattr(ingest, "_BATCH_FILES", 2)
    folder = tmp_path / "in"
    folder.mkdir()
    claims = {name: CLAIM_837.replace("CR25-000001", f"CR25-00000{i}") for i, name in enumerate("abdeg", start=1)}
    claims["c"] = claims["a"]                                   # the batch of a and b is being read by then
    claims["f"] = claims["e"]                                   # e waits in the same batch
    for name, text in claims.items():
        (folder / f"{name}.837").write_text(text)
    con = connect(tmp_path / "a.duckdb")
    results = ingest_paths(con, [folder])
    assert [(r.source_file, r.status) for r in results] == [
        ("a.837", "loaded"), ("b.837", "loaded"), ("c.837", "duplicate"), ("d.837", "loaded"),
        ("e.837", "loaded"), ("f.837", "duplicate"), ("g.837", "loaded")]
    assert "a.837" in results[2].message and "e.837" in results[5].message
    assert con.execute("select source_file from ingest_log").fetchall() == [(r.source_file,) for r in results]
    assert con.execute("select count(*), count(distinct claim_id) from claims").fetchone() == (5, 5)

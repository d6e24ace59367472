"""One road through the pipeline: `ingest` -> `check` -> `report` gives exactly what `audit` gives, because both
stage with the one configuration stored in the audit database at ingest (CONTRACT §6 "One configuration")."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from conftest import SAMPLE
from pipelines.cli import app
from pipelines.warehouse import connect

runner = CliRunner()


def cli(*args: str) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def both_roads(folder: Path, out: Path) -> dict:
    cli("audit", folder, "-o", out / "audit")
    db = out / "steps" / "audit.duckdb"
    said = {"ingest": cli("ingest", folder, "--db", db)}
    said["check"] = cli("check", "--db", db, "-o", out / "steps" / "findings.csv")
    cli("report", "--db", db, "-o", out / "steps" / "audit-report.pdf")
    return said


def same_results(out: Path) -> None:
    a, b = out / "audit", out / "steps"
    assert (a / "findings.csv").read_bytes() == (b / "findings.csv").read_bytes()
    assert pdf_text(a / "audit-report.pdf") == pdf_text(b / "audit-report.pdf")
    ca, cb = connect(a / "audit.duckdb"), connect(b / "audit.duckdb")
    for sql in ("select * from recommendations order by rank",
                "select amount_kind, category, count(*), sum(amount_usd) from findings group by all order by all",
                "select * exclude (generated_on) from audit_params",
                "select config_file, config_sha256, as_of, settings_in_force from audit_config"):
        assert ca.execute(sql).fetchall() == cb.execute(sql).fetchall(), sql


@pytest.fixture(scope="module")
def sample_roads(tmp_path_factory):
    out = tmp_path_factory.mktemp("roads")
    return out, both_roads(SAMPLE, out)


def test_the_sample_gives_the_same_findings_and_report_on_both_roads(sample_roads):
    out, said = sample_roads
    same_results(out)
    assert "configuration stored for `check` and `report`: " in said["ingest"]
    assert "practice.toml (sha256 " in said["check"] and "(stored at ingest)" in said["check"]


def test_the_ingest_log_says_which_configuration_is_in_force(sample_roads):
    out, _ = sample_roads
    con = connect(out / "steps" / "audit.duckdb")
    assert con.execute("select status, message from ingest_log where source_file = 'practice.toml'").fetchone() == \
        ("skipped", "configuration file: in force for this audit (stored in the audit database)")


def test_a_configuration_that_changes_a_payers_rules_gives_the_same_findings_on_both_roads(sample_roads, tmp_path):
    folder = tmp_path / "practice"
    shutil.copytree(SAMPLE, folder)
    toml = folder / "practice.toml"
    text = toml.read_text()
    # Medicare Part B: a 90-day filing limit instead of 365 (moves every Medicare filing deadline)
    start = text.index('[payers."Medicare Part B')
    toml.write_text(text[:start] + text[start:].replace("timely_filing_days = 365", "timely_filing_days = 90", 1))
    both_roads(folder, tmp_path)
    same_results(tmp_path)
    default, _ = sample_roads
    assert (tmp_path / "audit" / "findings.csv").read_bytes() != (default / "audit" / "findings.csv").read_bytes()


def test_check_with_another_configuration_says_so_and_report_follows_it(sample_roads, tmp_path):
    out, _ = sample_roads
    db = tmp_path / "audit.duckdb"
    shutil.copy(out / "steps" / "audit.duckdb", db)
    other = tmp_path / "other.toml"
    other.write_text('[practice]\nname = "Other Name OT"\nlocality = "99"\n')
    said = cli("check", "--db", db, "--config", other)
    assert "other.toml (sha256 " in said and "replaces the one stored at ingest" in said
    con = connect(db)
    assert con.execute("select practice_name, locality from audit_params").fetchone() == ("Other Name OT", "99")
    assert con.execute("select config_file from audit_config").fetchone()[0].endswith("other.toml")


def test_the_fee_schedule_of_2026_is_queryable_after_an_audit_of_the_sample(sample_roads):
    out, _ = sample_roads
    con = connect(out / "audit" / "audit.duckdb")
    assert str(con.execute("""select allowed from fee_schedule where cpt = '97530' and locality = '01'
                              and date '2026-01-15' between effective_from and effective_to""").fetchone()[0]) == "39.32"

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


def test_a_2026_underpayment_of_the_sample_is_judged_against_the_2026_fee_schedule(sample_roads):
    """A Medicare 97530 x2 line of 2026 (no other code that day) is expected at the 2026 full unit plus one MPPR
    unit of locality 01: $39.32 + $27.41 = $66.73, and paid below it."""
    out, _ = sample_roads
    con = connect(out / "audit" / "audit.duckdb")
    full, reduced = con.execute("""select allowed, reduced_allowed from fee_schedule where cpt = '97530'
                                   and locality = '01' and date '2026-06-01' between effective_from and effective_to""").fetchone()
    assert (str(full), str(reduced)) == ("39.32", "27.41")
    rows = con.execute("""
        select f.claim_id, f.detail from findings f
        join stg_claim_lines l on l.claim_id = f.claim_id and l.dos = f.dos and l.cpt = f.cpt
        where f.rule_id = 'UNDERPAYMENT' and f.payer_class = 'medicare' and year(f.dos) = 2026 and f.cpt = '97530'
          and f.units_billed = 2 and not l.has_co           -- (a CO line is expected at 88%: $58.72)
          -- 97530 holds the visit's full-price unit: no code of the day has higher practice-expense dollars
          and not exists (select 1 from stg_claim_lines o join fee_schedule p on p.cpt = o.cpt and p.locality = '01'
                                and o.dos between p.effective_from and p.effective_to
                          where o.visit_key = l.visit_key and p.pe_dollars > (select pe_dollars from fee_schedule
                                where cpt = '97530' and locality = '01' and l.dos between effective_from and effective_to))
        """).fetchall()
    assert rows, "the sample plants 2026 Medicare underpayments of 97530"
    assert all("below the expected $66.73 (Medicare fee schedule 2026, locality 01" in d for _, d in rows)

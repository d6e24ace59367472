"""`rcm-audit inspect`: the first look at a practice's folder — kinds, columns, rows that would load or
be rejected, a ready-to-paste mapping for what is not recognised — writing nothing, exit 0."""
from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.inspect import inspect_folder, mappings_from_config, render

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "sample_data"
FIXTURES = Path(__file__).parent / "fixtures" / "exports"
runner = CliRunner()


def suggestion(out: str, after: str) -> str:
    """The practice.toml entry inspect printed after `after` (its indented lines)."""
    lines = out.split(after, 1)[1].split("add to practice.toml (fix any '?'):", 1)[1].split("\n")[1:]
    block = []
    for line in lines:
        if not line.startswith("      "):
            break
        block.append(line[6:])
    return "\n".join(block)


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def test_inspect_sample_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = files_under(SAMPLE)
    result = runner.invoke(app, ["inspect", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert files_under(SAMPLE) == before and list(tmp_path.iterdir()) == []      # nothing written
    assert "configuration: " in out and "practice.toml" in out
    assert "visits.csv: visits (recognised), header at row 1, comma-separated" in out
    assert "'Date of Service' -> dos" in out and "'Mod 1' -> modifier_1" in out
    assert "rows: 5542 would load, 0 rejected, 0 skipped" in out
    assert "plans_of_care.csv: plans_of_care (recognised)" in out and "rows: 226 would load" in out
    assert "authorizations.xlsx [sheet Auths]: authorizations (recognised)" in out
    assert "authorizations.xlsx [sheet Notes]: not read (skipped)" in out
    assert "expected_findings.csv: skipped — rcm-audit findings file" in out
    x12 = [line for line in out.splitlines() if re.match(r"^83[57]/", line)]
    assert len(x12) == 403
    assert all(re.search(r": (837P|835), \d+ claims and \d+ lines would load$", line) for line in x12)
    assert re.search(r"^\d+ file\(s\)/sheet\(s\) would be read, 4 not; nothing was written", out, re.M)


def test_inspect_fixtures_reports_each_table_and_suggests_mappings():
    out = render(inspect_folder(FIXTURES))
    assert "tebra_charges_from_to.csv: visits (recognised), header at row 3" in out
    assert "'From' -> dos; 'To' -> dos_end; 'Procedure' -> cpt" in out
    assert "rows: 5 would load, 0 rejected, 3 skipped" in out
    assert "'EMR Patient ID' -> patient_id (by rule: prefix 'emr' ignored)" in out
    assert "visits_title_rows_semicolon.csv: visits (recognised), header at row 4, semicolon-separated" in out
    assert "rejected row 8: units 'x' is not a number" in out
    assert "officeemr_authorizations_export.csv: not read (rejected)" in out
    entry = tomllib.loads(suggestion(out, "officeemr_authorizations_export.csv: not read"))["exports"][0]
    assert entry == {"file": "officeemr_authorizations_export.csv", "layout": "authorizations",
                     "columns": {"patient_id": "chart_number", "auth_number": "auth_referral_number",
                                 "start_date": "start_date", "end_date": "date_end", "payer": "insurance",
                                 "visits_authorized": "visits"}}


def test_the_suggested_mapping_makes_the_file_load(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "export.csv").write_text("Kunde,Datum,Leistung,Anzahl\nK-1,2025-03-04,97110,2\n")
    out = render(inspect_folder(folder))
    assert "export.csv: not read (rejected)" in out
    toml = suggestion(out, "export.csv: not read")
    assert 'layout = "visits"' in toml and 'patient_id = "?"' in toml
    fixed = (toml.replace('patient_id = "?"', 'patient_id = "Kunde"').replace('dos = "?"', 'dos = "Datum"')
             .replace('cpt = "?"', 'cpt = "Leistung"').replace('units = "?"', 'units = "Anzahl"'))
    (folder / "practice.toml").write_text(fixed)
    result = runner.invoke(app, ["inspect", str(folder)])
    assert result.exit_code == 0, result.output
    assert "(1 export mapping(s))" in result.output
    assert "export.csv: visits (by practice.toml), header at row 1" in result.output
    assert "'Kunde' -> patient_id (practice.toml)" in result.output
    assert "rows: 1 would load, 0 rejected, 0 skipped" in result.output


def test_inspect_never_prints_patient_data(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "visits.csv").write_text("MRN,Last Name,DOB,Member ID,DOS,CPT,Units\n"
                                       "P1,Quixotica,1937-07-19,QXJ9Z8Y7W6V5,2025-03-04,97110,1\n"
                                       "P2,Thistlewood,1937-19-07,MBI7K4T2P9X3,2025-03-04,97110,x\n")
    (folder / "noheader.csv").write_text("P1,Quixotica,1937-07-19,QXJ9Z8Y7W6V5\n")
    out = render(inspect_folder(folder))
    for phi in ("Quixotica", "Thistlewood", "1937", "QXJ9Z8Y7W6V5", "MBI7K4T2P9X3"):
        assert phi not in out
    assert "rows: 1 would load, 1 rejected, 0 skipped" in out
    assert "noheader.csv: not read" in out and "no header row found" in out


def test_inspect_exit_codes(tmp_path):
    result = runner.invoke(app, ["inspect", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "input folder not found" in " ".join(result.output.split())
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "practice.toml").write_text('[[exports]]\nfile = "a.csv"\nlayout = "charges"\n')
    result = runner.invoke(app, ["inspect", str(folder)])
    assert result.exit_code == 2 and "exports[1].layout" in " ".join(result.output.split())
    with pytest.raises(Exception):
        mappings_from_config(folder / "nope.toml")


def test_inspect_with_an_explicit_config(tmp_path):
    folder = tmp_path / "in"
    shutil.copy(FIXTURES / "officeemr_authorizations_export.csv", tmp_path / "x.csv")
    folder.mkdir()
    shutil.copy(tmp_path / "x.csv", folder / "auths.csv")
    cfg = tmp_path / "practice.toml"
    cfg.write_text('[[exports]]\nfile = "auths.csv"\nlayout = "authorizations"\n'
                   '[exports.columns]\nauth_number = "auth_referral_number"\n')
    result = runner.invoke(app, ["inspect", str(folder), "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert "auths.csv: authorizations (by practice.toml)" in result.output
    assert "rows: 2 would load, 0 rejected, 0 skipped" in result.output

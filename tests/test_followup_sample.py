"""The follow-up sample (`rcm-audit sample OUT_DIR --follow-up`, issue 15 step 5): the day-0 sample and the same
practice 30 days later, audited as the README says (day 0, then day 30 with --baseline), with the day-30 folder
holding every file (OUT_DIR) or only the new ones (OUT_DIR/new_files): follow-up.csv equals the generator's
expected_follow_up.csv status by status and cent by cent, and the follow-up report's figures are the sums of
follow-up.csv.

Cost: one generation by the function, one by the command in a subprocess (determinism), the day-0 audit shared with
test_followup_e2e (conftest `sample_day0_audit`) and one day-30 audit per folder."""
from __future__ import annotations

import ast
import csv
import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.followup import EXPECTED_COLUMNS, STATUSES, figures, read_follow_up_csv
from pipelines.report.pdf import money
from pipelines.sample.followup import NEW_DIR, generate_follow_up

ROOT = Path(__file__).resolve().parents[1]
DAY0_AS_OF, DAY30_AS_OF = "2026-11-13", "2026-12-11"
DAY30_ONLY = {"README.md", "expected_follow_up.csv"}      # written at the top of the day-30 folder, not day-0 files


def _hashes(root: Path, skip_dir: str | None = None) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file() and not (skip_dir and p.relative_to(root).parts[0] == skip_dir)}


def _key(r: dict) -> tuple:
    return (r["rule_id"], r["claim_id"], r["dos"], r["cpt"])


def _graded(rows: list[dict]) -> Counter:
    """(rule, claim, DOS, code, status, dollars recovered) with multiplicity: what follow-up.csv and
    expected_follow_up.csv must agree on."""
    return Counter((*_key(r), r["status"], Decimal(r["amount_recovered_usd"] or "0")) for r in rows)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The default follow-up sample written by the function behind the command: (folder, summary)."""
    out = tmp_path_factory.mktemp("follow-up-sample") / "day30"
    return out, generate_follow_up(out)


@pytest.fixture(scope="module")
def again(tmp_path_factory):
    """`rcm-audit sample day30 --follow-up`: the same sample a second time, by the command in another Python
    process with another string-hash seed (so no set or dict order can hide in the bytes): (folder, output)."""
    out = tmp_path_factory.mktemp("again") / "day30"
    env = {**os.environ, "PYTHONHASHSEED": str(int(os.environ.get("PYTHONHASHSEED") or "0") + 17)}
    result = subprocess.run([sys.executable, "-c", "from pipelines.cli import app; app()", "sample", str(out),
                             "--follow-up"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result.stdout


@pytest.fixture(scope="module", params=["all-files", "only-new-files"])
def day30(request, sample, sample_day0_audit, tmp_path_factory):
    """`rcm-audit audit DAY30 -o OUT30 --baseline OUT0`, OUT0 = the day-0 audit of sample_data (the top of the
    follow-up sample, byte for byte), DAY30 = the follow-up folder (every file) or its new_files/ (only the files
    written since day 0)."""
    folder = sample[0] if request.param == "all-files" else sample[0] / NEW_DIR
    out = tmp_path_factory.mktemp("audit-day30")
    result = CliRunner().invoke(app, ["audit", str(folder), "-o", str(out), "--baseline", str(sample_day0_audit)])
    assert result.exit_code == 0, result.output
    pdf = PdfReader(out / "follow-up-report.pdf")
    return {"mode": request.param, "folder": folder, "out": out, "output": result.output,
            "rows": read_follow_up_csv(out / "follow-up.csv"),
            "expected": read_follow_up_csv(folder / "expected_follow_up.csv"),
            "text": " ".join(page.extract_text() for page in pdf.pages), "pages": len(pdf.pages)}


# ---------------------------------------------------------------------------------------------- the sample
def test_the_day30_folder_holds_the_day0_sample_byte_for_byte(sample):
    """The top of the follow-up folder is `rcm-audit sample` of the same arguments, i.e. sample_data/."""
    folder = sample[0]
    shipped = _hashes(ROOT / "sample_data")
    top = {k: v for k, v in _hashes(folder, skip_dir=NEW_DIR).items() if k not in DAY30_ONLY}
    assert len(top) > 300 and top == {k: v for k, v in shipped.items() if k != "README.md"}
    # the day-0 README is kept, below the follow-up's own
    readme = (folder / "README.md").read_text()
    assert readme.startswith("# Sample practice 30 days later")
    assert readme.endswith((ROOT / "sample_data" / "README.md").read_text())


def test_the_follow_up_sample_is_deterministic(sample, again):
    first, second = _hashes(sample[0]), _hashes(again[0])
    assert len(first) > 300 and first == second
    output = " ".join(again[1].split())
    assert f"day 30 = {DAY30_AS_OF}" in output and f"${sample[1]['all']['recovered_usd']} recovered" in output


def test_new_files_are_only_the_files_written_since_day_0(sample):
    folder = sample[0]
    new = folder / NEW_DIR
    day0_bytes = set(_hashes(ROOT / "sample_data").values())
    files = _hashes(new)
    data = {k for k in files if k not in ("practice.toml", "expected_follow_up.csv")}
    assert not {files[k] for k in data} & day0_bytes
    assert sorted(data) == sorted(sample[1]["new_files"])
    kinds = Counter(Path(k).parts[0] if "/" in k else Path(k).suffix for k in data)
    assert kinds["837"] >= 10 and kinds["835"] >= 10 and kinds[".csv"] == 2 and kinds[".xlsx"] == 1
    # X12 dated after day 0, but for the 835s dated before it that the practice had not sent
    for name in data:
        stem = Path(name).stem.split("_")
        if name.startswith(("835/", "837/")):
            when = next(x for x in stem if x.isdigit() and len(x) == 8)
            assert (when > DAY0_AS_OF.replace("-", "")) != stem[-1].startswith("resent"), name
            assert when <= DAY30_AS_OF.replace("-", ""), name
    assert (new / "practice.toml").read_bytes() == (folder / "practice.toml").read_bytes()


def test_expected_follow_up_has_one_row_per_day0_finding_and_every_status(sample):
    folder, summary = sample
    with open(folder / "expected_findings.csv", newline="") as fh:
        day0 = Counter(_key(r) for r in csv.DictReader(fh))
    assert sum(day0.values()) == summary["findings_day0"] == 726
    for mode, sub in (("all", folder), ("new", folder / NEW_DIR)):
        with open(sub / "expected_follow_up.csv", newline="") as fh:
            assert next(csv.reader(fh)) == EXPECTED_COLUMNS
        rows = read_follow_up_csv(sub / "expected_follow_up.csv")
        assert Counter(_key(r) for r in rows) == day0
        by_status = Counter(r["status"] for r in rows)
        assert by_status == Counter(summary[mode]["by_status"])
        assert set(by_status) == set(STATUSES)
        for status in STATUSES:        # each status several times, on several rules
            assert by_status[status] >= 5, (mode, status)
            assert len({r["rule_id"] for r in rows if r["status"] == status}) >= 3, (mode, status)
        recovered = [Decimal(r["amount_recovered_usd"]) for r in rows if r["status"] == "recovered"]
        assert all(a > 0 for a in recovered)
        assert sum(recovered) == Decimal(summary[mode]["recovered_usd"]) > Decimal("500")
        assert all(Decimal(r["amount_recovered_usd"]) == 0 for r in rows if r["status"] != "recovered")


def test_the_two_folders_differ_only_where_the_day0_files_are_needed(sample):
    """With only the new files, a line finding whose claim is not in them is never withdrawn (DESIGN §12): the
    documentation corrections and the 835 the practice had not sent withdraw findings only with every file."""
    every = {_key(r): r["status"] for r in read_follow_up_csv(sample[0] / "expected_follow_up.csv")}
    only_new = {_key(r): r["status"] for r in read_follow_up_csv(sample[0] / NEW_DIR / "expected_follow_up.csv")}
    changed = {k: (every[k], only_new[k]) for k in every if every[k] != only_new[k]}
    assert changed
    assert {r for r, *_ in changed} >= {"MINUTES_MISSING", "PROGRESS_REPORT_OVERDUE", "UNITS_UNDERBILLED"}
    assert Counter(a for a, _ in changed.values())["withdrawn"] >= 8
    line_withdrawn = [k for k, (a, b) in changed.items() if a == "withdrawn" and k[3]]
    assert line_withdrawn and all(only_new[k] in ("open", "lost") for k in line_withdrawn)
    # the recoveries are the same: the new 835s are in both folders
    assert {k for k, s in every.items() if s == "recovered"} == {k for k, s in only_new.items() if s == "recovered"}


def test_every_planted_event_is_in_the_readme_with_its_status(sample):
    folder, summary = sample
    readme = (folder / "README.md").read_text()
    events = summary["events"]
    assert len(events) >= 40
    assert {st["all"] for _, _, st in events} >= {"recovered", "corrected", "open", "withdrawn"}
    for _, what, st in events:
        assert st["all"] and st["new"], what
        assert f"- {what} → **{st['all']}** (only the new files: {st['new']})" in readme


def test_the_oracle_reads_nothing_of_the_audit():
    """expected_follow_up.csv comes from what the generator planted: pipelines/sample imports neither the audit's
    packages nor duckdb, and reads of sql/ only the seed tables (fee schedules, settings, CARC classes), no SQL."""
    audit = ("pipelines.followup", "pipelines.checks", "pipelines.stage", "pipelines.ingest", "pipelines.warehouse",
             "pipelines.pipeline", "pipelines.report", "duckdb")
    for path in sorted((ROOT / "pipelines" / "sample").glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
                if node.level == 1:
                    names = ["pipelines.sample." + (node.module or "")]
                elif node.level >= 2:
                    names = ["pipelines." + (node.module or "")]
            else:
                continue
            assert not [n for n in names if n.startswith(audit)], (path.name, names)
        text = path.read_text()
        assert ".sql" not in text, path.name
        assert set(re.findall(r"sql_dir\(\)\s*/\s*\"([^\"]+)\"", text)) <= {"seeds"}, path.name


def test_readme_shows_the_day30_command_after_the_day0_one():
    text = (ROOT / "README.md").read_text()
    day0 = text.index("rcm-audit audit sample_data -o audit-out")
    sample = text.index("rcm-audit sample day30 --follow-up")
    day30 = text.index("rcm-audit audit day30 -o audit-day30 --baseline audit-out")
    only_new = text.index("rcm-audit audit day30/new_files -o audit-day30-new --baseline audit-out")
    assert day0 < sample < day30 < only_new


# ---------------------------------------------------------------------------------------------- the audits
def test_follow_up_equals_the_expected_status_and_dollars(day30):
    rows, expected = day30["rows"], day30["expected"]
    assert len(rows) == len(expected) == 726
    assert _graded(rows) == _graded(expected)
    by_status = Counter(r["status"] for r in rows)
    assert set(by_status) == set(STATUSES) and min(by_status.values()) >= 5
    total = sum(Decimal(r["amount_recovered_usd"]) for r in rows)
    assert total == sum(Decimal(r["amount_recovered_usd"]) for r in expected) > Decimal("500")
    assert f"recovered {by_status['recovered']} (${total:,.2f})" in " ".join(day30["output"].split())


def test_the_report_figures_are_the_sums_of_follow_up_csv(day30):
    rows = day30["rows"]
    fig = figures(rows)
    usd = lambda r, c: Decimal(r[c] or "0")
    assert fig["recovered_usd"] == sum(usd(r, "amount_recovered_usd") for r in rows) > 0
    assert fig["recoverable_usd"] == sum(usd(r, "baseline_amount_usd") for r in rows
                                         if r["status"] == "open" and r["days_left"] != "") > 0
    assert fig["lost_since_usd"] == sum(usd(r, "baseline_amount_usd") for r in rows
                                        if r["status"] == "lost" and r["days_left"] != "") > 0
    for value in (fig["recovered_usd"], fig["recoverable_usd"], fig["lost_since_usd"]):
        assert money(value) in day30["text"]
    assert 2 <= day30["pages"] <= 5


def test_recovered_items_name_the_835_of_day_30(day30):
    prefix = "835 " + ("new_files/835/" if day30["mode"] == "all-files" else "835/")
    recovered = [r for r in day30["rows"] if r["status"] == "recovered"]
    assert len(recovered) >= 20
    assert all(prefix in r["evidence"] for r in recovered), recovered
    withdrawn = [r for r in day30["rows"] if r["status"] == "withdrawn"]
    assert withdrawn and all(r["evidence"].startswith("not a problem after all") for r in withdrawn)


def test_new_findings_of_day_30_are_the_planted_ones(sample, day30):
    """The day-30 audit's findings that no day-0 finding matches are the ones the generator expects: new problems
    on the services since day 0 ('new'), and older activity now visible ('newly_visible')."""
    con = duckdb.connect(str(day30["out"] / "audit.duckdb"), read_only=True)
    try:
        got = Counter((s, r, c or "", d.isoformat(), x or "") for s, r, c, d, x in con.execute(
            "select follow_up_status, rule_id, claim_id, dos, cpt from findings where follow_up_status <> 'baseline'"
            ).fetchall())
    finally:
        con.close()
    expected = Counter((status, *k) for status, keys in sample[1]["new_findings"].items() for k in keys)
    if day30["mode"] != "all-files":
        # only the new files: the refreshed visit export repeats the day-0 visits, whose claims are in the day-0
        # files: billed, never "unbilled" (fu_billed_in_baseline), and no older activity is visible. The new
        # activity is found, but for a denial after day 0 of a claim whose 837 is only in the day-0 files.
        con = duckdb.connect(str(day30["out"] / "audit.duckdb"), read_only=True)
        try:
            set_aside = con.execute("select sum(findings) from follow_up_set_aside").fetchone()[0]
            claims_here = {c for (c,) in con.execute("select claim_id from stg_claims").fetchall()}
        finally:
            con.close()
        assert set_aside > 1000 and f"{set_aside} visits of the exports are billed by claims" in day30["output"]
        assert got == Counter({k: n for k, n in expected.items() if k[0] == "new" and k[2] in claims_here})
        assert len(got) >= 5
        return
    assert got == expected
    assert {k[1] for k in expected if k[0] == "new"} >= {"UNITS_UNDERBILLED", "DENIAL_RECOVERABLE", "POC_MISSING",
                                                         "GO_MISSING"}

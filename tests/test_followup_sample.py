"""The follow-up sample (`rcm-audit sample OUT_DIR --follow-up`, issue 15 step 5): the day-0 sample and the same
practice 30 days later, audited as the README says (day 0, then day 30 with --baseline), with the day-30 folder
holding every file (OUT_DIR) or only the new ones (OUT_DIR/new_files): follow-up.csv equals the generator's
expected_follow_up.csv status by status and cent by cent, and the follow-up report's figures are the sums of
follow-up.csv."""
from __future__ import annotations

import csv
import hashlib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.followup import EXPECTED_COLUMNS, STATUSES, compare_with_expected, figures, read_follow_up_csv
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


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """`rcm-audit sample day0` and `rcm-audit sample day30 --follow-up` (the defaults: 150 patients)."""
    root = tmp_path_factory.mktemp("follow-up-sample")
    runner = CliRunner()
    for args in (["sample", str(root / "day0")], ["sample", str(root / "day30"), "--follow-up"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return {"day0": root / "day0", "day30": root / "day30", "output": result.output}


@pytest.fixture(scope="module")
def day0_audit(samples, tmp_path_factory):
    """`rcm-audit audit day0 -o OUT0`: the baseline."""
    out = tmp_path_factory.mktemp("audit-day0")
    result = CliRunner().invoke(app, ["audit", str(samples["day0"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module", params=["all-files", "only-new-files"])
def day30(request, samples, day0_audit, tmp_path_factory):
    """`rcm-audit audit DAY30 -o OUT30 --baseline OUT0`, DAY30 = the follow-up folder (every file) or its
    new_files/ (only the files written since day 0)."""
    folder = samples["day30"] if request.param == "all-files" else samples["day30"] / NEW_DIR
    out = tmp_path_factory.mktemp("audit-day30")
    result = CliRunner().invoke(app, ["audit", str(folder), "-o", str(out), "--baseline", str(day0_audit)])
    assert result.exit_code == 0, result.output
    pdf = PdfReader(out / "follow-up-report.pdf")
    return {"mode": request.param, "folder": folder, "out": out, "output": result.output,
            "rows": read_follow_up_csv(out / "follow-up.csv"),
            "expected": read_follow_up_csv(folder / "expected_follow_up.csv"),
            "text": " ".join(page.extract_text() for page in pdf.pages), "pages": len(pdf.pages)}


# ---------------------------------------------------------------------------------------------- the sample
def test_the_day30_folder_holds_the_day0_sample_byte_for_byte(samples):
    day0 = _hashes(samples["day0"])
    top = {k: v for k, v in _hashes(samples["day30"], skip_dir=NEW_DIR).items() if k not in DAY30_ONLY}
    assert top == {k: v for k, v in day0.items() if k != "README.md"}
    # the day-0 README is kept, below the follow-up's own
    readme = (samples["day30"] / "README.md").read_text()
    assert readme.startswith("# Sample practice 30 days later")
    assert (samples["day0"] / "README.md").read_text() in readme
    # the default day-0 sample is the one shipped in sample_data/
    assert day0 == _hashes(ROOT / "sample_data")


def test_new_files_are_only_the_files_written_since_day_0(samples):
    new = samples["day30"] / NEW_DIR
    day0_bytes = set(_hashes(samples["day0"]).values())
    files = _hashes(new)
    data = {k for k in files if k not in ("practice.toml", "expected_follow_up.csv")}
    assert not {files[k] for k in data} & day0_bytes
    kinds = Counter(Path(k).parts[0] if "/" in k else Path(k).suffix for k in data)
    assert kinds["837"] >= 10 and kinds["835"] >= 10 and kinds[".csv"] == 2 and kinds[".xlsx"] == 1
    # X12 dated after day 0, but for the 835s dated before it that the practice had not sent
    for name in data:
        stem = Path(name).stem.split("_")
        if name.startswith(("835/", "837/")):
            when = next(x for x in stem if x.isdigit() and len(x) == 8)
            assert (when > DAY0_AS_OF.replace("-", "")) != stem[-1].startswith("resent"), name
            assert when <= DAY30_AS_OF.replace("-", ""), name
    assert (new / "practice.toml").read_bytes() == (samples["day0"] / "practice.toml").read_bytes()


@pytest.fixture(scope="module")
def again(tmp_path_factory):
    """The follow-up sample written a second time, by the function behind the command: (folder, summary)."""
    out = tmp_path_factory.mktemp("again") / "day30"
    return out, generate_follow_up(out)


def test_the_follow_up_sample_is_deterministic(samples, again):
    assert _hashes(again[0]) == _hashes(samples["day30"])


def test_expected_follow_up_has_one_row_per_day0_finding_and_every_status(samples):
    with open(samples["day0"] / "expected_findings.csv", newline="") as fh:
        day0 = Counter(_key(r) for r in csv.DictReader(fh))
    for folder in (samples["day30"], samples["day30"] / NEW_DIR):
        with open(folder / "expected_follow_up.csv", newline="") as fh:
            assert next(csv.reader(fh)) == EXPECTED_COLUMNS
        rows = read_follow_up_csv(folder / "expected_follow_up.csv")
        assert Counter(_key(r) for r in rows) == day0
        by_status = Counter(r["status"] for r in rows)
        assert set(by_status) == set(STATUSES)
        for status in STATUSES:        # each status several times, on several rules
            assert by_status[status] >= 5, (folder, status)
            assert len({r["rule_id"] for r in rows if r["status"] == status}) >= 3, (folder, status)
        recovered = [Decimal(r["amount_recovered_usd"]) for r in rows if r["status"] == "recovered"]
        assert sum(recovered) > Decimal("500") and all(Decimal(r["amount_recovered_usd"]) == 0
                                                       for r in rows if r["status"] != "recovered")
    assert "day 30 = 2026-12-11" in samples["output"] and "recovered" in samples["output"]


def test_the_two_folders_differ_only_where_the_day0_files_are_needed(samples):
    """With only the new files, a finding whose claim is not in them is never withdrawn (DESIGN §12): the
    documentation corrections and the 835 the practice had not sent withdraw findings only with every file."""
    every = {_key(r): r["status"] for r in read_follow_up_csv(samples["day30"] / "expected_follow_up.csv")}
    only_new = {_key(r): r["status"] for r in read_follow_up_csv(samples["day30"] / NEW_DIR / "expected_follow_up.csv")}
    changed = {k: (every[k], only_new[k]) for k in every if every[k] != only_new[k]}
    assert changed
    assert {r for r, *_ in changed} >= {"MINUTES_MISSING", "PROGRESS_REPORT_OVERDUE", "UNITS_UNDERBILLED"}
    assert Counter(a for a, _ in changed.values())["withdrawn"] >= 8
    line_withdrawn = [k for k, (a, b) in changed.items() if a == "withdrawn" and k[3]]
    assert line_withdrawn and all(only_new[k] in ("open", "lost") for k in line_withdrawn)


def test_readme_shows_the_day30_command_after_the_day0_one():
    text = (ROOT / "README.md").read_text()
    day0 = text.index("rcm-audit audit sample_data -o audit-out")
    sample = text.index("rcm-audit sample day30 --follow-up")
    day30 = text.index("rcm-audit audit day30 -o audit-day30 --baseline audit-out")
    assert day0 < sample < day30


# ---------------------------------------------------------------------------------------------- the audits
def test_follow_up_equals_the_expected_status_and_dollars(day30):
    assert len(day30["rows"]) == len(day30["expected"]) == 726
    assert compare_with_expected(day30["rows"], day30["expected"]) == []
    expected = sum(Decimal(r["amount_recovered_usd"]) for r in day30["expected"])
    assert sum(Decimal(r["amount_recovered_usd"]) for r in day30["rows"]) == expected > 0


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
    assert f"{fig['recovered_usd']:,.2f}" in day30["output"]
    assert 2 <= day30["pages"] <= 5


def test_recovered_items_name_the_835_of_day_30(day30):
    prefix = "835 " + ("new_files/835/" if day30["mode"] == "all-files" else "835/")
    recovered = [r for r in day30["rows"] if r["status"] == "recovered"]
    assert len(recovered) >= 20
    assert all(prefix in r["evidence"] for r in recovered), recovered
    withdrawn = [r for r in day30["rows"] if r["status"] == "withdrawn"]
    assert withdrawn and all(r["evidence"].startswith("not a problem after all") for r in withdrawn)


def test_new_findings_of_day_30_are_the_planted_ones(again, day30):
    """The day-30 audit's findings that no day-0 finding matches are the ones the generator expects: new problems
    on the services since day 0 ('new'), and older activity now visible ('newly_visible')."""
    con = duckdb.connect(str(day30["out"] / "audit.duckdb"), read_only=True)
    try:
        got = Counter((s, r, c or "", d.isoformat(), x or "") for s, r, c, d, x in con.execute(
            "select follow_up_status, rule_id, claim_id, dos, cpt from findings where follow_up_status <> 'baseline'"
            ).fetchall())
    finally:
        con.close()
    if day30["mode"] != "all-files":
        # only the new files: every day-0 visit is documented but its claim is not there (see the report)
        assert {r for _, r, *_ in got} >= {"VISIT_UNBILLED", "GO_MISSING", "POC_MISSING"}
        return
    expected = Counter((status, *k) for status, keys in again[1]["new_findings"].items() for k in keys)
    assert got == expected
    assert {k[1] for k in expected if k[0] == "new"} >= {"UNITS_UNDERBILLED", "DENIAL_RECOVERABLE", "POC_MISSING",
                                                         "GO_MISSING"}

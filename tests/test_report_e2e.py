"""The report end to end on files a new user would try: only the sample's 837P/835 files (no exports), and
the public X12 corpus (claims and remittances of different practices and years)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from pipelines.pipeline import run_audit
from pipelines.report import data

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
CORPUS = Path("/work/shared/x12-corpus")
# rules that need the visit export, plans of care or authorizations (the sample's X12 has Medicare and
# MassHealth claims, so these are not run for want of an export, not of a payer)
VISIT_BASED = {"UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED", "MINUTES_MISSING", "VISIT_UNBILLED",
               "CO_MODIFIER_MISSING", "CO_MODIFIER_UNNEEDED", "POC_MISSING", "POC_CERT_LATE", "POC_RECERT_LATE",
               "PROGRESS_REPORT_OVERDUE", "MASSHEALTH_PA_MISSING", "MASSHEALTH_RX_LAPSED", "AUTH_EXCEEDED"}


def _text(pdf: Path) -> str:
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() or "" for p in PdfReader(pdf).pages))


@pytest.fixture(scope="module")
def x12_only(tmp_path_factory):
    """`audit` of the sample's 837 and 835 folders only: no visit export, plans of care or authorizations."""
    src = tmp_path_factory.mktemp("x12only")
    for folder in ("837", "835"):
        shutil.copytree(SAMPLE / folder, src / folder)
    out = tmp_path_factory.mktemp("x12only-out")
    run_audit(src, out)
    con = duckdb.connect(str(out / "audit.duckdb"), read_only=True)
    yield {"out": out, "con": con, "text": _text(out / "audit-report.pdf")}
    con.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """`audit` of the public X12 corpus: 837s and 835s that do not belong together."""
    out = tmp_path_factory.mktemp("corpus-out")
    run_audit(CORPUS, out)
    con = duckdb.connect(str(out / "audit.duckdb"))
    yield {"out": out, "con": con, "text": _text(out / "audit-report.pdf")}
    con.close()


def test_x12_only_coverage_table_lists_the_visit_based_rules_as_not_run(x12_only):
    rows = x12_only["con"].execute("select rule_id, evaluated, missing_input, findings from coverage").fetchall()
    not_run = {r: m for r, e, m, _ in rows if not e}
    assert VISIT_BASED <= set(not_run)
    assert "visit export" in not_run["UNITS_UNDERBILLED"] and "plans of care" in not_run["POC_MISSING"]
    assert "authorizations" in not_run["AUTH_EXCEEDED"]
    assert all(n is None for r, e, _, n in rows if not e)             # no count for a rule not run
    assert {"DENIAL_RECOVERABLE", "KX_MISSING", "GO_MISSING"} <= {r for r, e, _, _ in rows if e}


def test_x12_only_pdf_says_what_was_not_checked(x12_only):
    text, con = x12_only["text"], x12_only["con"]
    n_not_run, n_all = con.execute("select count(*) filter (where not evaluated), count(*) from coverage").fetchone()
    summary = text[text.index("Executive summary", text.index("Contents") + 20):text.index("Act first")]
    assert f"{n_not_run} of the {n_all} checks could not be run" in summary
    assert "visit records" not in summary and re.search(r"We reviewed .*?'s claims and remittances for", summary)
    # each missing file named once: the visit export, plans of care, authorizations (the MUE check runs: the
    # sample has Medicare services after the bundled MUE table's effective date)
    assert "— no visit export from the EMR, no plans of care export and no authorizations export —" in summary
    appendix = text[text.index("A. What we checked"):text.index("B. Data received")]
    titles = dict(con.execute("select rule_id, title from rule_catalog").fetchall())
    for rule_id in VISIT_BASED:
        title = titles[rule_id].replace("$3000", "$3,000")
        row = appendix[appendix.index(title):]
        result = row[:row.index("severity") + 160]
        assert "not run: no" in result and "0 findings" not in result, rule_id


def test_corpus_states_the_sanity_warnings(corpus):
    text = corpus["text"]
    summary = text[text.index("Executive summary", text.index("Contents") + 20):text.index("Act first")]
    assert "Before the figures: what we noticed in the files" in summary
    assert re.search(r"The files cover [\d,]+ days \(.*?\), more than 24 months", summary)
    assert re.search(r"[\d,]+ of the [\d,]+ remittances \(835 files\) match no claim", summary)
    assert re.search(r"[\d,]+ of [\d,]+ claims are dated as sent before their date of service", summary)


def test_corpus_shows_no_negative_or_absurd_kpi(corpus):
    con = corpus["con"]
    data.prepare(con)
    kpis = {k["kpi"]: k for k in data.query(con, "kpis")}
    for k in kpis.values():
        if k["value"] is not None:
            assert (0 <= k["value"] <= 365) if k["unit"] == "days" else (0 <= k["value"] <= 1), k
    assert kpis["denial_rate_lines"]["na_code"] == "unmatched"
    assert kpis["days_service_to_claim"]["na_code"] == "submitted_before_service"
    text = corpus["text"]
    assert not re.search(r"-\d[\d,.]* days|−\d", text)
    assert "n/a most remittances match no claim received" in text


def test_x12_only_therapist_view_shows_a_group_not_run_as_not_run_never_zero(x12_only):
    """Without the visit export MINUTES_MISSING is not run: its column says so instead of 0 for every NPI, and
    the unit and modifier columns (some of their checks run, some not) say they count only what could be run."""
    con = x12_only["con"]
    data.prepare(con)
    rows = data.query(con, "therapists", cap=12)
    assert rows and all(r["minutes"] is None for r in rows)
    assert all(isinstance(r[k], int) for r in rows for k in ("units", "modifiers", "coding"))
    assert sum(r["modifiers"] for r in rows) > 0 and rows[0]["partly_run"] == "Modifiers, Units"
    text = x12_only["text"]
    view = text[text.index("Therapist view"):text.index("Appendix", text.index("Therapist view"))]
    first = view[view.index(rows[0]["npi"]):]
    assert first.split()[:6] == [rows[0]["npi"], f"{rows[0]['n_lines']:,}", str(rows[0]["units"]),
                                 str(rows[0]["modifiers"]), "not", "run"]
    assert "“Not run”: none of that group's checks could be run" in view
    assert "Modifiers, Units: only the checks that could be run are counted." in view


def test_full_sample_therapist_view_counts_every_group(sample_day0_audit):
    con = duckdb.connect(str(sample_day0_audit / "audit.duckdb"), read_only=True)
    try:
        data.prepare(con)
        rows = data.query(con, "therapists", cap=12)
    finally:
        con.close()
    assert rows and all(r["partly_run"] is None for r in rows)
    assert sum(r["minutes"] for r in rows) > 0 and all(r["units"] is not None for r in rows)
    text = _text(sample_day0_audit / "audit-report.pdf")
    view = text[text.index("Therapist view"):text.index("Appendix", text.index("Therapist view"))]
    assert "not run" not in view.lower()

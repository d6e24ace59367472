"""Report stage: prioritization, the PDF, the worklist — against the fixture database in
tests/fixtures/report/build.py (raw rows for eight patients, 42 findings over 26 rules)."""
from __future__ import annotations

import datetime as dt
import re
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "report"))
import build  # noqa: E402

from pipelines.prioritize import prioritize  # noqa: E402
from pipelines.report import render_pdf, write_worklist  # noqa: E402

SECTION_TITLES = ["Contents", "Executive summary", "Prioritized recommendations", "The picture in charts",
                  "Payer scorecard", "Therapist view", "Appendix", "Data received", "Assumptions and defaults used",
                  "Rules and citations", "Prepared by ASP-RCM Solutions"]
AUDIT_FORM = ["Criteria", "Condition", "Cause", "Effect", "Recommendation"]


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    """The fixture database, prioritized, with the PDF and the worklist rendered once."""
    d = tmp_path_factory.mktemp("report")
    con = build.build(d / "a.duckdb")
    prioritize(con)
    info = render_pdf(con, d / "audit-report.pdf")
    n = write_worklist(con, d / "worklist.xlsx")
    text = "\n".join(p.extract_text() for p in PdfReader(d / "audit-report.pdf").pages)
    return {"con": con, "dir": d, "info": info, "rows": n, "text": text}


def money(x) -> str:
    return f"${Decimal(x).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def flat(s: str) -> str:
    return re.sub(r"\s+", " ", s)


# --- prioritization --------------------------------------------------------------------------------
def test_every_finding_gets_the_rank_of_its_recommendation(audit):
    con = audit["con"]
    assert con.execute("select count(*) from findings where priority_rank is null").fetchone()[0] == 0
    ranks = [r[0] for r in con.execute("select rank from recommendations order by rank").fetchall()]
    assert ranks == list(range(1, len(ranks) + 1))
    # counts and dollars of the recommendations add up to the findings
    assert con.execute("select sum(n_findings) from recommendations").fetchone()[0] == \
        con.execute("select count(*) from findings").fetchone()[0]
    assert con.execute("select sum(total_usd) from recommendations").fetchone()[0] == \
        con.execute("select sum(amount_usd) from findings").fetchone()[0]
    # each finding's rank points at a recommendation of its own rule (and payer when split)
    bad = con.execute("""
        select count(*) from findings f join recommendations r on r.rank = f.priority_rank
        where r.rule_id <> f.rule_id or (r.payer is not null and r.payer <> f.payer)""").fetchone()[0]
    assert bad == 0


def test_denials_are_split_by_payer(audit):
    con = audit["con"]
    got = con.execute("""select payer_scope, count(*) from recommendations where rule_id = 'DENIAL_RECOVERABLE'
                         group by 1 order by 1""").fetchall()
    # five payers: the two with >= 25% of the dollars and 3+ findings named, the other three together
    assert got == [("one", 2), ("other", 1)]
    # a rule whose payers each hold one or two findings stays one recommendation
    assert con.execute("select payer_scope from recommendations where rule_id = 'DENIAL_WRITE_OFF'").fetchall() == [("all",)]


def test_compliance_is_not_buried_under_revenue(audit):
    con = audit["con"]
    tracks = [t for (t,) in con.execute("select track from recommendations order by rank").fetchall()]
    assert set(tracks) == {"revenue", "compliance"}
    assert "compliance" in tracks[:2] and "revenue" in tracks[:2]
    f = con.execute("""select min(priority_rank) filter (where category = 'compliance'),
                              max(priority_rank) filter (where category <> 'compliance') from findings""").fetchone()
    assert f[0] < f[1]
    # high-severity overbilling ranks ahead of the small revenue items
    units_over = con.execute("select rank from recommendations where rule_id = 'UNITS_OVERBILLED'").fetchone()[0]
    assert units_over < con.execute("select max(rank) from recommendations where track = 'revenue'").fetchone()[0]


def test_prioritize_is_repeatable(audit, tmp_path):
    con = build.build(tmp_path / "b.duckdb")
    prioritize(con)
    first = con.execute("select rule_id, payer, rank from recommendations order by rank").fetchall()
    prioritize(con)
    assert con.execute("select rule_id, payer, rank from recommendations order by rank").fetchall() == first


# --- the PDF ---------------------------------------------------------------------------------------
def test_pdf_has_every_section_and_the_audit_form(audit):
    text = flat(audit["text"])
    for title in SECTION_TITLES + AUDIT_FORM:
        assert title in text, title
    assert "Riverbend Occupational Therapy" in text
    assert "Jul 15, 2025" in text  # the as-of date
    assert re.search(r"Page 3 of \d+", text)
    assert audit["info"]["pages"] == len(PdfReader(audit["dir"] / "audit-report.pdf").pages)


def test_headline_figures_equal_the_findings_sums(audit):
    con, text = audit["con"], flat(audit["text"])
    rec, leak, exposure = con.execute("""
        select sum(amount_usd) filter (where amount_kind = 'recoverable'),
               sum(amount_usd) filter (where category = 'leakage' and amount_kind in ('recoverable', 'lost')),
               sum(amount_usd) filter (where amount_kind in ('overbilled', 'at_risk'))
        from findings""").fetchone()
    days = (dt.date(2025, 6, 30) - dt.date(2025, 1, 1)).days + 1
    run_rate = Decimal(leak) * 365 / days
    for value in (rec, run_rate, exposure):
        assert money(value) in text, money(value)
    summary = text[text.index("Executive summary", text.index("Contents") + 20):text.index("Act first")]
    assert money(rec) in summary and money(run_rate) in summary and money(exposure) in summary


def test_pdf_examples_are_bounded_and_point_to_the_worklist(audit):
    text = flat(audit["text"])
    assert "worklist.xlsx" in text
    assert "PT-" in text  # pseudonyms identify the patients


def test_pdf_carries_no_phi(audit):
    text = flat(audit["text"])
    for s in build.PHI_STRINGS:
        assert s not in text, "PHI in the PDF"


# --- the worklist ----------------------------------------------------------------------------------
def test_worklist_rows_sorted_and_typed(audit):
    con = audit["con"]
    expected = con.execute("""select count(*) from findings
                              where amount_kind in ('recoverable', 'at_risk', 'overbilled')""").fetchone()[0]
    assert audit["rows"] == expected
    wb = load_workbook(audit["dir"] / "worklist.xlsx")
    ws = wb.active
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    header = [c.value for c in ws[1]]
    for col in ("Fix by", "Amount", "Action", "Who", "When", "Outcome", "Patient ref", "DOS"):
        assert col in header
    i_fix, i_amt, i_dos, i_act = (header.index(c) for c in ("Fix by", "Amount", "DOS", "Action"))
    body = list(ws.iter_rows(min_row=2))
    assert len(body) == expected
    keys = []
    for row in body:
        fix, amt, dos = row[i_fix], row[i_amt], row[i_dos]
        if fix.value is not None:
            assert isinstance(fix.value, dt.datetime) and "yy" in fix.number_format
        assert isinstance(dos.value, dt.datetime) or dos.value is None
        assert "$" in amt.number_format
        assert row[i_act].value
        keys.append((fix.value is None, fix.value or dt.datetime.max, -amt.value))
    assert keys == sorted(keys)
    # refunds to make are on the list, lost items are not
    kinds = {row[header.index("Type")].value for row in body}
    assert kinds == {"Collect", "Protect", "Refund"}


def test_worklist_carries_no_phi(audit):
    wb = load_workbook(audit["dir"] / "worklist.xlsx")
    cells = " ".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    for s in build.PHI_STRINGS:
        assert s not in cells, "PHI in the worklist"


def test_show_phi_adds_names(tmp_path):
    con = build.build(tmp_path / "c.duckdb")
    prioritize(con)
    write_worklist(con, tmp_path / "w.xlsx", show_phi=True)
    wb = load_workbook(tmp_path / "w.xlsx")
    cells = " ".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    assert "Whitcombe" in cells


# --- robustness and scale --------------------------------------------------------------------------
def test_missing_optional_tables_and_no_findings(tmp_path):
    con = build.build(tmp_path / "d.duckdb")
    for t in ("ingest_log", "ingest_issues", "assumptions"):
        con.execute(f"drop table {t}")
    con.execute("delete from findings")
    prioritize(con)
    assert con.execute("select count(*) from recommendations").fetchone()[0] == 0
    info = render_pdf(con, tmp_path / "r.pdf")
    text = flat("\n".join(p.extract_text() for p in PdfReader(tmp_path / "r.pdf").pages))
    assert info["pages"] >= 5 and "Executive summary" in text and "$0.00" in text
    assert write_worklist(con, tmp_path / "w.xlsx") == 0


def _scaled(path: Path, times: int):
    """The fixture with its findings repeated `times` times on distinct claims and pseudonyms."""
    con = build.build(path)
    con.execute(f"""
        insert into findings
        select f.* replace (f.claim_id || '-' || i as claim_id,
                            'PT-' || lpad((i % 20000)::varchar, 6, '0') as patient_ref)
        from findings f, range(1, {times}) t(i)""")
    return con


def test_same_size_for_a_huge_practice(tmp_path):
    """~100k findings render to the same number of pages as ~11k, in bounded time: every table is capped
    and every figure aggregated in SQL."""
    sizes = {}
    for times in (300, 2650):
        con = _scaled(tmp_path / f"s{times}.duckdb", times)
        t0 = time.perf_counter()
        prioritize(con)
        sizes[times] = render_pdf(con, tmp_path / f"s{times}.pdf")["pages"]
        assert time.perf_counter() - t0 < 90  # ~3 s on an idle 2-CPU box
    assert con.execute("select count(*) from findings").fetchone()[0] > 100_000
    assert sizes[300] == sizes[2650] <= 30
    t1 = time.perf_counter()
    rows = write_worklist(con, tmp_path / "big.xlsx")
    assert rows == con.execute("""select count(*) from findings
                                  where amount_kind in ('recoverable', 'at_risk', 'overbilled')""").fetchone()[0]
    assert time.perf_counter() - t1 < 240  # ~14 s idle (openpyxl without lxml)

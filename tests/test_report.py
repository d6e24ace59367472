"""Report stage: the PDF, the worklist and assumptions.csv, against tests/fixtures/report/build.py (raw rows
of nine patients and six payers, staged and checked by the real stage and rules; secondary claims to a
Medigap plan included)."""
from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "report"))
import build  # noqa: E402

from pipelines.errors import InputError  # noqa: E402
from pipelines.prioritize import prioritize  # noqa: E402
from pipelines.report import render_pdf, write_assumptions_csv, write_worklist  # noqa: E402
from pipelines.report import data  # noqa: E402
from pipelines.report.playbook import PLAYBOOK  # noqa: E402
from pipelines.stage import match_rates  # noqa: E402

SECTION_TITLES = ["Contents", "Executive summary", "Your first 30 days", "Next steps", "Prioritized recommendations",
                  "The picture in charts", "Payer scorecard", "Therapist view", "Appendix", "What we checked",
                  "Data received", "Method", "What we assumed", "Confidential — prepared by ASP-RCM Solutions"]
AUDIT_FORM = ["Criteria", "Condition", "Cause", "Effect", "Recommendation"]
INTERNAL_WORDS = ["RULEBOOK", "CONTRACT", "UNCONFIRMED", "DESIGN"]


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(path).pages))


def checked(path: Path, **kw):
    """The fixture practice, staged, checked and prioritized (what the report is given)."""
    con = build.build(path, **kw)
    match_rates(con)
    prioritize(con)
    return con


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    """The fixture database with the PDF, the worklist and assumptions.csv rendered once."""
    d = tmp_path_factory.mktemp("report")
    con = checked(d / "a.duckdb")
    info = render_pdf(con, d / "audit-report.pdf")
    n = write_worklist(con, d / "worklist.xlsx")
    n_assumptions = write_assumptions_csv(con, d / "assumptions.csv")
    return {"con": con, "dir": d, "info": info, "rows": n, "n_assumptions": n_assumptions,
            "text": pdf_text(d / "audit-report.pdf")}


def money(x, cents: bool = True) -> str:
    q = Decimal("0.01") if cents else Decimal("1")
    return f"${Decimal(x).quantize(q, rounding=ROUND_HALF_UP):,{'.2f' if cents else '.0f'}}"


def annualised(x, days: int) -> Decimal:
    return (Decimal(x) * 365 / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- the fixture is a real audit ---------------------------------------------------------------------
def test_fixture_is_staged_and_checked_from_raw_rows(audit):
    con = audit["con"]
    rules = {r for (r,) in con.execute("select distinct rule_id from findings").fetchall()}
    # findings of every grain: line, visit, claim (and unbilled visits without a claim)
    assert {"UNITS_OVERBILLED", "KX_MISSING", "POC_MISSING", "MASSHEALTH_PA_MISSING", "DENIAL_RECOVERABLE",
            "DENIAL_WRITE_OFF", "VISIT_UNBILLED", "TIMELY_FILING_RISK"} <= rules
    # the Medigap submissions are secondary claims, their remittances secondary answers
    assert con.execute("select count(*) from stg_secondary_claims").fetchone()[0] == len(build.SECONDARY_VISITS)
    assert con.execute("select count(*) from stg_remit_secondary").fetchone()[0] == len(build.SECONDARY_VISITS)


# --- prioritization as the report reads it --------------------------------------------------------
def test_every_finding_has_the_rank_of_its_recommendation(audit):
    con = audit["con"]
    assert con.execute("select count(*) from findings where priority_rank is null").fetchone()[0] == 0
    ranks = [r[0] for r in con.execute("select rank from recommendations order by rank").fetchall()]
    assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) >= 10
    assert con.execute("select sum(n_findings) from recommendations").fetchone()[0] == \
        con.execute("select count(*) from findings").fetchone()[0]
    assert con.execute("select sum(total_usd) from recommendations").fetchone()[0] == \
        con.execute("select sum(amount_usd) from findings").fetchone()[0]
    # DENIAL_RECOVERABLE: four payers with one or two findings each -> one recommendation
    assert con.execute("select payer_scope from recommendations where rule_id = 'DENIAL_RECOVERABLE'").fetchall() \
        == [("all",)]


def test_the_report_reads_and_never_writes(tmp_path):
    con = checked(tmp_path / "r.duckdb")
    tables = "select table_name, table_type from information_schema.tables where not table_name like 'pg_%' order by 1"
    before = (con.execute(tables).fetchall(), con.execute("select * from findings order by all").fetchall(),
              con.execute("select * from recommendations order by rank").fetchall())
    render_pdf(con, tmp_path / "r.pdf")
    write_worklist(con, tmp_path / "w.xlsx")
    after = (con.execute(tables).fetchall(), con.execute("select * from findings order by all").fetchall(),
             con.execute("select * from recommendations order by rank").fetchall())
    assert after == before


def test_render_refuses_a_database_that_is_not_prioritized(tmp_path):
    con = build.build(tmp_path / "n.duckdb")
    with pytest.raises(InputError, match="not prioritized"):
        render_pdf(con, tmp_path / "n.pdf")


# --- the PDF ---------------------------------------------------------------------------------------
def test_pdf_has_every_section_and_the_audit_form(audit):
    text = audit["text"]
    for title in SECTION_TITLES + AUDIT_FORM:
        assert title in text, title
    assert build.PRACTICE in text
    assert "Jul 15, 2025" in text  # the as-of date
    assert re.search(r"Page 3 of \d+", text)
    assert audit["info"]["pages"] == len(PdfReader(audit["dir"] / "audit-report.pdf").pages)


def test_pdf_speaks_the_clients_language(audit):
    """No internal references, no rule id, money one way, assumptions stated as 'we assumed; confirm'."""
    text, con = audit["text"], audit["con"]
    for word in INTERNAL_WORDS:
        assert word not in text, word
    rule_ids = [r for (r,) in con.execute("select rule_id from rule_catalog").fetchall()] + list(PLAYBOOK)
    assert len(rule_ids) >= 27
    for rule_id in rule_ids:
        assert rule_id not in text, rule_id
    assert not re.search(r"\$\d{4,}", text)            # $3000 is written $3,000
    assert "$3,000" in text
    assert "× 365 /" not in text and "365 / 365" not in text
    assert re.search(r"We assumed Aetna is a commercial plan, with a 90-day filing limit.*?; confirm with your "
                     r"contract with Aetna\.", text)


def test_headline_figures_and_one_annualisation(audit):
    con, text = audit["con"], audit["text"]
    rec, exposure = con.execute("""
        select sum(amount_usd) filter (where amount_kind = 'recoverable'),
               sum(amount_usd) filter (where amount_kind in ('overbilled', 'at_risk')) from findings""").fetchone()
    days = (build.END - build.START).days + 1
    revenue = con.execute("""select rule_id, payer, recoverable_usd + lost_usd from recommendations
                             where track = 'revenue' order by rank""").fetchall()
    in_period = sum(Decimal(x) for _, _, x in revenue)
    # the revenue track is the leakage and denial findings, recoverable or lost
    assert in_period == con.execute("""select sum(amount_usd) from findings where category in ('leakage', 'denial')
                                       and amount_kind in ('recoverable', 'lost')""").fetchone()[0]
    a_years = [annualised(x, days) for _, _, x in revenue]
    run_rate = sum(a_years)
    summary = text[text.index("Executive summary", text.index("Contents") + 20):text.index("Act first")]
    for value in (rec, run_rate, exposure):
        assert money(value) in summary, money(value)
    assert f"{money(in_period)} recoverable or lost over {days} days, scaled to 12 months" in summary
    # each revenue recommendation's "a year" figure is its own term of the run-rate
    shown = [a for a in a_years if a > 0]
    assert len(shown) >= 4
    for a in shown:
        assert f"costs about {money(a, cents=False)} a year" in text


def test_payer_figures_equal_the_staged_tables_with_secondary_claims(audit):
    """Medicare's claims, charges and payments are its own (the Medigap plan's crossover submissions and
    payments do not replace them); the Medigap plan is paid as secondary payer."""
    con, text = audit["con"], audit["con"] and audit["text"]
    data.prepare(con)
    card = {r["payer"]: r for r in data.query(con, "payer_scorecard", cap=10)}
    medicare = card["Medicare Part B (NGS J-K)"]
    staged = con.execute("""
        select count(*), sum(total_charge), (select sum(f.paid) from stg_remit_claims_final f join stg_claims c
                                               using (claim_id) where c.payer_display = 'Medicare Part B (NGS J-K)'
                                               and not f.is_reversed)
        from stg_claims where payer_display = 'Medicare Part B (NGS J-K)' and not is_void and not is_superseded""").fetchone()
    assert (medicare["claims"], Decimal(str(medicare["charges"])), Decimal(str(medicare["paid"]))) == \
        (staged[0], staged[1], staged[2])
    # ... which are the raw Medicare rows: every Medicare claim once, every Medicare payment, no Medigap money
    raw = con.execute("""select (select count(distinct claim_id) from claims where payer_id = '14212'),
                                (select sum(paid) from remit_claims where payer_id = '14212')""").fetchone()
    assert (medicare["claims"], Decimal(str(medicare["paid"]))) == raw
    medigap = card["Medicare supplement (Medigap)"]
    medex_paid = con.execute("select sum(paid) from remit_claims where payer_name = 'BLUE CROSS MEDEX'").fetchone()[0]
    assert medex_paid > 0
    assert (medigap["claims"], medigap["secondary_claims"], Decimal(str(medigap["paid"]))) == \
        (None, len(build.SECONDARY_VISITS), medex_paid)
    assert Decimal(str(medigap["paid"])) == con.execute("select sum(paid) from stg_remit_secondary").fetchone()[0]
    # the PDF shows the same figures, and the Medigap plan as a secondary payer
    scorecard = text[text.index("Payer scorecard", text.index("The picture in charts")):]
    assert f"Medicare Part B (NGS J‑K) medicare {medicare['claims']} {money(staged[1], False)} {money(staged[2], False)}" \
        in scorecard
    assert f"paid {len(build.SECONDARY_VISITS)} claims as secondary" in scorecard
    # denials and days to pay come from the same staged tables as the findings
    assert (medicare["denied_claims"], Decimal(str(medicare["denied_usd"]))) == con.execute("""
        select count(distinct claim_id), sum(amount_usd) from stg_denials
        where payer_display = 'Medicare Part B (NGS J-K)'""").fetchone()


def test_kpis_sit_beside_their_targets(audit):
    con, text = audit["con"], audit["text"]
    data.prepare(con)
    kpis = {k["kpi"]: k for k in data.query(con, "kpis")}
    assert set(kpis) == {"clean_claim_rate", "denial_rate_lines", "denial_rate_dollars", "days_service_to_claim",
                         "days_claim_to_payment", "net_collection_rate"}
    denied, lines = con.execute("select count(*) filter (where is_denied), count(*) from stg_line_status "
                                "where has_remit").fetchone()
    assert kpis["denial_rate_lines"]["value"] == pytest.approx(denied / lines)
    assert denied == 6 and kpis["denial_rate_lines"]["inside"] is True   # 6 denied of 170 answered lines: 3.5%
    days = con.execute("""select avg(s.first_submitted - c.first_dos) from stg_claims c join (
                              select claim_id, min(submission_date) first_submitted from claims
                              where payer_id <> '' group by 1) s using (claim_id)""").fetchone()[0]
    assert kpis["days_service_to_claim"]["value"] == pytest.approx(days)
    for k in kpis.values():
        assert k["na_code"] is None and k["source"] and k["target_text"] and k["inside"] in (True, False)
        assert k["target_text"] in text
    assert "American Academy of Family Physicians" in text and "Within target?" in text


def test_plan_and_next_steps(audit):
    con, text = audit["con"], audit["text"]
    data.prepare(con)
    plan = data.query(con, "plan", per_week=3)
    week1 = [r for r in plan if r["week"] == 1]
    first = con.execute("""select rule_id from recommendations where recoverable_usd > 0
                           order by first_fix_by, rank limit 1""").fetchone()[0]
    assert week1[0]["rule_id"] == first == "TIMELY_FILING_RISK"  # the recovery whose deadline falls soonest
    assert week1[0]["week_start"] == dt.date(2025, 7, 16) and week1[0]["week_end"] == dt.date(2025, 7, 22)
    assert {r["kind"] for r in plan} == {"recover", "protect", "prevent"}
    section = text[text.index("Your first 30 days", text.index("Executive summary") + 100):
                   text.index("Prioritized recommendations", text.index("Next steps"))]
    assert "Week 1 Recover what expires first Jul 16, 2025 – Jul 22, 2025" in section
    assert PLAYBOOK["TIMELY_FILING_RISK"].headline in section and "billing lead" in section
    assert "Day 30 — Aug 14, 2025" in section
    assert "Dana Whitfield · ASP-RCM Solutions · dana.whitfield@asp-rcm.example · (617) 555-0142" in section
    assert "Prepared by Dana Whitfield, ASP-RCM Solutions" in text


def test_examples_hide_columns_empty_for_the_rules_grain(audit):
    text = audit["text"]
    visit_rule = text[text.index("Criteria Medicare treatment with no plan of care on file."):]
    visit_rule = visit_rule[:visit_rule.index("Largest")]
    assert "Claim Patient Date of service Amount Kind" in visit_rule and "CPT" not in visit_rule
    line_rule = text[text.index("Criteria Medicare OT line above the annual KX threshold billed without KX."):]
    assert "Claim Patient Date of service CPT Mod. Units Amount Kind Act by" in line_rule


def test_pdf_carries_no_phi(audit):
    for s in build.PHI_STRINGS:
        assert s not in audit["text"], "PHI in the PDF"


# --- coverage and data sanity ----------------------------------------------------------------------
def _not_run(con, rules: dict[str, tuple[str, str]]) -> None:
    """Mark `rules` as not evaluated in the coverage table, with their missing input and what to send."""
    for rule_id, (missing, send) in rules.items():
        con.execute("""update coverage set evaluated = false, missing_input = ?, what_to_send = ?, findings = null
                       where rule_id = ?""", [missing, send, rule_id])


def test_rules_not_run_never_show_zero_findings(tmp_path):
    con = checked(tmp_path / "c.duckdb")
    con.execute("delete from findings where rule_id in ('POC_MISSING', 'AUTH_EXCEEDED')")
    prioritize(con)
    plans = ("no plans of care export", "the plans of care with their certification and signature dates")
    _not_run(con, {"POC_MISSING": plans, "POC_CERT_LATE": plans,
                   "AUTH_EXCEEDED": ("no authorizations export", "the authorizations on file")})
    n_not_run, n_all = con.execute("select count(*) filter (where not evaluated), count(*) from coverage").fetchone()
    assert (n_not_run, n_all) == (4, 27)         # and MUE_EXCEEDED: no MUE table for 2025 dates of service
    render_pdf(con, tmp_path / "c.pdf")
    text = pdf_text(tmp_path / "c.pdf")
    assert ("4 of the 27 checks could not be run — no plans of care export, no authorizations export and no MUE "
            "table for the Medicare dates of service — so they show no result rather than a clean one; to run "
            "them, send the plans of care with their certification and signature dates and the authorizations on "
            "file; and the MUE table for the Medicare dates of service is CMS data we obtain ourselves, nothing "
            "for you to send.") in text
    assert "rcm-audit" not in text
    appendix = text[text.index("A. What we checked"):text.index("B. Data received")]
    for title in ("Medicare treatment with no plan of care on file",
                  "Initial certification signed more than 30 days after the first treatment",
                  "Visit outside an authorization's dates or beyond its visit count"):
        row = appendix[appendix.index(title):][:400]
        assert "not run: no" in row[:row.index("severity") + 200] and "0 findings" not in row[:250], title


def test_implausible_dates_are_stated_and_no_kpi_goes_negative(tmp_path):
    """Claims 'submitted' 40 days before their service, remittances of another practice: the summary opens
    with the warnings and the day counts are n/a, never negative."""
    tables = build._raw()
    for c in tables["claims"]:
        c["submission_date"] = c["submission_date"] - dt.timedelta(days=60)
    keep = {r["claim_id"] for r in tables["remit_claims"][:20]}
    for t in ("remit_claims", "remit_lines", "remit_adjustments"):
        for r in tables[t]:
            if r["claim_id"] not in keep:
                r["claim_id"] = "X" + r["claim_id"]       # remittances of claims we never received
    con = build.build(tmp_path / "s.duckdb", tables=tables)
    match_rates(con)
    prioritize(con)
    data.prepare(con)
    kpis = {k["kpi"]: k for k in data.query(con, "kpis")}
    assert kpis["days_service_to_claim"]["na_code"] == "submitted_before_service"
    assert kpis["denial_rate_lines"]["na_code"] == "unmatched"
    assert all(k["value"] is None or k["value"] >= 0 for k in kpis.values())
    render_pdf(con, tmp_path / "s.pdf")
    text = pdf_text(tmp_path / "s.pdf")
    summary = text[text.index("Executive summary", text.index("Contents") + 20):text.index("Act first")]
    assert "Before the figures: what we noticed in the files" in summary
    assert re.search(r"\d+ of the \d+ remittances \(835 files\) match no claim", summary)
    assert re.search(r"\d+ of \d+ claims are dated as sent before their date of service", summary)
    assert "n/a too many claims dated before their service" in text
    assert "n/a most remittances match no claim received" in text
    assert not re.search(r"-\d[\d,.]* days", text)


def test_missing_optional_tables_and_no_findings(tmp_path):
    con = checked(tmp_path / "d.duckdb")
    con.execute("delete from findings")
    prioritize(con)
    assert con.execute("select count(*) from recommendations").fetchone()[0] == 0
    info = render_pdf(con, tmp_path / "r.pdf")
    text = pdf_text(tmp_path / "r.pdf")
    assert info["pages"] >= 5 and "$0.00" in text
    assert "Nothing calls for action: none of the checks we could run found a problem in these files" in text
    assert "Nothing can still be collected" in text
    assert write_worklist(con, tmp_path / "w.xlsx") == 0


# --- assumptions.csv -------------------------------------------------------------------------------
def test_assumptions_csv_keeps_the_internal_provenance(audit):
    con = audit["con"]
    body = (audit["dir"] / "assumptions.csv").read_text(encoding="utf-8")
    lines = body.splitlines()
    assert lines[0] == "topic,value,confidence,source"
    n_assumptions = con.execute("select count(*) from assumptions").fetchone()[0]
    assert audit["n_assumptions"] == len(lines) - 1 == n_assumptions + 27 + 6
    assert "RULEBOOK §" in body and "UNCONFIRMED" in body          # for the analyst, not the client
    assert "Rule UNITS_UNDERBILLED,Timed units billed below what the documented minutes support" in body
    assert "KPI target Net collection rate,95% or more" in body


# --- the worklist ----------------------------------------------------------------------------------
def _sheet(path: Path, name: str) -> tuple[list, list[dict]]:
    ws = load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), [dict(zip(rows[0], r)) for r in rows[1:]]


def test_worklist_opens_with_the_open_item_with_the_fewest_days_left(audit):
    con, path = audit["con"], audit["dir"] / "worklist.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["Open items", "Write-off review", "Unbilled visits", "About"]
    assert wb.active.title == "Open items" and wb["Open items"].freeze_panes == "A2"
    header, rows = _sheet(path, "Open items")
    assert header[:7] == ["Priority", "Days left", "Fix by", "Amount", "Type", "Action", "Owner"]
    fewest = con.execute("""select min(fix_by - (select as_of from audit_params)) from findings
                            where amount_kind in ('recoverable', 'at_risk', 'overbilled')
                              and fix_by >= (select as_of from audit_params)""").fetchone()[0]
    assert rows[0]["Days left"] == fewest == 6          # TIMELY_FILING_RISK, filing limit Jul 21, 2025
    assert rows[0]["Rule"] == "TIMELY_FILING_RISK"
    days = [r["Days left"] for r in rows]
    dated = [d for d in days if d is not None]
    assert dated == sorted(dated) and days == dated + [None] * (len(days) - len(dated))
    assert all(d >= 0 for d in dated)
    assert audit["rows"] == len(rows)
    assert {r["Type"] for r in rows} == {"Collect", "Protect", "Refund"}
    for r in rows:
        assert r["Fix by"] is None or r["Fix by"].date() - dt.timedelta(days=r["Days left"]) == build.AS_OF


def test_write_off_review_holds_the_past_with_actions_that_fit(audit):
    con, path = audit["con"], audit["dir"] / "worklist.xlsx"
    _, open_rows = _sheet(path, "Open items")
    header, rows = _sheet(path, "Write-off review")
    assert "Days past" in header and "Deadline was" in header
    assert len(open_rows) + len(rows) == con.execute("select count(*) from findings").fetchone()[0]
    lost, past = con.execute("""select count(*) filter (where amount_kind = 'lost'),
                                       count(*) filter (where amount_kind <> 'lost' and fix_by < date '2025-07-15')
                                from findings""").fetchone()
    assert len(rows) == lost + past and lost >= 5
    assert not any("resubmit" in r["Action"].lower().replace("do not resubmit", "") for r in rows)
    assert all(r["Days past"] is None or r["Days past"] > 0 for r in rows)


def test_unbilled_visits_can_be_billed_from_the_sheet(audit):
    header, rows = _sheet(audit["dir"] / "worklist.xlsx", "Unbilled visits")
    assert ["CPT", "Modifiers", "Units", "Minutes"] == header[8:12] and header[-6:-3] == ["Export file", "Sheet", "Row"]
    got = sorted((r["DOS"].date(), r["CPT"], r["Units"], r["Minutes"], r["Export file"]) for r in rows)
    assert got == [(dt.date(2025, 6, 20), "97110", 1, 15, "exports/visits.csv"),
                   (dt.date(2025, 6, 20), "97530", 2, 30, "exports/visits.csv")]
    raw = audit["con"].execute("""select cpt, row_number from visits where claim_id is null order by cpt""").fetchall()
    assert sorted((r["CPT"], r["Row"]) for r in rows) == raw
    assert {r["Rule"] for r in rows} == {"VISIT_UNBILLED"} and all(r["Days left"] > 0 for r in rows)
    assert {r["Status"] for r in rows} == {"bill"}


def test_worklist_carries_no_phi_unless_asked(audit, tmp_path):
    wb = load_workbook(audit["dir"] / "worklist.xlsx")
    cells = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    for s in build.PHI_STRINGS:
        assert s not in cells, "PHI in the worklist"
    write_worklist(audit["con"], tmp_path / "w.xlsx", show_phi=True)
    header, rows = _sheet(tmp_path / "w.xlsx", "Unbilled visits")
    assert "Patient name (PHI)" in header and {r["Patient name (PHI)"] for r in rows} == {"Augustin Merriweather"}


# --- scale -----------------------------------------------------------------------------------------
def _scaled(path: Path, times: int):
    """The fixture with its findings repeated `times` times on distinct claims and pseudonyms."""
    con = build.build(path)
    match_rates(con)
    con.execute(f"""
        insert into findings
        select f.* replace (f.claim_id || '-' || i as claim_id,
                            'PT-' || lpad((i % 20000)::varchar, 6, '0') as patient_ref)
        from findings f, range(1, {times}) t(i)""")
    return con


def test_same_size_for_a_huge_practice(tmp_path):
    """~40k findings render to the same number of pages as ~5k: every table is capped and every figure
    aggregated in SQL. (Speed is measured in benchmarks/bench_audit.py, not here.)"""
    sizes = {}
    for times in (50, 420):
        con = _scaled(tmp_path / f"s{times}.duckdb", times)
        prioritize(con)
        sizes[times] = render_pdf(con, tmp_path / f"s{times}.pdf")["pages"]
    assert con.execute("select count(*) from findings").fetchone()[0] > 38_000
    assert sizes[50] == sizes[420] <= 30
    rows = write_worklist(con, tmp_path / "big.xlsx")
    assert rows == con.execute("""select count(*) from findings where amount_kind in ('recoverable', 'at_risk',
                                  'overbilled') and (fix_by is null or fix_by >= date '2025-07-15')""").fetchone()[0]

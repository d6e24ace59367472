"""End to end: `rcm-audit audit sample_data` finds exactly the planted problems of the sample
practice (sample_data/expected_findings.csv), rule by rule and to the cent, writes every output of
CONTRACT §2, and leaks no PHI."""
from __future__ import annotations

import csv
import os
import stat
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from pipelines.checks import FINDING_COLUMNS
from pipelines.pipeline import run_audit
from pipelines.warehouse import connect

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
CONTRACT_RULES = [
    "UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED", "UNTIMED_MULTIPLE_UNITS", "MINUTES_MISSING",
    "GO_MISSING", "DISCIPLINE_MODIFIER_WRONG", "KX_MISSING", "TMR_THRESHOLD", "CO_MODIFIER_MISSING",
    "CO_MODIFIER_UNNEEDED", "NCCI_MODIFIER_MISSING", "CODING_EDIT", "POC_MISSING", "POC_CERT_LATE",
    "POC_RECERT_LATE", "PROGRESS_REPORT_OVERDUE", "MASSHEALTH_PA_MISSING", "MASSHEALTH_RX_LAPSED",
    "AUTH_EXCEEDED", "DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF", "UNDERPAYMENT", "CLAIM_UNPAID", "VISIT_UNBILLED",
    "TIMELY_FILING_RISK", "MUE_EXCEEDED",
]


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    """One audit of the bundled sample practice, shared by the tests of this module."""
    if not (SAMPLE / "expected_findings.csv").exists():
        pytest.skip("sample_data/ has not been generated")
    out = tmp_path_factory.mktemp("audit-out")
    result = run_audit(SAMPLE, out)
    return out, result


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _key(row: dict) -> tuple:
    return (row["rule_id"], row["claim_id"] or "", row["dos"] or "", row["cpt"] or "")


def _by_rule(rows: list[dict]) -> dict[str, dict[tuple, list[Decimal]]]:
    """rule -> key -> sorted amounts. A key may repeat: unbilled visits of two patients on one day share
    (rule, '', dos, '') (the ground truth has no patient column)."""
    out: dict[str, dict[tuple, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        out[r["rule_id"]][_key(r)].append(Decimal(r["amount_usd"] or "0"))
    for keys in out.values():
        for amounts in keys.values():
            amounts.sort()
    return out


def test_every_output_of_the_contract_is_written(audit):
    out, _ = audit
    for name in ("audit-report.pdf", "findings.csv", "worklist.xlsx", "ingest-log.csv", "audit.duckdb"):
        assert (out / name).stat().st_size > 0, name
    assert stat.S_IMODE(os.stat(out / "audit.duckdb").st_mode) == 0o600
    with (out / "findings.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == FINDING_COLUMNS


def test_sample_lists_every_rule_at_least_three_times():
    expected = _read(SAMPLE / "expected_findings.csv")
    counts = defaultdict(int)
    for r in expected:
        counts[r["rule_id"]] += 1
    assert {rule: counts[rule] for rule in CONTRACT_RULES if counts[rule] < 3} == {}


@pytest.mark.parametrize("rule_id", CONTRACT_RULES)
def test_findings_match_the_planted_ground_truth(audit, rule_id):
    out, _ = audit
    expected = _by_rule(_read(SAMPLE / "expected_findings.csv"))[rule_id]
    found = _by_rule(_read(out / "findings.csv"))[rule_id]
    assert expected, f"nothing planted for {rule_id}"
    missed = sorted(k for k in expected if len(found.get(k, [])) < len(expected[k]))
    unplanted = sorted(k for k in found if len(found[k]) > len(expected.get(k, [])))
    assert not missed, f"{rule_id}: planted but not found: {missed[:10]}"
    assert not unplanted, f"{rule_id}: found but not planted: {unplanted[:10]}"
    wrong = {k: (expected[k], found[k]) for k in expected
             if any(abs(a - b) > Decimal("0.01") for a, b in zip(expected[k], found[k]))}
    assert not wrong, f"{rule_id}: amounts differ (expected, found): {dict(list(wrong.items())[:10])}"


def test_findings_use_the_contract_vocabularies(audit):
    out, _ = audit
    rows = _read(out / "findings.csv")
    assert rows
    assert {r["category"] for r in rows} <= {"leakage", "compliance", "denial", "data_quality"}
    assert {r["severity"] for r in rows} <= {"high", "medium", "low"}
    assert {r["amount_kind"] for r in rows} <= {"recoverable", "lost", "at_risk", "overbilled"}
    assert {r["payer_class"] for r in rows} <= {"medicare", "medicare_advantage", "masshealth",
                                               "masshealth_managed", "commercial", "other"}
    assert all(r["priority_rank"].isdigit() for r in rows)
    assert all(Decimal(r["amount_usd"]) >= 0 for r in rows)


def _phi_values() -> set[str]:
    """Names, birth dates and member ids the sample's own files carry."""
    con = connect(":memory:")
    from pipelines.ingest import ingest_paths
    ingest_paths(con, [SAMPLE])
    values = set()
    for (v,) in con.execute("""
            select subscriber_member_id from claims union select subscriber_last from claims
            union select subscriber_first from claims union select strftime(subscriber_dob, '%Y-%m-%d') from claims
            union select strftime(subscriber_dob, '%m/%d/%Y') from claims union select member_id from visits""").fetchall():
        if v and len(v) >= 4:
            values.add(v)
    return values


def test_no_phi_in_pdf_worklist_or_csvs(audit):
    out, _ = audit
    phi = _phi_values()
    assert len(phi) > 50
    texts = {
        "pdf": "\n".join(page.extract_text() or "" for page in PdfReader(out / "audit-report.pdf").pages),
        "findings.csv": (out / "findings.csv").read_text(encoding="utf-8"),
        "ingest-log.csv": (out / "ingest-log.csv").read_text(encoding="utf-8"),
    }
    wb = openpyxl.load_workbook(out / "worklist.xlsx", read_only=True)
    texts["worklist"] = "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                                  for c in row if c is not None)
    leaks = {name: sorted(v for v in phi if v in text)[:5] for name, text in texts.items()}
    assert all(not v for v in leaks.values()), leaks


def test_headline_figures_equal_the_sums_of_findings(audit):
    out, _ = audit
    rows = _read(out / "findings.csv")
    recoverable = sum(Decimal(r["amount_usd"]) for r in rows if r["amount_kind"] == "recoverable")
    exposure = sum(Decimal(r["amount_usd"]) for r in rows if r["amount_kind"] in ("overbilled", "at_risk"))
    text = "\n".join(page.extract_text() or "" for page in PdfReader(out / "audit-report.pdf").pages[:3])
    assert f"${recoverable:,.2f}" in text or f"${recoverable:,.0f}" in text
    assert f"${exposure:,.2f}" in text or f"${exposure:,.0f}" in text

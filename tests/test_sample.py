"""`rcm-audit sample`: deterministic, readable by our own readers, and its ground truth covers every rule."""
from __future__ import annotations

import csv
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.sample import generate
from pipelines.sample.npi import luhn_valid, make_npi, npi_valid
from pipelines.sample.practice import OTAS, OTS, PHYSICIANS, PRACTICE_NPI
from pipelines.sample.pricing import code, medicare_lines

RULE_IDS = [  # CONTRACT §3
    "UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED", "UNTIMED_MULTIPLE_UNITS", "MINUTES_MISSING",
    "GO_MISSING", "DISCIPLINE_MODIFIER_WRONG", "KX_MISSING", "TMR_THRESHOLD", "CO_MODIFIER_MISSING",
    "CO_MODIFIER_UNNEEDED", "NCCI_MODIFIER_MISSING", "CODING_EDIT", "POC_MISSING", "POC_CERT_LATE",
    "POC_RECERT_LATE", "PROGRESS_REPORT_OVERDUE", "MASSHEALTH_PA_MISSING", "MASSHEALTH_RX_LAPSED",
    "AUTH_EXCEEDED", "DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF", "UNDERPAYMENT", "CLAIM_UNPAID",
    "VISIT_UNBILLED", "TIMELY_FILING_RISK",
]


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def default_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out)


def _findings(out: Path) -> list[dict]:
    with open(out / "expected_findings.csv", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------------------- NPI
def test_npi_luhn():
    assert npi_valid("1234567893")            # CMS's published example
    assert not npi_valid("1234567890")
    assert make_npi("123456789") == "1234567893"
    assert luhn_valid("80840" + "1234567893")
    for npi in [PRACTICE_NPI] + [s[2] for s in OTS + OTAS] + [d[2] for d in PHYSICIANS]:
        assert npi_valid(npi), npi
    assert len({s[2] for s in OTS + OTAS}) == 6


def test_pricing_matches_rulebook_worked_example():
    # RULEBOOK §11.3: 97530 x2 + 97535 x1, Metro Boston 2025 = 39.13 + 27.12 + 25.72
    assert medicare_lines([("97530", 2), ("97535", 1)]) == [Decimal("66.25"), Decimal("25.72")]
    assert code("97166").full == Decimal("112.30") and code("97168").reduced == Decimal("55.68")
    assert code("29125").full == Decimal("77.24") and code("29125").mppr_ind == "2"


# ---------------------------------------------------------------------------------------------- determinism
def test_same_seed_is_byte_identical(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    sa = generate(a, patients=40, months=12, seed=7)
    generate(b, patients=40, months=12, seed=7)
    generate(c, patients=40, months=12, seed=8)
    ha, hb, hc = _hashes(a), _hashes(b), _hashes(c)
    assert ha == hb
    assert ha != hc
    assert "authorizations.xlsx" in ha and sa["claims"] > 0


def test_default_output_is_small_and_complete(default_sample):
    out, s = default_sample
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert size < 5 * 1024 * 1024
    for name in ("visits.csv", "plans_of_care.csv", "authorizations.xlsx", "practice.toml", "README.md",
                 "expected_findings.csv"):
        assert (out / name).is_file()
    assert s["as_of"] == "2026-01-30"
    assert "2026-01-30" in (out / "README.md").read_text()
    assert 1500 < s["claims"] < 3000 and s["lines"] > 2 * s["claims"]
    kinds = {f["kind"] for f in s["files"].values()}
    assert kinds == {"837P", "835"}
    assert sum(f.get("plb", 0) for f in s["files"].values()) == 1
    assert sum(f.get("reversals", 0) for f in s["files"].values()) == 1


# ---------------------------------------------------------------------------------------------- ground truth
def test_every_rule_planted_at_least_twice(default_sample):
    out, s = default_sample
    rows = _findings(out)
    counts = {r: sum(1 for f in rows if f["rule_id"] == r) for r in RULE_IDS}
    assert all(n >= 2 for n in counts.values()), counts
    assert {f["rule_id"] for f in rows} <= set(RULE_IDS)
    for f in rows:
        assert Decimal(f["amount_usd"]) > 0, f
    assert s["findings_by_rule"] == {r: n for r, n in sorted(counts.items())}


def test_planted_amounts(default_sample):
    out, _ = default_sample
    rows = _findings(out)
    by = {}
    for f in rows:
        by.setdefault(f["rule_id"], []).append(f)
    # CO rules: 0.12 x the full (highest-PE) 97530 unit, 39.13
    for r in by["CO_MODIFIER_MISSING"] + by["CO_MODIFIER_UNNEEDED"]:
        assert r["cpt"] == "97530" and r["amount_usd"] == "4.70"
    # underpayments planted at 4.18 (Medicare), 6.00 (BCBSMA), 3.50 (Harvard Pilgrim)
    assert sorted(r["amount_usd"] for r in by["UNDERPAYMENT"]) == ["3.50", "4.18", "6.00"]
    # visit rules carry no cpt; line rules do
    for r in by["POC_MISSING"] + by["AUTH_EXCEEDED"] + by["CLAIM_UNPAID"] + by["TMR_THRESHOLD"]:
        assert r["cpt"] == "" and r["claim_id"]
    for r in by["VISIT_UNBILLED"]:
        assert r["claim_id"] == "" and r["cpt"] == ""
    assert any(r["claim_id"] == "" for r in by["TIMELY_FILING_RISK"])
    assert any(r["claim_id"] != "" for r in by["TIMELY_FILING_RISK"])


def test_near_misses_are_absent(default_sample):
    out, s = default_sample
    rows = _findings(out)
    claims = {f["claim_id"] for f in rows}
    assert len(s["near_miss_claim_ids"]) > 50
    assert not claims & set(s["near_miss_claim_ids"])
    assert any("38 min" in n for n in s["near_misses"]) and any("10%" in n for n in s["near_misses"])


def test_visits_export_matches_claims(default_sample):
    out, s = default_sample
    with open(out / "visits.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == s["visit_rows"]
    assert {r["Role"] for r in rows} == {"OT", "OTA"}
    assert {r["Note Type"] for r in rows} == {"Evaluation", "Daily Note", "Progress Report", "Discharge"}
    assert all(r["Date of Service"][2] == "/" for r in rows)
    # the DESIGN §6 near-miss: a documented, unbilled 7-minute 97535
    assert any(r["CPT Code"] == "97535" and r["Treatment Minutes"] == "7" and r["Units"] == "0" for r in rows)


# ---------------------------------------------------------------------------------------------- readers
def test_x12_files_read_back(tmp_path):
    x12 = pytest.importorskip("pipelines.ingest.x12")
    from pipelines.warehouse import connect
    s = generate(tmp_path, patients=30, months=12, seed=11)
    con = connect(":memory:")
    styles = set()
    for rel, info in sorted(s["files"].items()):
        raw = (tmp_path / rel).read_bytes()
        assert raw[:3] == b"ISA" and raw[105:106] == b"~"
        styles.add((raw[3:4], raw[104:105], b"\r\n" in raw[:110], raw[106:107] == b"\n"))
        res = x12.read_x12(con, tmp_path / rel, rel)
        assert res.status == "loaded", (rel, res.message)
        assert not [i for i in res.issues if i.severity == "error"], (rel, res.issues[:3])
        if info["kind"] == "837P":
            c, n = con.execute("select count(*), (select count(*) from claim_lines where source_file = $1) "
                               "from claims where source_file = $1", [rel]).fetchone()
        else:
            c, n = con.execute("select count(*), (select count(*) from remit_lines where source_file = $1) "
                               "from remit_claims where source_file = $1", [rel]).fetchone()
        assert (c, n) == (info["claims"], info["lines"]), rel
    assert len(styles) >= 3          # several clearinghouse delimiter / line-break styles
    n837 = con.execute("select count(*), count(distinct claim_id) from claims").fetchone()
    assert n837[0] == n837[1] == s["claims"]
    assert con.execute("select max(payment_date) from remit_payments").fetchone()[0].isoformat() <= s["as_of"]

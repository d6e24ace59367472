"""`rcm-audit sample`: deterministic, readable by our own readers, a current practice (twelve months ending
September 2026, two fee schedules), problems planted at published rates, and a ground truth whose oracle
follows the rule semantics (MUE_EXCEEDED included) and refuses a plant that does not produce its finding."""
from __future__ import annotations

import csv
import hashlib
import random
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.sample import generate
from pipelines.sample import build
from pipelines.sample.build import Ctx, build_patient, exemplar_positions
from pipelines.sample.model import Line, Plan, Visit
from pipelines.sample.npi import luhn_valid, make_npi, npi_valid
from pipelines.sample.practice import OTAS, OTS, PHYSICIANS, PRACTICE_NPI, make_patient, payers
from pipelines.sample.pricing import medicare_lines, rate
from pipelines.sample.truth import GeneratorBug, patient_findings

RULE_IDS = [  # CONTRACT §3
    "UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED", "UNTIMED_MULTIPLE_UNITS", "MINUTES_MISSING",
    "GO_MISSING", "DISCIPLINE_MODIFIER_WRONG", "KX_MISSING", "TMR_THRESHOLD", "CO_MODIFIER_MISSING",
    "CO_MODIFIER_UNNEEDED", "NCCI_MODIFIER_MISSING", "CODING_EDIT", "POC_MISSING", "POC_CERT_LATE",
    "POC_RECERT_LATE", "PROGRESS_REPORT_OVERDUE", "MASSHEALTH_PA_MISSING", "MASSHEALTH_RX_LAPSED",
    "AUTH_EXCEEDED", "DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF", "UNDERPAYMENT", "CLAIM_UNPAID",
    "VISIT_UNBILLED", "TIMELY_FILING_RISK", "MUE_EXCEEDED",
]
# rules whose finding may carry $0 (a denied line, a second over-allocated line, an overbilled code-day)
# rules that report $0 on some lines (DESIGN §5 Overlaps: a line the 835 denied carries its dollars on DENIAL_*,
# and a denied line has nothing to refund)
MAY_BE_ZERO = {"GO_MISSING", "DISCIPLINE_MODIFIER_WRONG", "KX_MISSING", "NCCI_MODIFIER_MISSING", "CODING_EDIT",
               "MUE_EXCEEDED", "UNITS_MISALLOCATED", "MINUTES_MISSING", "UNITS_OVERBILLED", "UNTIMED_MULTIPLE_UNITS",
               "CO_MODIFIER_MISSING"}


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


# ---------------------------------------------------------------------------------------------- NPI, pricing
def test_npi_luhn():
    assert npi_valid("1234567893")            # CMS's published example
    assert not npi_valid("1234567890")
    assert make_npi("123456789") == "1234567893"
    assert luhn_valid("80840" + "1234567893")
    for npi in [PRACTICE_NPI] + [s[2] for s in OTS + OTAS] + [d[2] for d in PHYSICIANS]:
        assert npi_valid(npi), npi
    assert len({s[2] for s in OTS + OTAS}) == 6


def test_pricing_follows_the_fee_schedule_of_the_dos_year():
    d25, d26 = date(2025, 11, 3), date(2026, 5, 4)
    # RULEBOOK §11.3: 97530 x2 + 97535 x1, Metro Boston 2025 = 39.13 + 27.12 + 25.72
    assert medicare_lines([("97530", 2), ("97535", 1)], d25) == [Decimal("66.25"), Decimal("25.72")]
    assert rate("97166", d25).full == Decimal("112.30") and rate("97168", d25).reduced == Decimal("55.68")
    assert rate("29125", d25).full == Decimal("77.24") and rate("29125", d25).mppr_ind == "2"
    # issue 13: 97530, locality 01, 2026 (RVU26C, CF 33.4009) = $39.32
    assert rate("97530", d26).full == Decimal("39.32")
    assert rate("97530", d26).reduced == Decimal("27.41")
    assert rate("97124", d26) is None          # no 2026 row: the sample never bills it in 2026


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


def test_months_end_in_september_2026(tmp_path):
    s = generate(tmp_path, patients=20, months=3, seed=3)
    assert s["period"] == ["2026-07-01", "2026-09-30"] and s["as_of"] == "2026-11-13"
    with open(tmp_path / "visits.csv", newline="") as fh:
        dos = {r["Date of Service"] for r in csv.DictReader(fh)}
    assert min(d[6:] + d[:2] for d in dos) >= "202607"
    with pytest.raises(ValueError):
        generate(tmp_path / "x", patients=5, months=22)


def test_default_output_is_current_and_complete(default_sample):
    out, s = default_sample
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert size < 8 * 1024 * 1024
    for name in ("visits.csv", "plans_of_care.csv", "authorizations.xlsx", "practice.toml", "README.md",
                 "expected_findings.csv"):
        assert (out / name).is_file()
    assert s["period"] == ["2025-10-01", "2026-09-30"]
    assert s["as_of"] == s["as_of_in_data"] == "2026-11-13"
    readme = (out / "README.md").read_text()
    assert "2026-11-13" in readme and "Note:" not in readme
    assert 1800 < s["claims"] < 3500 and s["lines"] > 2 * s["claims"]
    kinds = {f["kind"] for f in s["files"].values()}
    assert kinds == {"837P", "835"}
    assert sum(f.get("plb", 0) for f in s["files"].values()) >= 1
    assert sum(f.get("reversals", 0) for f in s["files"].values()) >= 1
    # remittances run on past the last date of service, into November 2026
    assert max(f["payment_date"] for f in s["files"].values() if f["kind"] == "835") == "2026-11-13"
    assert 'audit_start = "2025-10-01"' in (out / "practice.toml").read_text()


# ---------------------------------------------------------------------------------------------- ground truth
def test_every_rule_planted_at_least_three_times(default_sample):
    out, s = default_sample
    rows = _findings(out)
    counts = Counter(f["rule_id"] for f in rows)
    assert {r: counts[r] for r in RULE_IDS if counts[r] < 3} == {}
    assert set(counts) <= set(RULE_IDS)
    assert s["findings_by_rule"] == dict(sorted(counts.items()))
    for rule in RULE_IDS:
        amounts = [Decimal(f["amount_usd"]) for f in rows if f["rule_id"] == rule]
        assert all(a >= 0 for a in amounts), rule
        assert any(a > 0 for a in amounts), rule
        if rule not in MAY_BE_ZERO:
            assert all(a > 0 for a in amounts), rule


def test_the_sample_shows_real_leakage_at_published_rates(default_sample):
    _, s = default_sample
    r = s["rates"]
    assert 5.0 <= r["denial_rate_pct"] <= 12.0           # MGMA 5-10%, Kodiak 11.8% (2024)
    assert 85.0 <= r["clean_claim_rate_pct"] <= 95.0     # typical practices 85-95%
    assert 2.0 <= r["underbilled_visits_pct"] <= 6.0
    assert 1.0 <= r["modifier_error_visits_pct"] <= 5.0
    assert s["findings"] >= 3 * s["patients"]
    assert Decimal(s["expected_usd"]) > 20000


def test_crosses_the_year_boundary(default_sample):
    out, _ = default_sample
    rows = _findings(out)
    kx_years = {f["dos"][:4] for f in rows if f["rule_id"] == "KX_MISSING"}
    assert kx_years == {"2025", "2026"}                   # a KX crossing in each year
    kx25 = [f for f in rows if f["rule_id"] == "KX_MISSING" and f["dos"][:4] == "2025"]
    assert all("2025-10-01" <= f["dos"] <= "2025-12-31" for f in kx25)
    assert {f["dos"][:4] for f in rows if f["rule_id"] == "UNDERPAYMENT"} == {"2025", "2026"}
    assert all(f["dos"] >= "2026-04-01" for f in rows if f["rule_id"] == "MUE_EXCEEDED")


def test_planted_amounts(default_sample):
    out, _ = default_sample
    by: dict[str, list] = {}
    for f in _findings(out):
        by.setdefault(f["rule_id"], []).append(f)
    # MUE: one unit of excess, the MPPR-reduced 2026 unit of 97530 (27.41) or 97110 (23.99), or $0
    assert {r["amount_usd"] for r in by["MUE_EXCEEDED"]} <= {"27.41", "23.99", "0.00"}
    assert {r["cpt"] for r in by["MUE_EXCEEDED"]} <= {"97530", "97110"}
    for r in by["UNDERPAYMENT"]:
        assert Decimal("0.50") <= Decimal(r["amount_usd"]) <= Decimal("6.00")
    # visit rules carry no cpt; line rules do
    for r in by["POC_MISSING"] + by["AUTH_EXCEEDED"] + by["CLAIM_UNPAID"] + by["TMR_THRESHOLD"]:
        assert r["cpt"] == "" and r["claim_id"]
    for r in by["VISIT_UNBILLED"]:
        assert r["claim_id"] == "" and r["cpt"] == ""
    assert any(r["claim_id"] == "" for r in by["TIMELY_FILING_RISK"])
    assert any(r["claim_id"] != "" for r in by["TIMELY_FILING_RISK"])
    assert any(r["cpt"] == "" for r in by["DENIAL_RECOVERABLE"] + by["DENIAL_WRITE_OFF"])   # claim-level
    assert any(r["cpt"] != "" for r in by["DENIAL_RECOVERABLE"])


def test_near_misses_are_absent(default_sample):
    out, s = default_sample
    rows = _findings(out)
    claims = {f["claim_id"] for f in rows}
    assert len(s["near_miss_claim_ids"]) >= 10
    assert not claims & set(s["near_miss_claim_ids"])
    text = " ".join(s["near_misses"])
    for what in ("38 min", "10%", "x6 after 2026-04-01", "before 2026-04-01", "Commercial 97110 x7",
                 "reversal", "PLB", "59 on column 2"):
        assert what in text, what


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


def test_large_practice_keeps_the_rates(tmp_path):
    """The rates, not a fixed count, drive the findings: twice the patients, about twice the findings, and
    at least one finding per patient (issue 16's benchmark practice)."""
    small = generate(tmp_path / "s", patients=200, seed=11)
    large = generate(tmp_path / "l", patients=400, seed=11)
    assert large["findings"] >= large["patients"]
    assert 1.6 < large["findings"] / small["findings"] < 2.6
    for key in ("denial_rate_pct", "underbilled_visits_pct"):
        assert abs(large["rates"][key] - small["rates"][key]) < 3.0


# ---------------------------------------------------------------------------------------------- the oracle
def _patient(payer_key: str, days, ctx: Ctx | None = None):
    """A hand-made patient: days = [(dos, [(cpt, units, minutes), ...]), ...], OT-furnished, every claim
    paid, a plan of care covering the days (the oracle is run on it as on a generated one)."""
    ctx = ctx or Ctx(2025, 12, payers())
    payer = ctx.payers[payer_key]
    rng = random.Random(5)
    p = make_patient(rng, 7, payer_key, True, "T", "neuro")
    p.rate_free = True
    for k, (d, codes) in enumerate(days):
        v = Visit(d, [Line(c, u, m, "OT", p.ot[2]) for c, u, m in codes])
        v.claim_id = f"CRT-{k:03d}"
        v.sub = ctx.submission(d)
        for i, ln in enumerate(v.lines, start=1):
            ln.line_no = i
        v.note = "Evaluation" if k == 0 else "Daily Note"
        p.visits.append(v)
    build._price(p, payer)
    build._remits(rng, p, ctx, payer, set(), rates_on=False)
    first = days[0][0]
    p.plans = [Plan(first, date(first.year + 1, 12, 31), first, "Initial")]
    return p, payer, ctx


def _mue_rows(p, payer, ctx):
    return [f for f in patient_findings(p, payer, ctx) if f[0] == "MUE_EXCEEDED"]


def test_mue_day_total_above_the_mue_is_priced_through_mppr():
    days = [(date(2026, 4, 6), [("97167", 1, 60)]), (date(2026, 4, 8), [("97530", 7, 108)])]
    p, payer, ctx = _patient("medicare_ngs", days)
    p.visits[1].lines[0].plants.add("MUE_EXCEEDED")
    build._record_plants(p)
    assert _mue_rows(p, payer, ctx) == [("MUE_EXCEEDED", "CRT-001", "2026-04-08", "97530", Decimal("27.41"))]


def test_mue_counts_units_over_the_lines_of_the_day_in_line_order():
    # 97110 x4 + 97110 x4 the same day: the MUE (6) is reached inside line 2, which carries the 2 excess
    # units; the visit loses two MPPR-reduced 2026 units of 97110 (2 x 23.99)
    days = [(date(2026, 4, 6), [("97167", 1, 60)]), (date(2026, 5, 5), [("97110", 4, 60), ("97110", 4, 62)])]
    p, payer, ctx = _patient("medicare_ngs", days)
    p.visits[1].lines[1].plants.add("MUE_EXCEEDED")
    build._record_plants(p)
    assert _mue_rows(p, payer, ctx) == [("MUE_EXCEEDED", "CRT-001", "2026-05-05", "97110", Decimal("47.98"))]


def test_mue_not_in_force_before_april_2026_nor_for_commercial_payers():
    for payer_key, d in (("medicare_ngs", date(2026, 3, 30)), ("cigna", date(2026, 5, 5))):
        days = [(d.replace(day=d.day - 2), [("97166", 1, 45)]), (d, [("97530", 7, 108)])]
        p, payer, ctx = _patient(payer_key, days)
        build._record_plants(p)
        assert _mue_rows(p, payer, ctx) == []


def test_mue_is_zero_when_the_units_are_overbilled_too():
    # 7 units billed, 93 minutes documented (6 units): UNITS_OVERBILLED carries the dollars
    days = [(date(2026, 4, 6), [("97167", 1, 60)]), (date(2026, 4, 8), [("97530", 7, 93)])]
    p, payer, ctx = _patient("medicare_ngs", days)
    p.visits[1].lines[0].plants.update({"MUE_EXCEEDED", "UNITS_OVERBILLED"})
    build._record_plants(p)
    rows = {f[0]: f for f in patient_findings(p, payer, ctx)}
    assert rows["MUE_EXCEEDED"][4] == Decimal("0.00")
    assert rows["UNITS_OVERBILLED"][4] == Decimal("27.41")


def test_the_oracle_refuses_an_unplanned_or_lost_finding():
    ctx = Ctx(2025, 12, payers())
    ex = next(e for e in exemplar_positions(200).values() if e[0] == "DISC")
    idx = next(i for i, e in exemplar_positions(200).items() if e[0] == "DISC")
    p = build_patient(ctx, idx, ex)
    payer = ctx.payers[p.payer]
    assert any(f[0] == "DISCIPLINE_MODIFIER_WRONG" for f in patient_findings(p, payer, ctx))
    line = next(ln for v in p.visits for ln in v.lines if "DISCIPLINE_MODIFIER_WRONG" in ln.plants)
    line.plants.clear()
    build._record_plants(p)
    with pytest.raises(GeneratorBug, match="not planted"):
        patient_findings(p, payer, ctx)


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
    # claim-level denials: a CLP with status 4, a claim-level CAS and no SVC line
    assert con.execute("""select count(*) from remit_claims c where status_code = '4'
                          and not exists (select 1 from remit_lines l where l.source_file = c.source_file
                                          and l.claim_pos = c.segment_pos)""").fetchone()[0] >= 1

"""End to end: `rcm-audit audit` of the sample practice on day 0, then of a day-30 folder built here (the
sample plus an 835 that pays a few denied and unpaid claims, a corrected claim, an unbilled visit billed and
paid, new claims after day 0 and a plans-of-care file the practice had not sent), with `--baseline`: statuses
and dollars per baseline finding, the report's figures equal to the sums of follow-up.csv, and the same with a
day-30 folder that holds only the new files."""
from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import namedtuple
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.followup import FOLLOW_UP_COLUMNS, STATUSES, figures, read_follow_up_csv
from pipelines.report.pdf import money

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
PAY_DATE = dt.date(2026, 12, 11)          # the day-30 835 (the day-30 as-of date)
RESUBMITTED = dt.date(2026, 12, 1)        # the corrected claim's BHT04
NEW_CLAIMS = dt.date(2026, 11, 24)        # the new claims' BHT04
NEW_DOS = dt.date(2026, 11, 17)           # services after day 0 (2026-11-13)
NPI = "1284563701"


# --- a tiny X12 writer for the day-30 files ----------------------------------------------------------------
def _ymd(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def _amt(x: Decimal) -> str:
    return format(Decimal(x).quantize(Decimal("0.01")), "f")


def _interchange(kind: str, transactions: list[list[str]], when: dt.date, control: int) -> str:
    gs = "HC" if kind == "837" else "HP"
    version = "005010X222A1" if kind == "837" else "005010X221A1"
    segs = [f"ISA*00*          *00*          *ZZ*CRIVEROT       *ZZ*AVAILITY       *{when:%y%m%d}*0900*^*00501*"
            f"{control:09d}*0*P*:",
            f"GS*{gs}*CRIVEROT*AVAILITY*{_ymd(when)}*0900*{control}*X*{version}"]
    for i, body in enumerate(transactions, start=1):
        st = [f"ST*{kind}*{i:04d}*{version}"] + body
        segs += st + [f"SE*{len(st) + 1}*{i:04d}"]
    segs += [f"GE*{len(transactions)}*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(segs) + "~\n"


def write_837(path: Path, claims: list[dict], when: dt.date) -> None:
    """claims: {claim_id, frequency, payer_claim_ref, patient (a baseline claims row), lines: [(cpt, mods, units,
    charge, dos)]}; one ST per claim."""
    txs = []
    for k, c in enumerate(claims, start=1):
        pt = c["patient"]
        body = [f"BHT*0019*00*FU{k:04d}*{_ymd(when)}*0900*CH",
                "NM1*41*2*CHARLES RIVER OCCUPATIONAL THERAPY*****46*CRIVEROT", "NM1*40*2*AVAILITY*****46*AVAILITY",
                "HL*1**20*1", f"NM1*85*2*CHARLES RIVER OCCUPATIONAL THERAPY*****XX*{NPI}",
                "N3*1250 WASHINGTON STREET SUITE 210", "N4*NEWTON*MA*024581611", "REF*EI*043918572",
                "HL*2*1*22*0", "SBR*P*18*******MB",
                f"NM1*IL*1*{pt['patient_last']}*{pt['patient_first']}****MI*{pt['subscriber_member_id']}",
                f"DMG*D8*{_ymd(pt['patient_dob'])}*F",
                f"NM1*PR*2*{pt['payer_name']}*****PI*{pt['payer_id']}"]
        total = sum(Decimal(str(ln[3])) for ln in c["lines"])
        body.append(f"CLM*{c['claim_id']}*{_amt(total)}***11:B:{c.get('frequency', '1')}*Y*A*Y*Y")
        if c.get("payer_claim_ref"):
            body.append(f"REF*F8*{c['payer_claim_ref']}")
        body.append("HI*ABK:M6281")
        body.append(f"NM1*82*1*OKAFOR*ADAEZE****XX*{pt['rendering_npi'] or '1643819208'}")
        for i, (cpt, mods, units, charge, dos) in enumerate(c["lines"], start=1):
            proc = ":".join(["HC", cpt] + [m for m in mods.split(";") if m])
            body += [f"LX*{i}", f"SV1*{proc}*{_amt(charge)}*UN*{units:g}***1", f"DTP*472*D8*{_ymd(dos)}",
                     f"REF*6R*{c['claim_id']}-{i}"]
        txs.append(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_interchange("837", txs, when, 900 + len(claims)), encoding="utf-8")


def write_835(path: Path, payments: list[dict], when: dt.date) -> None:
    """payments: {claim_id, payer_name, payer_id, lines: [(cpt, mods, units, charge, paid, dos)]}; one ST per payer,
    CLP02 1 (processed as primary), AMT*B6 allowed = paid, CO-45 for the rest of the charge."""
    by_payer: dict[tuple, list[dict]] = {}
    for p in payments:
        by_payer.setdefault((p["payer_name"], p["payer_id"]), []).append(p)
    txs = []
    for (name, pid), clps in sorted(by_payer.items()):
        total = sum(Decimal(str(ln[4])) for c in clps for ln in c["lines"])
        body = [f"BPR*I*{_amt(total)}*C*ACH*CCP*01*011000138*DA*7700123456*1000060054**01*211070175*DA*3300456789*"
                f"{_ymd(when)}", f"TRN*1*FU{_ymd(when)}{pid}*1000060054", f"DTM*405*{_ymd(when)}",
                f"N1*PR*{name}*XV*{pid}", f"N1*PE*CHARLES RIVER OCCUPATIONAL THERAPY*XX*{NPI}", "LX*1"]
        for c in clps:
            charge = sum(Decimal(str(ln[3])) for ln in c["lines"])
            paid = sum(Decimal(str(ln[4])) for ln in c["lines"])
            body.append(f"CLP*{c['claim_id']}*1*{_amt(charge)}*{_amt(paid)}**MB*FU{c['claim_id']}*11*1")
            for i, (cpt, mods, units, lcharge, lpaid, dos) in enumerate(c["lines"], start=1):
                proc = ">".join(["HC", cpt] + [m for m in mods.split(";") if m]).replace(">", ":")
                body += [f"SVC*{proc}*{_amt(lcharge)}*{_amt(lpaid)}**{units:g}", f"DTM*472*{_ymd(dos)}"]
                if Decimal(str(lcharge)) > Decimal(str(lpaid)):
                    body.append(f"CAS*CO*45*{_amt(Decimal(str(lcharge)) - Decimal(str(lpaid)))}")
                body += [f"REF*6R*{c['claim_id']}-{i}", f"AMT*B6*{_amt(lpaid)}"]
        txs.append(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_interchange("835", txs, when, 950 + len(payments)), encoding="utf-8")


# --- the day-30 folder -------------------------------------------------------------------------------------
def _claim_rows(con, claim_id: str) -> tuple[dict, list[tuple]]:
    head = con.execute("""select claim_id, subscriber_member_id, patient_last, patient_first, patient_dob, payer_name,
                                 payer_id, rendering_npi from claims where claim_id = ?
                          order by submission_date desc, source_file desc limit 1""", [claim_id]).df().to_dict("records")[0]
    lines = con.execute("""select l.cpt, l.modifiers, l.units, l.charge, l.dos from claim_lines l
                           join claims c on c.source_file = l.source_file and c.segment_pos = l.claim_pos
                           where c.claim_id = ? and c.source_file = (select source_file from claims where claim_id = ?
                                 order by submission_date desc, source_file desc limit 1)
                           order by l.line_number""", [claim_id, claim_id]).fetchall()
    return head, lines


def build_day30(baseline_db: Path, folder: Path, only_new: bool) -> dict:
    """Write the day-30 folder (the sample plus the new files, or the new files only) and return what was planted:
    {'paid': {(rule_id, claim_id, dos, cpt): amount}, 'corrected': {...}, 'withdrawn': {...}, 'new_claims': [...]}."""
    if folder.exists():
        shutil.rmtree(folder)
    if only_new:
        folder.mkdir(parents=True)
        shutil.copy(SAMPLE / "practice.toml", folder / "practice.toml")
    else:
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("expected_findings.csv", "README.md"))
    con = duckdb.connect(str(baseline_db), read_only=True)
    try:
        cur = con.execute("""select rule_id, claim_id, dos, cpt, amount_usd, patient_key from findings
                             order by rule_id, claim_id, dos, cpt""")
        Finding = namedtuple("Finding", [c[0] for c in cur.description])
        f = [Finding(*row) for row in cur.fetchall()]
        line_counts = dict(con.execute("""select claim_id, count(*) from claim_lines group by 1""").fetchall())
        plants: dict = {"paid": {}, "corrected": set(), "withdrawn": set(), "new_claims": []}
        payments = []

        def key(r):
            return (r.rule_id, r.claim_id or "", r.dos.isoformat(), r.cpt or "")

        # three claim-level or one-line denials appealed and paid; two unpaid claims paid
        denials = [r for r in f if r.rule_id == "DENIAL_RECOVERABLE"]
        chosen = [r for r in denials if line_counts.get(r.claim_id) == 1 or r.cpt is None][:3]
        unpaid = [r for r in f if r.rule_id == "CLAIM_UNPAID"][:2]
        for r in chosen + unpaid:
            head, lines = _claim_rows(con, r.claim_id)
            paid_lines = [(cpt, mods, units, charge, (Decimal(str(charge)) * Decimal("0.40")).quantize(Decimal("0.01")), dos)
                          for cpt, mods, units, charge, dos in lines]
            payments.append({"claim_id": r.claim_id, "payer_name": head["payer_name"], "payer_id": head["payer_id"],
                             "lines": paid_lines})
            plants["paid"][key(r)] = sum(ln[4] for ln in paid_lines)
        # one more denial corrected (resubmitted, frequency 7), not yet paid
        rest = [r for r in denials if r.claim_id not in {c.claim_id for c in chosen}]
        corrected = rest[0]
        head, lines = _claim_rows(con, corrected.claim_id)
        claims = [{"claim_id": corrected.claim_id, "frequency": "7", "patient": head,
                   "lines": [(cpt, mods if "GO" in mods else (mods + ";GO").strip(";"), units, charge, dos)
                             for cpt, mods, units, charge, dos in lines]}]
        plants["corrected"].add(key(corrected))
        # an unbilled visit billed (new claim number) and paid
        unbilled = [r for r in f if r.rule_id == "VISIT_UNBILLED"][0]
        visit_lines = con.execute("""select cpt, coalesce(units, (minutes + 7) // 15, 1) from stg_visit_lines
                                     where patient_key = ? and dos = ? order by cpt""",
                                  [unbilled.patient_key, unbilled.dos]).fetchall()
        member = con.execute("""select claim_id from claims
                                where patient_key_of(subscriber_member_id, patient_last, patient_first, patient_dob) = ?
                                order by submission_date desc limit 1""", [unbilled.patient_key]).fetchone()
        head, _ = _claim_rows(con, member[0])
        ub_lines = [(cpt, "GO", float(u), Decimal("100.00"), unbilled.dos) for cpt, u in visit_lines]
        claims.append({"claim_id": "CRFU-0001", "patient": head, "lines": ub_lines})
        payments.append({"claim_id": "CRFU-0001", "payer_name": head["payer_name"], "payer_id": head["payer_id"],
                         "lines": [(cpt, mods, u, ch, Decimal("31.50"), dos) for cpt, mods, u, ch, dos in ub_lines]})
        plants["paid"][key(unbilled)] = Decimal("31.50") * len(ub_lines)
        # new services after day 0 for Medicare patients: one without GO (a new GO_MISSING)
        medicare = con.execute("""select distinct claim_id from stg_claims where payer_class = 'medicare'
                                  order by claim_id limit 2""").fetchall()
        for k, (cid,) in enumerate(medicare, start=2):
            head, _ = _claim_rows(con, cid)
            mods = "" if k == 2 else "GO"
            claims.append({"claim_id": f"CRFU-000{k}", "patient": head,
                           "lines": [("97110", mods, 1.0, Decimal("59.00"), NEW_DOS)]})
            plants["new_claims"].append(f"CRFU-000{k}")
        # a plan of care the practice had not sent, covering a day the baseline found with no plan
        poc = con.execute("""select f.patient_key, min(f.dos) as first_dos, any_value(v.patient_id) as mrn
                             from findings f join stg_visit_lines v on v.patient_key = f.patient_key
                             where f.rule_id = 'POC_MISSING' group by all order by 1 limit 1""").fetchone()
        plan_start = poc[1]
        days = con.execute("""select rule_id, claim_id, dos from findings where rule_id = 'POC_MISSING'
                              and patient_key = ? order by dos""", [poc[0]]).fetchall()
        plants["withdrawn"] = {("POC_MISSING", c or "", d.isoformat(), "") for _, c, d in days}
    finally:
        con.close()
    write_835(folder / "835" / "followup" / f"ERA_followup_{_ymd(PAY_DATE)}.835", payments, PAY_DATE)
    write_837(folder / "837" / "followup" / "CR_followup_corrected.837", claims[:1], RESUBMITTED)
    write_837(folder / "837" / "followup" / "CR_followup_new.837", claims[1:], NEW_CLAIMS)
    with (folder / "plans_of_care_addendum.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["MRN", "Plan Start", "Plan End", "Signed Date", "Type", "Physician NPI", "Payer"])
        w.writerow([poc[2], plan_start.strftime("%m/%d/%Y"), (plan_start + dt.timedelta(days=89)).strftime("%m/%d/%Y"),
                    plan_start.strftime("%m/%d/%Y"), "Initial", "1456092380", "Medicare Part B (NGS J-K)"])
    return plants


# --- the tests ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def day0(sample_day0_audit):
    """`rcm-audit audit sample_data`: the baseline (shared with test_followup_sample, conftest.py)."""
    return sample_day0_audit


@pytest.fixture(scope="module", params=[False, True], ids=["all-files", "only-new-files"])
def day30(request, day0, tmp_path_factory):
    """`rcm-audit audit DAY30 -o OUT30 --baseline OUT0`, DAY30 holding every file or only the new ones."""
    folder = tmp_path_factory.mktemp("day30-input") / "input"
    plants = build_day30(day0 / "audit.duckdb", folder, only_new=request.param)
    out = tmp_path_factory.mktemp("day30")
    result = CliRunner().invoke(app, ["audit", str(folder), "-o", str(out), "--baseline", str(day0)])
    assert result.exit_code == 0, result.output
    rows = read_follow_up_csv(out / "follow-up.csv")
    text = " ".join(p.extract_text() for p in PdfReader(out / "follow-up-report.pdf").pages)
    return {"only_new": request.param, "out": out, "plants": plants, "rows": rows, "output": result.output,
            "by_key": {(r["rule_id"], r["claim_id"], r["dos"], r["cpt"]): r for r in rows}, "text": text,
            "pages": len(PdfReader(out / "follow-up-report.pdf").pages)}


def test_every_baseline_finding_has_one_row_with_a_status(day0, day30):
    with (day0 / "findings.csv").open(newline="") as fh:
        baseline = list(csv.DictReader(fh))
    assert len(day30["rows"]) == len(baseline) == 726
    assert {r["status"] for r in day30["rows"]} <= set(STATUSES)
    with (day30["out"] / "follow-up.csv").open(newline="") as fh:
        assert next(csv.reader(fh)) == FOLLOW_UP_COLUMNS
    # patient_ref is the day-0 pseudonym of the same finding
    refs = {(r["rule_id"], r["claim_id"], r["dos"], r["cpt"], r["patient_ref"]) for r in baseline}
    assert {(r["rule_id"], r["claim_id"], r["dos"], r["cpt"], r["patient_ref"]) for r in day30["rows"]} <= refs


def test_paid_items_are_recovered_to_the_cent(day30):
    assert len(day30["plants"]["paid"]) == 6
    for key, amount in day30["plants"]["paid"].items():
        row = day30["by_key"][key]
        assert (row["status"], Decimal(row["amount_recovered_usd"])) == ("recovered", amount), row
        assert "ERA_followup_20261211.835 of 2026-12-11" in row["evidence"]
    total = sum(day30["plants"]["paid"].values())
    assert sum(Decimal(r["amount_recovered_usd"]) for r in day30["rows"]) == total


def test_the_resubmitted_denial_is_corrected(day30):
    (key,) = day30["plants"]["corrected"]
    row = day30["by_key"][key]
    assert row["status"] == "corrected" and "resubmitted 2026-12-01" in row["evidence"]
    assert sum(r["status"] == "corrected" for r in day30["rows"]) == 1


def test_the_plan_of_care_now_on_file_withdraws_the_finding_only_when_its_visit_is_in_the_files(day30):
    rows = [day30["by_key"][k] for k in day30["plants"]["withdrawn"]]
    assert rows
    if day30["only_new"]:
        assert {r["status"] for r in rows} == {"open"}
        assert not any(r["status"] == "withdrawn" for r in day30["rows"])
    else:
        assert {r["status"] for r in rows} == {"withdrawn"}
        assert all("a plan of care starting" in r["evidence"] for r in rows)
        assert sum(r["status"] == "withdrawn" for r in day30["rows"]) == len(rows)


def test_untouched_findings_are_open_or_lost_by_their_deadlines(day30):
    day30_as_of = PAY_DATE
    untouched = [r for r in day30["rows"] if r["status"] in ("open", "lost") and r["days_left"] != ""]
    assert len(untouched) > 200
    for r in untouched:
        assert (int(r["days_left"]) >= 0) == (r["status"] == "open"), r
    # a denial whose reopening window ends between day 0 and day 30 is lost since day 0
    lost = [r for r in untouched if r["status"] == "lost" and r["rule_id"] == "DENIAL_RECOVERABLE"]
    assert lost and all(dt.date.fromisoformat(r["evidence"].split()[1]) < day30_as_of for r in lost)


def test_report_figures_equal_the_sums_of_follow_up_csv(day30):
    fig = figures(day30["rows"], PAY_DATE)
    assert fig["recovered_usd"] == sum(day30["plants"]["paid"].values())
    assert fig["recoverable_usd"] > 0 and fig["lost_since_usd"] > 0
    for value in (fig["recovered_usd"], fig["recoverable_usd"], fig["lost_since_usd"]):
        assert money(value) in day30["text"]
    assert f"{fig['recoverable_usd']:,.2f}" in day30["output"]          # the command's summary line
    assert 2 <= day30["pages"] <= 5


def test_the_new_claims_after_day_0_are_new_findings(day30):
    con = duckdb.connect(str(day30["out"] / "audit.duckdb"), read_only=True)
    try:
        status = dict(con.execute("""select claim_id, follow_up_status from findings
                                     where rule_id = 'GO_MISSING' and claim_id like 'CRFU-%'""").fetchall())
        kinds = {r[0] for r in con.execute("select distinct follow_up_status from findings").fetchall()}
    finally:
        con.close()
    assert status == {"CRFU-0002": "new"}
    assert kinds <= {"baseline", "new", "newly_visible"}


def test_no_phi_in_the_follow_up_outputs(day0, day30):
    con = duckdb.connect(str(day0 / "audit.duckdb"), read_only=True)
    try:
        names = {n for row in con.execute("select distinct patient_last, subscriber_member_id from claims").fetchall()
                 for n in row if n and len(n) > 4}
    finally:
        con.close()
    csv_text = (day30["out"] / "follow-up.csv").read_text()
    pdf_text = day30["text"].upper()
    leaked = {n for n in names if n in csv_text or n.upper() in pdf_text}
    assert not leaked


def test_a_wrong_baseline_is_refused_before_any_output(tmp_path):
    (tmp_path / "notes.txt").write_text("not a database")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["audit", str(SAMPLE), "-o", str(out), "--baseline", str(tmp_path / "notes.txt")])
    assert result.exit_code == 2
    assert "not an rcm-audit database" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()

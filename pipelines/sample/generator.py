"""`rcm-audit sample`: write the synthetic practice and its ground truth.

Streaming: patients are built one at a time; their claims and remittances are spilled to per-month
pickle files and the monthly 837 batches / per-run 835 files are written month by month, so memory stays
flat (one month of one payer's claims at most) even for a large group."""
from __future__ import annotations

import csv
import io
import pickle
import shutil
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from .build import Ctx, build_patient, exemplar_positions, line_charge
from .practice import (PAYER_SPECS, PRACTICE_ADDR, PRACTICE_NAME, PRACTICE_NPI,
                       PRACTICE_TIN, SPEC, payers)
from .pricing import D0
from .truth import patient_findings
from .x12 import STYLES, SegmentWriter, isa, money

VISIT_COLUMNS = ["MRN", "Date of Service", "CPT Code", "Units", "Treatment Minutes", "Mod 1", "Mod 2", "Mod 3",
                 "Primary Insurance", "Member ID", "Rendering NPI", "Role", "OTA Minutes", "Note Type", "Claim #"]
PLAN_COLUMNS = ["MRN", "Plan Start", "Plan End", "Signed Date", "Type", "Physician NPI", "Payer"]
AUTH_COLUMNS = ["MRN", "Auth #", "Start Date", "End Date", "Payer", "Visits Authorized"]
FINDING_COLUMNS = ["rule_id", "claim_id", "dos", "cpt", "amount_usd"]
EXT_837 = {"A": "837", "B": "txt", "C": "edi"}
EXT_835 = {"A": "835", "B": "txt", "C": "era"}
CLEARINGHOUSE = {"A": "AVAILITY", "B": "OFFICEALLY", "C": "MAHEALTHNET"}
FIXED_STAMP = datetime(2026, 11, 13, 12, 0, 0)     # xlsx properties and zip entries: byte-identical output
PLAN_RULES = {"POC_MISSING", "POC_CERT_LATE", "POC_RECERT_LATE", "MASSHEALTH_RX_LAPSED"}
AUTH_RULES = {"MASSHEALTH_PA_MISSING", "AUTH_EXCEEDED"}


@lru_cache(maxsize=4096)
def mdy(d: date | None) -> str:
    return d.strftime("%m/%d/%Y") if d else ""


@lru_cache(maxsize=4096)
def ymd(d: date) -> str:
    return d.strftime("%Y%m%d")


def generate(out_dir: Path, patients: int = 150, months: int = 12, seed: int = 2025) -> dict:
    """Write the sample practice into out_dir; return a summary (files, claims, lines, visits, planted
    findings by rule, seconds spent in the ground-truth oracle)."""
    if patients < 1:
        raise ValueError("--patients must be >= 1")
    pay = payers()
    ctx = Ctx(seed, months, pay)          # validates months
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("837", "835"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    positions = exemplar_positions(patients)
    tmp = Path(tempfile.mkdtemp(prefix="rcm-sample-"))
    summary = {"claims": 0, "lines": 0, "visits": 0, "visit_rows": 0, "patients": patients,
               "as_of": ctx.as_of.isoformat(), "period": [ctx.start.isoformat(), ctx.end.isoformat()],
               "files": {}, "findings_by_rule": {}, "exemplars": [], "near_misses": [], "near_miss_claim_ids": [],
               "rates": {}, "oracle_seconds": 0.0, "_max_sub": ctx.start, "_max_dos": ctx.start}
    counts = Counter()
    findings: list[tuple] = []
    plans_rows, auth_rows = [], []
    claim_spill: dict[str, object] = {}
    remit_spill: dict[str, object] = {}
    try:
        with open(out / "visits.csv", "w", newline="", encoding="utf-8") as vf:
            vw = csv.writer(vf, lineterminator="\r\n")
            vw.writerow(VISIT_COLUMNS)
            for idx in range(patients):
                ex = positions.get(idx)
                p = build_patient(ctx, idx, ex)
                if ex:
                    summary["exemplars"].append(ex[0])
                payer = pay[p.payer]
                t = time.perf_counter()
                findings.extend(patient_findings(p, payer, ctx))
                summary["oracle_seconds"] += time.perf_counter() - t
                _count(p, payer, counts)
                for v in p.visits:
                    if "near_miss" in v.flags:
                        summary["near_misses"].append(f"{v.flags['near_miss']} ({v.claim_id}, {v.dos})")
                        if p.rate_free and v.billed:
                            summary["near_miss_claim_ids"].append(v.claim_id)
                _write_patient_rows(vw, p, payer, summary)
                for pl in p.plans:
                    plans_rows.append([p.mrn, mdy(pl.start), mdy(pl.end), mdy(pl.signed), pl.kind,
                                       p.md[2], payer.name])
                for a in p.auths:
                    auth_rows.append([p.mrn, a.number, a.start, a.end, payer.name, a.visits])
                _spill(p, payer, claim_spill, remit_spill, tmp, summary)
        for fh in list(claim_spill.values()) + list(remit_spill.values()):
            fh.close()
        counters = {"isa": 0}
        for month in sorted(claim_spill):
            _write_837_month(out, tmp / f"claims-{month}.pkl", month, counters, summary, pay)
        for month in sorted(remit_spill):
            _write_835_month(out, tmp / f"remits-{month}.pkl", month, counters, summary, pay, ctx)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    with open(out / "plans_of_care.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(PLAN_COLUMNS)
        w.writerows(plans_rows)
    _write_auths(out / "authorizations.xlsx", auth_rows)
    # rules that run only when their export has rows (an audit of a tiny practice may have none)
    if not plans_rows:
        findings = [f for f in findings if f[0] not in PLAN_RULES]
    if not auth_rows:
        findings = [f for f in findings if f[0] not in AUTH_RULES]
    findings.sort(key=lambda f: (f[0], f[1], f[2], f[3]))
    with open(out / "expected_findings.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(FINDING_COLUMNS)
        for f in findings:
            w.writerow([f[0], f[1], f[2], f[3], f"{f[4]:.2f}"])
    by_rule = Counter(f[0] for f in findings)
    summary["findings_by_rule"] = dict(sorted(by_rule.items()))
    summary["findings"] = len(findings)
    summary["expected_usd"] = str(sum((f[4] for f in findings), D0))
    summary["rates"] = _observed_rates(counts)
    dates = [date.fromisoformat(f["payment_date"]) for f in summary["files"].values() if f["kind"] == "835"]
    summary["as_of_in_data"] = max(dates + [summary["_max_sub"], summary["_max_dos"]]).isoformat()
    (out / "practice.toml").write_text(_practice_toml(ctx, pay), encoding="utf-8")
    (out / "README.md").write_text(_readme(ctx, summary, findings, patients, months, seed), encoding="utf-8")
    summary["files_written"] = len(summary["files"]) + 6
    summary.pop("_max_sub")
    summary.pop("_max_dos")
    summary["oracle_seconds"] = round(summary["oracle_seconds"], 2)
    return summary


def _count(p, payer, c: Counter) -> None:
    """What the practice did, to report its observed rates (README)."""
    c["patients"] += 1
    for v in p.visits:
        c["visits"] += 1
        if not v.billed:
            c["unbilled_visits"] += 1
            continue
        c["claims"] += 1
        c["lines"] += len(v.billed_lines())
        if v.remit_mode in ("paid", "reversal"):
            c["remitted_claims"] += 1
            if "DENIAL" in v.plants:
                c["denied_claims"] += 1
            if "UNDERPAY" in v.plants:
                c["underpaid_claims"] += 1
        if "UNPAID" in v.plants:
            c["unpaid_claims"] += 1
        kinds = v.plants - {"DENIAL", "UNDERPAY", "UNPAID", "UNBILLED", "NEAR_MISS", "KXMISS"}
        if {"UNDER", "OVER", "MISALLOC", "UNTIMED", "MINMISS"} & kinds:
            c["unit_error_visits"] += 1
        if "UNDER" in kinds:
            c["underbilled_visits"] += 1
        if {"GOMISS", "DISC", "COMISS", "COUNN", "NCCI"} & kinds or "KXMISS" in v.plants:
            c["modifier_error_visits"] += 1
        if {"UNDER", "OVER", "MISALLOC", "UNTIMED", "MINMISS", "GOMISS", "DISC", "COMISS", "COUNN", "NCCI", "CE",
                "MUE"} & kinds or "KXMISS" in v.plants:
            c["coding_error_visits"] += 1
        if v.plants - {"NEAR_MISS"}:
            c["claims_with_problem"] += 1


def _observed_rates(c: Counter) -> dict:
    def pct(a, b):
        return round(100.0 * c[a] / c[b], 1) if c[b] else 0.0
    return {"claims": c["claims"], "visits": c["visits"],
            "denial_rate_pct": pct("denied_claims", "remitted_claims"),
            "clean_claim_rate_pct": round(100.0 - pct("denied_claims", "remitted_claims"), 1),
            "underbilled_visits_pct": pct("underbilled_visits", "claims"),
            "unit_error_visits_pct": pct("unit_error_visits", "claims"),
            "modifier_error_visits_pct": pct("modifier_error_visits", "claims"),
            "coding_error_visits_pct": pct("coding_error_visits", "claims"),
            "underpaid_claims_pct": pct("underpaid_claims", "remitted_claims"),
            "unbilled_visits_pct": pct("unbilled_visits", "visits"),
            "unpaid_claims_pct": pct("unpaid_claims", "claims"),
            "claims_with_a_problem_pct": pct("claims_with_problem", "claims")}


# ---------------------------------------------------------------------------------------------- exports
def _write_patient_rows(vw, p, payer, summary) -> None:
    for v in p.visits:
        summary["visits"] += 1
        summary["_max_dos"] = max(summary["_max_dos"], v.dos)
        if v.billed:
            summary["_max_sub"] = max(summary["_max_sub"], v.sub)
        for ln in v.lines:
            if not ln.doc:
                continue
            mods = (ln.mods + ["", "", ""])[:3]
            vw.writerow([p.mrn, mdy(v.dos), ln.cpt, ln.doc_units,
                         "" if ln.minutes is None else ln.minutes, mods[0], mods[1], mods[2], payer.name,
                         p.member, ln.npi, ln.role, ln.ota if ln.role == "OT" else ln.minutes, v.note,
                         v.claim_id if v.billed else ""])
            summary["visit_rows"] += 1


def _write_auths(path: Path, rows) -> None:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "Auths"
    ws.append(AUTH_COLUMNS)
    for r in rows:
        ws.append(r)
        for c in (3, 4):
            ws.cell(row=ws.max_row, column=c).number_format = "mm/dd/yyyy"
    notes = wb.create_sheet("Notes")
    notes.append(["Charles River Occupational Therapy - authorization log export"])
    notes.append(["Visits Authorized = visits approved by the payer for the date range."])
    notes.append(["MassHealth prior authorizations (PA) are requested after the 20th visit in 12 months."])
    wb.properties.creator = "Charles River OT EMR"
    wb.properties.created = FIXED_STAMP
    wb.properties.modified = FIXED_STAMP
    buf = io.BytesIO()
    wb.save(buf)
    _normalize_zip(buf.getvalue(), path)


def _normalize_zip(data: bytes, path: Path) -> None:
    """Rewrite an xlsx with fixed entry timestamps and core properties: byte-identical output."""
    import re
    src = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: src.namelist().index(i.filename)):
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", FIXED_STAMP.strftime("\\g<1>%Y-%m-%dT%H:%M:%SZ").encode(), content)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)


# ---------------------------------------------------------------------------------------------- spill
def _spill(p, payer, claim_spill, remit_spill, tmp: Path, summary) -> None:
    pat = (p.last, p.first, p.dob, p.sex, p.member, p.addr, p.group)
    auth = p.auths[0].number if (p.auths and payer.requires_auth and payer.payer_class != "masshealth") else ""
    for v in p.visits:
        if not v.billed:
            continue
        lines = [(ln.cpt, tuple(ln.mods), line_charge(ln), ln.units, f"{v.claim_id}-{ln.line_no}")
                 for ln in v.billed_lines()]
        rec = (p.payer, v.sub, v.claim_id, pat, p.md, p.ot, p.dx, auth, v.dos, lines)
        _dump(claim_spill, tmp, "claims", v.sub.strftime("%Y-%m"), rec)
        summary["claims"] += 1
        summary["lines"] += len(lines)
        if v.remit_mode in ("unpaid", "pending"):
            continue
        rlines = []
        claim_adj = None
        if v.claim_denial:                    # claim-level denial: CLP status 4, CAS at claim level, no SVC
            claim_adj = (v.claim_denial[0], v.claim_denial[1], sum((line_charge(ln) for ln in v.billed_lines()), D0))
        else:
            for ln in v.billed_lines():
                r = ln.remit
                rlines.append((ln.cpt, tuple(ln.mods), r["charge"], r["paid"], ln.units, tuple(r["cas"]),
                               r["allowed"], f"{v.claim_id}-{ln.line_no}", r["deny"][2] if r["deny"] else None))
        base = (p.payer, v.claim_id, v.payer_claim_id, (p.last, p.first, p.member), p.ot, v.dos)
        if v.remit_mode == "reversal":
            wrong = []
            for i, rl in enumerate(rlines):
                if i == 0:
                    delta = Decimal("5.00")
                    cas = tuple((g, c, a + delta) if (g, c) == ("CO", "45") else (g, c, a) for g, c, a in rl[5])
                    rl = (rl[0], rl[1], rl[2], rl[3] - delta, rl[4], cas, rl[6] - delta, rl[7], rl[8])
                wrong.append(rl)
            _dump(remit_spill, tmp, "remits", v.pay.strftime("%Y-%m"), base + (v.pay, "orig", wrong, None, None))
            later = _later_run(v.pay, payer, p.payer)
            _dump(remit_spill, tmp, "remits", later.strftime("%Y-%m"), base + (later, "reverse", wrong, None, None))
            _dump(remit_spill, tmp, "remits", later.strftime("%Y-%m"), base + (later, "correct", rlines, None, None))
        else:
            _dump(remit_spill, tmp, "remits", v.pay.strftime("%Y-%m"),
                  base + (v.pay, "orig", rlines, v.flags.get("plb"), claim_adj))


def _later_run(d: date, payer, key: str) -> date:
    from datetime import timedelta
    return d + timedelta(days=7 if SPEC[key][6] else 14)


class _Spill:
    """One month's records on disk, pickled in batches (memory stays at one batch per month)."""
    __slots__ = ("fh", "buf")

    def __init__(self, path: Path):
        self.fh = open(path, "wb")
        self.buf: list = []

    def add(self, rec) -> None:
        self.buf.append(rec)
        if len(self.buf) >= 512:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            pickle.dump(self.buf, self.fh, protocol=pickle.HIGHEST_PROTOCOL)
            self.buf = []

    def close(self) -> None:
        self.flush()
        self.fh.close()


def _dump(spill: dict, tmp: Path, kind: str, month: str, rec) -> None:
    sp = spill.get(month)
    if sp is None:
        sp = spill[month] = _Spill(tmp / f"{kind}-{month}.pkl")
    sp.add(rec)


def _load(path: Path):
    with open(path, "rb") as fh:
        while True:
            try:
                yield from pickle.load(fh)
            except EOFError:
                return


def _file_summary(summary, rel: str, kind: str, claims: int, lines: int, segments: int, extra=None) -> None:
    d = {"kind": kind, "claims": claims, "lines": lines, "segments": segments}
    if extra:
        d.update(extra)
    summary["files"][rel] = d


# ---------------------------------------------------------------------------------------------- 837P
def _write_837_month(out: Path, path: Path, month: str, counters, summary, pay) -> None:
    by_payer = defaultdict(list)
    for rec in _load(path):
        by_payer[rec[0]].append(rec)
    for key in sorted(by_payer):
        recs = sorted(by_payer[key], key=lambda r: (r[1], r[2]))
        counters["isa"] += 1
        ctl = counters["isa"]
        rel = f"837/{key}/CR_{key}_{month.replace('-', '')}.{EXT_837[SPEC[key][4]]}"
        n_claims, n_lines, n_segs = write_837_file(out / rel, key, recs, ctl, pay)
        _file_summary(summary, rel, "837P", n_claims, n_lines, n_segs + 4)


def write_837_file(fpath: Path, key: str, recs: list, ctl: int, pay) -> tuple[int, int, int]:
    """One 837P interchange of one payer: one ST per submission date. A record is (payer, submission date,
    claim_id, patient, physician, rendering, dx, auth, dos, lines[, frequency, REF*F8]); a line is (cpt, mods,
    charge, units, line control number). Returns (claims, lines, segments between GS and GE)."""
    spec = SPEC[key]
    style = STYLES[spec[4]]
    payer = pay[key]
    first_sub = recs[0][1]
    fpath.parent.mkdir(parents=True, exist_ok=True)
    n_claims = n_lines = n_segs = 0
    by_date = defaultdict(list)
    for r in recs:
        by_date[r[1]].append(r)
    with open(fpath, "w", encoding="ascii", newline="") as fh:
        fh.write(isa(style, "CRIVEROT", CLEARINGHOUSE[spec[4]], first_sub.strftime("%y%m%d"), "0715", ctl))
        gs = SegmentWriter(style)
        gs.add("GS", "HC", "CRIVEROT", CLEARINGHOUSE[spec[4]], ymd(first_sub), "0715", ctl, "X",
               "005010X222A1")
        fh.write(gs.render())
        for st_no, sub in enumerate(sorted(by_date), start=1):
            w = SegmentWriter(style)
            stc = f"{st_no:04d}"
            w.add("ST", "837", stc, "005010X222A1")
            w.add("BHT", "0019", "00", f"B{ctl}{st_no:03d}", ymd(sub), "0715", "CH")
            w.add("NM1", "41", "2", PRACTICE_NAME.upper(), "", "", "", "", "46", "CRIVEROT")
            w.add("PER", "IC", "BILLING OFFICE", "TE", "6175550142")
            w.add("NM1", "40", "2", payer.name.upper(), "", "", "", "", "46", payer.payer_id)
            w.add("HL", "1", "", "20", "1")
            w.add("PRV", "BI", "PXC", "225X00000X")
            w.add("NM1", "85", "2", PRACTICE_NAME.upper(), "", "", "", "", "XX", PRACTICE_NPI)
            w.add("N3", PRACTICE_ADDR[0].upper())
            w.add("N4", PRACTICE_ADDR[1], PRACTICE_ADDR[2], PRACTICE_ADDR[3])
            w.add("REF", "EI", PRACTICE_TIN)
            hl = 1
            for rec in by_date[sub]:
                (_, _, claim_id, pat, md, ot, dx, auth, dos, lines) = rec[:10]
                freq, f8 = rec[10:12] if len(rec) > 10 else ("1", "")
                last, first, dob, sex, member, addr, group = pat
                hl += 1
                w.add("HL", hl, "1", "22", "0")
                w.add("SBR", "P", "18", group, "", "", "", "", "", spec[3])
                w.add("NM1", "IL", "1", last, first, "", "", "", "MI", member)
                w.add("N3", addr[0].upper())
                w.add("N4", addr[1], "MA", addr[2])
                w.add("DMG", "D8", ymd(dob), sex)
                w.add("NM1", "PR", "2", payer.name.upper(), "", "", "", "", "PI", payer.payer_id)
                total = sum((ln[2] for ln in lines), D0)
                w.add("CLM", claim_id, money(total), "", "", ["11", "B", freq], "Y", "A", "Y", "Y")
                if auth:
                    w.add("REF", "G1", auth)
                if f8:
                    w.add("REF", "F8", f8)
                w.add("HI", ["ABK", dx[0]], ["ABF", dx[1]])
                w.add("NM1", "DN", "1", md[0], md[1], "", "", "", "XX", md[2])
                w.add("NM1", "82", "1", ot[0], ot[1], "", "", "", "XX", ot[2])
                w.add("PRV", "PE", "PXC", "225X00000X")
                for n, (cpt, mods, charge, units, lcn) in enumerate(lines, start=1):
                    w.add("LX", n)
                    w.add("SV1", ["HC", cpt, *mods], money(charge), "UN", units, "", "", "1")
                    w.add("DTP", "472", "D8", ymd(dos))
                    w.add("REF", "6R", lcn)
                    n_lines += 1
                n_claims += 1
            w.add("SE", len(w) + 1, stc)
            n_segs += len(w)
            fh.write(w.render())
        tail = SegmentWriter(style)
        tail.add("GE", len(by_date), ctl)
        tail.add("IEA", "1", f"{ctl:09d}")
        fh.write(tail.render())
    return n_claims, n_lines, n_segs


# ---------------------------------------------------------------------------------------------- 835
def _write_835_month(out: Path, path: Path, month: str, counters, summary, pay, ctx) -> None:
    groups = defaultdict(list)
    order = {"orig": 0, "reverse": 1, "correct": 2}
    for rec in _load(path):
        groups[(rec[0], rec[6])].append(rec)
    for key, pdate in sorted(groups):
        recs = sorted(groups[(key, pdate)], key=lambda r: (r[1], order[r[7]]))
        counters["isa"] += 1
        ctl = counters["isa"]
        rel = f"835/{key}/ERA_{key}_{pdate:%Y%m%d}.{EXT_835[SPEC[key][5]]}"
        _file_summary(summary, rel, "835", *write_835_file(out / rel, key, pdate, recs, ctl, pay))


def write_835_file(fpath: Path, key: str, pdate: date, recs: list, ctl: int, pay) -> tuple:
    """One 835 of one payer's payment run. A record is (payer, claim_id, payer claim id, patient, rendering, dos,
    payment date, orig | reverse | correct, lines, PLB interest, claim-level adjustment); a line is (cpt, mods,
    charge, paid, units, CAS triples, allowed, line control number, RARC). Returns (claims, service lines,
    segments, extra file facts)."""
    spec = SPEC[key]
    style = STYLES[spec[5]]
    payer = pay[key]
    fpath.parent.mkdir(parents=True, exist_ok=True)
    w = SegmentWriter(style)
    body = SegmentWriter(style)
    total = D0
    n_clp = n_svc = 0
    plbs = []
    statuses = Counter()
    for (_, claim_id, pcn, pat, ot, dos, _pd, kind, lines, plb, claim_adj) in recs:
        sign = Decimal(-1) if kind == "reverse" else Decimal(1)
        charge = (claim_adj[2] if claim_adj else sum((ln[2] for ln in lines), D0)) * sign
        paid = sum((ln[3] for ln in lines), D0) * sign
        ptresp = sum((a for ln in lines for g, _, a in ln[5] if g == "PR"), D0) * sign
        if kind == "reverse":
            status = "22"
        elif claim_adj or all(ln[6] is None for ln in lines):
            status = "4"
        else:
            status = "1"
        statuses[status] += 1
        total += paid
        body.add("CLP", claim_id, status, money(charge), money(paid), money(ptresp), spec[3],
                 pcn + ("C" if kind == "correct" else ""), "11", "1")
        if claim_adj:
            body.add("CAS", claim_adj[0], claim_adj[1], money(claim_adj[2]))
        body.add("NM1", "QC", "1", pat[0], pat[1], "", "", "", "MI", pat[2])
        body.add("NM1", "82", "1", ot[0], ot[1], "", "", "", "XX", ot[2])
        body.add("DTM", "232", ymd(dos))
        body.add("DTM", "233", ymd(dos))
        n_clp += 1
        for (cpt, mods, lcharge, lpaid, units, cas, allowed, lcn, rarc) in lines:
            body.add("SVC", ["HC", cpt, *mods], money(lcharge * sign), money(lpaid * sign), "", units)
            body.add("DTM", "472", ymd(dos))
            for grp in ("CO", "PR", "OA"):
                trip = []
                for g, c, a in cas:
                    if g == grp and a != 0:
                        trip += [c, money(a * sign), ""]
                if trip:
                    body.add("CAS", grp, *trip[:-1])
            body.add("REF", "6R", lcn)
            if allowed is not None:
                body.add("AMT", "B6", money(allowed * sign))
            if rarc:
                body.add("LQ", "HE", rarc)
            n_svc += 1
        if plb:
            plbs.append((claim_id, plb))
    plb_total = sum((-a for _, a in plbs), D0)   # L6 interest: negative PLB = paid to the provider
    amount = total - plb_total
    w.add("ST", "835", "0001")
    if amount > 0:
        w.add("BPR", "I", money(amount), "C", "ACH", "CCP", "01", "011000138", "DA", "7700123456",
              "1" + payer.payer_id[:9].rjust(9, "0"), "", "01", "211070175", "DA", "3300456789",
              ymd(pdate))
    else:
        w.add("BPR", "H", money(amount), "C", "NON", "", "", "", "", "", "", "", "", "", "", "",
              ymd(pdate))
    w.add("TRN", "1", f"{payer.payer_id[:5]}{pdate:%y%m%d}{ctl:04d}", "1" + payer.payer_id[:9].rjust(9, "0"))
    w.add("DTM", "405", ymd(pdate))
    w.add("N1", "PR", payer.name.upper(), "XV", payer.payer_id)
    w.add("N3", "PO BOX 9100")
    w.add("N4", "HINGHAM", "MA", "020430910")
    w.add("PER", "BL", "PROVIDER SERVICES", "TE", "8665550100")
    w.add("N1", "PE", PRACTICE_NAME.upper(), "XX", PRACTICE_NPI)
    w.add("REF", "TJ", PRACTICE_TIN)
    w.add("LX", "1")
    w.segs.extend(body.segs)
    for claim_id, a in plbs:
        w.add("PLB", PRACTICE_NPI, f"{pdate.year}1231", ["L6", claim_id], money(-a))
    w.add("SE", len(w) + 1, "0001")
    with open(fpath, "w", encoding="ascii", newline="") as fh:
        fh.write(isa(style, CLEARINGHOUSE[spec[5]], "CRIVEROT", pdate.strftime("%y%m%d"), "0600", ctl))
        head = SegmentWriter(style)
        head.add("GS", "HP", payer.payer_id, "CRIVEROT", ymd(pdate), "0600", ctl, "X",
                 "005010X221A1")
        fh.write(head.render())
        fh.write(w.render())
        tail = SegmentWriter(style)
        tail.add("GE", "1", ctl)
        tail.add("IEA", "1", f"{ctl:09d}")
        fh.write(tail.render())
    return (n_clp, n_svc, len(w) + 4,
            {"plb": len(plbs), "reversals": statuses.get("22", 0), "payment_date": pdate.isoformat(),
             "bpr_amount": money(amount)})


# ---------------------------------------------------------------------------------------------- config
def _practice_toml(ctx: Ctx, pay) -> str:
    lines = [
        "# Charles River Occupational Therapy - configuration for rcm-audit (CONTRACT §4)",
        "# Newton, MA 02458 is in Middlesex County: Medicare locality 01 (Metropolitan Boston).",
        "[practice]",
        f'name = "{PRACTICE_NAME}"',
        f'npi = "{PRACTICE_NPI}"',
        'locality = "01"',
        f'audit_start = "{ctx.start.isoformat()}"',
        f'audit_end = "{ctx.end.isoformat()}"',
        "",
    ]
    for key, *_ in PAYER_SPECS:
        p = pay[key]
        lines.append(f'[payers."{p.name}"]')
        lines.append(f'payer_id = "{p.payer_id}"')
        lines.append(f'payer_class = "{p.payer_class}"')
        if p.unit_method:
            lines.append(f'unit_method = "{p.unit_method}"')
        if p.follows_medicare:
            lines.append("follows_medicare_rules = true")
        lines.append(f"timely_filing_days = {p.timely_filing_days}")
        lines.append(f"requires_auth = {'true' if p.requires_auth else 'false'}")
        lines.append(f"fee_pct_of_medicare = {p.fee_pct}")
        lines.append("")
    return "\n".join(lines)


def _readme(ctx: Ctx, summary, findings, patients, months, seed) -> str:
    from .readme import render
    return render(ctx, summary, findings, patients, months, seed)

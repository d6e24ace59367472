"""The audit report: rows of sql/report/ (data.py) -> Jinja2 templates (report_templates/) -> WeasyPrint.

The report reads a staged, checked and prioritized database and writes nothing to it. It speaks to the
practice: primary sources only, no rule ids, no internal references (those are in findings.csv, the
worklist and assumptions.csv).

Template context (a stable interface for report_templates/):
  p          params.sql + auditor_name / auditor_firm (default ASP-RCM Solutions) / auditor_email /
             auditor_phone, inputs (what was received, in words)
  h          headline.sql                      sanity   sanity.sql rows that were found
  kpis       kpis.sql rows (with the benchmark and inside)
  gaps       coverage_gaps.sql rows            checks   checks.sql rows (coverage per rule)
  recs       recommendations.sql rows, each with play (playbook.Play), examples (<= CAPS['examples'])
             and cols (which example columns have values); full_recs / more_recs / n_more_recs / top3
  plan       plan.sql rows grouped by week: [{week, week_start, week_end, items}]
  kx         kx_year.sql + patients (kx_patients.sql)      charts  data URIs (or None)
  scorecard  payer_scorecard.sql                therapists  therapists.sql
  received   files_by_kind, files_by_folder, files_not_loaded, ingest_issues, match_rates, n_files
  assumptions  assumptions_client.sql           kinds  kinds.sql     ranking_method, kpi_defs, caps
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from ..errors import InputError
from ..prioritize import RANKING_METHOD
from ..resources import templates_dir
from . import charts, data
from .playbook import play

log = logging.getLogger(__name__)

DEFAULT_FIRM = "ASP-RCM Solutions"

KPI_DEFINITIONS = [
    ("Clean-claim rate", "Claims the payer answered that were submitted once (no corrected claim) and denied "
     "nowhere (no line, not the whole claim), out of all claims the payer answered."),
    ("Denial rate (lines)", "Service lines the payer denied, out of the service lines of the claims it answered. "
     "A denial is a zero or reduced payment for a reason other than the contract rate, the multiple-procedure "
     "reduction, sequestration or the patient's share; a payment applied to the deductible is not a denial."),
    ("Denial rate (dollars)", "Dollars the payers denied, out of the charges of the claims they answered."),
    ("Days service → claim", "Days from the first date of service to the day the claim was first sent to its "
     "payer, on average. Claims dated as sent before their date of service are left out."),
    ("Days claim → payment", "Days from the day a claim was first sent to the first remittance that paid it, "
     "on average over the claims paid."),
    ("Net collection rate", "What the payers paid plus what the patients owe, out of what the payers allowed "
     "(for denied lines, what they should have allowed). Patient balances count as collected because "
     "remittances do not show the patients' payments."),
]
KPI_NA = {
    "no_claims": "no claims received",
    "no_remits": "no remittances (835) received",
    "unmatched": "most remittances match no claim received",
    "submitted_before_service": "too many claims dated before their service",
    "paid_before_submitted": "too many payments dated before their claim",
    "no_data": "nothing to measure",
}
INPUT_WORDS = [("837P", "claims"), ("835", "remittances"), ("visits", "visit records"),
               ("plans_of_care", "plans of care"), ("authorizations", "authorizations")]


# --- formatting filters ----------------------------------------------------------------------------
def money(x, cents: bool = True) -> str:
    """The one way money is written: $3,000.00 (cents) or $3,000 (whole dollars); negative -$3,000."""
    if x is None:
        return "—"
    v = Decimal(str(x))
    s = f"{abs(v):,.2f}" if cents else f"{abs(v):,.0f}"
    return f"-${s}" if v < 0 and s.strip("0.,") else f"${s}"


def money0(x) -> str:
    return money(x, cents=False)


def pct(x, digits: int = 1) -> str:
    return "—" if x is None else f"{100 * float(x):.{digits}f}%"


def num(x, digits: int = 0) -> str:
    if x is None:
        return "—"
    return f"{float(x):,.{digits}f}"


def date(x) -> str:
    if x is None or x == "":
        return "—"
    if isinstance(x, dt.datetime):
        x = x.date()
    if isinstance(x, dt.date):
        return x.strftime("%b %-d, %Y")
    return str(x)


def isodate(x) -> str:
    return "" if x is None else (x.date() if isinstance(x, dt.datetime) else x).isoformat()


def client_text(s) -> str:
    """Catalog text as the client reads it: dollar amounts with thousands separators, and no note meant
    for the analyst (a parenthesis naming an rcm-audit command)."""
    if s is None:
        return ""
    s = re.sub(r"\s*\([^()]*rcm-audit[^()]*\)", "", str(s))
    return re.sub(r"\$(\d{4,})(?![\d,])", lambda m: f"${int(m.group(1)):,}", s)


def nobreak(s) -> str:
    """A name that must not break at its hyphens (payer names in narrow columns)."""
    return "" if s is None else str(s).replace("-", "\u2011")


def listing(items) -> str:
    items = [str(i) for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def font_stack() -> str:
    """CSS font-family: DejaVu Sans or Liberation Sans when fontconfig has them, else generic sans."""
    families: list[str] = []
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=10).stdout
            have = {f.strip() for line in out.splitlines() for f in line.split(",")}
            families = [f for f in ("DejaVu Sans", "Liberation Sans") if f in have]
        except (OSError, subprocess.SubprocessError):
            pass
    return ", ".join([f'"{f}"' for f in families] + ["sans-serif"])


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=select_autoescape(["j2", "html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(money=money, money0=money0, pct=pct, num=num, date=date, isodate=isodate,
                       client=client_text, nobreak=nobreak, listing=listing)
    return env


# --- context ---------------------------------------------------------------------------------------
def _require_prioritized(con) -> None:
    if not data.table_exists(con, "recommendations") or \
            con.execute("select count(*) from findings where priority_rank is null").fetchone()[0] > 0:
        raise InputError("the findings are not prioritized; run `rcm-audit check` first")


def _params(con, received: dict) -> dict:
    p = data.one(con, "params")
    p.setdefault("practice_name", None)
    p["practice_name"] = p["practice_name"] or "The practice"
    for key in ("practice_npi", "as_of", "audit_start", "audit_end", "auditor_name", "auditor_email",
                "auditor_phone"):
        p.setdefault(key, None)
    p["auditor_firm"] = p.get("auditor_firm") or DEFAULT_FIRM
    p["generated_on"] = p.get("generated_on") or p["as_of"]
    kinds = {k["kind"] for k in received["by_kind"] if (k["claims_loaded"] or 0) + (k["lines_loaded"] or 0) > 0}
    p["inputs"] = [words for kind, words in INPUT_WORDS if kind in kinds]
    return p


def _example_columns(examples: list[dict]) -> dict:
    """Which columns of a recommendation's example table have a value (a visit or claim rule has no
    CPT, modifiers or units: those columns are not drawn)."""
    def has(key):
        return any(e.get(key) not in (None, "") for e in examples)
    return {"claim": has("claim_id"), "cpt": has("cpt"), "mods": has("modifiers"),
            "units": has("units_billed"), "fix_by": has("fix_by")}


def _plan(rows: list[dict], as_of) -> list[dict]:
    weeks = []
    for w in (1, 2, 3, 4):
        items = [dict(r, play=play(r["rule_id"])) for r in rows if r["week"] == w]
        start = (as_of + dt.timedelta(days=1 + 7 * (w - 1))) if as_of else None
        weeks.append({"week": w, "week_start": start, "week_end": start + dt.timedelta(days=6) if start else None,
                      "items": items, "n_in_week": items[0]["n_in_week"] if items else 0})
    return weeks


def _as_date(x):
    return x.date() if isinstance(x, dt.datetime) else x


def build_context(con: duckdb.DuckDBPyConnection, show_phi: bool = False) -> dict:
    _require_prioritized(con)
    caps = data.CAPS
    data.prepare(con)
    by_kind = data.query(con, "files_by_kind")
    received = {
        "by_kind": by_kind,
        "n_files": by_kind[0]["n_files"] if by_kind else 0,
        "folders": data.query(con, "files_by_folder", cap=caps["files"]),
        "not_loaded": data.query(con, "files_not_loaded", cap=caps["files"]),
        "issues": data.query(con, "ingest_issues", cap=caps["issues"]),
        "match_rates": data.query(con, "match_rates") if data.table_exists(con, "match_rates") else [],
    }
    p = _params(con, received)
    as_of = _as_date(p["as_of"])

    recs = data.query(con, "recommendations")
    examples: dict[int, list[dict]] = {}
    for e in data.query(con, "examples", per_rec=caps["examples"]):
        examples.setdefault(e["priority_rank"], []).append(e)
    names = {}
    if show_phi:
        names = {r["patient_ref"]: r["patient_name"] for r in data.query(con, "patient_names")}
    for r in recs:
        r["play"] = play(r["rule_id"])
        r["examples"] = examples.get(r["rank"], [])
        for e in r["examples"]:
            e["patient_name"] = names.get(e["patient_ref"], "")
        r["cols"] = _example_columns(r["examples"])

    kx = data.one(con, "kx_year")
    kx["patients"] = data.query(con, "kx_patients", year=kx["year"], cap=caps["kx_patients"]) \
        if kx.get("year") is not None else []
    kpis = data.query(con, "kpis")
    for k in kpis:
        k["na_reason"] = KPI_NA.get(k["na_code"]) if k["na_code"] else None

    cap = caps["full_recs"]
    ctx = {
        "p": p,
        "h": data.one(con, "headline"),
        "sanity": [s for s in data.query(con, "sanity") if s["found"]],
        "kpis": kpis,
        "kpi_defs": KPI_DEFINITIONS,
        "gaps": data.query(con, "coverage_gaps"),
        "checks": data.query(con, "checks"),
        "recs": recs,
        "full_recs": recs[:cap],
        "more_recs": recs[cap:cap + caps["rec_table"]],
        "n_more_recs": max(0, len(recs) - cap - caps["rec_table"]),
        "top3": recs[:3],
        "plan": _plan(data.query(con, "plan", per_week=caps["plan_per_week"]), as_of),
        "day_30": as_of + dt.timedelta(days=30) if as_of else None,
        "kinds": data.query(con, "kinds"),
        "kx": kx,
        "scorecard": data.query(con, "payer_scorecard", cap=caps["payers"]),
        "therapists": data.query(con, "therapists", cap=caps["therapists"]),
        "received": received,
        "assumptions": data.query(con, "assumptions_client")[:caps["assumptions"]],
        "ranking_method": RANKING_METHOD,
        "show_phi": show_phi,
        "caps": caps,
        "font_stack": font_stack(),
    }
    monthly = data.query(con, "monthly", months=caps["months"])
    ctx["charts"] = {
        "by_rec": charts.dollars_by_recommendation(recs),
        "denials": charts.denials_by_class_and_payer(data.query(con, "denials_by_class_payer",
                                                                 top=caps["denial_payers"])),
        "monthly": charts.monthly_flow(monthly),
        "kx": charts.kx_threshold(kx),
    }
    return ctx


def render_html(con: duckdb.DuckDBPyConnection, show_phi: bool = False) -> str:
    return environment().get_template("report.html.j2").render(**build_context(con, show_phi))


def render_pdf(con: duckdb.DuckDBPyConnection, out_pdf: Path, show_phi: bool = False) -> dict:
    """Render the audit report to out_pdf. Returns {'pages': n, 'seconds': t}. Raises InputError when
    the database is not prioritized (pipelines/prioritize.py runs before the report)."""
    t0 = time.perf_counter()
    return write_pdf(render_html(con, show_phi), out_pdf, "report", t0)


def write_pdf(html: str, out_pdf: Path, label: str, t0: float) -> dict:
    """Lay out `html` (with the templates' folder as its base) into out_pdf; {'pages': n, 'seconds': since t0}."""
    out_pdf = Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    doc = HTML(string=html, base_url=str(templates_dir())).render()
    doc.write_pdf(out_pdf)
    seconds = round(time.perf_counter() - t0, 2)
    log.info("%s: %d pages in %.1fs", label, len(doc.pages), seconds)
    return {"pages": len(doc.pages), "seconds": seconds}

"""The audit report: context from SQL aggregates -> Jinja2 templates (report_templates/) -> WeasyPrint.

Template context (a stable interface for report_templates/):
  p            audit_params row + period_days (practice_name, audit_start, audit_end, as_of, generated_on)
  h            headline figures (data.headline): recoverable, leakage_run_rate, leakage_in_period,
               compliance_exposure, period_days, n_findings, lost, at_risk, overbilled
  k            KPIs (data.kpis); kpi_defs: their definitions
  recs         all recommendations (rank order), each with citation, rule_title, play (playbook.Play);
  full_recs    the first CAPS['full_recs'] of them, each with .examples (<= CAPS['examples'] findings)
  more_recs    the rest (table)
  top3         the first three recommendations
  charts       data URIs (or None): by_rec, denials, monthly, kx;  kx: kx_picture() data
  scorecard    payer rows; therapists: therapist_view()
  received     data_received(); assumptions; catalog; ranking_method; show_phi; caps
"""
from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..errors import InputError
from ..resources import templates_dir
from . import charts, data
from ..prioritize import RANKING_METHOD

log = logging.getLogger(__name__)

KPI_DEFINITIONS = [
    ("Clean-claim rate", "Share of remitted claims whose first 835 claim payment (reversals excluded) is not a "
     "denial (CLP02 ≠ 4) and carries no denial adjustment (any CAS with group ≠ PR and reason not 45, 59 or "
     "253, amount > 0)."),
    ("Denial rate (count)", "Denied service lines ÷ service lines on the final remittance of each claim "
     "(latest CLP that is not a reversal); a claim-level denial with no service lines counts as one line."),
    ("Denial rate (dollars)", "Denial adjustment dollars (line and claim level) on the final remittances ÷ "
     "the charges of those claims."),
    ("Days service → claim", "Average of first 837 submission date (BHT04) − the claim's first line date of "
     "service."),
    ("Days claim → payment", "Average of the first 835 payment date (BPR16) with a payment > 0 − the first "
     "submission date of the claim."),
    ("Net collection rate", "(Payer paid + patient responsibility) ÷ (charges − contractual adjustments "
     "of the EXPECTED class: CARC 45, 59, 253 and the other normal adjustments of the carc_classes seed) over the final remittances. Patient balances count as collected because 835 files do "
     "not show patient payments; denials lower the rate."),
]


# --- formatting filters ----------------------------------------------------------------------------
def money(x, cents: bool = True) -> str:
    if x is None:
        return "—"
    v = Decimal(str(x))
    neg = v < 0
    s = f"{abs(v):,.2f}" if cents else f"{abs(v):,.0f}"
    return f"-${s}" if neg else f"${s}"


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
    env.filters.update(money=money, money0=money0, pct=pct, num=num, date=date, isodate=isodate)
    return env


def build_context(con: duckdb.DuckDBPyConnection, show_phi: bool = False) -> dict:
    if not data.table_exists(con, "recommendations") or \
            con.execute("select count(*) from findings where priority_rank is null").fetchone()[0] > 0:
        raise InputError("the findings are not prioritized; run `rcm-audit check` first")
    data.prepare(con)
    recs = data.recommendations(con)
    ex = data.examples(con, show_phi)
    if show_phi:
        _add_names(con, ex)
    cap = data.CAPS["full_recs"]
    full = recs[:cap]
    for r in full:
        r["examples"] = ex.get(r["rank"], [])
    kx = data.kx_picture(con)
    ctx = {
        "p": data.audit_params(con),
        "h": data.headline(con),
        "k": data.kpis(con),
        "kpi_defs": KPI_DEFINITIONS,
        "recs": recs,
        "full_recs": full,
        "more_recs": recs[cap:cap + data.CAPS["rec_table"]],
        "n_more_recs": max(0, len(recs) - cap - data.CAPS["rec_table"]),
        "top3": recs[:3],
        "kinds": data.kind_breakdown(con),
        "kx": kx,
        "scorecard": data.payer_scorecard(con),
        "therapists": data.therapist_view(con),
        "received": data.data_received(con),
        "assumptions": data.assumptions(con),
        "catalog": data.rule_catalog(con),
        "ranking_method": RANKING_METHOD,
        "show_phi": show_phi,
        "caps": data.CAPS,
        "font_stack": font_stack(),
    }
    ctx["charts"] = {
        "by_rec": charts.dollars_by_recommendation(recs),
        "denials": charts.denials_by_class_and_payer(data.denials_by_class_payer(con)),
        "monthly": charts.monthly_flow(data.monthly(con)),
        "kx": charts.kx_threshold(kx),
    }
    return ctx


def _add_names(con, ex: dict) -> None:
    """--show-phi only: patient names on the example lines, from the 837 claim."""
    ids = sorted({r["claim_id"] for rs in ex.values() for r in rs if r["claim_id"]})
    if not ids:
        return
    names = dict(con.execute("""
        select claim_id, any_value(patient_first || ' ' || patient_last) from claims
        where claim_id in (select unnest(?)) group by 1""", [ids]).fetchall())
    for rs in ex.values():
        for r in rs:
            r["patient_name"] = names.get(r["claim_id"], "")


def render_html(con: duckdb.DuckDBPyConnection, show_phi: bool = False) -> str:
    return environment().get_template("report.html.j2").render(**build_context(con, show_phi))


def render_pdf(con: duckdb.DuckDBPyConnection, out_pdf: Path, show_phi: bool = False) -> dict:
    """Render the audit report to out_pdf. Returns {'pages': n, 'seconds': t}."""
    from weasyprint import HTML  # imported late: heavy

    t0 = time.perf_counter()
    html = render_html(con, show_phi)
    out_pdf = Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    doc = HTML(string=html, base_url=str(templates_dir())).render()
    doc.write_pdf(out_pdf)
    seconds = round(time.perf_counter() - t0, 2)
    log.info("report: %d pages in %.1fs", len(doc.pages), seconds)
    return {"pages": len(doc.pages), "seconds": seconds}

"""The follow-up report (follow-up-report.pdf): sql/followup/report_*.sql and the follow_up tables -> the
report_templates/follow_up*.html.j2 templates -> WeasyPrint, in the audit report's look (base.html.j2,
report.css, the same filters). Client language: no rule ids, no internal references; patients only by their
day-0 pseudonyms. The three headline figures are the ones computed from follow-up.csv (figures()), so the PDF
and the CSV cannot disagree.

Template context (a stable interface for report_templates/follow_up*.html.j2):
  p         practice_name, practice_npi, base_as_of (day 0), new_as_of (day 30), days_between, auditor_firm,
            auditor_name, has_all_baseline_files, baseline_files_missing
  fig       figures(): recovered_usd, recoverable_usd, nearest_days_left, nearest_deadline, lost_since_usd,
            by_status
  status    report_status rows keyed by status      status_words  STATUS_WORDS
  recs      report_recs rows (+ play)                recovered     report_recovered rows
  habits    follow_up_habits rows grouped by recommendation: [{rank, title, payer, rows: [...]}], each row with
            label, unit, verdict_text
  due       report_due rows (+ play)                 new           report_new rows
  n_new / n_visible / new_usd   the new findings' totals
"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb

from ..report.pdf import DEFAULT_FIRM, environment, font_stack, write_pdf
from ..report.playbook import play
from ..resources import read_sql

CAPS = {"recs": 30, "recovered": 6, "new": 8, "due": 10}

STATUS_WORDS = {
    "recovered": ("Recovered", "paid by the payer since day 0"),
    "corrected": ("Corrected", "resubmitted or fixed since day 0; no payment yet"),
    "open": ("Still open", "nothing received yet; still actionable"),
    "lost": ("Lost", "past its deadline with no payment"),
    "withdrawn": ("Not a problem after all", "the new files show it was not an error"),
}

# measure -> (what is counted, in the client's words; the unit of the rate)
MEASURES = {
    "GO_MISSING": ("Always-therapy codes billed without the GO modifier", "lines"),
    "KX_MISSING": ("Medicare therapy lines missing a required KX modifier", "Medicare therapy lines"),
    "CO_MODIFIER_MISSING": ("Assistant-furnished services billed without CO", "Medicare timed lines"),
    "CO_MODIFIER_UNNEEDED": ("CO on services the therapist furnished", "Medicare timed lines"),
    "UNITS_UNDERBILLED": ("Timed units below the documented minutes", "timed lines"),
    "UNITS_OVERBILLED": ("Timed units above the documented minutes", "timed lines"),
    "UNITS_MISALLOCATED": ("Timed units spread against the CMS allocation", "timed lines"),
    "POC_RECERT_LATE": ("Visits past the certified interval without recertification", "Medicare visits"),
    "DENIAL:FIX": ("Denials for correctable errors (information, modifiers, eligibility)", "paid or denied lines"),
    "DENIAL:APPEAL": ("Denials to appeal (medical necessity)", "paid or denied lines"),
    "DENIAL:WRITE-OFF": ("Denials that cannot be recovered (filing limit, authorization, not covered)",
                         "paid or denied lines"),
}
VERDICTS = {"fewer": "Fewer", "more": "More", "same": "No clear change"}


def _query(con: duckdb.DuckDBPyConnection, name: str, **params) -> list[dict]:
    cur = con.execute(read_sql(f"followup/{name}.sql"), params or None)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _habits(con: duckdb.DuckDBPyConnection, min_eligible: int) -> list[dict]:
    cur = con.execute("select * from follow_up_habits order by rank, ord")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    groups: dict[int, dict] = {}
    for r in rows:
        label, unit = MEASURES.get(r["measure"], (r["measure"], "lines"))
        r["label"], r["unit"] = label, unit
        if r["verdict"] == "too_early":
            r["verdict_text"] = (f"Too early to judge: {r['after_eligible']:,} {unit} since day 0 "
                                 f"(at least {min_eligible} needed)")
        elif r["verdict"] == "no_baseline":
            r["verdict_text"] = "No day-0 rate to compare with"
        else:
            r["verdict_text"] = VERDICTS[r["verdict"]]
        g = groups.setdefault(r["rank"], {"rank": r["rank"], "title": r["title"], "payer": r["payer"], "rows": []})
        g["rows"].append(r)
    return list(groups.values())


def build_context(con: duckdb.DuckDBPyConnection, figs: dict, show_phi: bool = False) -> dict:
    """The template context; the baseline must be attached as fu_base and the follow-up computed."""
    from . import MIN_ELIGIBLE

    cur = con.execute("""
        select f.*, a.practice_npi, a.auditor_name, a.auditor_firm
        from fu_params f, (select * from audit_params limit 1) a""")
    prm = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    prm["auditor_firm"] = prm.get("auditor_firm") or DEFAULT_FIRM
    prm["practice_name"] = prm.get("practice_name") or "The practice"
    status = {r["status"]: r for r in _query(con, "report_status")}
    recs = _query(con, "report_recs", cap=CAPS["recs"])
    for r in recs:
        r["play"] = play(r["rule_id"])
    due = _query(con, "report_due", cap=CAPS["due"])
    for r in due:
        r["play"] = play(r["rule_id"])
    new = _query(con, "report_new", cap=CAPS["new"])
    n_new, n_visible, new_usd, new_recoverable = con.execute("""
        select count(*) filter (where follow_up_status = 'new'), count(*) filter (where follow_up_status = 'newly_visible'),
               coalesce(sum(amount_usd) filter (where follow_up_status in ('new', 'newly_visible')), 0),
               coalesce(sum(amount_usd) filter (where follow_up_status in ('new', 'newly_visible')
                                                and amount_kind = 'recoverable'), 0)
        from findings""").fetchone()
    n_baseline_recs = con.execute("select count(*) from fu_base.recommendations").fetchone()[0]
    return {
        "p": prm, "fig": figs, "status": status, "status_words": STATUS_WORDS, "statuses": list(STATUS_WORDS),
        "recs": recs, "n_more_recs": max(0, n_baseline_recs - len(recs)),
        "recovered": _query(con, "report_recovered", cap=CAPS["recovered"]),
        "habits": _habits(con, MIN_ELIGIBLE), "min_eligible": MIN_ELIGIBLE,
        "due": due, "new": new, "n_new": n_new, "n_visible": n_visible, "new_usd": new_usd,
        "new_recoverable": new_recoverable, "show_phi": show_phi, "font_stack": font_stack(),
        "n_baseline": sum(r["n"] for r in status.values()),
        "timedelta": lambda days: dt.timedelta(days=int(days)),
    }


def render_follow_up_html(con: duckdb.DuckDBPyConnection, figs: dict, show_phi: bool = False) -> str:
    return environment().get_template("follow_up.html.j2").render(**build_context(con, figs, show_phi))


def render_follow_up_pdf(con: duckdb.DuckDBPyConnection, out_pdf: Path, figs: dict, show_phi: bool = False) -> dict:
    """Render follow-up-report.pdf; returns {'pages': n, 'seconds': t}."""
    t0 = time.perf_counter()
    return write_pdf(render_follow_up_html(con, figs, show_phi), out_pdf, "follow-up report", t0)

"""Day-30 follow-up: `rcm-audit audit NEW_INPUT -o OUT30 --baseline OUT0`. The day-30 audit runs as usual; then
every finding of the baseline audit gets a status (recovered, corrected, open, lost, withdrawn), matched by a key
stable across audits of the same practice (never the per-audit pseudonym), the habits behind the baseline's
recommendations are compared period to period, and follow-up.csv and follow-up-report.pdf are written.
DESIGN §12 states the semantics; sql/followup/ holds them (one object per file, each with its header).

    resolve_baseline(path, out_dir, as_of=None, npi=None) -> Path   up-front check of --baseline (InputError)
    check_same_practice(con, baseline_db)                           after staging: same practice, not newer
    run_follow_up(con, baseline_path, out_dir, show_phi=False) -> dict
        with a staged, checked and prioritized day-30 database: the tables follow_up and follow_up_habits,
        findings.follow_up_status, follow-up.csv and follow-up-report.pdf. Returns the figures:
        {'findings', 'by_status', 'recovered_usd', 'recoverable_usd', 'nearest_deadline', 'lost_since_usd',
         'pdf': {'pages', 'seconds'}, 'csv': Path, 'base_as_of', 'new_as_of'}
    write_follow_up_csv(con, path) -> rows                          follow-up.csv from the follow_up table
    read_follow_up_csv(path) / compare_with_expected(actual, expected) -> differences
        for a generator of a day-30 sample: expected_follow_up.csv has EXPECTED_COLUMNS, compared by
        (rule_id, claim_id, dos, cpt) status by status and cent by cent.

The three figures (report and tests read them from follow-up.csv alone):
    recovered          sum of amount_recovered_usd
    still recoverable  sum of baseline_amount_usd of the open rows with a days_left (money not yet received,
                       with a deadline); nearest deadline = the day-30 as-of date + the smallest days_left of
                       those rows with dollars
    lost since day 0   sum of baseline_amount_usd of the lost rows with a days_left (their deadline passed, or
                       they were written off, after day 0; rows already lost on day 0 have no days_left)
"""
from __future__ import annotations

import csv
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import duckdb

from ..outputs import write_csv
from ..resources import read_sql
from .engine import attached, check_same_practice, compute, resolve_baseline

FOLLOW_UP_COLUMNS = ["rule_id", "claim_id", "dos", "cpt", "patient_ref", "baseline_amount_usd", "status",
                     "amount_recovered_usd", "days_left", "evidence"]
EXPECTED_COLUMNS = ["rule_id", "claim_id", "dos", "cpt", "status", "amount_recovered_usd"]
STATUSES = ("recovered", "corrected", "open", "lost", "withdrawn")
NEW_STATUSES = ("new", "newly_visible")
MIN_ELIGIBLE = 30          # eligible lines or visits since day 0 below which a rate is not shown as a trend

_ORDER = """order by case status when 'open' then 1 when 'corrected' then 2 when 'recovered' then 3
                                  when 'lost' then 4 else 5 end,
                     days_left nulls last, baseline_amount_usd desc, rule_id, claim_id nulls first, dos, cpt nulls first,
                     fid"""


def write_follow_up_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """follow-up.csv (CONTRACT §2): one row per baseline finding, columns in FOLLOW_UP_COLUMNS order, open items
    first (fewest days left first), ISO dates, two-decimal dollars. patient_ref is the baseline's pseudonym."""
    cols = [f"{c}::decimal(12, 2) as {c}" if c in ("baseline_amount_usd", "amount_recovered_usd") else c
            for c in FOLLOW_UP_COLUMNS]
    return write_csv(con, f"select {', '.join(cols)} from follow_up {_ORDER}", path)


def read_follow_up_csv(path: Path) -> list[dict]:
    with Path(path).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def figures(rows: list[dict], new_as_of: dt.date | None = None) -> dict:
    """The report's figures from follow-up.csv rows (dicts of strings, as read_follow_up_csv gives them)."""
    def usd(r, col):
        return Decimal(r[col] or "0")

    with_days = [r for r in rows if r["status"] == "open" and r["days_left"] != "" and usd(r, "baseline_amount_usd") > 0]
    nearest = min((int(r["days_left"]) for r in with_days), default=None)
    return {
        "recovered_usd": sum((usd(r, "amount_recovered_usd") for r in rows), Decimal("0")),
        "recoverable_usd": sum((usd(r, "baseline_amount_usd") for r in rows
                                if r["status"] == "open" and r["days_left"] != ""), Decimal("0")),
        "nearest_days_left": nearest,
        "nearest_deadline": (new_as_of + dt.timedelta(days=nearest)) if (new_as_of and nearest is not None) else None,
        "lost_since_usd": sum((usd(r, "baseline_amount_usd") for r in rows
                               if r["status"] == "lost" and r["days_left"] != ""), Decimal("0")),
        "by_status": {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES},
    }


def compare_with_expected(actual: list[dict], expected: list[dict]) -> list[str]:
    """Differences between follow-up.csv rows and expected_follow_up.csv rows, matched on (rule_id, claim_id,
    dos, cpt) with their multiplicity: a missing or extra row, another status, other recovered dollars."""
    def key(r):
        return (r["rule_id"], r.get("claim_id") or "", r.get("dos") or "", r.get("cpt") or "")

    def index(rows):
        out: dict[tuple, list[tuple[str, Decimal]]] = {}
        for r in rows:
            out.setdefault(key(r), []).append((r["status"], Decimal(r.get("amount_recovered_usd") or "0")))
        return {k: sorted(v) for k, v in out.items()}

    a, e = index(actual), index(expected)
    diffs = []
    for k in sorted(set(a) | set(e)):
        if a.get(k) != e.get(k):
            diffs.append(f"{'/'.join(k)}: expected {e.get(k)}, got {a.get(k)}")
    return diffs


def set_aside_billed_in_baseline(con: duckdb.DuckDBPyConnection, baseline_path: Path) -> dict[str, int]:
    """Before the ranking of a day-30 audit: remove the findings of visits "never billed" that a day-0 claim bills
    while the day-30 input has no claim for that day (sql/followup/fu_billed_in_baseline.sql), and take them off
    the coverage counts; table follow_up_set_aside keeps their count per rule. Returns {rule_id: findings removed}."""
    with attached(con, resolve_baseline(Path(baseline_path))):
        con.execute(read_sql("followup/fu_billed_in_baseline.sql"))
    con.execute("""create or replace table follow_up_set_aside as
                   select rule_id, count(*)::integer as findings from fu_billed_in_baseline group by rule_id""")
    removed = dict(con.execute("select rule_id, findings from follow_up_set_aside order by rule_id").fetchall())
    if removed:
        con.execute("""delete from findings f using fu_billed_in_baseline x
                       where f.rule_id = x.rule_id and f.claim_id is null and f.patient_key = x.patient_key
                         and f.dos = x.dos""")
        con.execute("""update coverage set findings = coverage.findings - x.findings
                       from follow_up_set_aside x where coverage.rule_id = x.rule_id""")
    return removed


def run_follow_up(con: duckdb.DuckDBPyConnection, baseline_path: Path, out_dir: Path, show_phi: bool = False) -> dict:
    """The follow-up of a staged, checked and prioritized day-30 audit against the baseline at baseline_path
    (its output folder or audit.duckdb): tables follow_up and follow_up_habits, findings.follow_up_status,
    follow-up.csv and follow-up-report.pdf in out_dir (mode 0600 with show_phi). Returns the figures."""
    from .report import render_follow_up_pdf     # the report stack only when rendering

    db = resolve_baseline(Path(baseline_path))
    check_same_practice(con, db)
    out_dir = Path(out_dir)
    with attached(con, db):
        compute(con, MIN_ELIGIBLE)
        csv_path = out_dir / "follow-up.csv"
        n = write_follow_up_csv(con, csv_path)
        rows = read_follow_up_csv(csv_path)
        base_as_of, new_as_of = con.execute("select base_as_of, new_as_of from fu_params").fetchone()
        figs = figures(rows, new_as_of)
        pdf = render_follow_up_pdf(con, out_dir / "follow-up-report.pdf", figs, show_phi=show_phi)
    if show_phi:
        for p in (csv_path, out_dir / "follow-up-report.pdf"):
            os.chmod(p, 0o600)
    return {"findings": n, **figs, "pdf": pdf, "csv": csv_path, "base_as_of": base_as_of, "new_as_of": new_as_of}


__all__ = ["EXPECTED_COLUMNS", "FOLLOW_UP_COLUMNS", "MIN_ELIGIBLE", "NEW_STATUSES", "STATUSES", "check_same_practice",
           "compare_with_expected", "figures", "read_follow_up_csv", "resolve_baseline", "run_follow_up",
           "set_aside_billed_in_baseline",
           "write_follow_up_csv"]

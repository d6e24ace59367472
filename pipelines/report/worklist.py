"""worklist.xlsx: the audit's findings as billers work them, one row per finding, rule ids included.

Sheets (rows from sql/report/worklist_*.sql):
  Open items         what can still be billed, corrected, appealed, protected or refunded — kinds
                     recoverable, at_risk, overbilled whose deadline has not passed on the as-of date —
                     ordered by Days left (fewest first; items without a deadline last), then dollars.
  Write-off review   lost items and items whose deadline passed before the as-of date, largest first,
                     with an action that fits a closed window (never "resubmit").
  Unbilled visits    the codes of every documented visit never billed: CPT, modifiers, units, minutes and
                     the visit export's file, sheet and row, so each can be billed from the sheet (those
                     still inside their filing limit first; those past it marked for the write-off review).
  About              what the sheets and columns mean, the as-of date.
Written with openpyxl write-only mode (streams; ~100k rows in seconds).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..resources import read_sql
from . import data
from .playbook import closed_action, play

KIND_LABEL = {"recoverable": "Collect", "at_risk": "Protect", "overbilled": "Refund", "lost": "Lost"}
DATE_FMT = "yyyy-mm-dd"
MONEY_FMT = '"$"#,##0.00'

# (header, width, kind, source column or callable) kind: text | date | money | num
_FINDING_TAIL = [
    ("Rule", 24, "text", "rule_id"), ("Payer", 26, "text", "payer"), ("Claim ID", 14, "text", "claim_id"),
    ("Payer claim ID", 16, "text", "payer_claim_id"), ("Patient ref", 12, "text", "patient_ref"),
    ("DOS", 11, "date", "dos"), ("CPT", 7, "text", "cpt"), ("Modifiers", 10, "text", "modifiers"),
    ("Units billed", 7, "num", "units_billed"), ("Units expected", 8, "num", "units_expected"),
    ("Detail", 70, "text", "detail"), ("Source file", 24, "text", "source_file"),
]
_TEAM = [("Who", 14, "text", None), ("When", 11, "date", None), ("Outcome", 30, "text", None)]

OPEN_COLUMNS = [
    ("Priority", 8, "num", "priority_rank"), ("Days left", 8, "num", "days_left"), ("Fix by", 11, "date", "fix_by"),
    ("Amount", 12, "money", "amount_usd"), ("Type", 9, "text", lambda r: KIND_LABEL.get(r["amount_kind"])),
    ("Action", 60, "text", lambda r: play(r["rule_id"]).action), ("Owner", 20, "text", lambda r: play(r["rule_id"]).owner),
] + _FINDING_TAIL + _TEAM
CLOSED_COLUMNS = [
    ("Priority", 8, "num", "priority_rank"), ("Days past", 8, "num", "days_past"), ("Deadline was", 11, "date", "fix_by"),
    ("Amount", 12, "money", "amount_usd"), ("Type", 9, "text", lambda r: KIND_LABEL.get(r["amount_kind"])),
    ("Action", 60, "text", lambda r: closed_action(r["rule_id"], r["amount_kind"])),
    ("Owner", 20, "text", lambda r: play(r["rule_id"]).owner),
] + _FINDING_TAIL + _TEAM
UNBILLED_COLUMNS = [
    ("Priority", 8, "num", "priority_rank"), ("Status", 18, "text", "status"), ("Days left", 8, "num", "days_left"),
    ("File by", 11, "date", "fix_by"),
    ("Rule", 20, "text", "rule_id"), ("Payer", 26, "text", "payer"), ("Patient ref", 12, "text", "patient_ref"),
    ("DOS", 11, "date", "dos"), ("CPT", 7, "text", "cpt"), ("Modifiers", 10, "text", "modifiers"),
    ("Units", 7, "num", "units"), ("Minutes", 8, "num", "minutes"), ("Rendering NPI", 13, "text", "provider_npi"),
    ("Visit amount", 12, "money", "visit_amount_usd"), ("Export file", 24, "text", "source_file"),
    ("Sheet", 12, "text", "source_sheet"), ("Row", 7, "num", "first_row"),
] + _TEAM
_FORMATS = {"date": DATE_FMT, "money": MONEY_FMT}


def _d(x):
    return x.date() if isinstance(x, dt.datetime) else x


def _sheet(wb, title: str, columns: list, rows, names: dict | None) -> int:
    cols = list(columns)
    if names is not None:
        at = next(i for i, c in enumerate(cols) if c[0] == "Patient ref") + 1
        cols.insert(at, ("Patient name (PHI)", 22, "text", lambda r: names.get(r["patient_ref"])))
    ws = wb.create_sheet(title)
    for i, (_, width, _, _) in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="37474F")
    header = []
    for name, _, _, _ in cols:
        c = WriteOnlyCell(ws, value=name)
        c.font, c.fill, c.alignment = head_font, head_fill, Alignment(vertical="center", wrap_text=True)
        header.append(c)
    ws.append(header)
    # one styled cell per formatted column, refilled per row (a new cell and style lookup per value is a
    # third of the time on a 100k-row list)
    styled = {}
    for i, (_, _, kind, _) in enumerate(cols):
        if kind in _FORMATS:
            styled[i] = WriteOnlyCell(ws)
            styled[i].number_format = _FORMATS[kind]
    n = 0
    for r in rows:
        out = []
        for i, (_, _, kind, src) in enumerate(cols):
            v = None if src is None else (src(r) if callable(src) else r.get(src))
            if i in styled:
                styled[i].value = _d(v)
                out.append(styled[i])
            else:
                out.append(v)
        ws.append(out)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{n + 1}"
    ws.print_title_rows = "1:1"
    return n


def _rows(con, name: str):
    """The rows of sql/report/<name>.sql as dicts, fetched in batches (the open list may be 100k rows)."""
    cur = con.execute(read_sql(f"report/{name}.sql"))
    names = [d[0] for d in cur.description]
    while batch := cur.fetchmany(5000):
        for row in batch:
            yield dict(zip(names, row))


def write_worklist(con: duckdb.DuckDBPyConnection, out_xlsx: Path, show_phi: bool = False) -> int:
    """Write worklist.xlsx; returns the number of open items (rows of the first sheet)."""
    out_xlsx = Path(out_xlsx)
    out_xlsx.parent.mkdir(parents=True, exist_ok=True)
    data.prepare(con)
    names = {r["patient_ref"]: r["patient_name"] for r in data.query(con, "patient_names")} if show_phi else None
    wb = Workbook(write_only=True)
    n_open = _sheet(wb, "Open items", OPEN_COLUMNS, _rows(con, "worklist_open"), names)
    n_closed = _sheet(wb, "Write-off review", CLOSED_COLUMNS, _rows(con, "worklist_closed"), names)
    n_unbilled = _sheet(wb, "Unbilled visits", UNBILLED_COLUMNS, _rows(con, "worklist_unbilled"), names)
    _about_sheet(wb, con, n_open, n_closed, n_unbilled)
    wb.save(out_xlsx)
    return n_open


ABOUT = [
    ("Open items", "Every item the team can still act on, one row per finding: Collect = recoverable (bill, correct "
     "or appeal), Protect = at risk (paid or payable, likely denied or recouped: shore up the documentation or "
     "authorization), Refund = overbilled (send a corrected claim or a refund). Ordered by Days left (the days from "
     "the as-of date to the filing, appeal or reopening deadline; fewest first, items without a deadline last), "
     "then by Amount."),
    ("Write-off review", "Items already lost and items whose deadline passed before the as-of date, largest first. "
     "Their action fits a closed window: write off with the reason, refund, or keep the documentation for a "
     "review — never resubmit."),
    ("Unbilled visits", "The codes of each documented visit that never reached a claim, with the units and minutes "
     "documented and the visit export's file, sheet and row: enough to bill it from this sheet. Status 'bill' = "
     "still inside the payer's filing limit (fewest days left first); 'past the filing limit' = for the write-off "
     "review, listed last."),
    ("Priority", "The rank of the item's recommendation in the audit report (1 = act first)."),
    ("Rule", "The audit rule that found the item (its title, source and method are in the report's appendix)."),
    ("Who / When / Outcome", "Blank, for the team to fill in."),
    ("Patients", "Patient ref is the audit's pseudonym; the practice's own EMR maps it back through the claim ID "
     "or the export row. No names, birth dates or member ids are in this file unless it was produced with "
     "--show-phi."),
]


def _about_sheet(wb, con, n_open: int, n_closed: int, n_unbilled: int) -> None:
    about = wb.create_sheet("About")
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 110
    as_of = data.one(con, "params").get("as_of")
    bold = Font(bold=True)
    facts = [("As of", _d(as_of).isoformat() if as_of else ""), ("Open items", n_open),
             ("Write-off review items", n_closed), ("Unbilled visit codes", n_unbilled)]
    for k, v in facts + ABOUT:
        c = WriteOnlyCell(about, value=k)
        c.font = bold
        about.append([c, v])

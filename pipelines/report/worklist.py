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
Written with XlsxWriter in constant_memory mode: each row goes to the sheet's XML as soon as it is complete
(inline strings, no shared-string table), so memory stays flat whatever the number of findings. The rows are
fetched as Arrow columns; dates become Excel serial numbers in one vectorised pass and the labels computed in
Python (Type, Action, Owner) are looked up once per distinct rule id / kind, not once per row.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

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


_EXCEL_EPOCH = 25569              # Excel's serial number of 1970-01-01 (dates are days since 1899-12-30)


def _column(table: pa.Table, src, kind: str) -> list:
    """One worklist column as a Python list: dates as Excel serial numbers, labels from their rule id / kind."""
    if callable(src):
        keys = ["rule_id", "amount_kind"]
        rows = zip(*(table.column(k).to_pylist() for k in keys))
        cache: dict = {}
        out = []
        for key in rows:
            if key not in cache:
                cache[key] = src(dict(zip(keys, key)))
            out.append(cache[key])
        return out
    col = table.column(src)
    if kind == "date":
        if pa.types.is_timestamp(col.type):
            col = pc.cast(col, pa.date32())
        col = pc.add(pc.cast(pc.cast(col, pa.date32()), pa.int32()), _EXCEL_EPOCH)
    return col.to_pylist()


def _sheet(wb, title: str, columns: list, table: pa.Table, names: dict | None, formats: dict) -> int:
    cols = list(columns)
    if names is not None:
        at = next(i for i, c in enumerate(cols) if c[0] == "Patient ref") + 1
        cols.insert(at, ("Patient name (PHI)", 22, "text", lambda r: names.get(r["patient_ref"])))
    ws = wb.add_worksheet(title)
    for i, (_, width, kind, _) in enumerate(cols):
        ws.set_column(i, i, width, formats.get(kind))       # a blank cell (Who, When ...) keeps its column's format
    ws.freeze_panes(1, 0)
    for i, (name, _, _, _) in enumerate(cols):
        ws.write_string(0, i, name, formats["head"])
    n = table.num_rows
    values = []
    for name, _, kind, src in cols:
        if src is None:
            values.append(None)
        elif name == "Patient name (PHI)":
            values.append([names.get(ref) for ref in table.column("patient_ref").to_pylist()])
        else:
            values.append(_column(table, src, kind))
    # one writer per column, chosen once: text, number (with its number format for dates and money)
    writers = []
    for i, ((_, _, kind, _), vals) in enumerate(zip(cols, values)):
        if vals is None:
            continue
        if kind == "text":
            writers.append((i, vals, ws.write_string, None))
        else:
            writers.append((i, vals, ws.write_number, formats.get(kind)))
    for r in range(n):
        row = r + 1
        for i, vals, write, fmt in writers:
            v = vals[r]
            if v is not None and v != "":
                if fmt is None:
                    write(row, i, v)
                else:
                    write(row, i, v, fmt)
    ws.autofilter(0, 0, n, len(cols) - 1)
    ws.repeat_rows(0)
    return n


def _table(con, name: str) -> pa.Table:
    """The rows of sql/report/<name>.sql as an Arrow table."""
    return con.sql(read_sql(f"report/{name}.sql")).to_arrow_table()


def write_worklist(con: duckdb.DuckDBPyConnection, out_xlsx: Path, show_phi: bool = False) -> int:
    """Write worklist.xlsx; returns the number of open items (rows of the first sheet)."""
    out_xlsx = Path(out_xlsx)
    out_xlsx.parent.mkdir(parents=True, exist_ok=True)
    data.prepare(con)
    names = {r["patient_ref"]: r["patient_name"] for r in data.query(con, "patient_names")} if show_phi else None
    wb = xlsxwriter.Workbook(str(out_xlsx), {"constant_memory": True, "in_memory": False,
                                             "strings_to_numbers": False, "strings_to_formulas": False,
                                             "strings_to_urls": False})
    formats = {"head": wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#37474F",
                                      "pattern": 1, "valign": "vcenter", "text_wrap": True}),
               "date": wb.add_format({"num_format": DATE_FMT}), "money": wb.add_format({"num_format": MONEY_FMT}),
               "bold": wb.add_format({"bold": True})}
    n_open = _sheet(wb, "Open items", OPEN_COLUMNS, _table(con, "worklist_open"), names, formats)
    n_closed = _sheet(wb, "Write-off review", CLOSED_COLUMNS, _table(con, "worklist_closed"), names, formats)
    n_unbilled = _sheet(wb, "Unbilled visits", UNBILLED_COLUMNS, _table(con, "worklist_unbilled"), names, formats)
    _about_sheet(wb, con, n_open, n_closed, n_unbilled, formats)
    wb.close()
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


def _about_sheet(wb, con, n_open: int, n_closed: int, n_unbilled: int, formats: dict) -> None:
    about = wb.add_worksheet("About")
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 110)
    as_of = data.one(con, "params").get("as_of")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    facts = [("As of", as_of.isoformat() if as_of else ""), ("Open items", n_open),
             ("Write-off review items", n_closed), ("Unbilled visit codes", n_unbilled)]
    for r, (k, v) in enumerate(facts + ABOUT):
        about.write_string(r, 0, k, formats["bold"])
        if isinstance(v, str):
            if v:
                about.write_string(r, 1, v)
        else:
            about.write_number(r, 1, v)

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

Written in bulk, never cell by cell in Python (1.8 million cells took 16 s that way). XlsxWriter writes the
package: styles, column widths and formats, the header rows, frozen panes, autofilters, print titles and the
About sheet, the three big sheets holding their header row only. Their data rows are SpreadsheetML built by
DuckDB (sql/report/worklist_xml.sql writes each cell as XlsxWriter would: inline strings, Excel's escapes,
dates as serial numbers; dates and money carry the style index of the XlsxWriter formats), streamed one Arrow
batch at a time into each sheet's XML as the package is copied once to worklist.xlsx: Python holds one batch
of rows whatever the number of findings. The labels Python owns (Type, Action, Owner, the closed-window
action) are one row per distinct rule id and kind, joined in SQL like the patient names of --show-phi.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_range

from ..resources import read_sql
from . import data
from .playbook import closed_action, play

KIND_LABEL = {"recoverable": "Collect", "at_risk": "Protect", "overbilled": "Refund", "lost": "Lost"}
DATE_FMT = "yyyy-mm-dd"
MONEY_FMT = '"$"#,##0.00'

# (header, width, kind, column of the sheet's rows; None: blank, for the team) kind: text | date | money | num
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
    ("Amount", 12, "money", "amount_usd"), ("Type", 9, "text", "type_label"), ("Action", 60, "text", "action"),
    ("Owner", 20, "text", "owner"),
] + _FINDING_TAIL + _TEAM
CLOSED_COLUMNS = [
    ("Priority", 8, "num", "priority_rank"), ("Days past", 8, "num", "days_past"), ("Deadline was", 11, "date", "fix_by"),
    ("Amount", 12, "money", "amount_usd"), ("Type", 9, "text", "type_label"), ("Action", 60, "text", "closed_action"),
    ("Owner", 20, "text", "owner"),
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
NAME_COLUMN = ("Patient name (PHI)", 22, "text", "patient_name")      # after Patient ref, with --show-phi
SHEETS = [("Open items", "worklist_open", OPEN_COLUMNS), ("Write-off review", "worklist_closed", CLOSED_COLUMNS),
          ("Unbilled visits", "worklist_unbilled", UNBILLED_COLUMNS)]
LABELS = ("type_label", "action", "closed_action", "owner")          # per (rule_id, amount_kind): _labels
_BATCH_ROWS = 10_000          # rows of XML per Arrow batch written to the sheet (about 12 MB)


def write_worklist(con: duckdb.DuckDBPyConnection, out_xlsx: Path, show_phi: bool = False) -> int:
    """Write worklist.xlsx; returns the number of open items (rows of the first sheet)."""
    out_xlsx = Path(out_xlsx)
    out_xlsx.parent.mkdir(parents=True, exist_ok=True)
    data.prepare(con)
    con.execute(read_sql("report/worklist_xml.sql"))
    package = io.BytesIO()
    wb = xlsxwriter.Workbook(package, {"in_memory": True})
    formats = {"head": wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#37474F",
                                      "pattern": 1, "valign": "vcenter", "text_wrap": True}),
               "date": wb.add_format({"num_format": DATE_FMT}), "money": wb.add_format({"num_format": MONEY_FMT}),
               "bold": wb.add_format({"bold": True})}
    # The cells built in SQL name their format by the index XlsxWriter gives it (assigned here, before close,
    # so that styles.xml holds it whether or not a column uses it).
    styles = {kind: formats[kind]._get_xf_index() for kind in ("date", "money")}
    labels = _labels(con)
    sheets, counts = {}, []
    for i, (title, name, columns) in enumerate(SHEETS):
        cols = _with_names(columns) if show_phi else columns
        select, params = _rows_sql(name, cols, styles, labels)
        [(n,)] = con.execute(f"select count(*) from ({select})", params).fetchall()
        _sheet(wb, title, cols, n, formats)
        # XlsxWriter names the worksheets' XML by their position
        sheets[f"xl/worksheets/sheet{i + 1}.xml"] = (select, params, xl_range(0, 0, n, len(cols) - 1))
        counts.append(n)
    _about_sheet(wb, con, *counts, formats)
    wb.close()
    _splice(con, package, out_xlsx, sheets)
    return counts[0]


def _with_names(columns: list) -> list:
    at = next(i for i, c in enumerate(columns) if c[0] == "Patient ref") + 1
    return columns[:at] + [NAME_COLUMN] + columns[at:]


def _sheet(wb, title: str, cols: list, n: int, formats: dict) -> None:
    """A big sheet as XlsxWriter writes it: column widths and formats, the header row, the frozen pane, the
    autofilter over the n data rows to come and the header repeated on every printed page."""
    ws = wb.add_worksheet(title)
    for i, (name, width, kind, _) in enumerate(cols):
        ws.set_column(i, i, width, formats.get(kind))       # a blank cell (Who, When ...) keeps its column's format
        ws.write_string(0, i, name, formats["head"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, n, len(cols) - 1)
    ws.repeat_rows(0)


def _labels(con) -> dict[str, list]:
    """Type, Action, Owner and the closed-window action of each distinct (rule id, kind) of the findings,
    as columns for SQL (unnest)."""
    keys = con.execute("select distinct rule_id, amount_kind from findings").fetchall()
    return {"rule_id": [r for r, _ in keys], "amount_kind": [k for _, k in keys],
            "type_label": [KIND_LABEL.get(k) for _, k in keys], "action": [play(r).action for r, _ in keys],
            "closed_action": [closed_action(r, k) for r, k in keys], "owner": [play(r).owner for r, _ in keys]}


def _rows_sql(name: str, cols: list, styles: dict, labels: dict) -> tuple[str, dict]:
    """The select of a sheet's data rows, one `<row>` of XML per row of sql/report/<name>.sql (in its order,
    from spreadsheet row 2), and its parameters."""
    used = {src for *_, src in cols}
    picks, joins, params = ["w.*"], [], {}
    if used & set(LABELS):
        params = labels
        picks += [f"l.{k}" for k in LABELS if k in used]
        unnest = ", ".join(f"unnest(${k}::varchar[]) as {k}" for k in labels)
        joins.append(f"left join (select {unnest}) l on l.rule_id is not distinct from w.rule_id"
                     " and l.amount_kind is not distinct from w.amount_kind")
    if "patient_name" in used:
        picks.append("n.patient_name")
        joins.append(f"left join ({read_sql('report/patient_names.sql')}\n) n on n.patient_ref = w.patient_ref")
    cells, texts = [], []
    for i, (_, _, kind, src) in enumerate(cols):
        at = f"'{xl_col_to_name(i)}', rs"
        if src is None:
            continue
        if kind == "text":
            cells.append(f"xl_text({at}, {src})")
            texts.append(f"xl_value({src}) as {src}")
        elif kind == "date":
            cells.append(f"xl_number({at}, {src}::date - date '1899-12-30', {styles['date']})")  # Excel's day 0
        else:
            cells.append(f"xl_number({at}, {src}, {styles.get(kind, 0)})")
    query = read_sql(f"report/{name}.sql").strip().rstrip(";")
    # Number the rows in the query's order, join the labels, and put the rows back in that order (a join need
    # not keep it) before the XML is built: the XML then streams out unsorted. Each text is escaped once.
    return f"""
        with w as (select row_number() over () + 1 as r, * from ({query}\n)),
        joined as (select {', '.join(picks)} from w {' '.join(joins)} order by r),
        texts as (select r::varchar as rs, * replace ({', '.join(texts)}) from joined)
        select concat('<row r="', rs, '">', {', '.join(cells)}, '</row>') as xml from texts""", params


def _splice(con, package: io.BytesIO, out_xlsx: Path, sheets: dict) -> None:
    """Copy the package XlsxWriter wrote to out_xlsx, streaming the data rows of each big sheet into its
    <sheetData> after the header row, its <dimension> set to the rows written."""
    # Deflate level 1: the sheets' XML is some 1.2 KB a finding, and level 1 compresses it ~3x faster than
    # the default for a file ~25% larger.
    with zipfile.ZipFile(package) as src, \
            zipfile.ZipFile(out_xlsx, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename not in sheets:
                dst.writestr(info, body)
                continue
            select, params, dimension = sheets[info.filename]
            head, tail = body.split(b"</sheetData>")
            head = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), head, count=1)
            # the reader is closed even on an error: an open result would block the connection
            with dst.open(info.filename, "w", force_zip64=True) as sheet, \
                    con.sql(select, params=params).to_arrow_reader(_BATCH_ROWS) as batches:
                sheet.write(head)
                for batch in batches:
                    sheet.write(_joined(batch.column(0)))
                sheet.write(b"</sheetData>" + tail)


def _joined(xml: pa.StringArray) -> memoryview:
    """The strings of an Arrow string array (DuckDB's `string`: int32 offsets) back to back, read in place
    from its data buffer."""
    offsets = np.frombuffer(xml.buffers()[1], np.int32, len(xml) + 1, xml.offset * 4)
    return memoryview(xml.buffers()[2])[offsets[0]:offsets[-1]]


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

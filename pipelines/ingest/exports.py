"""EMR / billing exports (CSV, TSV, XLSX) -> the raw tables `visits`, `plans_of_care`, `authorizations`.

    is_export(path)                                          -> bool
    read_export(con, path, source_file, mappings=None)       -> list[FileResult]   one per table read
    read_export_detailed(con, path, source_file, mappings)   -> list[TableReport]  the same, with how
                                                                each table was recognised (for inspect)

A file (or each sheet of a workbook) is read in three steps, each in its own module:
  export_grid       the cells as text, row-numbered (Arrow's CSV reader; openpyxl), broken lines rejected;
  export_recognize  the header row and the layout, by evidence (or the analyst's practice.toml mapping:
                    mapping.py), never by first match;
  export_load       the rows converted and checked in bulk, loaded, rejected with their row number and
                    reason, or skipped as not data (totals, repeated headers, notes, void rows).
Nothing here raises on bad input, and no message quotes a raw row or a PHI value
(pipelines.messages.shown).
"""
from __future__ import annotations

import codecs
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..messages import place, shown
from ..warehouse import out_of_memory_advice
from .aliases import LAYOUTS
from .export_grid import Sheet, WorkbookError, csv_sheet, head_text, xlsx_sheets
from .export_load import TABLE_TYPES, load_rows
from .export_recognize import Recognition, recognise
from .mapping import ExportMapping, mapping_for
from .result import FileResult, Issue

EXPORT_EXTENSIONS = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls"}
DELIMITERS = [",", ";", "\t", "|"]
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # Excel 97-2003 .xls, or a password-protected .xlsx
_RANK = {"recognised": 5, "mapped": 5, "mapping_error": 3, "ambiguous": 3, "thin": 3, "missing": 2,
         "unknown": 0, "empty": -1}
_tags = itertools.count(1)


@dataclass
class TableReport:
    """One table read from a file (the file itself, or one sheet of a workbook)."""
    result: FileResult
    sheet: str | None = None
    recognition: Recognition | None = None
    delimiter: str | None = None
    rows_in_head: list[list[str]] | None = None


def _sniff_bytes(path: Path, n: int = 8192) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


def is_export(path: Path) -> bool:
    """True for files this reader handles: .csv .tsv .txt .xlsx .xlsm, and .xls (read when it is really
    text or XLSX inside, otherwise rejected with an explanation). A .txt/.csv that starts with an X12
    ISA header is not an export."""
    path = Path(path)
    if path.suffix.lower() not in EXPORT_EXTENSIONS:
        return False
    head = _sniff_bytes(path, 512)
    if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return True
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    return not text[:3].upper() == b"ISA"


# ----------------------------------------------------------------------------------------------------
# Messages for tables that are not read
# ----------------------------------------------------------------------------------------------------

def _layouts_needed() -> str:
    return "; ".join(f"{k} needs {', '.join(v['required'])}" for k, v in LAYOUTS.items())


def _mapping_hint(source_file: str, layout: str, sheet: str | None) -> str:
    sheet_part = f" sheet = {shown(sheet)}" if sheet else ""
    return f'say which in practice.toml: [[exports]] file = "{_toml_safe(source_file)}"{sheet_part} layout = "{layout}"'


def _toml_safe(text: str) -> str:
    return re.sub(r'["\\\x00-\x1f]', "_", text)[:120]


def _not_read(source_file: str, sheet: Sheet, rec: Recognition) -> FileResult:
    label = f"sheet {shown(sheet.name).strip(chr(39))}" if sheet.name is not None else "file"
    where = place(row=rec.header_row, sheet=sheet.name) if rec.header_row else (
        place(sheet=sheet.name) if sheet.name is not None else "file")
    found = rec.found()
    if rec.status == "empty":
        msg = f"{label} is empty" if sheet.name is not None else "empty file (no rows)"
        return FileResult(source_file, "unknown", status="skipped" if sheet.name is not None else "rejected",
                          message=msg).finish()
    if rec.status == "mapping_error":
        return FileResult(source_file, rec.kind or "unknown", status="rejected", message=rec.reason,
                          issues=[Issue(where, rec.reason)]).finish()
    if rec.status in ("ambiguous", "thin"):
        cands = " or ".join(rec.candidates)
        msg = (f"{label} not read: it could be {cands}: {rec.reason}; "
               f"{_mapping_hint(source_file, rec.candidates[0], sheet.name)}")
        return FileResult(source_file, "unknown", status="rejected", message=msg,
                          issues=[Issue(where, msg)]).finish()
    if rec.status == "missing":
        missing = ", ".join(rec.missing)
        detail = f"{rec.reason}; " if rec.reason else ""
        msg = (f"{detail}missing required column(s) {missing}; found: {found}; if they are there under other "
               "names, map them in practice.toml ([[exports]] columns; `rcm-audit inspect` writes the entry)")
        if sheet.name is not None:
            msg = f"{label}: {msg}"
        return FileResult(source_file, rec.kind or "unknown", status="rejected", message=msg,
                          issues=[Issue(where, msg)]).finish()
    missing = ", ".join(rec.missing)
    msg = (f"{label} matches no export layout (closest: {rec.kind}, lacking {missing}); found: {found}. "
           f"{_layouts_needed()}")
    if sheet.name is not None:
        return FileResult(source_file, "unknown", status="skipped", message=msg,
                          issues=[Issue(where, msg, "warning")]).finish()
    return FileResult(source_file, "unknown", status="rejected", message=msg, issues=[Issue(where, msg)]).finish()


# ----------------------------------------------------------------------------------------------------
# A table
# ----------------------------------------------------------------------------------------------------

def _read_table(con, sheet: Sheet, rec: Recognition, source_file: str) -> TableReport:
    if not rec.ok:
        return TableReport(_not_read(source_file, sheet, rec), sheet.name, rec, sheet.delimiter, sheet.head)
    body = sheet.read_body(rec.header_row, rec.width)
    res = load_rows(con, rec.kind, sheet, rec, body, source_file, f"{next(_tags)}")
    return TableReport(res.finish(), sheet.name, rec, sheet.delimiter, sheet.head)


def _read_text(con, data: bytes, source_file: str, suffix: str, mappings) -> list[TableReport]:
    head = head_text(data)
    order = list(DELIMITERS)
    if suffix == ".tsv":
        order.remove("\t")
        order.insert(0, "\t")
    first = next((line for line in head.split("\n") if line.strip()), "")
    order.sort(key=lambda d: -first.count(d))            # the delimiter of the first line first
    mapping = mapping_for(mappings, source_file)
    best = None
    for d in order:
        sheet = csv_sheet(data, head, d)
        rec = recognise(sheet, mapping)
        score = (_RANK[rec.status], len(rec.columns), sum(1 for u in rec.uses if u.header.strip()))
        if best is None or score > best[0]:
            best = (score, sheet, rec)
        if rec.ok and len(rec.header_cells) > 1:
            break
    return [_read_table(con, best[1], best[2], source_file)]


def _read_xlsx(con, path: Path, source_file: str, mappings) -> list[TableReport]:
    try:
        sheets = xlsx_sheets(path)
    except WorkbookError as e:
        return [TableReport(FileResult(source_file, "unknown", status="rejected",
                                       message=f"not a readable XLSX workbook ({e})").finish())]
    reports = []
    for title, sheet, error in sheets:
        if sheet is None:
            msg = f"sheet {shown(title).strip(chr(39))} could not be read ({error})"
            reports.append(TableReport(FileResult(source_file, "unknown", status="rejected", message=msg,
                                                  issues=[Issue(place(sheet=title), msg)]).finish(), title))
            continue
        mapping = mapping_for(mappings, source_file, title)
        rec = recognise(sheet, mapping)
        reports.append(_read_table(con, sheet, rec, source_file))
    if not reports:
        return [TableReport(FileResult(source_file, "unknown", status="rejected",
                                       message="workbook has no worksheets").finish())]
    if all(r.result.kind == "unknown" for r in reports):
        # nothing recognised anywhere: the file as a whole is rejected, the sheets' reasons listed
        issues = [i for r in reports for i in r.result.issues] or \
            [Issue("workbook", r.result.message) for r in reports]
        for i in issues:
            i.severity = "error"
        msg = "no sheet matches an export layout: " + " | ".join(r.result.message for r in reports)
        first = reports[0]
        return [TableReport(FileResult(source_file, "unknown", status="rejected", message=msg, issues=issues).finish(),
                            first.sheet, first.recognition)]
    return reports


# ----------------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------------

def read_export_detailed(con, path: Path, source_file: str,
                         mappings: list[ExportMapping] | None = None) -> list[TableReport]:
    """Read one export file into visits / plans_of_care / authorizations; one TableReport per table
    (per sheet for a workbook). Never raises on bad input."""
    path = Path(path)
    suffix = path.suffix.lower()

    def rejected(message: str) -> list[TableReport]:
        return [TableReport(FileResult(source_file, "unknown", status="rejected", message=message).finish())]

    try:
        try:
            data = path.read_bytes()
        except OSError as e:
            return rejected(f"cannot read file: {e.strerror or type(e).__name__}")
        if not data[:4096].strip() and not data.strip():
            return rejected("empty file")
        if data.startswith(ZIP_MAGIC):
            return _read_xlsx(con, path, source_file, mappings)
        if data.startswith(OLE_MAGIC):
            return rejected("Excel 97-2003 (.xls) or password-protected workbook: not supported; "
                            "open it in Excel and save as .xlsx (without a password) or CSV")
        if suffix in (".xlsx", ".xlsm") and b"\x00" in data[:8192]:
            return rejected(f"not a readable {suffix} workbook (not a ZIP file)")
        head = data[:8192]
        if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and (
                b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 20):
            return rejected("binary file: not a CSV/TSV text export or an XLSX workbook")
        if head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
            return rejected("HTML/XML file saved with a spreadsheet extension: not supported; "
                            "open it in Excel and save as .xlsx or CSV")
        return _read_text(con, data, source_file, suffix, mappings)
    except duckdb.OutOfMemoryException:     # not the file's fault: say what to change
        return rejected(f"not loaded: {out_of_memory_advice()}")
    except Exception as e:  # noqa: BLE001 - the contract: a bad file is reported, never raised
        return rejected(f"could not read export ({type(e).__name__}); the other files were read")


def read_export(con, path: Path, source_file: str, mappings: list[ExportMapping] | None = None) -> list[FileResult]:
    """Read one export file; one FileResult per table found (per sheet for a workbook)."""
    return [r.result for r in read_export_detailed(con, path, source_file, mappings)]


__all__ = ["EXPORT_EXTENSIONS", "TABLE_TYPES", "TableReport", "is_export", "read_export", "read_export_detailed"]

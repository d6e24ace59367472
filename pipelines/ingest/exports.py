"""EMR / billing exports (CSV, TSV, XLSX) -> the raw tables `visits`, `plans_of_care`, `authorizations`.

A file (or each sheet of a workbook) is recognised by its header row: the first row within the first
`HEADER_SEARCH_ROWS` rows whose headers, matched through `aliases.HEADER_LOOKUP`, contain every required
column of a layout (`aliases.LAYOUTS`). Every non-blank row below the header is either loaded or rejected
with its spreadsheet row number and a reason; nothing here raises on bad input.

    is_export(path)                        -> bool
    read_export(con, path, source_file)    -> list[FileResult]   one per table recognised
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from . import aliases
from .aliases import HEADER_LOOKUP, LAYOUTS, normalize_header
from .result import FileResult, Issue

EXPORT_EXTENSIONS = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls"}
HEADER_SEARCH_ROWS = 10
DELIMITERS = [",", ";", "\t", "|"]
MAX_ISSUES_PER_TABLE = 1000          # a broken 100k-row file should not flood ingest_issues

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # Excel 97-2003 .xls, or a password-protected .xlsx
EXCEL_EPOCH = dt.date(1899, 12, 30)

# Arrow type of every column loaded, per table (the raw tables' types in sql/schema.sql).
S, D, F, T, M, I = pa.string(), pa.date32(), pa.float64(), pa.time32("s"), pa.decimal128(12, 2), pa.int32()
TABLE_TYPES: dict[str, dict[str, pa.DataType]] = {
    "visits": {"patient_id": S, "dos": D, "cpt": S, "units": F, "minutes": F, "modifiers": S, "payer": S,
               "member_id": S, "patient_first": S, "patient_last": S, "patient_dob": D, "provider_npi": S,
               "provider_role": S, "ota_minutes": F, "claim_id": S, "note_type": S, "place_of_service": S,
               "charge": M, "start_time": T, "end_time": T},
    "plans_of_care": {"patient_id": S, "start_date": D, "end_date": D, "signed_date": D, "kind": S,
                      "certifying_npi": S, "payer": S, "order_date": D, "transmitted_date": D},
    "authorizations": {"patient_id": S, "auth_number": S, "start_date": D, "end_date": D, "payer": S,
                       "visits_authorized": I},
}
MODIFIER_COLUMNS = ("modifiers", "modifier_1", "modifier_2", "modifier_3", "modifier_4")


class BadValue(ValueError):
    """A cell that cannot be read as its column's type; the message is the reason shown to the user."""


# ----------------------------------------------------------------------------------------------------
# Recognising a file
# ----------------------------------------------------------------------------------------------------

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
# Cell values
# ----------------------------------------------------------------------------------------------------

def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _show(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _text(v, pad: int = 0) -> str | None:
    """An identifier or name: numbers from spreadsheets lose their '.0'; `pad` zero-fills numeric codes."""
    if _blank(v):
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    s = str(v).strip()
    s = re.sub(r"^(\d+)\.0+$", r"\1", s)
    if pad and s.isdigit():
        s = s.zfill(pad)
    return s


_NUMBER_RE = re.compile(r"^\(?(-?)\$?\s*(-?[\d,]*\.?\d+)\)?\s*(?:min|mins|minutes|units?|visits?)?\.?$", re.I)


def _number(v, col: str) -> float | None:
    if _blank(v):
        return None
    if isinstance(v, bool):
        raise BadValue(f"{col} '{v}' is not a number")
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip()
    m = _NUMBER_RE.match(s)
    if not m:
        raise BadValue(f"{col} '{s}' is not a number")
    try:
        x = float(m.group(2).replace(",", ""))
    except ValueError:
        raise BadValue(f"{col} '{s}' is not a number") from None
    negative = m.group(1) == "-" or (s.startswith("(") and s.endswith(")"))
    return -x if negative else x


def _integer(v, col: str) -> int | None:
    x = _number(v, col)
    if x is None:
        return None
    if not float(x).is_integer():
        raise BadValue(f"{col} '{_show(v)}' is not a whole number")
    return int(x)


def _money(v, col: str) -> Decimal | None:
    """'$1,234.50', '(12.00)', 1234.5 -> Decimal with cents."""
    x = _number(v, col)                       # validates the text and gives the sign
    if x is None:
        return None
    if isinstance(v, str):
        digits = re.sub(r"[^0-9.]", "", v)
    else:
        digits = repr(abs(float(v)))
    try:
        d = Decimal(digits).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise BadValue(f"{col} '{_show(v)}' is not an amount") from None
    if d >= Decimal("1e10"):
        raise BadValue(f"{col} '{_show(v)}' is too large")
    return -d if x < 0 else d


_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$")
_US_RE = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4}|\d{2})(?:[T\s].*)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.0+)?$")
_SERIAL_RE = re.compile(r"^(\d{4,5})(?:\.\d+)?$")
_NAMED_FORMATS = ("%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d %Y", "%B %d %Y", "%d %B %Y", "%b-%d-%Y",
                  "%a %b %d %Y")


def _two_digit_year(yy: int, birth: bool) -> int:
    year = 2000 + yy
    if birth and year > dt.date.today().year:   # '3/4/52' as a birth date is 1952
        year -= 100
    return year


@lru_cache(maxsize=65536)
def _date_from_text(s: str, birth: bool) -> dt.date | None:
    m = _COMPACT_RE.match(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return dt.date(y, mo, d) if 1800 < y < 2200 else None
    m = _ISO_RE.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _US_RE.match(s)
    if m:
        mo, d, y = int(m.group(1)), int(m.group(2)), m.group(3)
        year = int(y) if len(y) == 4 else _two_digit_year(int(y), birth)
        return dt.date(year, mo, d)
    m = _SERIAL_RE.match(s)
    if m and len(m.group(1)) == 5:
        return EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
    cleaned = re.sub(r"[,\s]+", " ", s).strip()
    cleaned = re.sub(r"\s\d{1,2}:\d{2}.*$", "", cleaned)        # drop a time part
    for fmt in _NAMED_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def _date(v, col: str) -> dt.date | None:
    """ISO, MM/DD/YYYY, M/D/YY, YYYYMMDD, 04-Mar-2025, Mar 4 2025, an Excel serial number, or a
    datetime (a time part is dropped)."""
    if _blank(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    birth = col == "patient_dob"
    try:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if float(v).is_integer() and 18000101 <= v <= 22001231:
                return _date_from_text(str(int(v)), birth)
            if 1 <= v < 2958466:
                return EXCEL_EPOCH + dt.timedelta(days=int(v))
            raise ValueError
        got = _date_from_text(str(v).strip(), birth)
    except (ValueError, OverflowError):
        got = None
    if got is None:
        raise BadValue(f"{col} '{_show(v)}' is not a date")
    return got


_TIME_RE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}[T\s]|\d{1,2}/\d{1,2}/\d{2,4}\s+)?(\d{1,2}):?(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?$")


def _time(v, col: str) -> dt.time | None:
    """10:30, 10:30 AM, 1030, 2:05 pm, a datetime, or an Excel time fraction."""
    if _blank(v):
        return None
    if isinstance(v, dt.datetime):
        return v.time().replace(microsecond=0)
    if isinstance(v, dt.time):
        return v.replace(microsecond=0)
    if isinstance(v, float) and 0 <= v < 1:
        secs = round(v * 86400)
        return dt.time(secs // 3600 % 24, secs // 60 % 60, secs % 60)
    m = _TIME_RE.match(_show(v))
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        ampm = (m.group(4) or "").lower().replace(".", "")
        if ampm == "pm" and h < 12:
            h += 12
        elif ampm == "am" and h == 12:
            h = 0
        if h < 24 and mi < 60 and sec < 60:
            return dt.time(h, mi, sec)
    raise BadValue(f"{col} '{_show(v)}' is not a time")


_CPT_RE = re.compile(r"^([A-Z0-9]{5})(?:\.0+)?(?:\s*[-:\s]\s*(.*))?$")
_MOD_SPLIT = re.compile(r"[;,:\s|\-/]+")


def _cpt(v) -> tuple[str, list[str]]:
    """'97110' / 97110.0 / ' 97110 ' / '97110-GO' -> ('97110', ['GO']). Text after the code that is not
    a run of two-character modifiers (a description, '97110 - Ther Ex') is ignored."""
    if _blank(v):
        raise BadValue("cpt is empty")
    s = _text(v, pad=5 if isinstance(v, (int, float)) else 0).upper()
    m = _CPT_RE.match(s)
    if not m:
        raise BadValue(f"cpt '{_show(v)}' is not a CPT/HCPCS code")
    mods = [t for t in _MOD_SPLIT.split(m.group(2) or "") if t]
    if not all(re.fullmatch(r"[A-Z0-9]{2}", t) for t in mods):
        mods = []
    return m.group(1), mods


def _modifier_tokens(v) -> list[str]:
    if _blank(v):
        return []
    return [t for t in _MOD_SPLIT.split(_text(v).upper()) if t]


def _lookup_value(v, table: dict[str, str], col: str, warn: list[str]) -> str | None:
    if _blank(v):
        return None
    raw = _text(v)
    hit = table.get(normalize_header(raw))
    if hit is None:
        warn.append(f"{col} '{raw}' is not one of {', '.join(sorted(set(table.values())))}; stored as given")
        return raw.upper() if col == "provider_role" else raw.lower()
    return hit


# ----------------------------------------------------------------------------------------------------
# Header recognition
# ----------------------------------------------------------------------------------------------------

def _map_header(row: list) -> tuple[dict[str, int], list[str]]:
    """canonical column -> index of the column used; plus warnings about ignored duplicate columns."""
    best: dict[str, tuple[int, int]] = {}     # canonical -> (preference, index)
    notes = []
    for idx, h in enumerate(row):
        hit = HEADER_LOOKUP.get(normalize_header(h))
        if not hit:
            continue
        canonical, pref = hit
        if canonical in best:
            old_pref, old_idx = best[canonical]
            keep, drop = ((idx, old_idx) if pref < old_pref else (old_idx, idx))
            notes.append(f"column '{_show(row[drop])}' ignored: '{_show(row[keep])}' is used for {canonical}")
            if pref < old_pref:
                best[canonical] = (pref, idx)
        else:
            best[canonical] = (pref, idx)
    return {c: i for c, (_, i) in best.items()}, notes


def _match_layout(columns: dict[str, int]) -> tuple[str | None, str, list[str], int]:
    """(kind fully matched or None, closest kind, its missing required columns, its score)."""
    closest, closest_missing, closest_score = None, [], -1
    for kind, layout in LAYOUTS.items():
        missing = [c for c in layout["required"] if c not in columns]
        if not missing:
            return kind, kind, [], len(layout["required"])
        score = len(layout["required"]) - len(missing)
        if score > closest_score:
            closest, closest_missing, closest_score = kind, missing, score
    return None, closest, closest_missing, closest_score


def _row_blank(row) -> bool:
    return all(_blank(v) for v in row)


def _headers_found(row) -> str:
    found = [_show(h) for h in row if not _blank(h)]
    return ", ".join(found) if found else "(no headers)"


def _find_header(rows: list[list]) -> dict:
    """Look for the header row in the first rows. Returns a dict with index (0-based), kind, columns,
    notes on a full match; else the closest partial match (kind None) for the error message."""
    best = None
    seen = 0
    for i, row in enumerate(rows):
        if seen >= HEADER_SEARCH_ROWS:
            break
        if _row_blank(row):
            continue
        seen += 1
        columns, notes = _map_header(row)
        kind, closest, missing, score = _match_layout(columns)
        found = {"index": i, "kind": kind, "closest": closest, "missing": missing, "score": score,
                 "columns": columns, "notes": notes, "row": row}
        if kind:
            return found
        if best is None or score > best["score"]:
            best = found
    return best or {"index": None, "kind": None, "closest": None, "missing": [], "score": 0,
                    "columns": {}, "notes": [], "row": []}


# ----------------------------------------------------------------------------------------------------
# Rows -> table
# ----------------------------------------------------------------------------------------------------

def _convert_row(kind: str, cols: dict[str, int], row: list, has_modifier_cols: bool
                 ) -> tuple[dict | None, str | None, list[str]]:
    """(record, rejection reason, warnings)."""
    def cell(c):
        i = cols.get(c)
        return row[i] if i is not None and i < len(row) else None

    required = LAYOUTS[kind]["required"]
    types = TABLE_TYPES[kind]
    rec: dict = {}
    warn: list[str] = []
    problems: list[str] = []

    for col in required:
        if _blank(cell(col)):
            problems.append(f"{col} is empty")
    extra_mods: list[str] = []
    for col, typ in types.items():
        if col == "modifiers" or col not in cols:
            continue
        v = cell(col)
        try:
            if col == "cpt":
                if _blank(v):
                    continue
                rec[col], extra_mods = _cpt(v)
            elif typ == D:
                rec[col] = _date(v, col)
            elif typ == F:
                rec[col] = _number(v, col)
            elif typ == I:
                rec[col] = _integer(v, col)
            elif typ == M:
                rec[col] = _money(v, col)
            elif typ == T:
                rec[col] = _time(v, col)
            elif col == "provider_role":
                rec[col] = _lookup_value(v, aliases.ROLE_LOOKUP, col, warn)
            elif col == "note_type":
                rec[col] = _lookup_value(v, aliases.NOTE_TYPE_LOOKUP, col, warn)
            elif col == "kind":
                rec[col] = _lookup_value(v, aliases.PLAN_KIND_LOOKUP, col, warn)
            elif col == "place_of_service":
                rec[col] = _text(v, pad=2)
            else:
                rec[col] = _text(v)
        except BadValue as e:
            if col in required:
                problems.append(str(e))
            else:
                warn.append(f"{e}; loaded as empty")
                rec[col] = None

    if kind == "visits":
        if has_modifier_cols or extra_mods:
            mods: list[str] = []
            for c in ("cpt",) + MODIFIER_COLUMNS:
                toks = extra_mods if c == "cpt" else (_modifier_tokens(cell(c)) if c in cols else [])
                for t in toks:
                    if t not in mods:
                        mods.append(t)
            bad = [t for t in mods if not re.fullmatch(r"[A-Z0-9]{2}", t)]
            if bad:
                warn.append(f"modifier(s) {', '.join(bad)} are not two-character codes; stored as given")
            rec["modifiers"] = ";".join(mods)
        for c in ("units", "minutes", "ota_minutes"):
            if rec.get(c) is not None and rec[c] < 0:
                warn.append(f"{c} {_show(rec[c])} is negative")
    else:
        s, e = rec.get("start_date"), rec.get("end_date")
        if s and e and e < s:
            warn.append(f"end_date {e} is before start_date {s}")

    if problems:
        return None, "; ".join(problems), warn
    return rec, None, warn


def _load_table(con, kind: str, rows: list[list], header: dict, source_file: str,
                sheet: str | None, first_row_number: int) -> FileResult:
    """rows[0] is the header row, spreadsheet row `first_row_number`."""
    res = FileResult(source_file=source_file, kind=kind)
    where = (lambda n: f"sheet {sheet} row {n}") if sheet else (lambda n: f"row {n}")
    cols = header["columns"]
    header_norm = [normalize_header(h) for h in header["row"]]
    for note in header["notes"]:
        res.issues.append(Issue(where(first_row_number), note, "warning"))
    has_mod_cols = any(c in cols for c in MODIFIER_COLUMNS)
    types = TABLE_TYPES[kind]
    data: dict[str, list] = {c: [] for c in types}
    row_numbers: list[int] = []
    n_issues = 0
    repeated_headers = 0

    def issue(place, reason, severity):
        nonlocal n_issues
        n_issues += 1
        if n_issues <= MAX_ISSUES_PER_TABLE:
            res.issues.append(Issue(place, reason, severity))

    for offset, row in enumerate(rows[1:], start=1):
        if _row_blank(row):
            continue
        n = first_row_number + offset
        if [normalize_header(v) for v in row[:len(header_norm)]] == header_norm:
            repeated_headers += 1          # a page header repeated inside the export: not data
            continue
        rec, reason, warn = _convert_row(kind, cols, row, has_mod_cols)
        if rec is None:
            res.lines_rejected += 1
            issue(where(n), reason, "error")
            continue
        for w in warn:
            issue(where(n), w, "warning")
        for c in types:
            data[c].append(rec.get(c))
        row_numbers.append(n)
        res.lines_loaded += 1
    if n_issues > MAX_ISSUES_PER_TABLE:
        res.issues.append(Issue(where(first_row_number), f"{n_issues - MAX_ISSUES_PER_TABLE} more problem(s) "
                                "not listed", "warning"))
    if repeated_headers:
        res.issues.append(Issue(where(first_row_number), f"{repeated_headers} repeated header row(s) skipped",
                                "warning"))

    if res.lines_loaded:
        arrays = {c: pa.array(data[c], type=t) for c, t in types.items()}
        arrays["source_file"] = pa.array([source_file] * res.lines_loaded, type=pa.string())
        arrays["source_sheet"] = pa.array([sheet] * res.lines_loaded, type=pa.string())
        arrays["row_number"] = pa.array(row_numbers, type=pa.int32())
        if kind == "visits" and not has_mod_cols:
            # no modifier column in the export: unknown (NULL), not "none" ('')
            arrays["modifiers"] = pa.array([m if m else None for m in data["modifiers"]], type=pa.string())
        table = pa.table(arrays)
        name = f"_export_{kind}"
        con.register(name, table)
        try:
            con.execute(f"insert into {kind} by name select * from {name}")
        finally:
            con.unregister(name)
    if res.lines_loaded == 0 and res.lines_rejected == 0:
        res.message = "0 rows loaded (the header has no data rows below it)"
    return res.finish()


def _read_rows(con, rows: list[list], source_file: str, sheet: str | None) -> FileResult:
    """Recognise the table in `rows` (a CSV's records or a sheet's rows) and load it."""
    label = f"sheet {sheet}" if sheet else "file"
    if not rows or all(_row_blank(r) for r in rows):
        return FileResult(source_file, "unknown", status="skipped" if sheet else "rejected",
                          message=f"{label} is empty" if sheet else "empty file (no rows)").finish()
    header = _find_header(rows)
    if header["kind"]:
        return _load_table(con, header["kind"], rows[header["index"]:], header, source_file, sheet,
                           header["index"] + 1)
    found = _headers_found(header["row"])
    missing = ", ".join(header["missing"])
    place = f"sheet {sheet} row {header['index'] + 1}" if sheet else f"row {header['index'] + 1}"
    if header["score"] >= 2:      # clearly meant as this export, but a required column is missing
        msg = f"missing required column(s) {missing}; found: {found}"
        if sheet:
            msg = f"sheet {sheet}: {msg}"
        return FileResult(source_file, header["closest"], status="rejected", message=msg,
                          issues=[Issue(place, f"missing required column(s) {missing}; found: {found}")]).finish()
    layouts = "; ".join(f"{k} needs {', '.join(v['required'])}" for k, v in LAYOUTS.items())
    msg = (f"{label} matches no export layout (closest: {header['closest']}, lacking {missing}); "
           f"found: {found}. {layouts}")
    if sheet:
        return FileResult(source_file, "unknown", status="skipped", message=msg,
                          issues=[Issue(f"sheet {sheet}", msg, "warning")]).finish()
    return FileResult(source_file, "unknown", status="rejected", message=msg,
                      issues=[Issue(place, msg)]).finish()


# ----------------------------------------------------------------------------------------------------
# CSV / text
# ----------------------------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _parse_csv(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        skipinitialspace=False, strict=False)
    return [row for row in reader]


def _read_text(con, data: bytes, source_file: str, suffix: str) -> list[FileResult]:
    text = _decode(data)
    text = text.replace("\x00", "")
    sample = text[:65536]
    order = list(DELIMITERS)
    if suffix == ".tsv":
        order.remove("\t")
        order.insert(0, "\t")
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        order.remove(sniffed)
        order.insert(0, sniffed)
    except csv.Error:
        pass                                   # title rows or a one-column file: try each in turn
    best = None
    for delim in order:
        rows = _parse_csv(text, delim)
        header = _find_header(rows)
        if header["kind"]:
            best = rows
            break
        if best is None or header["score"] > _find_header(best)["score"]:
            best = rows
    return [_read_rows(con, best, source_file, None)]


# ----------------------------------------------------------------------------------------------------
# XLSX
# ----------------------------------------------------------------------------------------------------

def _read_xlsx(con, path: Path, source_file: str) -> list[FileResult]:
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # "workbook contains no default style" etc.
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        return [FileResult(source_file, "unknown", status="rejected",
                           message=f"not a readable XLSX workbook ({type(e).__name__}: {e})").finish()]
    results = []
    try:
        for ws in wb.worksheets:
            try:
                ws.reset_dimensions()                # some writers record wrong sheet dimensions
                rows = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
                results.append(_read_rows(con, rows, source_file, ws.title))
            except Exception as e:  # noqa: BLE001 - one broken sheet must not lose the others
                results.append(FileResult(source_file, "unknown", status="rejected",
                                          message=f"sheet {ws.title} could not be read ({type(e).__name__}: {e})",
                                          issues=[Issue(f"sheet {ws.title}", str(e))]).finish())
    finally:
        wb.close()
    if not results:
        return [FileResult(source_file, "unknown", status="rejected", message="workbook has no worksheets").finish()]
    if all(r.kind == "unknown" for r in results):
        # nothing recognised anywhere: the file as a whole is rejected, the sheets' reasons listed
        issues = [i for r in results for i in r.issues] or [Issue("workbook", r.message) for r in results]
        for i in issues:
            i.severity = "error"
        msg = "no sheet matches an export layout: " + " | ".join(r.message for r in results)
        return [FileResult(source_file, "unknown", status="rejected", message=msg, issues=issues).finish()]
    return results


# ----------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------

def read_export(con, path: Path, source_file: str) -> list[FileResult]:
    """Read one export file into visits / plans_of_care / authorizations. One FileResult per table found
    (per sheet for a workbook). Never raises on bad input."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        try:
            data = path.read_bytes()
        except OSError as e:
            return [FileResult(source_file, "unknown", status="rejected", message=f"cannot read file: {e}").finish()]
        if not data.strip():
            return [FileResult(source_file, "unknown", status="rejected", message="empty file").finish()]
        if data.startswith(ZIP_MAGIC):
            return _read_xlsx(con, path, source_file)
        if data.startswith(OLE_MAGIC):
            return [FileResult(source_file, "unknown", status="rejected",
                               message="Excel 97-2003 (.xls) or password-protected workbook: not supported; "
                                       "open it in Excel and save as .xlsx (without a password) or CSV").finish()]
        if suffix in (".xlsx", ".xlsm") and not data.startswith(ZIP_MAGIC) and b"\x00" in data[:8192]:
            return [FileResult(source_file, "unknown", status="rejected",
                               message=f"not a readable {suffix} workbook (not a ZIP file)").finish()]
        head = data[:8192]
        if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and (
                b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 20):
            return [FileResult(source_file, "unknown", status="rejected",
                               message="binary file: not a CSV/TSV text export or an XLSX workbook").finish()]
        if head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
            return [FileResult(source_file, "unknown", status="rejected",
                               message="HTML/XML file saved with a spreadsheet extension: not supported; "
                                       "open it in Excel and save as .xlsx or CSV").finish()]
        return _read_text(con, data, source_file, suffix)
    except Exception as e:  # noqa: BLE001 - the contract: a bad file is reported, never raised
        return [FileResult(source_file, "unknown", status="rejected",
                           message=f"could not read export ({type(e).__name__}: {e})",
                           issues=[Issue("file", f"{type(e).__name__}: {e}")]).finish()]

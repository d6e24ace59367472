"""An export's cells as text, row-numbered: CSV/TSV through Arrow's CSV reader, XLSX through openpyxl.

A table is read in two parts: the *head* (the first rows, as Python lists, where the header row is
looked for) and the *body* (every row below the header, as an Arrow table of strings with the
spreadsheet row number of each row in `_row`). Nothing here interprets a value.

CSV rows are physical lines: a value never runs over a line break. This is what makes a broken quote
harmless. A stray or unterminated quote would otherwise make the CSV reader join the following lines
into one value, silently losing rows (issue 12). The fast path is Arrow's reader over the file's bytes;
its records are checked against the file's non-empty lines (records + invalid rows = lines). When they
disagree (a quoted value spans lines), every line is split on its own with Python's csv module in
strict mode, and a line whose quoting is broken is rejected with its row number. A row with more values
than the header (unless the extra ones are empty) is rejected; a shorter row is padded.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HEAD_ROWS = 60                # rows kept for finding the header row
DELIMITERS = [",", ";", "\t", "|"]
XLSX_FULL_LOAD_BYTES = 10 << 20   # smaller workbooks are loaded fully, so merged cells can be filled
BROKEN_QUOTE = "broken quoting (a quote is not closed on its line, or a value runs over several lines)"


@dataclass
class Body:
    table: pa.Table                                   # _row int64, c0..c{n-1} string ('' when empty)
    rejected: list[tuple[int, str]] = field(default_factory=list)   # rows that could not be split
    short: dict[int, int] = field(default_factory=dict)   # row -> its number of values, when fewer than the header


@dataclass
class Sheet:
    name: str | None                                  # worksheet title; None for a CSV
    head: list[list[str]]                             # the first rows, cells as text
    head_numbers: list[int]                           # their row numbers (1-based)
    read_body: Callable[[int, int], Body]             # (header row number, columns) -> the rows below
    delimiter: str | None = None
    merged: bool = False                              # merged cells were filled (XLSX)


def _empty_body(ncols: int) -> Body:
    return Body(_table([], [[] for _ in range(ncols)]))


def _table(rows: list[int], columns: list[list[str]]) -> pa.Table:
    arrays = {"_row": pa.array(rows, type=pa.int64())}
    for i, col in enumerate(columns):
        arrays[f"c{i}"] = pa.array(col, type=pa.string())
    return pa.table(arrays)


def _fit(fields: list[str], ncols: int) -> tuple[list[str] | None, str | None]:
    """A row's values fitted to the header's width: padded (the loader then rejects the row if it is
    data: a missing delimiter shifts every value after it into the wrong column), or trimmed of empty
    extras."""
    if len(fields) <= ncols:
        return fields + [""] * (ncols - len(fields)), None
    extra = fields[ncols:]
    if all(not v.strip() for v in extra):
        return fields[:ncols], None
    return None, f"the row has {len(fields)} values, the header has {ncols}"


# ----------------------------------------------------------------------------------------------------
# CSV / text
# ----------------------------------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-16 with a BOM (Excel's 'Unicode text'), UTF-8 with or without a BOM, else Windows-1252,
    else Latin-1; NUL characters removed; line ends made '\\n'."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        for enc in ("utf-8-sig", "cp1252", "latin-1"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if "\x00" in text:
        text = text.replace("\x00", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def head_text(data: bytes, lines: int = HEAD_ROWS) -> str:
    """The first lines of a text file, decoded like `decode` (without decoding the whole file)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
            b"\r" in data[:1 << 16] and b"\r\n" not in data[:1 << 16]):
        return decode(data[:1 << 20])
    end, pos = len(data), 0
    for _ in range(lines):
        nl = data.find(b"\n", pos)
        if nl < 0:
            end = len(data)
            break
        end = pos = nl + 1
    return decode(data[:min(end, 1 << 20)])


def split_line(line: str, delimiter: str) -> list[str] | None:
    """One physical line split into values (Python's csv module, strict quoting); None when its quoting
    is broken."""
    try:
        return next(csv.reader([line], delimiter=delimiter, quotechar='"', doublequote=True, strict=True))
    except (csv.Error, StopIteration):
        return None


def csv_sheet(data: bytes, head: str, delimiter: str) -> Sheet:
    """A CSV read with one delimiter. `head` is `head_text(data)`; the whole file is decoded only when
    Arrow cannot read its bytes as they are."""
    head_rows, numbers = [], []
    for n, line in enumerate(head.split("\n")[:HEAD_ROWS], start=1):
        got = split_line(line, delimiter)
        head_rows.append(got if got is not None else [line])
        numbers.append(n)

    def read_body(header_row: int, ncols: int) -> Body:
        return _csv_body(data, delimiter, header_row, ncols)

    return Sheet(None, head_rows, numbers, read_body, delimiter=delimiter)


def _clean_bytes(data: bytes) -> bool:
    """True when Arrow can read the bytes as they are: no UTF-16, no NUL, no lone CR line ends."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        return False
    cr = data.count(b"\r")
    if cr and cr != data.count(b"\r\n"):
        return False
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def _line_offsets(buf: bytes, header_row: int, start: int = 0) -> int:
    """Byte offset of the line after `header_row` (1-based), counting from `start`."""
    pos = start
    for _ in range(header_row):
        nl = buf.find(b"\n", pos)
        if nl < 0:
            return len(buf)
        pos = nl + 1
    return pos


def _line_count(data: bytes, start: int) -> int:
    """Physical lines in data[start:] (a last line without its line end counts)."""
    if start >= len(data):
        return 0
    return data.count(b"\n", start) + (0 if data.endswith(b"\n") else 1)


def _nonempty_line_numbers(data: bytes, start: int, first_row: int) -> np.ndarray:
    """Row numbers of the non-empty lines of data[start:] (a line of only '\\r' is empty)."""
    if start >= len(data):
        return np.zeros(0, dtype=np.int64)
    arr = np.frombuffer(data, dtype=np.uint8, offset=start)
    nl = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [len(arr)]))
    lengths = ends - starts
    nonempty = lengths > 0
    cr_only = (lengths == 1) & (arr[np.minimum(starts, len(arr) - 1)] == 13)
    nonempty &= ~cr_only
    return np.flatnonzero(nonempty).astype(np.int64) + first_row


def _csv_body(data: bytes, delimiter: str, header_row: int, ncols: int) -> Body:
    if _clean_bytes(data):
        bom = 3 if data.startswith(codecs.BOM_UTF8) else 0
        got = _arrow_body(data, _line_offsets(data, header_row, bom), delimiter, header_row + 1, ncols)
        if got is not None:
            return got
    lines = decode(data).split("\n")[header_row:]
    return _python_body(lines, delimiter, header_row + 1, ncols)


def _arrow_body(data: bytes, start: int, delimiter: str, first_row: int, ncols: int) -> Body | None:
    """Arrow's reader over data[start:] (not copied); None when a record spans lines or the bytes are not
    UTF-8 (the caller then splits line by line)."""
    names = [f"c{i}" for i in range(ncols)]
    invalid: list[tuple[int, str]] = []

    def on_invalid(row) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    lines = _line_count(data, start)
    body = pa.py_buffer(data).slice(start)
    if lines == 0:
        return _empty_body(ncols)

    def read(threads: bool) -> pa.Table | None:
        try:
            return pacsv.read_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(column_names=names, use_threads=threads, block_size=4 << 20),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                                  escape_char=False, newlines_in_values=True,
                                                  ignore_empty_lines=True, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
        except (pa.ArrowInvalid, pa.ArrowException, ValueError):
            return None

    table = read(threads=True)                      # row numbers of invalid rows are only known unthreaded
    if table is not None and invalid:
        invalid.clear()
        table = read(threads=False)
    if table is None:
        return None
    if table.num_rows + len(invalid) == lines:         # every line is one record (the usual file)
        numbers = np.arange(first_row, first_row + lines, dtype=np.int64)
    else:                                              # empty lines, or a record that ran over a line break
        numbers = _nonempty_line_numbers(data, start, first_row)
        if table.num_rows + len(invalid) != len(numbers):
            return None
    if any(n is None or n < 1 for n, _ in invalid):
        return None
    keep = np.ones(len(numbers), dtype=bool)
    bad_idx = np.array([n - 1 for n, _ in invalid], dtype=np.int64)
    if len(bad_idx):
        keep[bad_idx] = False
    table = table.add_column(0, "_row", pa.array(numbers[keep], type=pa.int64()))
    if not invalid:
        return Body(table)
    rows, cols, rejected, short = [], [[] for _ in range(ncols)], [], {}
    for idx, (n, line) in zip(bad_idx.tolist(), invalid):
        _split_into(line.rstrip("\r"), int(numbers[idx]), delimiter, ncols, rows, cols, rejected, short)
    if rows:
        table = pa.concat_tables([table, _table(rows, cols)]).sort_by("_row")
    return Body(table, rejected, short)


def _python_body(lines: list[str], delimiter: str, first_row: int, ncols: int) -> Body:
    """Every physical line split on its own (strict quoting): a broken quote rejects its line only."""
    rows, cols, rejected, short = [], [[] for _ in range(ncols)], [], {}
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        _split_into(line, first_row + offset, delimiter, ncols, rows, cols, rejected, short)
    return Body(_table(rows, cols), rejected, short)


def _split_into(line: str, row_number: int, delimiter: str, ncols: int, rows: list, cols: list[list],
                rejected: list, short: dict) -> None:
    """One physical line split with strict quoting and fitted to ncols: its values appended to cols (and its
    number to rows), or its row number and reason to rejected; a short row's width noted in short."""
    fields = split_line(line, delimiter)
    if fields is None:
        rejected.append((row_number, BROKEN_QUOTE))
        return
    fitted, why = _fit(fields, ncols)
    if fitted is None:
        rejected.append((row_number, why))
        return
    if len(fields) < ncols:
        short[row_number] = len(fields)
    rows.append(row_number)
    for i, v in enumerate(fitted):
        cols[i].append(v)


def body_width(sheet: Sheet, header_index: int) -> int:
    """Columns to read: the header's, or more when the rows below it consistently have more values."""
    header = sheet.head[header_index]
    width = len(header)
    below = [len(r) for r in sheet.head[header_index + 1:] if any(v.strip() for v in r)]
    if below:
        common, count = Counter(below).most_common(1)[0]
        if common > width and count >= max(2, len(below) // 2):
            width = common
    return max(width, 1)


# ----------------------------------------------------------------------------------------------------
# XLSX
# ----------------------------------------------------------------------------------------------------

def cell_text(v) -> str:
    """A spreadsheet cell as the text a CSV export would carry."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return str(v)
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        if (v.hour, v.minute, v.second) == (0, 0, 0):
            return v.date().isoformat()
        return v.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.replace(microsecond=0).isoformat()
    if isinstance(v, dt.timedelta):
        secs = int(v.total_seconds())
        return f"{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    return str(v)


class WorkbookError(Exception):
    """The file is not a readable workbook; the message says why (no cell values in it)."""


def xlsx_sheets(path: Path) -> list[tuple[str, Sheet | None, str | None]]:
    """(title, sheet, error) per worksheet. Merged cells (in workbooks small enough to load fully) are
    filled with their top-left value, so a header merged over two columns or a patient merged over
    their visit rows reads like a plain table."""
    import warnings

    import openpyxl

    full = Path(path).stat().st_size <= XLSX_FULL_LOAD_BYTES
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # "workbook contains no default style" etc.
            wb = openpyxl.load_workbook(path, read_only=not full, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, AttributeError) as e:
        raise WorkbookError(type(e).__name__) from None
    out = []
    try:
        for ws in wb.worksheets:
            title = str(ws.title)
            try:
                if not full:
                    ws.reset_dimensions()            # some writers record wrong sheet dimensions
                rows = [[cell_text(v) for v in r] for r in ws.iter_rows(min_row=1, values_only=True)]
                merged = False
                if full and getattr(ws, "merged_cells", None) and ws.merged_cells.ranges:
                    merged = _fill_merged(rows, ws.merged_cells.ranges)
                out.append((title, _rows_sheet(title, rows, merged), None))
            except Exception as e:  # noqa: BLE001 - one broken sheet must not lose the others
                out.append((title, None, type(e).__name__))
    finally:
        wb.close()
    return out


def _fill_merged(rows: list[list[str]], ranges) -> bool:
    filled = False
    for rng in ranges:
        r0, c0, r1, c1 = rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1
        if r0 >= len(rows) or (r1 - r0 + 1) * (c1 - c0 + 1) > 1_000_000:
            continue
        top = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if not row[c]:
                    row[c] = top
                    filled = True
    return filled


def _rows_sheet(title: str | None, rows: list[list[str]], merged: bool = False) -> Sheet:
    head = [list(r) for r in rows[:HEAD_ROWS]]
    numbers = list(range(1, len(head) + 1))

    def read_body(header_row: int, ncols: int) -> Body:
        body_rows, cols, rejected = [], [[] for _ in range(ncols)], []
        for n, r in enumerate(rows[header_row:], start=header_row + 1):
            if not any(v.strip() for v in r):
                continue
            fitted, why = _fit(r, ncols)
            if fitted is None:
                rejected.append((n, why))
                continue
            body_rows.append(n)
            for i, v in enumerate(fitted):
                cols[i].append(v)
        return Body(_table(body_rows, cols), rejected)

    return Sheet(title, head, numbers, read_body, merged=merged)

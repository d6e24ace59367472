"""Rows of a recognised export -> visits / plans_of_care / authorizations, in bulk.

The body (every row below the header, all cells text, `_row` = spreadsheet row number) stays an Arrow
table. Each typed column is dictionary-encoded and its *distinct* texts are read once by the parsers of
export_values (a 650,000-row export has a few hundred distinct dates and codes); values, errors and
warnings are then gathered back to the rows with Arrow `take`. Required values that are missing or
unreadable reject their row; optional ones load as empty with a warning. Only rows with a problem are
looked at one by one (to word their messages), and the loaded rows go into DuckDB in one insert.

Every non-blank row below the header is counted once: rows read = loaded + rejected + skipped.
Skipped rows are not data: totals and subtotals, a repeated page header, a one-cell title, footer or
group label, and (visit exports) rows whose status says void, deleted, cancelled or no-show. A row is
only considered for skipping when it would otherwise be rejected (or, for the status, when it loads).

A visit-per-row export with several codes in one cell ('97530 x2, 97110') loads one visit line per
code. The visit's minutes are shared over its timed codes in proportion to their units (the visit
total is all the export gives); when the visit also has an untimed or unknown code its time cannot be
told apart, so the timed lines load without minutes and a warning says so. Minutes computed from start
and end times (no minutes column) are shared the same way over the codes of the session (patient, day,
start, end). A visit-level charge goes on the first line of the visit.
"""
from __future__ import annotations

import csv
import re
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..messages import place, shown
from ..resources import sql_dir
from . import aliases, export_values as ev
from .export_grid import Body, Sheet
from .export_recognize import Recognition
from .result import FileResult, Issue

MAX_ISSUES_PER_TABLE = 1000          # a broken 100k-row file should not flood ingest_issues

S, D, F, T, M, I = pa.string(), pa.date32(), pa.float64(), pa.time32("s"), pa.decimal128(12, 2), pa.int32()
# The stored columns of each raw table (sql/schema.sql) and their types.
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
DATE_FIELDS = {"dos", "patient_dob", "start_date", "end_date", "signed_date", "order_date", "transmitted_date",
               "dos_end"}
TIME_FIELDS = {"start_time", "end_time"}
MINUTE_FIELDS = {"minutes", "ota_minutes"}
MONEY_FIELDS = {"charge", "unit_charge"}
VALUE_FIELDS = {"provider_role", "note_type", "kind"}
TEXT_PAD = {"place_of_service": 2}

TOTALS_RX = re.compile(r"^\s*((grand|sub|report|page|patient|provider|clinic|daily|weekly|monthly|account|visit|"
                       r"location)[\s-]*)?totals?\b|\btotals?\s*:?\s*$", re.I)
NOTE_RX = re.compile(r"^\s*(page\s+\d+|printed|print date|run date|run on|report (date|generated|run|period)|"
                     r"generated|confidential|end of report|date range|period|from\s+\d|through\s+\d|"
                     r"\d{1,2}/\d{1,2}/\d{2,4}\s*(-|to|through|thru)\s*\d|created|exported|filters?:|clinic:|"
                     r"location:|provider:|therapist:|payer:|insurance:|\*\*\*)", re.I)


@lru_cache(maxsize=1)
def timed_codes() -> frozenset[str]:
    """Timed procedure codes (sql/seeds/codes.csv is_timed): the codes whose minutes count for units."""
    try:
        with (sql_dir() / "seeds" / "codes.csv").open(encoding="utf-8") as fh:
            return frozenset(r["cpt"] for r in csv.DictReader(fh) if r.get("is_timed", "").lower() == "true")
    except (OSError, KeyError):
        return frozenset()


def _encode(col: pa.Array) -> tuple[pa.Array, list[str]]:
    """(indices, distinct texts) of a string column."""
    d = pc.dictionary_encode(col)
    if isinstance(d, pa.ChunkedArray):
        d = d.combine_chunks()
    return d.indices, d.dictionary.to_pylist()


def _gather(values: list, typ: pa.DataType, indices: pa.Array) -> pa.Array:
    """Per-distinct values back to the rows. Strings stay dictionary-encoded (no string is copied per
    row); a None value makes its rows null."""
    if typ != S:
        return pa.array(values, type=typ).take(indices)
    nulls = [i for i, v in enumerate(values) if v is None]
    if nulls:
        idx = indices.to_numpy(zero_copy_only=False)
        indices = pa.array(idx, type=indices.type, mask=np.isin(idx, nulls))
    return pa.DictionaryArray.from_arrays(indices, pa.array([v if v is not None else "" for v in values], S))


def _null_empty(col: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """'' -> null, without copying the strings (a validity bitmap over the same buffers)."""
    if isinstance(col, pa.ChunkedArray):
        return pa.chunked_array([_null_empty(c) for c in col.chunks], type=S)
    keep = pc.not_equal(col, "")
    if keep.false_count == 0:
        return col
    if col.offset != 0 or col.null_count or keep.offset != 0:
        return pc.if_else(keep, col, pa.scalar(None, S))
    return pa.Array.from_buffers(S, len(col), [keep.buffers()[1], col.buffers()[1], col.buffers()[2]],
                                 null_count=keep.false_count)


def _may_have_spaces(col: pa.Array, ends: bool = True) -> bool:
    """Whether any value starts (or, with `ends`, ends) with white space: only then is trimming needed."""
    for ws in (" ", "\t"):
        if pc.any(pc.starts_with(col, ws)).as_py() or (ends and pc.any(pc.ends_with(col, ws)).as_py()):
            return True
    return False


def _parts_index(col: pa.Array) -> tuple[np.ndarray, list[str]]:
    """(indices with -1 for null, dictionary) of a string column, dictionary-encoded or not."""
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
    idx = col.indices.to_numpy(zero_copy_only=False)
    if col.null_count:
        idx = np.where(col.is_valid().to_numpy(zero_copy_only=False), idx, -1)
    return np.asarray(idx, dtype=np.int64), col.dictionary.to_pylist()


def _valid(a: pa.Array) -> np.ndarray:
    return np.asarray(a.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


class _Problems:
    """Errors (reject the row) and warnings (the row loads) of one table, column by column: string arrays
    aligned with the rows (null = no problem), or masks with a function that words the message."""

    def __init__(self, n: int):
        self.n = n
        self.errors: list = []
        self.warnings: list = []

    def add(self, kind: str, array: pa.Array | None = None, mask: np.ndarray | None = None, word=None) -> None:
        target = self.errors if kind == "error" else self.warnings
        if array is None and mask is None:
            return
        if array is not None:
            if array.null_count < len(array):
                target.append(("array", array))
        elif mask is not None and mask.any():
            target.append(("mask", mask, word))

    @staticmethod
    def _mask(src) -> np.ndarray:
        return _valid(src[1]) if src[0] == "array" else src[1]

    def mask(self, which: str) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        for src in (self.errors if which == "error" else self.warnings):
            out |= self._mask(src)
        return out

    def count(self, which: str, rows: np.ndarray) -> int:
        return int(sum(self._mask(src)[rows].sum() for src in (self.errors if which == "error" else self.warnings)))

    def messages(self, which: str, rows: np.ndarray) -> list[list[str]]:
        """The messages of each of `rows`, in column order."""
        out: list[list[str]] = [[] for _ in rows]
        for src in (self.errors if which == "error" else self.warnings):
            if src[0] == "array":
                got = src[1].take(pa.array(rows, type=pa.int64())).to_pylist()
                for k, msg in enumerate(got):
                    if msg is not None:
                        out[k].append(msg)
            else:
                mask, word = src[1], src[2]
                for k, r in enumerate(rows):
                    if mask[r]:
                        out[k].append(word(int(r)))
        return out


class _Loader:
    def __init__(self, con, kind: str, sheet: Sheet, rec: Recognition, body: Body, source_file: str, tag: str):
        self.con, self.kind, self.sheet, self.rec, self.body = con, kind, sheet, rec, body
        self.source_file, self.tag = source_file, tag
        self.mapping = rec.mapping
        self.day_first = bool(self.mapping and self.mapping.day_first)
        self.cols = dict(rec.columns)
        self.infos: list[Issue] = []

    def where(self, row: int | None = None, column: str | None = None) -> str:
        return place(row=row, sheet=self.sheet.name, column=column)

    # -- distinct-value conversions -------------------------------------------------------------------
    def encoded(self, fld: str) -> tuple[pa.Array, list[str]]:
        """(indices, distinct texts, stripped) of a column."""
        if fld not in self._enc:
            idx, texts = _encode(self.raw[fld])
            self._enc[fld] = (idx, [t.strip() for t in texts])
        return self._enc[fld]

    def blank(self, fld: str) -> np.ndarray:
        idx, texts = self.encoded(fld)
        ids = [i for i, t in enumerate(texts) if not t]
        return np.isin(idx.to_numpy(zero_copy_only=False), ids) if ids else np.zeros(len(idx), dtype=bool)

    def convert(self, fld: str, typ: pa.DataType, fn, required: bool) -> tuple[pa.Array, pa.Array]:
        """(values, problems) of a column: each distinct text parsed once."""
        idx, texts = self.encoded(fld)
        vals, errs = [], []
        for t in texts:
            if not t:
                vals.append(None), errs.append(None)
                continue
            try:
                vals.append(fn(t)), errs.append(None)
            except ev.BadValue as e:
                vals.append(None), errs.append(str(e) if required else f"{e}; loaded as empty")
        return _gather(vals, typ, idx), (_gather(errs, S, idx) if any(errs) else None)

    def choices(self, fld: str) -> tuple[pa.Array, pa.Array]:
        """note_type / provider_role / kind / payer: the mapping's value map first, then the spellings and
        key-word rules of aliases; an unknown value is stored as given with a warning."""
        given = {aliases.normalize_header(k): v
                 for k, v in (self.mapping.values.get(fld, {}) if self.mapping else {}).items()}
        idx, texts = self.encoded(fld)
        vals, warns = [], []
        for t in texts:
            if not t:
                vals.append(None), warns.append(None)
                continue
            hit = given.get(aliases.normalize_header(t))
            if hit is not None:
                vals.append(hit), warns.append(None)
            elif fld == "payer":
                vals.append(ev.text(t)), warns.append(None)
            else:
                value, by_rule = aliases.match_value(t, fld)
                if value is None:
                    choices = ", ".join(sorted(aliases.value_choices(fld)))
                    vals.append(t.upper() if fld == "provider_role" else t.lower())
                    warns.append(f"{ev.q(t, fld)} is not one of {choices}; stored as given")
                else:
                    vals.append(value), warns.append(None)
                    if by_rule:
                        self.infos.append(Issue(self.where(self.rec.header_row, fld),
                                                f"{fld} {shown(t, fld)} read as {value}", "info"))
        return _gather(vals, S, idx), (_gather(warns, S, idx) if any(warns) else None)

    def modifiers(self, fld: str) -> tuple[pa.Array, pa.Array]:
        idx, texts = self.encoded(fld)
        vals, warns = [], []
        for t in texts:
            toks = ev.modifier_tokens(t) if t else []
            bad = [x for x in toks if len(x) != 2 or not x.isalnum()]
            vals.append(";".join(toks))
            warns.append(f"modifier(s) {', '.join(shown(x) for x in bad[:4])} are not two-character codes; "
                         "stored as given" if bad else None)
        return _gather(vals, S, idx), (_gather(warns, S, idx) if any(warns) else None)

    def text(self, fld: str) -> pa.Array:
        col = self.trimmed(fld)
        if fld in TEXT_PAD or pc.any(pc.ends_with(col, ".0")).as_py():
            idx, texts = _encode(col)
            return _gather([ev.text(t, TEXT_PAD.get(fld, 0)) for t in texts], S, idx)
        return _null_empty(col)

    def trimmed(self, fld: str) -> pa.Array:
        if fld not in self._trim:
            col = self.raw[fld]
            self._trim[fld] = pc.utf8_trim_whitespace(col) if _may_have_spaces(col) else col
        return self._trim[fld]

    def codes(self) -> dict:
        """The procedure-code cells: per row the list of its codes, their modifiers, counts, minute shares."""
        idx, texts = self.encoded("cpt")
        timed = timed_codes()
        cells = {"codes": [], "mods": [], "units": [], "shares": [], "timed": [], "n": [], "u1": [], "err": [],
                 "split": []}
        for t in texts:
            try:
                if not t:
                    raise ev.BadValue("")
                its = ev.code_items(t)
            except ev.BadValue as e:
                for k in ("codes", "mods", "units", "shares", "timed", "n", "u1", "split"):
                    cells[k].append(None)
                cells["err"].append(str(e) or None)
                continue
            shares, split = [None] * len(its), None
            if len(its) > 1:
                counts = [it.units if it.units is not None else 1.0 for it in its]
                if all(it.code in timed for it in its):
                    shares = [u / sum(counts) for u in counts]
                else:
                    split = ("the minutes are for the whole visit, which has an untimed or unknown code ("
                             + ", ".join(it.code for it in its if it.code not in timed)
                             + "): its timed codes load without minutes")
            cells["codes"].append([it.code for it in its])
            cells["mods"].append([";".join(it.modifiers) for it in its])
            cells["units"].append([it.units for it in its])
            cells["shares"].append(shares)
            cells["timed"].append([it.code in timed for it in its])
            cells["n"].append(len(its))
            cells["u1"].append(its[0].units if len(its) == 1 else None)
            cells["err"].append(None)
            cells["split"].append(split)
        err = _gather(cells["err"], S, idx) if any(cells["err"]) else pa.nulls(len(idx), S)
        n = _gather(cells["n"], pa.int32(), idx)
        if all(k is None or k <= 1 for k in cells["n"]):
            # one code per cell (the usual export): plain columns, no lists
            first = lambda key: [None if v is None else v[0] for v in cells[key]]   # noqa: E731
            return {"single": True, "n": n, "u1": _gather(cells["u1"], F, idx), "err": err,
                    "split": pa.nulls(len(idx), S), "code1": _gather(first("codes"), S, idx),
                    "mods1": _gather(first("mods"), S, idx), "units1": _gather(first("units"), F, idx),
                    "timed1": _gather(first("timed"), pa.bool_(), idx)}
        types = {"codes": pa.list_(S), "mods": pa.list_(S), "units": pa.list_(F), "shares": pa.list_(F),
                 "timed": pa.list_(pa.bool_()), "u1": F}
        out = {k: pa.array(cells[k], type=t).take(idx) for k, t in types.items()}
        out.update(single=False, n=n, err=err,
                   split=_gather(cells["split"], S, idx).dictionary_decode() if any(cells["split"])
                   else pa.nulls(len(idx), S))
        return out

    # -- the load -------------------------------------------------------------------------------------
    def run(self) -> FileResult:
        kind, cols, rec = self.kind, self.cols, self.rec
        res = FileResult(source_file=self.source_file, kind=kind)
        table = self.body.table
        width = table.num_columns - 1
        raw_cols = [table.column(f"c{i}") for i in range(width)]          # chunked: never copied whole
        filled = np.zeros(table.num_rows, dtype=np.int32)
        for c in raw_cols:                          # a cell of only spaces is blank
            has = pc.greater(pc.binary_length(c), 0)
            if _may_have_spaces(c, ends=False):
                has = pc.and_not(has, pc.utf8_is_space(c))
            filled += np.asarray(has.to_numpy(zero_copy_only=False), dtype=np.int32)
        keep = np.flatnonzero(filled > 0)                          # blank rows are not rows
        everything = len(keep) == table.num_rows
        take = pa.array(keep, type=pa.int64())

        def rows_of(a: pa.Array) -> pa.Array:
            return a if everything else a.take(take)

        rows = np.asarray(rows_of(table.column("_row")).to_numpy(), dtype=np.int64)
        filled = filled[keep]
        n = len(keep)
        self.raw = {f: rows_of(raw_cols[i]) for f, i in cols.items()}
        self.raw_cols, self.keep = raw_cols, keep
        self._enc: dict[str, tuple[pa.Array, list[str]]] = {}
        self._trim: dict[str, pa.Array] = {}

        types = TABLE_TYPES[kind]
        required = aliases.LAYOUTS[kind]["required"]
        probs = _Problems(n)
        vals: dict[str, pa.Array] = {}
        code = None

        for fld in required:
            if fld in cols and not (kind == "visits" and fld == "units"):
                if fld in ("patient_id", "auth_number"):
                    empty = np.asarray(pc.equal(self.trimmed(fld), "").to_numpy(zero_copy_only=False), dtype=bool)
                else:
                    empty = self.blank(fld)
                probs.add("error", mask=empty, word=lambda r, f=fld: f"{f} is empty")
        fields = [f for f in types if f in cols and f != "modifiers"]
        fields += [f for f in ("dos_end", "unit_charge") if f in cols]
        for fld in fields:
            req = fld in required
            if fld == "cpt":
                code = self.codes()
                probs.add("error", array=code["err"])
            elif fld in DATE_FIELDS:
                vals[fld], p = self.convert(fld, D, lambda v, f=fld: ev.date(v, f, self.day_first), req)
                probs.add("error" if req else "warning", array=p)
            elif fld in TIME_FIELDS:
                vals[fld], p = self.convert(fld, T, lambda v, f=fld: ev.time(v, f), False)
                probs.add("warning", array=p)
            elif fld == "units":
                vals[fld], p = self.convert(fld, F, lambda v: ev.units(v, "units"), True)
                probs.add("error", array=p)
            elif fld in MINUTE_FIELDS:
                vals[fld], p = self.convert(fld, F, lambda v, f=fld: ev.minutes(v, f), False)
                probs.add("warning", array=p)
            elif fld == "visits_authorized":
                vals[fld], p = self.convert(fld, I, lambda v: ev.whole(v, "visits_authorized"), False)
                probs.add("warning", array=p)
            elif fld in MONEY_FIELDS:
                vals[fld], p = self.convert(fld, M, lambda v, f=fld: ev.money(v, f), False)
                probs.add("warning", array=p)
            elif fld in VALUE_FIELDS or (fld == "payer" and self.mapping and self.mapping.values.get("payer")):
                vals[fld], p = self.choices(fld)
                probs.add("warning", array=p)
            else:                                               # identifiers and names
                vals[fld] = self.text(fld)
        mod_cols = [m for m in MODIFIER_COLUMNS if m in cols] if kind == "visits" else []
        for m in mod_cols:
            vals[m], p = self.modifiers(m)
            probs.add("warning", array=p)

        if kind == "visits":
            n_items = np.asarray(code["n"].fill_null(0).to_numpy(zero_copy_only=False))
            u1 = code["u1"]
            if "units" in cols:
                units = vals["units"]
                blank_units = self.blank("units")
                probs.add("error", mask=(n_items == 1) & blank_units & ~_valid(u1),
                          word=lambda r: "units is empty")
                u_np = units.to_numpy(zero_copy_only=False)
                u1_np = u1.to_numpy(zero_copy_only=False)
                both = _valid(units) & _valid(u1)
                probs.add("error", mask=both & (n_items == 1) & (u_np != u1_np),
                          word=lambda r: f"units {u_np[r]:g} but the code cell says x{u1_np[r]:g}")
                if not code["single"]:
                    cell_sum = self._cell_unit_sums(code)
                    probs.add("warning", mask=(n_items > 1) & _valid(units) & (u_np != cell_sum),
                              word=lambda r: f"units {u_np[r]:g} differs from the counts in the code cell "
                                             f"({cell_sum[r]:g}); the cell's counts are used")
            if "dos_end" in cols and "dos" in vals:
                d0 = vals["dos"].to_numpy(zero_copy_only=False)
                d1 = vals["dos_end"].to_numpy(zero_copy_only=False)
                both = _valid(vals["dos"]) & _valid(vals["dos_end"])
                probs.add("warning", mask=both & (d0 != d1),
                          word=lambda r: f"the service dates run to {d1[r]} (dos_end); loaded with dos {d0[r]}")
            if "minutes" in cols and code["split"].null_count < len(code["split"]):
                probs.add("warning", array=pc.if_else(pc.and_(pc.greater(code["n"], 1), vals["minutes"].is_valid()),
                                                      code["split"], pa.scalar(None, S)))
        elif "start_date" in vals and "end_date" in vals:
            s0 = vals["start_date"].to_numpy(zero_copy_only=False)
            e0 = vals["end_date"].to_numpy(zero_copy_only=False)
            both = _valid(vals["start_date"]) & _valid(vals["end_date"])
            probs.add("warning", mask=both & (e0 < s0), word=lambda r: f"end_date {e0[r]} is before start_date {s0[r]}")

        # a row with fewer values than the header has its values in the wrong columns: never data
        if self.body.short:
            short_n = np.array([self.body.short.get(int(r), 0) for r in rows])
            probs.add("error", mask=short_n > 0, word=lambda r: "")
            self.short_n = short_n
        else:
            self.short_n = None
        # which rows fail, which are not data
        failing = probs.mask("error")
        skip = np.full(n, "", dtype=object)
        good = np.flatnonzero(~failing)
        last_good = int(good[-1]) if len(good) else -1
        for r in np.flatnonzero(failing):
            skip[r] = self._not_data(int(r), int(filled[r]))
            if not skip[r] and r > last_good and filled[r] <= 3:
                skip[r] = "note"                       # a footer below the data: 'Visits, 4', 'Printed by ...'

        if kind == "visits" and "row_status" in cols:
            status = pc.utf8_lower(self.trimmed("row_status"))
            hit = pc.is_in(status, value_set=pa.array(aliases.SKIPPED_STATUSES, S))
            if aliases.normalize_header(rec.header_cells[cols["row_status"]]) == "exportflag":
                hit = pc.or_(hit, pc.equal(status, aliases.EXPORT_FLAG_REMOVED))
            void = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool) & ~failing
            skip[void] = "status"
        skipped = skip != ""
        ok = ~failing & ~skipped
        rejected = failing & ~skipped
        res.lines_loaded = int(ok.sum())
        res.lines_rejected = int(rejected.sum()) + len(self.body.rejected)
        res.lines_skipped = int(skipped.sum())

        self._issues(res, probs, rows, ok, rejected, skip)
        if res.lines_loaded:
            sel = np.flatnonzero(ok)
            if kind == "visits":
                lines = self._insert_visits(sel, rows, vals, code)
                if lines != len(sel):
                    self.infos.append(Issue(self.where(rec.header_row),
                                            f"{len(sel)} rows loaded as {lines} visit lines (several codes in one "
                                            "cell)", "info"))
            else:
                self._insert_plain(sel, rows, vals)
        res.issues[:0] = self.infos
        if n == 0 and not self.body.rejected:
            res.message = "0 rows loaded (the header has no data rows below it)"
        return res

    @staticmethod
    def _cell_unit_sums(code: dict) -> np.ndarray:
        units = code["units"]
        flat = pc.list_flatten(units).fill_null(1.0).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(units).to_numpy(zero_copy_only=False)
        out = np.zeros(len(units), dtype=float)
        np.add.at(out, parents, flat)
        return out

    def _not_data(self, r: int, filled: int) -> str:
        """Why a failing row is not data ('' when it is data): a total, a note, or a repeated header."""
        cells = [(c[int(self.keep[r])].as_py() or "").strip() for c in self.raw_cols]
        if any(TOTALS_RX.search(c) for c in cells if c and len(c) < 200):
            return "total"
        if filled <= 1:
            return "note"
        if filled <= 3 and any(NOTE_RX.match(c) for c in cells if c and len(c) < 200):
            return "note"
        header = [aliases.normalize_header(h) for h in self.rec.header_cells]
        same = sum(1 for i, c in enumerate(cells) if c and i < len(header) and header[i]
                   and aliases.normalize_header(c) == header[i])
        mapped = sum(1 for i in self.cols.values() if i < len(header) and header[i])
        if same >= max(2, mapped // 2 + 1):
            return "header"
        return ""

    def _issues(self, res: FileResult, probs: _Problems, rows: np.ndarray, ok: np.ndarray, rejected: np.ndarray,
                skip: np.ndarray) -> None:
        rec = self.rec
        for u in rec.uses:
            if u.field and u.rule and u.rule != "mapping":
                self.infos.append(Issue(self.where(rec.header_row), f"{shown(u.header)} read as {u.field}", "info"))
        problems: list[tuple[int, int, Issue]] = []
        for u in rec.uses:
            if u.note and u.header.strip():
                problems.append((rec.header_row or 0, 1, Issue(self.where(rec.header_row),
                                                               f"column {shown(u.header)} {u.note}", "warning")))
        for n, reason in self.body.rejected[:MAX_ISSUES_PER_TABLE + 1]:
            problems.append((n, 0, Issue(self.where(n), reason, "error")))
        bad = np.flatnonzero(rejected)
        width = self.body.table.num_columns - 1
        for r, msgs in zip(bad[:MAX_ISSUES_PER_TABLE + 1], probs.messages("error", bad[:MAX_ISSUES_PER_TABLE + 1])):
            if self.short_n is not None and self.short_n[r]:
                # its values sit in the wrong columns: none is quoted (a name could sit under 'dos')
                msgs = [f"the row has {self.short_n[r]} values, the header has {width} (a missing delimiter or "
                        "quote?); not loaded"]
            problems.append((int(rows[r]), 0, Issue(self.where(int(rows[r])), "; ".join(m for m in msgs if m), "error")))
        warned = np.flatnonzero(ok & probs.mask("warning"))
        for r, msgs in zip(warned[:MAX_ISSUES_PER_TABLE + 1], probs.messages("warning", warned[:MAX_ISSUES_PER_TABLE + 1])):
            problems.extend((int(rows[r]), 1, Issue(self.where(int(rows[r])), m, "warning")) for m in msgs)
        n_problems = (len(self.body.rejected) + len(bad) + probs.count("warning", warned)
                      + sum(1 for u in rec.uses if u.note and u.header.strip()))
        problems.sort(key=lambda t: (t[0], t[1]))
        listed = [i for _, _, i in problems][:MAX_ISSUES_PER_TABLE]
        res.issues.extend(listed)
        if n_problems > len(listed):
            res.issues.append(Issue(self.where(rec.header_row),
                                    f"{n_problems - len(listed)} more problem(s) not listed", "warning"))
        for what, label in (("total", "total/subtotal row(s)"), ("header", "repeated header row(s)"),
                            ("note", "title, footer or note row(s)"), ("status", "void, deleted or cancelled row(s)")):
            at = np.flatnonzero(skip == what)
            if len(at):
                listed_rows = ", ".join(str(int(rows[r])) for r in at[:5]) + (" …" if len(at) > 5 else "")
                self.infos.append(Issue(self.where(rec.header_row),
                                        f"{len(at)} {label} skipped (rows {listed_rows})", "info"))

    # -- inserts --------------------------------------------------------------------------------------
    def _tail(self, rows: np.ndarray) -> dict[str, pa.Array]:
        n = len(rows)
        zeros = pa.array(np.zeros(n, dtype=np.int32))
        return {"source_file": pa.DictionaryArray.from_arrays(zeros, pa.array([self.source_file], S)),
                "source_sheet": pa.nulls(n, S) if self.sheet.name is None
                else pa.DictionaryArray.from_arrays(zeros, pa.array([self.sheet.name], S)),
                "row_number": pa.array(rows, type=pa.int32())}

    def _write(self, table: pa.Table, sql: str | None = None) -> int:
        name = f"_export_{self.kind}_{self.tag}"
        self.con.register(name, table)
        try:
            select = sql.format(t=name) if sql else f"select * from {name}"
            self.con.execute(f"insert into {self.kind} by name {select}")
        finally:
            self.con.unregister(name)
        return table.num_rows

    def _insert_plain(self, sel: np.ndarray, rows: np.ndarray, vals: dict) -> int:
        take = pa.array(sel, type=pa.int64())
        arrays = {c: (vals[c].take(take) if c in vals else pa.nulls(len(sel), t))
                  for c, t in TABLE_TYPES[self.kind].items()}
        arrays.update(self._tail(rows[sel]))
        return self._write(pa.table(arrays))

    def _insert_visits(self, sel: np.ndarray, rows: np.ndarray, vals: dict, code: dict) -> int:
        cols = self.cols
        all_rows = len(sel) == len(code["n"])
        take = pa.array(sel, type=pa.int64())

        def rows_of(a: pa.Array) -> pa.Array:
            return a if all_rows else a.take(take)

        if code["single"]:
            parent = np.arange(len(sel), dtype=np.int64)
            item_no = np.ones(len(sel), dtype=np.int64)
            line_take = take

            def lines_of(a: pa.Array) -> pa.Array:
                return rows_of(a)

            def flat(key):
                return rows_of(code[key + "1"])
        else:
            codes = rows_of(code["codes"])
            parent = np.asarray(pc.list_parent_indices(codes).to_numpy(zero_copy_only=False), dtype=np.int64)
            offsets = np.asarray(codes.offsets.to_numpy(), dtype=np.int64)
            item_no = np.arange(len(parent), dtype=np.int64) - offsets[parent] + 1
            line_take = pa.array(sel[parent], type=pa.int64())      # each line's row (index into the rows)

            def lines_of(a: pa.Array) -> pa.Array:
                return a.take(line_take)

            def flat(key):
                return pc.list_flatten(rows_of(code[key]))

        n_items = np.asarray(lines_of(code["n"]).to_numpy(zero_copy_only=False))
        single = n_items == 1

        it_units = flat("units").to_numpy(zero_copy_only=False).astype(float)       # NaN when no count
        shares = (np.full(len(parent), np.nan) if code["single"]
                  else flat("shares").to_numpy(zero_copy_only=False).astype(float))
        timed = np.asarray(flat("timed").fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        if "units" in cols:
            col_units = lines_of(vals["units"]).to_numpy(zero_copy_only=False).astype(float)
        else:
            col_units = np.full(len(parent), np.nan)
        units = np.where(~np.isnan(it_units), it_units, np.where(single & ~np.isnan(col_units), col_units, 1.0))

        arrays: dict[str, pa.Array] = {}
        for c, t in TABLE_TYPES["visits"].items():
            if c in ("cpt", "units", "minutes", "modifiers", "ota_minutes", "charge"):
                continue
            arrays[c] = lines_of(vals[c]) if c in vals else pa.nulls(len(parent), t)
        arrays["cpt"] = flat("code") if code["single"] else flat("codes")
        arrays["units"] = pa.array(units, F)

        time_minutes = "minutes" not in cols and "start_time" in cols and "end_time" in cols
        for c in ("minutes", "ota_minutes"):
            if c in cols:
                v = lines_of(vals[c]).to_numpy(zero_copy_only=False).astype(float)
                m = np.where(single, v, np.round(v * shares, 4))
                arrays[c] = pa.array(m, F, from_pandas=True)
            else:
                arrays[c] = pa.nulls(len(parent), F)
        if "charge" in cols:
            charge = lines_of(vals["charge"])
            arrays["charge"] = pc.if_else(pa.array(single | (item_no == 1)), charge, pa.scalar(None, M))
        elif "unit_charge" in cols:
            uc = lines_of(vals["unit_charge"]).to_numpy(zero_copy_only=False)
            arrays["charge"] = pa.array([None if u is None else (u * Decimal(repr(float(q)))).quantize(Decimal("0.01"))
                                         for u, q in zip(uc, units)], M)
        else:
            arrays["charge"] = pa.nulls(len(parent), M)

        # modifiers: the code cell's, then the modifier columns', in order, each once
        parts = [_parts_index(flat("mods"))] + [_parts_index(lines_of(vals[m])) for m in MODIFIER_COLUMNS if m in vals]
        key = np.zeros(len(parent), dtype=np.int64)
        for idx, dictionary in parts:                               # one key per combination of values
            key, _ = pd.factorize(key * (len(dictionary) + 1) + (idx + 1))
        combos, first = np.unique(key, return_index=True)
        merged = []
        for r in first:
            tokens = []
            for idx, dictionary in parts:
                if idx[r] >= 0:
                    tokens.extend(t for t in dictionary[idx[r]].split(";") if t)
            merged.append(";".join(dict.fromkeys(tokens)))
        if not any(m in cols for m in MODIFIER_COLUMNS):
            merged = [m or None for m in merged]                    # no modifier column: unknown, not none
        arrays["modifiers"] = _gather(merged, S, pa.array(np.searchsorted(combos, key), type=pa.int32()))
        arrays.update(self._tail(rows[sel[parent]]))
        table = pa.table(arrays)
        if not time_minutes:
            return self._write(table)
        self.infos.append(Issue(self.where(self.rec.header_row),
                                "minutes computed from start and end times (no minutes column), shared over each "
                                "session's timed codes by units; a session with an untimed code loads without "
                                "minutes", "info"))
        table = table.append_column("_timed", pa.array(timed)).append_column("_item", pa.array(item_no))
        cols_sql = ", ".join(f'"{c}"' for c in table.column_names if c not in ("minutes", "_timed", "_item"))
        return self._write(table, f"""
            select {cols_sql},
                   case when not _timed or not bool_and(_timed) over session or end_time <= start_time then null
                        else date_diff('second', start_time, end_time) / 60.0 * units / sum(units) over session
                   end as minutes
            from {{t}}
            window session as (partition by patient_id, dos, start_time, end_time, source_sheet)
            order by row_number, _item""")


def load_rows(con, kind: str, sheet: Sheet, rec: Recognition, body: Body, source_file: str, tag: str) -> FileResult:
    """Load the rows of one recognised table; one FileResult with counts and issues."""
    return _Loader(con, kind, sheet, rec, body, source_file, tag).run()


__all__ = ["TABLE_TYPES", "load_rows", "timed_codes", "MAX_ISSUES_PER_TABLE"]

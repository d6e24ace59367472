"""Rows of a recognised export -> visits / plans_of_care / authorizations, in bulk.

The body (every row below the header, all cells text, `_row` = spreadsheet row number) is registered
in DuckDB as it comes from Arrow. Each typed column is converted once per *distinct* text by the
parsers of export_values (a 650,000-row export has a few hundred distinct dates and codes) and joined
back; required values that are missing or unreadable reject their row, optional ones load as empty
with a warning. Everything else is set-based SQL: no Python loop over rows.

Every non-blank row below the header is counted once: rows read = loaded + rejected + skipped.
Skipped rows are not data: totals and subtotals, a repeated page header, a one-cell title, footer or
group label, and (visit exports) rows whose status says void, deleted, cancelled or no-show.

A visit-per-row export with several codes in one cell ('97530 x2, 97110') loads one visit line per
code. The visit's minutes are shared over its timed codes in proportion to their units (the visit
total is all the export gives); when the visit also has an untimed or unknown code, its time cannot
be told apart, so the timed lines load without minutes and a warning says so. The same holds for
minutes computed from start and end times (no minutes column): shared over the codes of the session.
A visit-level charge goes on the first line of the visit.
"""
from __future__ import annotations

import csv
from functools import lru_cache

import pyarrow as pa

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
SQL_TYPES = {S: "varchar", D: "date", F: "double", T: "time", M: "decimal(12,2)", I: "integer"}
MODIFIER_COLUMNS = ("modifiers", "modifier_1", "modifier_2", "modifier_3", "modifier_4")
DATE_FIELDS = {"dos", "patient_dob", "start_date", "end_date", "signed_date", "order_date", "transmitted_date",
               "dos_end"}
TIME_FIELDS = {"start_time", "end_time"}
MINUTE_FIELDS = {"minutes", "ota_minutes"}
MONEY_FIELDS = {"charge", "unit_charge"}
VALUE_FIELDS = {"provider_role", "note_type", "kind"}
TEXT_PAD = {"place_of_service": 2}

TOTALS_RX = (r"(?i)^\s*((grand|sub|report|page|patient|provider|clinic|daily|weekly|monthly|account|visit|"
             r"location)[\s-]*)?totals?\b|(?i)\btotals?\s*:?\s*$")
NOTE_RX = (r"(?i)^\s*(page\s+\d+|printed|print date|run date|run on|report (date|generated|run|period)|generated|"
           r"confidential|end of report|date range|period|from\s+\d|through\s+\d|\d{1,2}/\d{1,2}/\d{2,4}\s*(-|to|"
           r"through|thru)\s*\d|created|exported|filters?:|clinic:|location:|provider:|therapist:|payer:|"
           r"insurance:|\*\*\*)")


@lru_cache(maxsize=1)
def timed_codes() -> frozenset[str]:
    """Timed procedure codes (sql/seeds/codes.csv is_timed): the codes whose minutes count for units."""
    try:
        with (sql_dir() / "seeds" / "codes.csv").open(encoding="utf-8") as fh:
            return frozenset(r["cpt"] for r in csv.DictReader(fh) if r.get("is_timed", "").lower() == "true")
    except (OSError, KeyError):
        return frozenset()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Loader:
    def __init__(self, con, kind: str, sheet: Sheet, rec: Recognition, body: Body, source_file: str, tag: str):
        self.con, self.kind, self.sheet, self.rec, self.body = con, kind, sheet, rec, body
        self.source_file = source_file
        self.tag = tag                                   # unique suffix of this load's temp names
        self.mapping = rec.mapping
        self.day_first = bool(self.mapping and self.mapping.day_first)
        self.cols = dict(rec.columns)
        self.registered: list[str] = []
        self.created: list[str] = []
        self.infos: list[Issue] = []

    # -- helpers --------------------------------------------------------------------------------------
    def name(self, what: str) -> str:
        return f"_exp_{what}_{self.tag}"

    def register(self, what: str, table: pa.Table) -> str:
        n = self.name(what)
        self.con.register(n, table)
        self.registered.append(n)
        return n

    def where(self, row: int | None = None, column: str | None = None) -> str:
        return place(row=row, sheet=self.sheet.name, column=column)

    def cleanup(self) -> None:
        for n in self.created:
            try:
                self.con.execute(f"drop table if exists {n}")
            except Exception:  # noqa: BLE001 - cleanup must not hide the real result
                pass
        for n in self.registered:
            try:
                self.con.unregister(n)
            except Exception:  # noqa: BLE001
                pass

    # -- distinct-value conversions -------------------------------------------------------------------
    def distinct(self, fld: str) -> list[str]:
        return [r[0] for r in self.con.execute(
            f"select distinct {_ident('r_' + fld)} from {self.name('raw')} where {_ident('r_' + fld)} <> ''").fetchall()]

    def value_map(self, fld: str, typ: pa.DataType, fn, required: bool) -> str:
        raws, vals, errs = [], [], []
        for raw in self.distinct(fld):
            raws.append(raw)
            try:
                vals.append(fn(raw))
                errs.append(None)
            except ev.BadValue as e:
                vals.append(None)
                errs.append(str(e) if required else f"{e}; loaded as empty")
        return self.register(f"m_{fld}", pa.table({"raw": pa.array(raws, S), "v": pa.array(vals, typ),
                                                    "e": pa.array(errs, S)}))

    def code_map(self) -> str:
        timed = timed_codes()
        raws, items, ns, u1s, errs, splits = [], [], [], [], [], []
        for raw in self.distinct("cpt"):
            raws.append(raw)
            try:
                its = ev.code_items(raw)
            except ev.BadValue as e:
                items.append(None), ns.append(None), u1s.append(None), errs.append(str(e)), splits.append(None)
                continue
            shares, split_warn = [None] * len(its), None
            if len(its) > 1:
                units = [it.units if it.units is not None else 1.0 for it in its]
                if all(it.code in timed for it in its):
                    total = sum(units)
                    shares = [u / total for u in units]
                else:
                    split_warn = ("minutes are for the whole visit, which has an untimed or unknown code "
                                  f"({', '.join(it.code for it in its if it.code not in timed)}): its timed "
                                  "codes load without minutes")
            items.append([{"code": it.code, "mods": ";".join(it.modifiers), "units": it.units, "share": sh,
                           "timed": it.code in timed} for it, sh in zip(its, shares)])
            ns.append(len(its))
            u1s.append(its[0].units if len(its) == 1 else None)
            errs.append(None)
            splits.append(split_warn)
        item_type = pa.list_(pa.struct([("code", S), ("mods", S), ("units", F), ("share", F), ("timed", pa.bool_())]))
        return self.register("m_cpt", pa.table({
            "raw": pa.array(raws, S), "items": pa.array(items, item_type), "n": pa.array(ns, pa.int32()),
            "u1": pa.array(u1s, F), "e": pa.array(errs, S), "split_warn": pa.array(splits, S)}))

    def modifier_map(self, fld: str) -> str:
        raws, vals, warns = [], [], []
        for raw in self.distinct(fld):
            toks = ev.modifier_tokens(raw)
            bad = [t for t in toks if len(t) != 2 or not t.isalnum()]
            raws.append(raw)
            vals.append(";".join(toks))
            warns.append(f"modifier(s) {', '.join(shown(t) for t in bad[:4])} are not two-character codes; "
                         "stored as given" if bad else None)
        return self.register(f"m_{fld}", pa.table({"raw": pa.array(raws, S), "v": pa.array(vals, S),
                                                    "w": pa.array(warns, S)}))

    def choice_map(self, fld: str) -> str:
        """note_type / provider_role / kind / payer: the mapping's value map first, then the spellings and
        key-word rules of aliases; an unknown value is stored as given with a warning."""
        given = {aliases.normalize_header(k): v for k, v in (self.mapping.values.get(fld, {}) if self.mapping else {}).items()}
        raws, vals, warns = [], [], []
        for raw in self.distinct(fld):
            raws.append(raw)
            hit = given.get(aliases.normalize_header(raw))
            if hit is not None:
                vals.append(hit), warns.append(None)
                continue
            if fld == "payer":
                vals.append(ev.text(raw)), warns.append(None)
                continue
            value, by_rule = aliases.match_value(raw, fld)
            if value is None:
                choices = ", ".join(sorted(aliases.value_choices(fld)))
                vals.append(raw.upper() if fld == "provider_role" else raw.lower())
                warns.append(f"{fld} {shown(raw, fld)} is not one of {choices}; stored as given")
                continue
            vals.append(value), warns.append(None)
            if by_rule:
                self.infos.append(Issue(self.where(self.rec.header_row, fld),
                                        f"{fld} {shown(raw, fld)} read as {value}", "info"))
        return self.register(f"m_{fld}", pa.table({"raw": pa.array(raws, S), "v": pa.array(vals, S),
                                                    "w": pa.array(warns, S)}))

    # -- the load -------------------------------------------------------------------------------------
    def run(self) -> FileResult:
        kind, cols = self.kind, self.cols
        res = FileResult(source_file=self.source_file, kind=kind)
        body_name = self.register("body", self.body.table)
        width = self.body.table.num_columns - 1
        all_cols = [f"c{i}" for i in range(width)]
        raw = self.name("raw")
        filled = " + ".join(f"(trim(c{i}) <> '')::int" for i in range(width)) or "0"
        selects = [f"trim({_ident(f'c{i}')}) as {_ident('r_' + f)}" for f, i in cols.items()]
        self.con.execute(f"create temp table {raw} as select _row, {filled} as n_filled"
                         + "".join(f", {s}" for s in selects) + f" from {body_name}")
        self.created.append(raw)

        types = TABLE_TYPES[kind]
        required = aliases.LAYOUTS[kind]["required"]
        joins, exprs, errs, warns = [], {}, [], []
        has_mods = any(c in cols for c in MODIFIER_COLUMNS)

        def join(fld: str, table: str) -> str:
            alias = f"m_{fld}"
            joins.append(f"left join {table} {alias} on {alias}.raw = r.{_ident('r_' + fld)}")
            return alias

        # required fields that are empty
        for fld in required:
            if fld == "units" and kind == "visits":
                continue                                    # below: a code cell may carry the count
            if fld in cols:
                errs.append(f"case when r.{_ident('r_' + fld)} = '' then '{fld} is empty' end")
        # typed fields, in the table's column order (the order of the reasons in a message)
        fields = [f for f in types if f in cols] + [f for f in ("dos_end", "unit_charge", "row_status") if f in cols]
        if kind == "visits":
            fields = [f for f in fields if f != "modifiers"]
            fields += [m for m in MODIFIER_COLUMNS if m in cols and m != "modifiers"]
        for fld in fields:
            r = f"r.{_ident('r_' + fld)}"
            req = fld in required
            if fld == "cpt":
                a = join(fld, self.code_map())
                exprs.update(items=f"{a}.items", n_items=f"{a}.n", u1=f"{a}.u1", split_warn=f"{a}.split_warn")
                errs.append(f"{a}.e")
            elif fld in DATE_FIELDS:
                a = join(fld, self.value_map(fld, D, lambda v, f=fld: ev.date(v, f, self.day_first), req))
                exprs[fld] = f"{a}.v"
                (errs if req else warns).append(f"{a}.e")
            elif fld in TIME_FIELDS:
                a = join(fld, self.value_map(fld, T, lambda v, f=fld: ev.time(v, f), req))
                exprs[fld] = f"{a}.v"
                warns.append(f"{a}.e")
            elif fld == "units":
                a = join(fld, self.value_map(fld, F, lambda v: ev.units(v, "units"), True))
                exprs[fld] = f"{a}.v"
                errs.append(f"{a}.e")
            elif fld in MINUTE_FIELDS:
                a = join(fld, self.value_map(fld, F, lambda v, f=fld: ev.minutes(v, f), False))
                exprs[fld] = f"{a}.v"
                warns.append(f"{a}.e")
            elif fld == "visits_authorized":
                a = join(fld, self.value_map(fld, I, lambda v: ev.whole(v, "visits_authorized"), False))
                exprs[fld] = f"{a}.v"
                warns.append(f"{a}.e")
            elif fld in MONEY_FIELDS:
                a = join(fld, self.value_map(fld, M, lambda v, f=fld: ev.money(v, f), False))
                exprs[fld] = f"{a}.v"
                warns.append(f"{a}.e")
            elif fld in VALUE_FIELDS or (fld == "payer" and self.mapping and self.mapping.values.get("payer")):
                a = join(fld, self.choice_map(fld))
                exprs[fld] = f"{a}.v"
                warns.append(f"{a}.w")
            elif fld in MODIFIER_COLUMNS:
                a = join(fld, self.modifier_map(fld))
                exprs[fld] = f"{a}.v"
                warns.append(f"{a}.w")
            elif fld == "row_status":
                exprs[fld] = r
            else:                                           # identifiers and names
                pad = TEXT_PAD.get(fld, 0)
                e = f"nullif(case when {r} like '%.0' then regexp_replace({r}, '^(\\d+)\\.0+$', '\\1') else {r} end, '')"
                if pad:
                    e = f"case when regexp_full_match({e}, '\\d+') then lpad({e}, {pad}, '0') else {e} end"
                exprs[fld] = e
        if "modifiers" in cols and kind == "visits":
            a = join("modifiers", self.modifier_map("modifiers"))
            exprs["modifiers_col"] = f"{a}.v"
            warns.append(f"{a}.w")

        # checks across columns
        if kind == "visits":
            if "units" in cols:
                errs.append(f"case when {exprs['n_items']} = 1 and r.r_units = '' and {exprs['u1']} is null "
                            "then 'units is empty' end")
                errs.append(f"case when {exprs['n_items']} = 1 and {exprs['u1']} is not null and {exprs['units']} "
                            f"is not null and {exprs['units']} <> {exprs['u1']} then 'units ' || "
                            f"{exprs['units']}::varchar || ' but the code cell says ' || {exprs['u1']}::varchar end")
                warns.append(f"case when {exprs['n_items']} > 1 and {exprs['units']} is not null and "
                             f"{exprs['units']} <> list_sum(list_transform({exprs['items']}, lambda it: "
                             f"coalesce(it.units, 1))) then 'units ' || {exprs['units']}::varchar || ' differs "
                             "from the counts in the code cell; the cell''s counts are used' end")
            if "dos_end" in cols:
                warns.append(f"case when {exprs['dos_end']} is not null and {exprs['dos']} is not null and "
                             f"{exprs['dos_end']} <> {exprs['dos']} then 'the service dates run to ' || "
                             f"strftime({exprs['dos_end']}, '%Y-%m-%d') || ' (dos_end); loaded with dos ' || "
                             f"strftime({exprs['dos']}, '%Y-%m-%d') end")
            if "minutes" in cols:
                warns.append(f"case when {exprs['n_items']} > 1 and {exprs['minutes']} is not null "
                             f"then {exprs['split_warn']} end")
        else:
            warns.append(f"case when {exprs.get('end_date', 'null')} < {exprs.get('start_date', 'null')} then "
                         f"'end_date ' || strftime({exprs.get('end_date')}, '%Y-%m-%d') || ' is before start_date ' "
                         f"|| strftime({exprs.get('start_date')}, '%Y-%m-%d') end" if 'end_date' in exprs
                         and 'start_date' in exprs else "null")

        # rows that are not data (checked only on rows that fail): totals, notes, repeated headers
        totals = " or ".join(f"regexp_matches(b.{c}, '{TOTALS_RX}')" for c in all_cols) or "false"
        notes = " or ".join(f"regexp_matches(b.{c}, '{NOTE_RX}')" for c in all_cols) or "false"
        header_cells = {f: aliases.normalize_header(self.rec.header_cells[i]) if i < len(self.rec.header_cells) else ""
                        for f, i in cols.items()}
        same = [f"(lower(regexp_replace(r.{_ident('r_' + f)}, '[^A-Za-z0-9]', '', 'g')) = '{h}')::int"
                for f, h in header_cells.items() if h and "'" not in h]
        header_repeat = (f"({' + '.join(same)}) >= greatest(2, {len(same)} // 2 + 1)" if same else "false")
        skip_status = "null"
        if kind == "visits" and "row_status" in cols:
            header = aliases.normalize_header(self.rec.header_cells[cols["row_status"]])
            statuses = ", ".join(f"'{s}'" for s in aliases.SKIPPED_STATUSES)
            flag = (f" or r.r_row_status = '{aliases.EXPORT_FLAG_REMOVED}'" if header == "exportflag" else "")
            skip_status = f"case when lower(r.r_row_status) in ({statuses}){flag} then 'status' end"
        errs_sql = "list_filter([" + ", ".join(f"({e})::varchar" for e in errs) + "], lambda x: x is not null)"
        warns_sql = ("list_filter([" + ", ".join(f"({w})::varchar" for w in warns) + "], lambda x: x is not null)"
                     if warns else "[]::varchar[]")
        conv = self.name("conv")
        select_exprs = "".join(f", {e} as {_ident(k)}" for k, e in exprs.items())
        self.con.execute(f"""
            create temp table {conv} as
            with x as (
                select r._row, r.n_filled{select_exprs}, {errs_sql} as errs, {warns_sql} as warns,
                       {skip_status} as status_skip
                from {raw} r {' '.join(joins)}
                where r.n_filled > 0
            )
            select x.*,
                   case when len(x.errs) > 0 then
                        case when exists (select 1 from {body_name} b where b._row = x._row and ({totals})) then 'total'
                             when x.n_filled <= 1 then 'note'
                             when x.n_filled <= 3 and exists (select 1 from {body_name} b
                                                              where b._row = x._row and ({notes})) then 'note'
                             when (select {header_repeat} from {raw} r where r._row = x._row) then 'header'
                        end
                        else x.status_skip
                   end as skip
            from x
        """)
        self.created.append(conv)

        counts = self.con.execute(f"""select count(*) filter (where skip is null and len(errs) = 0),
                                             count(*) filter (where skip is null and len(errs) > 0),
                                             count(*) filter (where skip is not null)
                                      from {conv}""").fetchone()
        loaded, rejected, skipped = (int(v or 0) for v in counts)
        res.lines_loaded = loaded
        res.lines_rejected = rejected + len(self.body.rejected)
        res.lines_skipped = skipped

        # issues: how the header was read, then row by row in row order
        for u in self.rec.uses:
            if u.field and u.rule and u.rule != "mapping":
                self.infos.insert(0, Issue(self.where(self.rec.header_row),
                                           f"{shown(u.header)} read as {u.field}", "info"))
        problems: list[tuple[int, int, Issue]] = []
        for u in self.rec.uses:
            if u.note and u.header.strip():
                problems.append((self.rec.header_row or 0, 1, Issue(self.where(self.rec.header_row),
                                                                     f"column {shown(u.header)} {u.note}", "warning")))
        for n, reason in self.body.rejected:
            problems.append((n, 0, Issue(self.where(n), reason, "error")))
        for n, e, w in self.con.execute(f"""
                select _row, errs, warns from {conv}
                where skip is null and (len(errs) > 0 or len(warns) > 0)
                order by _row limit {MAX_ISSUES_PER_TABLE + 1}""").fetchall():
            if e:
                problems.append((n, 0, Issue(self.where(n), "; ".join(e), "error")))
            else:
                problems.extend((n, 1, Issue(self.where(n), msg, "warning")) for msg in w)
        n_problems = len(self.body.rejected) + sum(1 for u in self.rec.uses if u.note and u.header.strip()) + \
            self.con.execute(f"""select count(*) filter (where len(errs) > 0)
                                        + coalesce(sum(len(warns)) filter (where len(errs) = 0), 0)
                                 from {conv} where skip is null""").fetchone()[0]
        problems.sort(key=lambda t: (t[0], t[1]))
        listed = [i for _, _, i in problems][:MAX_ISSUES_PER_TABLE]
        res.issues.extend(listed)
        if n_problems > len(listed):
            res.issues.append(Issue(self.where(self.rec.header_row),
                                    f"{n_problems - len(listed)} more problem(s) not listed", "warning"))
        for what, label in (("total", "total/subtotal row(s)"), ("header", "repeated header row(s)"),
                            ("note", "title, footer or note row(s)"), ("status", "void, deleted or cancelled row(s)")):
            rows = [r for (r,) in self.con.execute(
                f"select _row from {conv} where skip = '{what}' order by _row limit 6").fetchall()]
            if rows:
                n = self.con.execute(f"select count(*) from {conv} where skip = '{what}'").fetchone()[0]
                shown_rows = ", ".join(str(r) for r in rows[:5]) + (" …" if n > 5 else "")
                res.issues.append(Issue(self.where(self.rec.header_row), f"{n} {label} skipped (rows {shown_rows})", "info"))

        if loaded:
            lines = self.insert(conv, has_mods)
            if kind == "visits" and lines != loaded:
                res.issues.append(Issue(self.where(self.rec.header_row),
                                        f"{loaded} rows loaded as {lines} visit lines (several codes in one cell)",
                                        "info"))
        res.issues[:0] = self.infos
        if loaded == 0 and res.lines_rejected == 0 and skipped == 0:
            res.message = "0 rows loaded (the header has no data rows below it)"
        return res

    def insert(self, conv: str, has_mods: bool) -> int:
        kind, cols = self.kind, self.cols
        types = TABLE_TYPES[kind]
        sheet = "null" if self.sheet.name is None else "?"
        params = [self.source_file] + ([self.sheet.name] if self.sheet.name is not None else [])
        tail = f"?::varchar as source_file, {sheet}::varchar as source_sheet, x._row::integer as row_number"
        if kind != "visits":
            outs = [f"{('x.' + _ident(c)) if c in cols else 'null'}::{SQL_TYPES[t]} as {_ident(c)}"
                    for c, t in types.items()]
            return int(self.con.execute(f"""
                insert into {kind} by name
                select {', '.join(outs)}, {tail}
                from {conv} x where x.skip is null and len(x.errs) = 0 order by x._row""", params).fetchone()[0])
        # visits: one line per code of the cell
        time_minutes = "minutes" not in cols and "start_time" in cols and "end_time" in cols
        if "minutes" in cols:
            visit_minutes = "x.minutes"
        elif time_minutes:
            visit_minutes = ("case when x.end_time > x.start_time then "
                             "date_diff('second', x.start_time, x.end_time) / 60.0 end")
            self.infos.append(Issue(self.where(self.rec.header_row),
                                    "minutes computed from start and end times (no minutes column), shared over "
                                    "each session's timed codes by units; a session with an untimed code loads "
                                    "without minutes", "info"))
        else:
            visit_minutes = "null::double"
        units_col = "x.units" if "units" in cols else "null::double"
        mod_parts = ["x.it.mods"] + [f"x.{_ident('modifiers_col' if m == 'modifiers' else m)}"
                                     for m in MODIFIER_COLUMNS if m in cols]
        mods_list = ("list_filter(flatten([" + ", ".join(f"string_split(coalesce({p}, ''), ';')" for p in mod_parts)
                     + "]), lambda t: t <> '')")
        modifiers = f"array_to_string(list_filter({mods_list}, lambda t, i: list_position({mods_list}, t) = i), ';')"
        if not has_mods:
            modifiers = f"nullif({modifiers}, '')"          # no modifier column: unknown, not 'none'
        line_units = ("case when x.n_items = 1 then coalesce(x.it.units, " + units_col + ", 1) "
                      "else coalesce(x.it.units, 1) end")
        if time_minutes:
            minutes = ("case when not x.it.timed or not bool_and(x.it.timed) over session then null "
                       "else x.v_minutes * x.line_units / sum(x.line_units) over session end")
            window = " window session as (partition by x.patient_id, x.dos, x.start_time, x.end_time)"
        else:
            minutes = ("case when x.n_items = 1 then x.v_minutes when x.it.share is not null "
                       "then round(x.v_minutes * x.it.share, 4) end")
            window = ""
        ota = ("case when x.n_items = 1 then x.ota_minutes when x.it.share is not null "
               "then round(x.ota_minutes * x.it.share, 4) end") if "ota_minutes" in cols else "null"
        if "charge" in cols:
            charge = "case when x.n_items = 1 or x.item_no = 1 then x.charge end"
        elif "unit_charge" in cols:
            charge = "x.unit_charge * x.line_units"
        else:
            charge = "null"
        plain = [c for c in types if c not in ("cpt", "units", "minutes", "modifiers", "ota_minutes", "charge")]
        outs = [f"{('x.' + _ident(c)) if c in cols else 'null'}::{SQL_TYPES[types[c]]} as {_ident(c)}" for c in plain]
        return int(self.con.execute(f"""
            insert into visits by name
            with l as (
                select x.*, unnest(x.items) as it, generate_subscripts(x.items, 1) as item_no
                from {conv} x where x.skip is null and len(x.errs) = 0
            ),
            lines as (
                select x.*, ({visit_minutes})::double as v_minutes, ({line_units})::double as line_units from l x
            )
            select {', '.join(outs)}, x.it.code::varchar as cpt, x.line_units as units,
                   ({minutes})::double as minutes, {modifiers} as modifiers, ({ota})::double as ota_minutes,
                   ({charge})::decimal(12,2) as charge, {tail}
            from lines x{window}
            order by x._row, x.item_no""", params).fetchone()[0])


def load_rows(con, kind: str, sheet: Sheet, rec: Recognition, body: Body, source_file: str, tag: str) -> FileResult:
    """Load the rows of one recognised table; one FileResult with counts and issues."""
    loader = _Loader(con, kind, sheet, rec, body, source_file, tag)
    try:
        return loader.run()
    finally:
        loader.cleanup()


__all__ = ["TABLE_TYPES", "load_rows", "timed_codes", "MAX_ISSUES_PER_TABLE"]

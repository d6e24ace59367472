"""Hand mapping of exports in practice.toml: when recognition cannot (or should not) decide, the analyst
says what a file is and which column holds which field. A mapping wins over recognition, and is
checked against the file (a mapped column missing from the file rejects the file, naming the column).

    [[exports]]
    file = "billing/charges*.csv"   # file name or glob, relative to the input folder ('*' any text,
                                    # '**/' any folders); a bare name matches in any folder
    sheet = "Charges"               # optional: only this sheet of a workbook
    layout = "visits"               # visits | plans_of_care | authorizations
    header_row = 3                  # optional: the row that holds the column names (1 = first row)
    day_first = false               # true: 03/04/2025 is 3 April 2025

    [exports.columns]               # field = "column header as written in the file"
    patient_id = "Chart #"
    dos = "Svc Dt"
    cpt = "Proc"
    units = "Qty"

    [exports.values.note_type]      # value maps: "value in the file" = "stored value"
    "TX" = "daily"
    [exports.values.provider_role]
    "PTA" = "OTA"
    [exports.values.payer]
    "MCR" = "Medicare Part B (NGS J-K)"

    parse_mappings(toml_data, config_path) -> list[ExportMapping]    (InputError naming file and key)
    mapping_for(mappings, source_file, sheet=None) -> ExportMapping | None
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..errors import InputError
from . import aliases
from .export_grid import HEAD_ROWS

VALUE_FIELDS = {"note_type": tuple(aliases.NOTE_TYPE_VALUES), "provider_role": tuple(aliases.PROVIDER_ROLE_VALUES),
                "kind": tuple(aliases.PLAN_KIND_VALUES), "payer": None}
_KEYS = {"file", "sheet", "layout", "header_row", "day_first", "columns", "values"}


@dataclass
class ExportMapping:
    file: str                                     # name or glob, relative to the input folder
    layout: str                                   # visits | plans_of_care | authorizations
    columns: dict[str, str] = field(default_factory=dict)          # field -> header text in the file
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {file value: stored value}
    sheet: str | None = None
    header_row: int | None = None                 # 1-based
    day_first: bool = False
    where: str = ""                               # 'exports[2]' of the config file, for messages

    def matches(self, source_file: str, sheet: str | None = None) -> bool:
        if self.sheet is not None and (sheet is None or sheet.strip().lower() != self.sheet.strip().lower()):
            return False
        path = source_file.replace("\\", "/").lstrip("./")
        pattern = self.file.replace("\\", "/").lstrip("./")
        if _glob_match(path, pattern):
            return True
        return "/" not in pattern and _glob_match(PurePosixPath(path).name, pattern)


def _glob_match(path: str, pattern: str) -> bool:
    if "**" in pattern:
        rx = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        rx = rx.replace(r"\?", "[^/]")
        return re.fullmatch(rx, path, flags=re.I) is not None
    return fnmatch.fnmatch(path.lower(), pattern.lower()) and path.count("/") == pattern.count("/")


def _fail(config_path: str, key: str, reason: str) -> InputError:
    return InputError(f"{key}: {reason}", source_file=config_path)


def parse_mappings(toml_data: dict, config_path: str) -> list[ExportMapping]:
    """The `[[exports]]` entries of a practice.toml, validated. Raises InputError naming the config file
    and the key (`exports[1].columns.dos`) when an entry is invalid."""
    entries = toml_data.get("exports", [])
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        raise _fail(config_path, "exports", "must be a list of [[exports]] tables")
    out = []
    for n, entry in enumerate(entries, start=1):
        where = f"exports[{n}]"
        if not isinstance(entry, dict):
            raise _fail(config_path, where, "must be a table ([[exports]])")
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise _fail(config_path, f"{where}.{unknown[0]}",
                        f"unknown key; expected one of {', '.join(sorted(_KEYS))}")
        file = entry.get("file")
        if not isinstance(file, str) or not file.strip():
            raise _fail(config_path, f"{where}.file", "is required: the file name or glob, relative to the input folder")
        layout = entry.get("layout")
        if layout not in aliases.LAYOUTS:
            raise _fail(config_path, f"{where}.layout",
                        f"must be one of {', '.join(aliases.LAYOUTS)} (got {str(layout)[:40]!r})")
        sheet = entry.get("sheet")
        if sheet is not None and not isinstance(sheet, str):
            raise _fail(config_path, f"{where}.sheet", "must be a sheet name (text)")
        header_row = entry.get("header_row")
        if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)
                                       or not 1 <= header_row <= HEAD_ROWS):
            raise _fail(config_path, f"{where}.header_row", f"must be a row number from 1 to {HEAD_ROWS}")
        day_first = entry.get("day_first", False)
        if not isinstance(day_first, bool):
            raise _fail(config_path, f"{where}.day_first", "must be true or false")
        fields = aliases.layout_fields(layout)
        columns = entry.get("columns", {})
        if not isinstance(columns, dict):
            raise _fail(config_path, f"{where}.columns", "must be a table of field = \"column header\"")
        for key, header in columns.items():
            if key not in fields:
                raise _fail(config_path, f"{where}.columns.{key}",
                            f"is not a field of {layout}; fields: {', '.join(fields)}")
            if not isinstance(header, str) or not header.strip():
                raise _fail(config_path, f"{where}.columns.{key}", "must be the column header as written in the file")
        headers = [h.strip().lower() for h in columns.values()]
        dupes = sorted({h for h in headers if headers.count(h) > 1})
        if dupes:
            raise _fail(config_path, f"{where}.columns", f"column '{dupes[0]}' is mapped to two fields")
        values = entry.get("values", {})
        if not isinstance(values, dict):
            raise _fail(config_path, f"{where}.values", "must be tables of value maps ([exports.values.note_type])")
        clean_values: dict[str, dict[str, str]] = {}
        for vfield, vmap in values.items():
            if vfield not in VALUE_FIELDS:
                raise _fail(config_path, f"{where}.values.{vfield}",
                            f"value maps exist for {', '.join(VALUE_FIELDS)}")
            if vfield not in fields:
                raise _fail(config_path, f"{where}.values.{vfield}", f"is not a field of {layout}")
            if not isinstance(vmap, dict):
                raise _fail(config_path, f"{where}.values.{vfield}", "must be a table of \"file value\" = \"stored value\"")
            allowed = VALUE_FIELDS[vfield]
            for raw, stored in vmap.items():
                if not isinstance(stored, str) or not stored.strip():
                    raise _fail(config_path, f"{where}.values.{vfield}.{raw}", "must map to a text value")
                if allowed and stored not in allowed:
                    raise _fail(config_path, f"{where}.values.{vfield}.{raw}",
                                f"must be one of {', '.join(allowed)} (got {stored[:40]!r})")
            clean_values[vfield] = {str(k): v for k, v in vmap.items()}
        out.append(ExportMapping(file=file.strip(), layout=layout, columns={k: v.strip() for k, v in columns.items()},
                                 values=clean_values, sheet=sheet, header_row=header_row, day_first=day_first,
                                 where=where))
    return out


def mapping_for(mappings: list[ExportMapping] | None, source_file: str, sheet: str | None = None
                ) -> ExportMapping | None:
    """The first mapping, in the order written, whose file pattern (and sheet, when it names one) matches."""
    for m in mappings or ():
        if m.matches(source_file, sheet):
            return m
    return None


def mapping_toml(source_file: str, layout: str, columns: dict[str, str | None], sheet: str | None = None,
                 comments: dict[str, str] | None = None) -> str:
    """A ready-to-paste [[exports]] entry (for `rcm-audit inspect`); a field without a column gets '?'."""
    def s(text: str) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["[[exports]]", f"file = {s(source_file)}"]
    if sheet:
        lines.append(f"sheet = {s(sheet)}")
    lines.append(f"layout = {s(layout)}")
    lines.append("[exports.columns]")
    for fld, header in columns.items():
        note = (comments or {}).get(fld)
        value = s(header) if header else s("?")
        lines.append(f"{fld} = {value}" + (f"   # {note}" if note else ""))
    return "\n".join(lines)

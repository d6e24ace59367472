"""`rcm-audit inspect INPUT_DIR`: what each file and sheet would be read as, before an audit.

For every file (and every sheet of a workbook): the kind recognised, or why not; each column and the
field it is read as (or ignored, and why); how many rows would load, be rejected (with the first
reasons) or be skipped; and for a table that is not read, a ready-to-paste practice.toml [[exports]]
entry with the closest columns filled in. X12 files: their kind and claim/line counts.

Everything is read into an in-memory DuckDB database: nothing is written to disk. Nothing a file says
about a patient is printed: column names (of a row that is clearly a header), counts, places and the
reasons of pipelines.messages only.

    inspect_folder(input_dir, mappings=None) -> list[FileInspection]
    render(inspections) -> str
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .ingest import discover
from .ingest.aliases import LAYOUTS, header_words, layout_aliases, normalize_header
from .ingest.export_recognize import Recognition, map_columns
from .ingest.mapping import ExportMapping, mapping_toml
from .ingest.result import FileResult
from .messages import shown

FIRST_REASONS = 3
X12_BATCH = 500


@dataclass
class TableInspection:
    result: FileResult
    sheet: str | None = None
    recognition: Recognition | None = None
    delimiter: str | None = None
    suggestion: str | None = None             # a practice.toml [[exports]] entry, when the table is not read


@dataclass
class FileInspection:
    source_file: str
    kind: str                                 # 837P | 835 | export | other
    tables: list[TableInspection] = field(default_factory=list)


def mappings_from_config(config_path: Path | None) -> list[ExportMapping]:
    """The [[exports]] entries of practice.toml (validated; InputError naming the file and the key)."""
    from .config import load_config
    return load_config(config_path).export_mappings if config_path is not None else []


def _closest(field_name: str, kind: str, headers: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The header most like one of the field's spellings (difflib), or None when nothing is close."""
    spellings = [normalize_header(s) for s in (field_name,) + layout_aliases(kind)[field_name]]
    word_sets = [" ".join(sorted(header_words(s))) for s in (field_name,) + layout_aliases(kind)[field_name]]
    best, best_score = None, 0.0
    for i, h in headers:
        norm, words = normalize_header(h), " ".join(sorted(header_words(h)))
        score = max([difflib.SequenceMatcher(None, norm, s).ratio() for s in spellings]
                    + [difflib.SequenceMatcher(None, words, w).ratio() for w in word_sets])
        if score > best_score:
            best, best_score = (i, h), score
    return best if best_score >= 0.75 else None


def suggest_mapping(source_file: str, sheet: str | None, rec: Recognition) -> str:
    """A practice.toml entry for a table that is not read: its closest layout, the columns recognised,
    and for each other required field the most similar header (or '?')."""
    kind = rec.kind if rec.kind in LAYOUTS else "visits"
    if rec.candidates:
        kind = rec.candidates[0]
    found = map_columns(rec.header_cells, kind)[0] if rec.trusted_header else {}
    columns: dict[str, str | None] = {}
    comments: dict[str, str] = {}
    used = set(found.values())
    headers = [(i, h) for i, h in enumerate(rec.header_cells) if h.strip()] if rec.trusted_header else []
    for f in LAYOUTS[kind]["required"]:
        if f in found:
            columns[f] = rec.header_cells[found[f]]
            continue
        got = _closest(f, kind, [(i, h) for i, h in headers if i not in used])
        if got:
            columns[f] = got[1]
            used.add(got[0])
            comments[f] = "closest column: check it"
        else:
            columns[f] = None
            comments[f] = "write the header of this column" if rec.trusted_header else "no header row found"
    for f, i in found.items():
        if f not in columns:
            columns[f] = rec.header_cells[i]
    return mapping_toml(source_file, kind, {f: (shown(h).strip("'") if h else None) for f, h in columns.items()},
                        sheet, comments)


def inspect_file(con, path: Path, source_file: str, mappings: list[ExportMapping]) -> FileInspection:
    from .ingest import exports, read_file, x12
    from .ingest import _precheck

    kind, done, _ = _precheck(path, source_file)
    if done is not None:
        return FileInspection(source_file, "other", [TableInspection(r) for r in done])
    if kind == "x12":
        try:
            r = x12.read_x12(con, path, source_file)
        except Exception as exc:  # noqa: BLE001 - inspect reports, never raises
            r = FileResult(source_file, "unknown", status="rejected",
                           message=f"could not be read ({type(exc).__name__})")
        return FileInspection(source_file, r.kind, [TableInspection(r)])
    if not exports.is_export(path):
        return FileInspection(source_file, "other", [TableInspection(r) for r in read_file(con, path, source_file)])
    out = FileInspection(source_file, "export")
    for t in exports.read_export_detailed(con, path, source_file, mappings):
        suggestion = None
        rec = t.recognition
        if rec is not None and not rec.ok and rec.status != "empty" and t.result.kind in ("unknown",) + tuple(LAYOUTS):
            if not (t.result.status == "skipped" and rec.status == "unknown" and not rec.trusted_header):
                suggestion = suggest_mapping(source_file, t.sheet, rec)
        out.tables.append(TableInspection(t.result, t.sheet, rec, t.delimiter, suggestion))
    return out


def inspect_folder(input_dir: Path, mappings: list[ExportMapping] | None = None) -> list[FileInspection]:
    """Read every file under input_dir into an in-memory database and report how each was read."""
    from .warehouse import connect

    input_dir = Path(input_dir)
    if not input_dir.exists():
        raise InputError("input folder not found", str(input_dir))
    from .ingest import _precheck, x12

    con = connect(":memory:")
    try:
        out: list[FileInspection | None] = []
        batch: list[tuple[int, Path, str]] = []        # X12 files are read in batches, as ingest does
        for path, root in discover([input_dir]):
            source_file = path.relative_to(root).as_posix() if path != root else path.name
            kind, done, _ = _precheck(path, source_file)
            if kind == "x12" and done is None:
                batch.append((len(out), path, source_file))
                out.append(None)
                continue
            out.append(inspect_file(con, path, source_file, mappings or []))
        for start in range(0, len(batch), X12_BATCH):
            part = batch[start:start + X12_BATCH]
            try:
                results = x12.read_x12_many(con, [(p, sf) for _, p, sf in part])
            except Exception as exc:  # noqa: BLE001 - inspect reports, never raises
                results = [FileResult(sf, "unknown", status="rejected",
                                      message=f"could not be read ({type(exc).__name__})") for _, _, sf in part]
            for (i, _, sf), r in zip(part, results):
                out[i] = FileInspection(sf, r.kind, [TableInspection(r)])
        return [f for f in out if f is not None]
    finally:
        con.close()


# ----------------------------------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------------------------------

_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _columns_text(rec: Recognition) -> list[str]:
    if not rec.trusted_header:
        return ["columns: (no header row found among the first rows)"]
    parts = []
    for u in rec.uses:
        if not u.header.strip():
            continue
        name = shown(u.header)
        if u.field:
            how = " (practice.toml)" if u.rule == "mapping" else (f" (by rule: {u.rule})" if u.rule else "")
            parts.append(f"{name} -> {u.field}{how}")
        elif u.note:
            parts.append(f"{name} {u.note}")
        else:
            parts.append(f"{name} ignored")
    return ["columns: " + "; ".join(parts)] if parts else ["columns: (none)"]


def render(inspections: list[FileInspection]) -> str:
    lines: list[str] = []
    counts = {"read": 0, "not read": 0}
    for f in inspections:
        for t in f.tables:
            r = t.result
            where = f.source_file + (f" [sheet {shown(t.sheet).strip(chr(39))}]" if t.sheet else "")
            if f.kind in ("837P", "835") or r.kind in ("837P", "835"):
                lines.append(f"{where}: {r.kind}, {r.claims_loaded} claims and {r.lines_loaded} lines would load"
                             + (f", {r.claims_rejected} claims / {r.lines_rejected} lines rejected"
                                if r.claims_rejected or r.lines_rejected else "")
                             + (f" ({r.status}: {r.message})" if r.status not in ("loaded",) else ""))
                counts["read" if r.status in ("loaded", "partial") else "not read"] += 1
                continue
            rec = t.recognition
            if f.kind == "other" or rec is None:
                lines.append(f"{where}: {r.status} — {r.message}")
                counts["read" if r.status in ("loaded", "partial") else "not read"] += 1
                continue
            if rec.ok:
                counts["read"] += 1
                how = "by practice.toml" if rec.status == "mapped" else "recognised"
                extra = f", {_DELIMITER_NAMES.get(t.delimiter, repr(t.delimiter))}-separated" if t.delimiter else ""
                lines.append(f"{where}: {r.kind} ({how}), header at row {rec.header_row}{extra}")
            else:
                counts["not read"] += 1
                lines.append(f"{where}: not read ({r.status}) — {r.message}")
            lines.extend("    " + x for x in _columns_text(rec))
            if rec.ok:
                lines.append(f"    rows: {r.lines_loaded} would load, {r.lines_rejected} rejected, "
                             f"{r.lines_skipped} skipped")
                errors = [i for i in r.issues if i.severity == "error"][:FIRST_REASONS]
                for i in errors:
                    lines.append(f"      rejected {i.place}: {i.reason}")
                for i in [i for i in r.issues if i.severity in ("warning", "info")][:FIRST_REASONS + 2]:
                    lines.append(f"      {i.severity} {i.place}: {i.reason}")
            if t.suggestion:
                lines.append("    to read it, add to practice.toml (fix any '?'):")
                lines.extend("      " + x for x in t.suggestion.split("\n"))
    lines.append(f"{counts['read']} file(s)/sheet(s) would be read, {counts['not read']} not; "
                 "nothing was written (inspect keeps everything in memory)")
    return "\n".join(lines)

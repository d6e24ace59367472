"""Ingest: find every input file, recognise its kind, load it into the raw tables, log what happened.

Each file ends as exactly one ingest_log row (an XLSX can add one per recognised sheet), and its
problems as ingest_issues rows; a bad file never stops the others. The same bytes are loaded once
(sha256 in source_files), whatever the file is called.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pandas as pd

from .result import FileResult, Issue

# Files that are part of an input folder but not data: recorded, never parsed as data.
_NOT_DATA = {".toml": "configuration", ".md": "documentation", ".pdf": "document"}
# Our own outputs (findings.csv, the sample's expected_findings.csv, ingest-log.csv), recognised by
# their first header cells, so a re-run over a folder that holds them does not mistake them for exports.
_OWN_OUTPUTS = {b"rule_id": "rcm-audit findings", b"source_file,kind,status": "rcm-audit ingest log"}


def discover(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(file, root) pairs for every file under the given paths, recursively, in a stable order.
    root is the folder source_file is made relative to."""
    found: list[tuple[Path, Path]] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    found.append((f, p))
        else:
            found.append((p, p.parent))
    return found


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sniff(head: bytes) -> str:
    """A short name for what a non-data file looks like, for the rejection message."""
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (not an XLSX workbook)"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old binary Excel/Office file (.xls): save it as .xlsx or .csv"
    if b"\x00" in head[:512] and not (head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff")):
        return "a binary file"
    return "text that is neither X12 nor a recognised export"


def read_file(con: duckdb.DuckDBPyConnection, path: Path, source_file: str) -> list[FileResult]:
    """Recognise one file's kind and load it. Never raises for bad input."""
    from . import exports, x12  # local import keeps `rcm-audit --help` fast

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        return [FileResult(source_file, "unknown", status="rejected", message=f"cannot read the file: {exc.strerror}")]
    if size == 0:
        return [FileResult(source_file, "unknown", status="rejected", message="empty file")]
    suffix = path.suffix.lower()
    if suffix in _NOT_DATA and not x12.looks_like_x12(head):
        return [FileResult(source_file, _NOT_DATA[suffix], status="skipped", message=f"{_NOT_DATA[suffix]} file, not billing data")]
    first_line = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().lower()
    for prefix, what in _OWN_OUTPUTS.items():
        if suffix == ".csv" and first_line.startswith(prefix):
            return [FileResult(source_file, "output", status="skipped", message=f"{what} file, not billing data")]
    try:
        if x12.looks_like_x12(head):
            return [x12.read_x12(con, path, source_file)]
        if exports.is_export(path):
            return exports.read_export(con, path, source_file)
    except Exception as exc:  # a reader bug must not stop the audit; no data values in the message
        return [FileResult(source_file, "unknown", status="rejected",
                           message=f"could not be read ({type(exc).__name__}); the other files were loaded")]
    return [FileResult(source_file, "unknown", status="rejected",
                       message=f"not an X12 837P/835 or a CSV/XLSX export: the file looks like {_sniff(head)}")]


def ingest_paths(con: duckdb.DuckDBPyConnection, paths: Iterable[Path],
                 on_file: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Load every file under `paths`; returns one FileResult per file (or per recognised sheet)."""
    results: list[FileResult] = []
    for path, root in discover(paths):
        source_file = path.relative_to(root).as_posix() if path != root else path.name
        file_id = _sha256(path)
        seen = con.execute("select source_file from source_files where file_id = ?", [file_id]).fetchone()
        if seen:
            file_results = [FileResult(source_file, "duplicate", status="duplicate",
                                       message=f"same content as {seen[0]}, already loaded; not loaded again")]
        else:
            file_results = read_file(con, path, source_file)
            if any(r.status in ("loaded", "partial") for r in file_results):
                kinds = ",".join(sorted({r.kind for r in file_results if r.status in ("loaded", "partial")}))
                con.execute("insert into source_files (file_id, source_file, kind) values (?, ?, ?)",
                            [file_id, source_file, kinds])
        for r in file_results:
            r.file_id = file_id
            r.finish()
            _log(con, r)
            results.append(r)
            if on_file:
                on_file(r)
    return results


def _log(con: duckdb.DuckDBPyConnection, r: FileResult) -> None:
    con.execute(
        "insert into ingest_log (source_file, kind, status, claims_loaded, lines_loaded, claims_rejected,"
        " lines_rejected, message, file_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [r.source_file, r.kind, r.status, r.claims_loaded, r.lines_loaded, r.claims_rejected,
         r.lines_rejected, r.message, r.file_id])
    if r.issues:
        issues = pd.DataFrame([(r.source_file, i.place, i.severity, i.reason) for i in r.issues],
                              columns=["source_file", "place", "severity", "reason"])
        con.register("_issues", issues)
        con.execute("insert into ingest_issues by name select * from _issues")
        con.unregister("_issues")


__all__ = ["FileResult", "Issue", "discover", "ingest_paths", "read_file"]

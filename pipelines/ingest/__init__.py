"""Ingest: find every input file, recognise its kind, load it into the raw tables, log what happened.

Each file ends as exactly one ingest_log row (an XLSX can add one per recognised sheet), and its
problems as ingest_issues rows; a bad file never stops the others. The same bytes are loaded once
(sha256 in source_files), whatever the file is called.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

from .result import FileResult, Issue

# Files that are part of an input folder but not data: recorded, never parsed as data.
_NOT_DATA = {".toml": "configuration", ".md": "documentation", ".pdf": "document"}
# Our own outputs (findings.csv, the sample's expected_findings.csv, ingest-log.csv), recognised by
# their first header cells, so a re-run over a folder that holds them does not mistake them for exports.
_OWN_OUTPUTS = {b"rule_id": "rcm-audit findings", b"source_file,kind,status": "rcm-audit ingest log"}


def discover(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(file, root) pairs for every file under the given paths, recursively, in a stable order (by path).
    root is the folder source_file is made relative to.

    Symbolic links are followed once: a link to a file is read as that file (the same bytes twice load once,
    the second logged as a duplicate); a link to a folder is walked unless that folder is already walked
    (a loop, or the same folder reached twice). What cannot be read is returned too, so that `ingest_paths`
    logs it as skipped with the reason (`_not_a_file`): a dangling link, a link loop, a link to a folder
    already read, a folder that cannot be listed, a named pipe, socket or device. Hidden files and folders
    (a name starting with '.') are not data and are left out."""
    found: list[tuple[Path, Path]] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            here: list[tuple[Path, Path]] = []
            try:
                st = p.stat()
                _walk(p, p, {(st.st_dev, st.st_ino)}, here)
            except OSError:
                here.append((p, p))
            here.sort(key=lambda fr: fr[0].relative_to(fr[1]).parts)
            found += here
        else:
            found.append((p, p.parent))
    return found


def _walk(folder: Path, root: Path, walked: set[tuple[int, int]], found: list[tuple[Path, Path]]) -> None:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        if folder != root:
            found.append((folder, root))           # a folder that cannot be listed: logged as skipped
        return
    for e in entries:
        if e.name.startswith("."):
            continue
        path = folder / e.name
        try:
            st = os.stat(path)                     # follows a link
        except OSError:
            found.append((path, root))             # dangling link or link loop: logged as skipped
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in walked:
                if e.is_symlink():
                    found.append((path, root))     # a link to a folder already walked: logged as skipped
                continue
            walked.add(key)
            _walk(path, root, walked, found)
        else:
            found.append((path, root))             # a file (through a link or not), or a pipe/socket/device


def _not_a_file(path: Path) -> str | None:
    """Why a discovered path is not read as a file (it is logged as skipped), or None for a regular file."""
    link = path.is_symlink()
    try:
        st = path.stat()
    except FileNotFoundError:
        return "symbolic link to a file or folder that does not exist: skipped" if link else None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself): skipped"
        return (f"symbolic link that cannot be followed ({(exc.strerror or 'error').lower()}): skipped" if link
                else None)
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        if link:
            return "symbolic link to a folder that is already read (a loop, or the same folder twice): skipped"
        return "folder that cannot be listed (no permission?): skipped"
    what = ("a named pipe" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a device")
    return f"not a regular file ({what}): skipped"


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


def _precheck(path: Path, source_file: str) -> tuple[str, list[FileResult] | None, bytes]:
    """The first steps of `read_file`: ('done', results, head) when the file is decided without reading it
    (unreadable, empty, not data, our own output), else ('x12' or 'other', None, head)."""
    from . import x12

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        return "done", [FileResult(source_file, "unknown", status="rejected",
                                   message=f"cannot read the file: {exc.strerror}")], b""
    if size == 0:
        return "done", [FileResult(source_file, "unknown", status="rejected", message="empty file")], head
    suffix = path.suffix.lower()
    if suffix in _NOT_DATA and not x12.looks_like_x12(head):
        return "done", [FileResult(source_file, _NOT_DATA[suffix], status="skipped",
                                   message=f"{_NOT_DATA[suffix]} file, not billing data")], head
    first_line = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().lower()
    for prefix, what in _OWN_OUTPUTS.items():
        if suffix == ".csv" and first_line.startswith(prefix):
            return "done", [FileResult(source_file, "output", status="skipped",
                                       message=f"{what} file, not billing data")], head
    return ("x12" if x12.looks_like_x12(head) else "other"), None, head


def read_file(con: duckdb.DuckDBPyConnection, path: Path, source_file: str, mappings=None) -> list[FileResult]:
    """Recognise one file's kind and load it. Never raises for bad input. `mappings`: the practice.toml
    [[exports]] entries (pipelines.ingest.mapping.parse_mappings), which win over recognition."""
    kind, done, head = _precheck(path, source_file)
    if done is not None:
        return done
    try:
        if kind == "x12":
            from . import x12  # local imports keep `rcm-audit --help` fast, and an X12 ingest free of the
            return [x12.read_x12(con, path, source_file)]       # export reader's imports (pandas)
        from . import exports
        if exports.is_export(path):
            return exports.read_export(con, path, source_file, mappings)
    except Exception as exc:  # a reader bug must not stop the audit; no data values in the message
        return [_reader_failed(source_file, exc)]
    return [FileResult(source_file, "unknown", status="rejected",
                       message=f"not an X12 837P/835 or a CSV/XLSX export: the file looks like {_sniff(head)}")]


def _reader_failed(source_file: str, exc: Exception) -> FileResult:
    """A reader bug: the file is rejected with the exception's type only (its text may quote the data)."""
    reason = f"could not be read ({type(exc).__name__}); the other files were loaded"
    return FileResult(source_file, "unknown", status="rejected", message=reason,
                      issues=[Issue("file", reason, "error")])


# Small X12 files are read in batches: their loop tables are mapped into the raw tables by one pass of
# the mapping SQL (x12.read_x12_many: prepare_many, then load_many) instead of one pass per file, which is
# most of the cost of a small file; a batch is prepared on a reader thread while the one before is mapped.
# Each file still gets its own FileResult, log line and issues, in the order the files are found.
_BATCH_FILES = 500
_BATCH_BYTES = 32 << 20
_ALONE_BYTES = 4 << 20           # a bigger file is read on its own


def ingest_paths(con: duckdb.DuckDBPyConnection, paths: Iterable[Path],
                 on_file: Callable[[FileResult], None] | None = None, mappings=None) -> list[FileResult]:
    """Load every file under `paths`; returns one FileResult per file (or per recognised sheet).
    `mappings`: the practice.toml [[exports]] entries, matched against each file's source_file."""
    from . import x12

    results: list[FileResult] = []
    # file_id -> source_file of the files already loaded (source_files is only written here)
    known: dict[str, str] = dict(con.execute("select file_id, source_file from source_files").fetchall())
    batch: list[tuple[Path, str, str]] = []          # (path, source_file, file_id) of X12 files waiting
    batch_bytes = 0

    def record(entries: list[tuple[list[FileResult], str, str]]) -> None:
        """Register the loaded files, log every result (in order) and report them."""
        new_files, logged = [], []
        for file_results, file_id, source_file in entries:
            file_results = _fold_skipped_sheets(file_results)
            if any(r.status in ("loaded", "partial") for r in file_results):
                kinds = ",".join(sorted({r.kind for r in file_results if r.status in ("loaded", "partial")}))
                new_files.append((file_id, source_file, kinds))
                known[file_id] = source_file
            for r in file_results:
                r.file_id = file_id
                r.finish()
                logged.append(r)
        if new_files:
            con.executemany("insert into source_files (file_id, source_file, kind) values (?, ?, ?)", new_files)
        _log_many(con, logged)
        for r in logged:
            results.append(r)
            if on_file:
                on_file(r)

    # An X12 batch goes in two halves: it is read (numpy, Arrow; no database) on the reader thread while the
    # batch before it is mapped into the database here (DuckDB releases the GIL); batches are recorded in order.
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="x12-reader")
    pending: tuple | None = None                     # (future of x12.prepare_many, its files) being read

    def map_pending() -> None:
        nonlocal pending
        if pending is None:
            return
        (reading, items), pending = pending, None
        try:
            read = [[r] for r in x12.load_many(con, [(p, sf) for p, sf, _ in items], reading.result())]
        except Exception as exc:  # a reader bug must not stop the audit
            read = [[_reader_failed(sf, exc)] for _, sf, _ in items]
        record([(rs, file_id, sf) for rs, (_, sf, file_id) in zip(read, items)])

    def flush(wait: bool = True) -> None:
        """Send the waiting X12 files to the reader thread and map the batch read before them; with `wait`,
        map and record every batch before returning (a file logged in its place comes after them)."""
        nonlocal batch_bytes, pending
        if batch:
            items = batch[:]
            batch.clear()
            batch_bytes = 0
            reading = reader.submit(x12.prepare_many, [(p, sf) for p, sf, _ in items])
            map_pending()
            pending = (reading, items)
        if wait:
            map_pending()

    try:
        for path, root in discover(paths):
            source_file = path.relative_to(root).as_posix() if path != root else path.name
            skipped = _not_a_file(path)
            file_id = None
            if skipped is None:
                try:
                    file_id = _sha256(path)
                except OSError as exc:
                    skipped = f"cannot read the file: {(exc.strerror or type(exc).__name__).lower()}"
            if skipped is not None:                      # logged in its place, never read
                flush()
                kind = "link" if path.is_symlink() else "unknown"
                status = "rejected" if skipped.startswith("cannot read") else "skipped"
                record([([FileResult(source_file, kind, status=status, message=skipped)], None, source_file)])
                continue
            if any(file_id == f for _, _, f in batch + (pending[1] if pending else [])):
                flush()                                  # same bytes as a file not yet loaded: load that one first
            if file_id not in known:
                kind, done, _ = _precheck(path, source_file)
                if kind == "x12" and done is None and path.stat().st_size <= _ALONE_BYTES:
                    batch.append((path, source_file, file_id))
                    batch_bytes += path.stat().st_size
                    if len(batch) >= _BATCH_FILES or batch_bytes >= _BATCH_BYTES:
                        flush(wait=False)
                    continue
            flush()
            seen = known.get(file_id)
            if seen:
                file_results = [FileResult(source_file, "duplicate", status="duplicate",
                                           message=f"same content as {seen}, already loaded; not loaded again")]
            else:
                file_results = read_file(con, path, source_file, mappings)
            record([(file_results, file_id, source_file)])
        flush()
    finally:
        reader.shutdown(wait=True)
    # the readers' freed Arrow buffers go back to the OS now: staging's DuckDB buffer (600 MB) comes on top of
    # what the process still holds (issue 16: ~160 MB less peak memory on the 20,000-patient practice)
    pa.default_memory_pool().release_unused()
    return results


def _fold_skipped_sheets(file_results: list[FileResult]) -> list[FileResult]:
    """A workbook's skipped sheets (a cover page, notes) are a remark on the file, not files of their own: their
    messages go to the first sheet that was read, so the ingest log has one row per file and sheet read."""
    read = [r for r in file_results if r.status != "skipped"]
    skipped = [r for r in file_results if r.status == "skipped"]
    if not read or not skipped:
        return file_results
    for s in skipped:
        read[0].issues.append(Issue("workbook", s.message, severity="info"))
    return read


def _log(con: duckdb.DuckDBPyConnection, r: FileResult) -> None:
    _log_many(con, [r])


def _log_many(con: duckdb.DuckDBPyConnection, rs: list[FileResult]) -> None:
    """ingest_log and ingest_issues rows of results, in order, with one insert each: the columns are bound
    as lists and unnested side by side (no Arrow table built from Python lists: pyarrow would import pandas,
    which `rcm-audit ingest` does not need)."""
    if not rs:
        return
    _insert_columns(con, "ingest_log", {
        "source_file": ("varchar", [r.source_file for r in rs]), "kind": ("varchar", [r.kind for r in rs]),
        "status": ("varchar", [r.status for r in rs]),
        "claims_loaded": ("bigint", [r.claims_loaded for r in rs]),
        "lines_loaded": ("bigint", [r.lines_loaded for r in rs]),
        "claims_rejected": ("bigint", [r.claims_rejected for r in rs]),
        "lines_rejected": ("bigint", [r.lines_rejected for r in rs]),
        "message": ("varchar", [r.message for r in rs]), "file_id": ("varchar", [r.file_id for r in rs]),
        "lines_skipped": ("bigint", [r.lines_skipped for r in rs]),
    })
    issues = [(r.source_file, i.place, i.severity, i.reason) for r in rs for i in r.issues]
    if issues:
        cols = [list(col) for col in zip(*issues)]
        _insert_columns(con, "ingest_issues", {name: ("varchar", col) for name, col in
                                               zip(["source_file", "place", "severity", "reason"], cols)})


def _insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, tuple[str, list]]) -> None:
    """One insert of equally long Python lists as the named columns of `table`, in list order."""
    select = ", ".join(f"unnest(${i}::{sql_type}[]) as {name}"
                       for i, (name, (sql_type, _)) in enumerate(columns.items(), start=1))
    con.execute(f"insert into {table} by name select {select}", [values for _, values in columns.values()])


__all__ = ["FileResult", "Issue", "discover", "ingest_paths", "read_file"]

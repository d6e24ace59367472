"""The output side: where the audit writes, checked before any work, and written privately when PHI is in it.

    prepare_output_dir(path) -> Path      the output folder, created when missing; InputError (one line, exit 2)
                                          when it cannot be: a file stands where the folder (or one of its
                                          parents) should be, no permission, a read-only or full disk
    writing_outputs(out_dir, show_phi)    a context for the work that writes the outputs: with --show-phi every
                                          file it creates is 0600 (umask 077) and existing outputs are made
                                          0600 first; a write that fails for a reason of the environment (no
                                          space left, no permission, read-only disk) becomes one InputError
    private_opener                        an `open(..., opener=private_opener)` that creates a file 0600
    write_csv(con, select, path) -> int   the rows of a query as a CSV file with its header (DuckDB's writer)

The audit database is always 0600 (pipelines.warehouse.connect); the other outputs carry patient names only
with --show-phi, and then follow the same rule.
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

# What `audit` writes into its output folder (CONTRACT §2).
OUTPUT_FILES = ("audit-report.pdf", "findings.csv", "worklist.xlsx", "ingest-log.csv", "audit.duckdb",
                "audit.duckdb.wal", "assumptions.csv", "follow-up-report.pdf", "follow-up.csv")

# Below this much free space an audit is refused up front (the PDF, worklist and database of a small practice
# need a few MB; a large one needs more, and a later full disk is still answered in one line).
MIN_FREE_BYTES = 20 << 20

# Errors of the environment, not of rcm-audit: answered in one line (exit 2), never as a bug.
_ENVIRONMENT_ERRNOS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOTDIR: "a file stands where a folder is expected",
    errno.EISDIR: "a folder stands where a file is expected",
    errno.EEXIST: "a file stands where a folder is expected",
    errno.ENAMETOOLONG: "the path is too long",
    errno.EFBIG: "the file is too large for the file system",
}


def private_opener(path: str, flags: int) -> int:
    """`open(path, "w", opener=private_opener)`: the file is created readable by its owner only (0600),
    and an existing one is made so before anything is written."""
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def write_csv(con, select: str, path: str | Path) -> int:
    """The rows of `select` (in its order) written to `path` by DuckDB's CSV writer: a header, quoting only
    where needed, ISO dates, NULL as an empty field; the query formats its own numbers (a decimal(p, 2) prints
    two decimals). Returns the number of rows written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    target = str(path).replace("'", "''")
    return con.execute(f"copy ({select}) to '{target}' (format csv, header)").fetchone()[0]


def prepare_output_dir(path: str | Path) -> Path:
    """The output folder, created when missing and checked writable, before any work is done.
    Raises InputError with one line naming the folder and the reason."""
    out = Path(path)
    for parent in [out, *out.parents]:           # the nearest existing ancestor must be a folder
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                what = "it is a file" if parent == out else f"{parent} is a file"
                raise InputError(f"cannot be the output folder: {what}, not a folder", str(out))
            break
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {_reason(exc)}", str(out)) from None
    for name in OUTPUT_FILES:                    # an output that cannot be replaced
        f = out / name
        if f.is_dir():
            raise InputError(f"cannot write {name}: a folder of that name is in the output folder", str(out))
    try:                                         # can we create, write and remove a file here?
        with tempfile.NamedTemporaryFile(dir=out, prefix=".rcm-audit-probe-") as fh:
            fh.write(b"\0" * 65536)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise InputError(f"cannot write to the output folder: {_reason(exc, with_file=False)}", str(out)) from None
    free = shutil.disk_usage(out).free
    if free < MIN_FREE_BYTES:
        raise InputError(f"not enough free space for the outputs: {free >> 20} MB free, "
                         f"at least {MIN_FREE_BYTES >> 20} MB needed", str(out))
    return out


@contextlib.contextmanager
def writing_outputs(out_dir: Path, show_phi: bool = False) -> Iterator[None]:
    """Run the work that writes into `out_dir`. With `show_phi`, every file and folder created meanwhile is
    private (umask 077: files 0600) and the outputs already there are made 0600 first (a rewritten file keeps
    its mode). A write that fails because of the environment becomes an InputError: one line, exit 2."""
    old_mask = os.umask(0o077) if show_phi else None
    try:
        if show_phi:
            _make_private(out_dir)
        yield
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - only errors of the environment are translated; others re-raised
        message = environment_error(exc)
        if message is None:
            raise
        raise InputError(f"cannot write the outputs: {message}", str(out_dir)) from None
    finally:
        if old_mask is not None:
            os.umask(old_mask)
            _make_private(out_dir)


def environment_error(exc: BaseException) -> str | None:
    """A one-line reason when `exc` is a failure of the disk or the file system (full, read-only, no
    permission, a file where a folder should be), else None (a bug: let it show as one)."""
    if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRNOS:
        return _reason(exc)
    text = str(exc)
    if type(exc).__module__.startswith("duckdb") or type(exc).__name__.endswith("IOException"):
        for needle, reason in (("No space left", "no space left on the device"),
                               ("Disk quota", "disk quota exceeded"),
                               ("Permission denied", "permission denied"),
                               ("Read-only file system", "read-only file system")):
            if needle in text:
                return reason
    return None


def _reason(exc: OSError, with_file: bool = True) -> str:
    why = _ENVIRONMENT_ERRNOS.get(exc.errno) or (exc.strerror or type(exc).__name__).lower()
    return f"{why} ({exc.filename})" if exc.filename and with_file else why


def _make_private(out_dir: Path) -> None:
    """chmod 0600 the outputs present in out_dir (regular files only: a link is left alone, its target is
    not ours to change)."""
    for name in OUTPUT_FILES:
        f = Path(out_dir) / name
        try:
            if stat.S_ISREG(f.lstat().st_mode):
                os.chmod(f, 0o600)
        except OSError:
            pass

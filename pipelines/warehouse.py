"""The audit database: created readable by its owner only, raw tables from sql/schema.sql.

Memory: DuckDB keeps at most `RCM_AUDIT_MEMORY_LIMIT` (default 600MB) of data in memory and spills the rest
of a big join or sort to a private temporary folder (mode 0700, removed when the process ends), so a large
practice is audited in about 1 GB whatever the machine's RAM (DuckDB's own default is 80% of it).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from .resources import read_sql

MEMORY_LIMIT = "600MB"
_spill_dir: str | None = None


def _spill_folder() -> str:
    """One private folder per process for DuckDB's spill files (they hold PHI): 0700, removed at exit."""
    global _spill_dir
    if _spill_dir is None or not os.path.isdir(_spill_dir):
        _spill_dir = tempfile.mkdtemp(prefix="rcm-audit-spill-")
        atexit.register(shutil.rmtree, _spill_dir, True)
    return _spill_dir


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """Memory limit and spill folder of a connection (see the module docstring)."""
    con.execute(f"set memory_limit = '{_quoted(_memory_limit())}'")
    con.execute(f"set temp_directory = '{_quoted(_spill_folder())}'")
    try:    # FSST string compression costs ~7% of staging's CPU (every model writes wide text rows) for ~5% of size
        con.execute("set disabled_compression_methods = 'fsst'")
    except duckdb.Error:    # a DuckDB without the setting: its default compression
        pass


def out_of_memory_advice() -> str:
    """What to tell the analyst when DuckDB runs out of the memory limit: the files are not at fault."""
    limit = _memory_limit()
    example = ", e.g. RCM_AUDIT_MEMORY_LIMIT=2GB" if limit == MEMORY_LIMIT else " in RCM_AUDIT_MEMORY_LIMIT"
    return f"the audit database ran out of its memory limit ({limit}); run again with a larger one{example}"


def _memory_limit() -> str:
    return os.environ.get("RCM_AUDIT_MEMORY_LIMIT", MEMORY_LIMIT)


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def connect(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the audit database. A new file is created with mode 0600 before DuckDB writes
    to it, so PHI is never readable by other users, even for a moment."""
    path = Path(db_path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
        old = os.umask(0o077)  # DuckDB creates the file (and its .wal) under this mask
        try:
            con = duckdb.connect(str(path))
        finally:
            os.umask(old)
        for p in (path, Path(str(path) + ".wal")):
            if p.exists():
                os.chmod(p, 0o600)
    else:
        con = duckdb.connect(":memory:")
    configure(con)
    con.execute(read_sql("schema.sql"))
    return con


def table_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]

"""The audit database: created readable by its owner only, raw tables from sql/schema.sql."""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

from .resources import read_sql


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
    con.execute(read_sql("schema.sql"))
    return con


def table_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]

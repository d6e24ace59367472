"""Stage: reference data, audit parameters and the staged tables the checks and the report read.

    stage(con, cfg, as_of=None) -> params     seeds (validated against the RULEBOOK), the configuration as
                                              tables, the imported CMS reference releases, audit_params,
                                              then every model of sql/staging and sql/intermediate in
                                              dependency order, their declared invariants, the assumptions
    match_rates(con)                          how well claims, remittances and documentation link up

`ingest`, `check` and `audit` all stage through this one function, so they judge the same data the same way.
"""
from __future__ import annotations

import datetime as dt

import duckdb

from ..config import PracticeConfig
from ..resources import read_sql
from .models import InvariantError, ModelError, assert_invariants, load_models, run_models
from .params import write_assumptions, write_audit_params, write_config_tables
from .reference import register_reference
from .seeds import SeedError, load_seeds, validate_seeds

__all__ = ["InvariantError", "ModelError", "SeedError", "load_models", "match_rates", "stage"]


def stage(con: duckdb.DuckDBPyConnection, cfg: PracticeConfig, as_of: dt.date | None = None) -> dict:
    """Stage everything loaded so far; returns the audit parameters (as_of, locality, period)."""
    load_seeds(con)
    write_config_tables(con, cfg)
    register_reference(con, cfg.reference_dir)
    con.execute(read_sql("seeds/seeds.sql"))
    validate_seeds(con)
    con.execute(read_sql("macros.sql"))
    params = write_audit_params(con, cfg, as_of)
    run_models(con)
    assert_invariants(con)
    write_assumptions(con)
    return params


def match_rates(con: duckdb.DuckDBPyConnection) -> list[tuple[str, float | None, int, int]]:
    """(label, rate, matched, total) for the links the checks depend on. Unmatched items are data for
    later checks (unpaid claims, unbilled visits), not errors."""
    rows = [
        ("claims with a remittance", "select count(*) filter (where claim_id in (select claim_id from stg_remit_claims_final)), count(*) from stg_claims where not is_void and not is_superseded"),
        ("claim lines matched to a remittance line", "select count(*) filter (where has_remit_line), count(*) from stg_line_status"),
        ("documented code-days matched to a claim line", "select count(*) filter (where line_key is not null), count(*) from stg_visit_match"),
        # no visit export: nothing to match (printed as 0/0, not as 0% documented)
        ("claim lines matched to documentation", "select count(distinct line_key) filter (where line_key is not null), case when exists (select 1 from visits) then (select count(*) from stg_claim_lines) else 0 end from stg_visit_match"),
    ]
    out = []
    for label, sql in rows:
        num, den = con.execute(sql).fetchone()
        out.append((label, (num / den) if den else None, num, den))
    con.execute("create or replace table match_rates (label varchar, rate double, matched integer, total integer)")
    con.executemany("insert into match_rates values (?, ?, ?, ?)", out)
    return out

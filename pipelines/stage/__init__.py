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
import time

import duckdb

from ..config import PracticeConfig
from ..resources import read_sql
from .models import InvariantError, ModelError, load_models, run_models
from .params import write_assumptions, write_audit_params, write_config_tables
from .reference import register_reference
from .seeds import SeedError, load_seeds, validate_seeds

__all__ = ["RATE_MODELS", "InvariantError", "ModelError", "SeedError", "load_models", "match_rates", "stage"]


def stage(con: duckdb.DuckDBPyConnection, cfg: PracticeConfig, as_of: dt.date | None = None,
          timings: dict[str, float] | None = None, targets: tuple[str, ...] | None = None) -> dict:
    """Stage everything loaded so far; returns the audit parameters (as_of, locality, period). `timings`, when
    given, gets the seconds of each step ('seeds', 'models', ...) and of each model ('model x', 'invariants x').
    `targets`: only these models and what they depend on, their invariants asserted, no assumptions table
    (`rcm-audit ingest` stages RATE_MODELS for its match rates; `check` and `audit` stage everything)."""
    clock = _Clock(timings)
    load_seeds(con)
    write_config_tables(con, cfg)
    register_reference(con, cfg.reference_dir)
    con.execute(read_sql("seeds/seeds.sql"))
    validate_seeds(con)
    con.execute(read_sql("macros.sql"))
    params = write_audit_params(con, cfg, as_of)
    clock.lap("seeds, configuration, parameters")
    run_models(con, timings, targets=targets)       # each model's invariants asserted as it is made
    clock.lap("models")
    if targets is None:
        write_assumptions(con)
        clock.lap("assumptions")
    return params


class _Clock:
    """Laps of the staging steps into a timings dict (nothing when it is None)."""

    def __init__(self, timings: dict[str, float] | None):
        self.timings, self.t = timings, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = now - self.t
        self.t = now


# The models the match rates read: `rcm-audit ingest` stages only these (and what they depend on).
RATE_MODELS = ("stg_claims", "stg_remit_claims_final", "stg_claim_lines", "stg_line_match", "stg_visit_match")


def match_rates(con: duckdb.DuckDBPyConnection) -> list[tuple[str, float | None, int, int]]:
    """(label, rate, matched, total) for the links the checks depend on. Unmatched items are data for
    later checks (unpaid claims, unbilled visits), not errors. Reads only RATE_MODELS."""
    rows = [
        ("claims with a remittance", "select count(*) filter (where claim_id in (select claim_id from stg_remit_claims_final)), count(*) from stg_claims where not is_void and not is_superseded"),
        # = stg_line_status.has_remit_line over its lines (one row per claim line), without pricing the lines
        ("claim lines matched to a remittance line", "select count(*) filter (where m.match_method is not null), count(*) from stg_claim_lines l left join stg_line_match m using (line_key)"),
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

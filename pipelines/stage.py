"""Stage: reference seeds, audit parameters and the sql/staging views the checks read.

Runs after ingest (so `rcm-audit ingest` can print match rates) and again before the checks
(cheap: a few seconds even for a large practice), so it always reflects the data loaded so far.
"""
from __future__ import annotations

import datetime as dt

import duckdb

from .checks.params import write_assumptions, write_audit_params, write_config_tables
from .checks.seeds import load_seeds, validate_seeds
from .config import PracticeConfig
from .resources import read_sql, sql_dir


def stage(con: duckdb.DuckDBPyConnection, cfg: PracticeConfig, as_of: dt.date | None = None) -> dict:
    """Seeds, their validation (refuses to run on a wrong seed), parameters, then every staging file."""
    load_seeds(con)
    write_config_tables(con, cfg)
    con.execute(read_sql("staging/01_seeds.sql"))
    validate_seeds(con)
    params = write_audit_params(con, cfg, as_of)
    for path in sorted((sql_dir() / "staging").glob("*.sql")):
        if path.name != "01_seeds.sql":
            con.execute(path.read_text(encoding="utf-8"))
    write_assumptions(con)
    return params


def match_rates(con: duckdb.DuckDBPyConnection) -> list[tuple[str, float | None, int, int]]:
    """(label, rate, matched, total) for the links the checks depend on. Unmatched items are data for
    later checks (unpaid claims, unbilled visits), not errors."""
    rows = [
        ("claims with a remittance", "select count(*) filter (where claim_id in (select claim_id from stg_remit_claims_final)), count(*) from stg_claims where not is_void and not is_superseded"),
        ("claim lines matched to a remittance line", "select count(*) filter (where has_remit_line), count(*) from stg_line_status"),
        ("documented code-days matched to a claim line", "select count(*) filter (where line_key is not null), count(*) from stg_visit_match"),
        ("claim lines matched to documentation", "select count(distinct line_key) filter (where line_key is not null), (select count(*) from stg_claim_lines) from stg_visit_match"),
    ]
    out = []
    for label, sql in rows:
        num, den = con.execute(sql).fetchone()
        out.append((label, (num / den) if den else None, num, den))
    con.execute("create or replace table match_rates (label varchar, rate double, matched integer, total integer)")
    con.executemany("insert into match_rates values (?, ?, ?, ?)", out)
    return out

"""Check stage: seeds -> parameters -> staging (sql/staging) -> one SQL file per rule (sql/rules).

Each rule file is a single SELECT returning rows in the findings shape (see FINDING_COLUMNS); the
runner adds category/severity defaults from the rule catalog, the payer claim id and the rank, and
records how long each rule took (table rule_timings).
"""
from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import duckdb

from ..config import PracticeConfig
from ..resources import sql_dir
from .seeds import SeedError

# CONTRACT §2, in this order.
FINDING_COLUMNS = ["rule_id", "category", "severity", "priority_rank", "claim_id", "payer_claim_id", "patient_ref",
                   "payer", "payer_class", "dos", "cpt", "modifiers", "units_billed", "units_expected", "amount_usd",
                   "amount_kind", "fix_by", "detail", "source_file"]

FINDINGS_DDL = """
create or replace table findings (
    rule_id varchar, category varchar, severity varchar, priority_rank integer, claim_id varchar,
    payer_claim_id varchar, patient_ref varchar, payer varchar, payer_class varchar, dos date, cpt varchar,
    modifiers varchar, units_billed double, units_expected double, amount_usd decimal(12,2),
    amount_kind varchar, fix_by date, detail varchar, source_file varchar,
    provider_npi varchar          -- rendering NPI of the line (per-therapist view); not in findings.csv
)"""


def rule_files() -> list[Path]:
    return sorted(p for p in (sql_dir() / "rules").glob("*.sql") if not p.name.startswith("_"))


def run_rules(con: duckdb.DuckDBPyConnection, only: list[str] | None = None) -> dict[str, float]:
    """(Re)write the findings table from every rule file; returns seconds per rule."""
    con.execute(FINDINGS_DDL)
    con.execute("create or replace table rule_timings (rule_id varchar, seconds double, findings integer)")
    timings: dict[str, float] = {}
    for path in rule_files():
        rule_id = path.stem.upper()
        if only and rule_id not in only:
            continue
        start = time.perf_counter()
        con.execute(f"""
            insert into findings by name
            with r as ({path.read_text(encoding='utf-8').rstrip().rstrip(';')})
            select r.* exclude (category, severity),
                   coalesce(r.category, c.category) as category, coalesce(r.severity, c.severity) as severity
            from r left join rule_catalog c on c.rule_id = r.rule_id""")
        seconds = time.perf_counter() - start
        n = con.execute("select count(*) from findings where rule_id = ?", [rule_id]).fetchone()[0]
        con.execute("insert into rule_timings values (?, ?, ?)", [rule_id, seconds, n])
        timings[rule_id] = seconds
    con.execute("""
        update findings f set payer_claim_id = r.payer_claim_id
        from stg_remit_claims_final r where r.claim_id = f.claim_id and f.payer_claim_id is null""")
    con.execute("update findings set amount_usd = round(greatest(coalesce(amount_usd, 0), 0), 2)")
    return timings


def run_checks(con: duckdb.DuckDBPyConnection, cfg: PracticeConfig, as_of: dt.date | None = None,
               only: list[str] | None = None) -> dict:
    from ..stage import stage
    params = stage(con, cfg, as_of)
    timings = run_rules(con, only)
    return {"params": params, "timings": timings,
            "findings": con.execute("select count(*) from findings").fetchone()[0]}


def write_findings_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """findings.csv exactly as CONTRACT §2: columns in order, ISO dates, two-decimal amounts."""
    rows = con.execute(f"""
        select {', '.join(FINDING_COLUMNS)} from findings
        order by priority_rank nulls last, rule_id, fix_by nulls last, amount_usd desc, claim_id, dos, cpt""").fetchall()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(FINDING_COLUMNS)
        for row in rows:
            out = []
            for col, v in zip(FINDING_COLUMNS, row):
                if v is None:
                    out.append("")
                elif isinstance(v, dt.date):
                    out.append(v.isoformat())
                elif col == "amount_usd":
                    out.append(f"{v:.2f}")
                elif col in ("units_billed", "units_expected"):
                    out.append(f"{v:g}")
                else:
                    out.append(v)
            w.writerow(out)
    return len(rows)


__all__ = ["FINDING_COLUMNS", "SeedError", "run_checks", "run_rules", "write_findings_csv"]

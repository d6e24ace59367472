"""Check stage: one SQL file per rule (sql/rules) over the staged tables -> the `findings` table.

Each rule file is a single SELECT returning rows in the findings shape (FINDING_COLUMNS); its header
(pipelines/checks/catalog.py) gives its title, category, severity, grain, citation and the inputs it needs.
A rule whose inputs the audit lacks is not run: the `coverage` table says which input was missing, and the
report never shows it as "0 findings". The runner adds category/severity from the catalog, the payer claim id
and each finding's patient_key (database only), and records how long each rule took (table rule_timings).
A negative amount from a rule is a bug, reported as such (never clamped to 0).
"""
from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import AuditError
from ..outputs import write_csv
from .catalog import Rule, coverage, load_rules, write_catalog

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
    provider_npi varchar,         -- rendering NPI of the line (per-therapist view); not in findings.csv
    patient_key varchar           -- the stable patient key (member id, else name + DOB): database only, PHI
)"""


class RuleError(AuditError):
    """A rule produced something the findings contract forbids (a bug in the rule)."""


def _run_rule(con: duckdb.DuckDBPyConnection, rule: Rule) -> tuple[pa.Table, float]:
    """A rule's findings (category and severity from the catalog where the rule leaves them empty) and its
    seconds."""
    start = time.perf_counter()
    found = con.sql(f"""
        with r as ({rule.sql.rstrip().rstrip(';')})
        select r.* exclude (category, severity),
               coalesce(r.category, c.category) as category, coalesce(r.severity, c.severity) as severity
        from r left join rule_catalog c on c.rule_id = r.rule_id""").to_arrow_table()
    return found, time.perf_counter() - start


def _evaluate(con: duckdb.DuckDBPyConnection, rules: list[Rule], workers: int = 2) -> dict[str, tuple[pa.Table, float]]:
    """Every rule's findings, the rules run `workers` at a time on cursors of their own (they only read the
    staged tables; one rule query rarely keeps both cores of a small machine busy). A rule that runs out of
    memory beside another (they share one memory limit) is run again alone, once the others are done."""
    from concurrent.futures import ThreadPoolExecutor
    cursors = [con.cursor() for _ in range(workers)]
    free = list(cursors)

    def run(rule: Rule) -> tuple[pa.Table, float] | None:
        cur = free.pop()
        try:
            return _run_rule(cur, rule)
        except duckdb.OutOfMemoryException:
            return None
        finally:
            free.append(cur)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = dict(zip((r.rule_id for r in rules), pool.map(run, rules)))
    finally:
        for c in cursors:
            c.close()
    for rule in rules:
        if found[rule.rule_id] is None:
            found[rule.rule_id] = _run_rule(con, rule)
    return found


def run_rules(con: duckdb.DuckDBPyConnection, only: list[str] | None = None) -> dict[str, float]:
    """(Re)write the findings and coverage tables from every rule; returns seconds per rule run."""
    write_catalog(con)
    cov = coverage(con)
    evaluated = {c["rule_id"] for c in cov if c["evaluated"]}
    con.execute(FINDINGS_DDL)
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}
    rules = [r for r in load_rules() if (not only or r.rule_id in only) and r.rule_id in evaluated]
    for rule_id, (found, seconds) in _evaluate(con, rules).items():      # inserted in the rules' order
        con.register("_found", found)
        try:
            con.execute("insert into findings by name select * from _found")
        finally:
            con.unregister("_found")
        timings[rule_id] = seconds
    for rule_id, n, negative in con.execute("""
            select rule_id, count(*), count(*) filter (where amount_usd < 0) from findings group by 1""").fetchall():
        counts[rule_id] = n
        if negative:
            raise RuleError(f"rule {rule_id} produced {negative} finding(s) with a negative amount_usd (a bug in "
                            f"sql/rules/{rule_id.lower()}.sql; amounts are dollars at stake, >= 0)")
    unknown = set(counts) - {r.rule_id for r in load_rules()}
    if unknown:
        raise RuleError(f"a rule produced findings under another rule id: {', '.join(sorted(unknown))}")
    con.execute("""
        update findings f set payer_claim_id = r.payer_claim_id
        from stg_remit_claims_final r where r.claim_id = f.claim_id and f.payer_claim_id is null""")
    con.execute("""
        update findings f set patient_key = p.patient_key
        from stg_patients p where p.patient_ref = f.patient_ref""")
    con.execute("update findings set amount_usd = round(coalesce(amount_usd, 0), 2)")
    con.execute("create or replace table rule_timings (rule_id varchar, seconds double, findings integer)")
    if timings:
        con.executemany("insert into rule_timings values (?, ?, ?)",
                        [(r, s, counts.get(r, 0)) for r, s in timings.items()])
    frame = pa.Table.from_pylist(
        [{**c, "findings": counts.get(c["rule_id"], 0) if c["evaluated"] else None} for c in cov],
        schema=pa.schema([("rule_id", pa.string()), ("evaluated", pa.bool_()), ("missing_input", pa.string()),
                          ("findings", pa.int64()), ("what_to_send", pa.string())]))
    con.register("_coverage", frame)
    try:
        con.execute("""create or replace table coverage as
                       select rule_id, evaluated, missing_input, findings::integer as findings, what_to_send
                       from _coverage order by rule_id""")
    finally:
        con.unregister("_coverage")
    return timings


def write_findings_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """findings.csv exactly as CONTRACT §2: columns in order, ISO dates, two-decimal amounts, whole units
    without a decimal point."""
    units = "case when {0} = trunc({0}) then {0}::bigint::varchar else {0}::varchar end as {0}"
    cols = [units.format(c) if c in ("units_billed", "units_expected")
            else f"{c}::decimal(12, 2) as {c}" if c == "amount_usd" else c for c in FINDING_COLUMNS]
    return write_csv(con, f"""
        select {', '.join(cols)} from findings
        order by priority_rank nulls last, rule_id, fix_by nulls last, amount_usd desc, claim_id, dos, cpt""", path)


__all__ = ["FINDING_COLUMNS", "RuleError", "load_rules", "run_rules", "write_findings_csv"]

"""The follow-up engine: attach the baseline audit database read-only to the day-30 audit's connection, run
sql/followup/ in order, and read the results. Nothing here writes to the baseline.

    resolve_baseline(path, out_dir, as_of=None, npi=None) -> Path   the baseline's audit.duckdb, or InputError
    attached(con, db)                                               context manager: the baseline as `fu_base`
    check_same_practice(con, db)                                    InputError unless the same practice, not newer
    compute(con, min_eligible)                                      every follow-up table (follow_up, ...)
"""
from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import duckdb

from ..errors import InputError
from ..resources import read_sql

ALIAS = "fu_base"

# sql/followup/, in the order they run (each creates one object named after its file; findings_follow_up_status
# is the one write into the audit's own findings table).
MODELS = ["fu_params", "fu_baseline", "fu_claim_lines", "fu_item_claims", "fu_payments", "fu_claimed",
          "fu_recovery", "fu_rebills", "fu_new_findings", "fu_matches", "fu_covered", "fu_reasons", "follow_up",
          "fu_new_status", "findings_follow_up_status"]

# What a baseline must hold to be judged against (tables and the columns the follow-up reads).
REQUIRED = {
    "findings": {"rule_id", "claim_id", "dos", "cpt", "patient_ref", "patient_key", "amount_usd", "amount_kind",
                 "fix_by", "priority_rank"},
    "audit_params": {"as_of", "practice_npi"},
    "rule_catalog": {"rule_id", "grain"},
    "recommendations": {"rank", "rule_id", "payer", "payer_scope"},
    "claims": {"claim_id", "submission_date"},
    "remit_claims": {"claim_id", "payment_date"},
    "remit_lines": {"claim_id", "cpt", "paid"},
    "source_files": {"file_id"},
    "stg_claim_lines": {"patient_key", "dos", "cpt", "units"},
    "stg_plans": {"patient_key", "start_date", "end_date", "signed_date", "order_date"},
    "stg_cert_intervals": {"patient_key", "start_date", "cert_end", "certified_from", "signed_date"},
    "stg_authorizations": {"patient_key", "auth_number", "start_date", "end_date", "visits_authorized"},
}
NOT_AN_AUDIT = "not an rcm-audit database (give the output folder of an earlier `rcm-audit audit`, or its audit.duckdb)"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _missing_structure(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    where = "table_catalog = ?" if catalog else "table_catalog = current_database()"
    rows = con.execute(f"select table_name, column_name from information_schema.columns where {where}",
                       [catalog] if catalog else None).fetchall()
    have: dict[str, set[str]] = {}
    for t, c in rows:
        have.setdefault(t, set()).add(c)
    return [t for t, cols in REQUIRED.items() if not cols <= have.get(t, set())]


def resolve_baseline(path: Path, out_dir: Path | None = None, as_of: dt.date | None = None,
                     npi: str | None = None) -> Path:
    """The baseline audit database behind `--baseline PATH` (a folder holding audit.duckdb, or the file), checked
    up front, before the day-30 audit writes anything: it exists, is not the database this audit is about to
    write, is an rcm-audit audit database, and (when --as-of or the configured NPI are known already) is not
    newer than this audit nor another practice's. Raises InputError with one line."""
    path = Path(path)
    if not path.exists():
        raise InputError("baseline not found", str(path))
    db = path / "audit.duckdb" if path.is_dir() else path
    if not db.is_file():
        raise InputError("no audit.duckdb in the baseline folder (give the output folder of an earlier "
                         "`rcm-audit audit`, or its audit.duckdb)", str(path))
    if out_dir is not None and db.resolve() == (Path(out_dir) / "audit.duckdb").resolve():
        raise InputError("the baseline is the output folder of this audit, which would overwrite it; write the "
                         "day-30 audit to another folder (-o)", str(path))
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        raise InputError(NOT_AN_AUDIT, str(path)) from None
    try:
        if _missing_structure(con):
            raise InputError(NOT_AN_AUDIT, str(path))
        base_as_of, base_npi = con.execute("select as_of::date, practice_npi from audit_params limit 1").fetchone() \
            or (None, None)
    finally:
        con.close()
    if base_as_of is None:
        raise InputError(NOT_AN_AUDIT + "; it has no as-of date", str(path))
    if as_of is not None and base_as_of > as_of:
        raise InputError(f"the baseline audit (as of {base_as_of}) is newer than this audit (--as-of {as_of}); "
                         "the baseline must be the earlier audit", str(path))
    if npi and base_npi and npi != base_npi:
        raise InputError(f"the baseline is another practice's audit (NPI {base_npi}; this practice's NPI is {npi})",
                         str(path))
    return db


@contextlib.contextmanager
def attached(con: duckdb.DuckDBPyConnection, db: Path):
    """The baseline attached READ_ONLY as `fu_base` for the duration of the block, then detached."""
    con.execute(f"attach {_quote(Path(db).resolve())} as {ALIAS} (read_only)")
    try:
        yield con
    finally:
        con.execute(f"detach {ALIAS}")


def check_same_practice(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """After staging the day-30 input: refuse a baseline of another practice (different billing NPI; or, when an
    NPI is unknown, no patient and no claim in common) or one newer than this audit (its as-of date after this
    audit's). Raises InputError with one line naming the baseline."""
    with attached(con, db):
        if _missing_structure(con, ALIAS):
            raise InputError(NOT_AN_AUDIT, str(db))
        base_as_of, base_npi = con.execute(f"select as_of::date, practice_npi from {ALIAS}.audit_params limit 1").fetchone()
        new_as_of, new_npi = con.execute("select as_of::date, practice_npi from audit_params limit 1").fetchone()
        if base_npi and new_npi and base_npi != new_npi:
            raise InputError(f"the baseline is another practice's audit (NPI {base_npi}; the files of this audit "
                             f"are billed under NPI {new_npi})", str(db))
        if not (base_npi and new_npi):
            shared = con.execute(f"""
                select (select count(*) from stg_patients where patient_key in
                            (select patient_key from {ALIAS}.findings
                             union select patient_key_of(subscriber_member_id, patient_last, patient_first, patient_dob)
                                   from {ALIAS}.claims))
                     + (select count(*) from (select claim_id from claims intersect select claim_id from {ALIAS}.claims))
                     + (select count(*) from (select claim_id from remit_claims
                                              intersect select claim_id from {ALIAS}.claims))""").fetchone()[0]
            if not shared:
                raise InputError("the baseline shares no patient and no claim with these files: it is another "
                                 "practice's audit", str(db))
        if base_as_of > new_as_of:
            raise InputError(f"the baseline audit (as of {base_as_of}) is newer than this audit (as of {new_as_of}); "
                             "the baseline must be the earlier audit", str(db))


def _run(con: duckdb.DuckDBPyConnection, name: str, **params) -> None:
    con.execute(read_sql(f"followup/{name}.sql"), params or None)


def compute(con: duckdb.DuckDBPyConnection, min_eligible: int) -> None:
    """Every follow-up object, with the baseline attached as `fu_base`: the temporary fu_* tables, then
    follow_up, findings.follow_up_status and follow_up_habits in the day-30 audit database."""
    _run(con, "_macros")
    for name in MODELS:
        _run(con, name)
    base_as_of, new_as_of = con.execute("select base_as_of, new_as_of from fu_params").fetchone()
    main = con.execute("select current_database()").fetchone()[0]
    template = read_sql("followup/habit_counts.sql")
    for table, catalog, after, until in (("fu_habit_before", ALIAS, dt.date(1900, 1, 1), base_as_of),
                                         ("fu_habit_after", main, base_as_of, new_as_of)):
        sql = template.replace("{db}", f'"{catalog}"')
        con.execute(f"create or replace temp table {table} as {sql}", {"after": after, "until": until})
    _run(con, "follow_up_habits", min_eligible=min_eligible)

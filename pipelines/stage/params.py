"""Audit parameters: the configuration as tables (config_payers, config_settings), the as-of date,
locality and audit period (audit_params), and every default the audit relied on (assumptions)."""
from __future__ import annotations

import datetime as dt
import hashlib

import duckdb

from ..config import DEFAULT_FIRM, PracticeConfig, record_config_in_force

_CONFIG_PAYER_COLUMNS = ["name", "payer_id", "payer_class", "unit_method", "timely_filing_days", "requires_auth",
                         "fee_pct_of_medicare", "appeal_days", "follows_medicare_rules"]


def write_config_tables(con: duckdb.DuckDBPyConnection, cfg: PracticeConfig) -> None:
    payers = [[getattr(p, c) for c in _CONFIG_PAYER_COLUMNS] for p in cfg.payers]
    con.execute("""create or replace table config_payers (name varchar, payer_id varchar, payer_class varchar,
                   unit_method varchar, timely_filing_days integer, requires_auth boolean,
                   fee_pct_of_medicare double, appeal_days integer, follows_medicare_rules boolean)""")
    if payers:
        con.executemany(f"insert into config_payers ({', '.join(_CONFIG_PAYER_COLUMNS)}) "
                        f"values ({', '.join('?' * len(_CONFIG_PAYER_COLUMNS))})", payers)
    con.execute("create or replace table config_settings (name varchar, value varchar)")
    if cfg.settings:
        con.executemany("insert into config_settings values (?, ?)", list(cfg.settings.items()))


_KEEP_UPPER = {"LLC", "PLLC", "LLP", "PC", "OT", "PT", "SLP", "OTR", "MD", "DO", "USA", "MA", "II", "III", "IV"}


def readable_name(name: str | None) -> str | None:
    """A billing name as 837s carry it ('CHARLES RIVER OT LLC') in the case a report prints it
    ('Charles River OT LLC'); a name already in mixed case is kept."""
    if not name or not name.isupper():
        return name
    return " ".join(w if w.strip(".,&") in _KEEP_UPPER else w.capitalize() for w in name.split())


def write_audit_params(con: duckdb.DuckDBPyConnection, cfg: PracticeConfig, as_of: dt.date | None) -> dict:
    """One-row audit_params. The pseudonym salt is derived from the files loaded (their sha256s), so the
    same inputs give the same patient_ref whichever road (`audit`, or `ingest` -> `check`) ran them, and
    it survives re-runs on the same database so patient_ref stays stable within one audit."""
    salt = None
    if con.execute("select count(*) from information_schema.tables where table_name = 'audit_params'").fetchone()[0]:
        salt = con.execute("select salt from audit_params").fetchone()
        salt = salt[0] if salt else None
    if not salt:
        ids = [r[0] for r in con.execute("select file_id from source_files order by file_id").fetchall()]
        salt = hashlib.sha256(("rcm-audit pseudonyms|" + "|".join(ids)).encode()).hexdigest()[:32]

    # the newest remittance or claim; visit dates only when there is neither (an EMR export can list
    # booked, future appointments: they must not move the as-of date)
    data_as_of = con.execute("""
        select coalesce(greatest((select max(payment_date) from remit_claims),
                                 (select max(submission_date) from claims)),
                        (select max(dos) from visits))""").fetchone()[0]
    as_of_source = "--as-of" if as_of else ("practice.toml" if cfg.as_of else "latest date in the input")
    as_of = as_of or cfg.as_of or data_as_of
    if cfg.locality:
        locality, locality_source = cfg.locality, "practice.toml"
    else:
        row = con.execute("""
            select z.locality from claims c join raw_seed_locality_zip3 z on z.zip3 = substr(c.billing_zip, 1, 3)
            group by 1 order by count(*) desc, 1 limit 1""").fetchone()
        if row:
            locality, locality_source = row[0], "billing provider ZIP (seed locality_zip3, LOW confidence)"
        else:
            locality = con.execute("select value from raw_seed_settings where name = 'default_locality'").fetchone()[0]
            locality_source = "default (CONTRACT §6: 99 when it cannot be told)"
    period = con.execute("""
        select min(dos), max(dos) from (select dos from claim_lines union all select dos from visits)""").fetchone()
    audit_start = cfg.audit_start or period[0]
    audit_end = cfg.audit_end or period[1]
    practice_npi = cfg.npi or (con.execute(
        "select billing_npi from claims group by 1 order by count(*) desc, 1 limit 1").fetchone() or [None])[0]
    practice_name = cfg.name or readable_name((con.execute(
        "select billing_name from claims group by 1 order by count(*) desc, 1 limit 1").fetchone() or [None])[0])
    auditor = cfg.auditor or {}
    con.execute("create or replace table audit_params as select ?::varchar as practice_name, ?::varchar as practice_npi,"
                " ?::varchar as locality, ?::date as audit_start, ?::date as audit_end, ?::date as as_of,"
                " current_date as generated_on, ?::varchar as salt, ?::varchar as as_of_source,"
                " ?::varchar as locality_source, ?::varchar as config_source, ?::varchar as auditor_name,"
                " ?::varchar as auditor_firm, ?::varchar as auditor_email, ?::varchar as auditor_phone",
                [practice_name or "the practice", practice_npi, locality, audit_start, audit_end, as_of, salt,
                 as_of_source, locality_source, cfg.source, auditor.get("name"), auditor.get("firm") or DEFAULT_FIRM,
                 auditor.get("email"), auditor.get("phone")])
    record_config_in_force(con, as_of, locality)
    return {"as_of": as_of, "locality": locality, "audit_start": audit_start, "audit_end": audit_end}


def write_assumptions(con: duckdb.DuckDBPyConnection) -> None:
    """Every default, UNCONFIRMED value and configuration choice the findings rest on (report appendix)."""
    con.execute("""
    create or replace table assumptions as
    select 'As-of date' as topic, strftime(as_of, '%Y-%m-%d') || ' (' || as_of_source || ')' as value,
           'HIGH' as confidence, 'CONTRACT §6' as source from audit_params
    union all select 'Medicare locality', locality || ' (' || locality_source || ')', 'MED', 'RULEBOOK §11.3' from audit_params
    union all select 'Fee schedule method', 'CMS RVUs x Massachusetts GPCIs x conversion factor of the date of service; '
                     || 'MPPR per visit; CO lines x (1 - co_share); other payers a configured % of Medicare; '
                     || 'a code or date with no fee schedule priced from the practice''s median allowed',
                     'HIGH', 'RULEBOOK §6, §11'
    union all
    select 'Fee schedule ' || y,
           coalesce(string_agg(distinct release, '; ') filter (where not is_proxy), 'no CMS release loaded')
           || coalesce('; proxy (never used for underpayment findings) for '
                       || string_agg(distinct cpt, ', ' order by cpt) filter (where is_proxy)
                       || ': ' || any_value(release) filter (where is_proxy), ''),
           case when bool_or(is_proxy) then 'LOW' else 'HIGH' end, 'RULEBOOK §11.2-§11.4'
    from (select year(l.dos) as y, f.cpt, f.release, f.is_proxy
          from stg_claim_lines l
          join fee_schedule f on f.cpt = l.cpt and f.modifier = '' and f.locality = (select locality from audit_params)
                             and l.dos between f.effective_from and f.effective_to)
    group by y
    union all select 'Setting ' || name, value, confidence, source from settings
    union all
    select 'Payer ' || payer_display,
           payer_class || '; unit method ' || coalesce(unit_method, 'not configured (units findings only when both methods agree)')
           || '; timely filing ' || timely_filing_days || ' days; authorization ' || case when requires_auth then 'required' else 'not required' end
           || '; fee ' || coalesce(round(fee_pct_of_medicare * 100)::integer || '% of Medicare', 'no fee schedule')
           || ' (' || classified_by || ')',
           case when classified_by = 'practice.toml' then 'HIGH' when classified_by = 'directory' then 'MED' else 'LOW' end,
           case when classified_by = 'directory' then 'built-in Massachusetts payer directory (RULEBOOK §9)' else classified_by end
    from (select distinct on (payer_key) * from stg_payers
          where payer_key in (select payer_key from stg_claims) order by payer_key)
    union all select 'NCCI pair ' || column1 || '/' || column2, 'active (modifier indicator ' || modifier_indicator || ')', confidence, source
    from seed_ncci_pairs where active_by_default
    """)

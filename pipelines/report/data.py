"""The numbers behind the report, all aggregated in SQL so the report's size does not grow with the
practice: headline figures, KPIs, chart series, payer scorecard, per-therapist view, appendix tables.

Every function takes the audit database connection and returns plain Python data (dicts, lists of
dicts, Decimals). Functions that read optional tables return empty results when the table is missing.
"""
from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from ..resources import sql_dir
from .playbook import play
from ..prioritize import period_days

CENT = Decimal("0.01")
CONTRACTUAL = ("45", "59", "253")  # CONTRACT §6: not a denial (fallback when the seeds are not loaded)


def expected_carcs(con) -> tuple:
    """CARCs that are normal adjustments, not denials: the EXPECTED class of the carc_classes seed
    (45, 59, 253, MIPS 237, ...) when the check stage loaded it, else CONTRACT §6's three."""
    if _has(con, "seed_carc_classes", {"reason_code", "class"}):
        codes = [r[0] for r in con.execute("select reason_code from seed_carc_classes where class = 'EXPECTED'").fetchall()]
        if codes:
            return tuple(sorted(set(codes) | set(CONTRACTUAL)))
    return CONTRACTUAL
THERAPIST_GROUPS = {
    "Units": ("UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED", "UNTIMED_MULTIPLE_UNITS"),
    "Modifiers": ("GO_MISSING", "DISCIPLINE_MODIFIER_WRONG", "KX_MISSING", "CO_MODIFIER_MISSING",
                  "CO_MODIFIER_UNNEEDED", "NCCI_MODIFIER_MISSING"),
    "Minutes": ("MINUTES_MISSING",),
    "Coding": ("CODING_EDIT",),
}
CAPS = {"examples": 5, "full_recs": 12, "rec_table": 30, "payers": 10, "therapists": 12, "months": 24,
        "kx_patients": 15, "files": 25, "issues": 15, "denial_payers": 6}


def q(x) -> Decimal:
    return Decimal(str(x or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def table_exists(con, name: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_name = ?",
                       [name]).fetchone()[0] > 0


def columns(con, name: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
        [name]).fetchall()]


def rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


# --- parameters ------------------------------------------------------------------------------------
def audit_params(con) -> dict:
    p = {}
    if table_exists(con, "audit_params"):
        got = rows(con, "select * from audit_params limit 1")
        p = got[0] if got else {}
    if not p.get("audit_start") or not p.get("audit_end"):
        lo, hi = con.execute("select min(dos), max(dos) from findings").fetchone()
        p.setdefault("audit_start", lo)
        p.setdefault("audit_end", hi)
        p["audit_start"] = p["audit_start"] or lo
        p["audit_end"] = p["audit_end"] or hi
    p.setdefault("practice_name", None)
    p["practice_name"] = p["practice_name"] or "The practice"
    p.setdefault("as_of", None)
    p["generated_on"] = p.get("generated_on") or p.get("as_of") or dt.date.today()
    p["period_days"] = period_days(con)
    return p


# --- headline --------------------------------------------------------------------------------------
def headline(con) -> dict:
    """The three executive-summary figures, exactly the sums of the findings table (cents).

    recoverable = Σ amount_usd where amount_kind = 'recoverable'
    leakage_run_rate = Σ amount_usd of category 'leakage' with kind recoverable or lost,
                       × 365 / days in the audit period, rounded half-up to cents
    compliance_exposure = Σ amount_usd where amount_kind in ('overbilled', 'at_risk')
    """
    rec, leak, comp, n = con.execute("""
        select coalesce(sum(amount_usd) filter (where amount_kind = 'recoverable'), 0),
               coalesce(sum(amount_usd) filter (where category = 'leakage'
                                                and amount_kind in ('recoverable', 'lost')), 0),
               coalesce(sum(amount_usd) filter (where amount_kind in ('overbilled', 'at_risk')), 0),
               count(*)
        from findings""").fetchone()
    days = period_days(con)
    leak_q = q(leak)
    run_rate = (leak_q * 365 / Decimal(days)).quantize(CENT, rounding=ROUND_HALF_UP)
    kinds = dict(con.execute(
        "select amount_kind, coalesce(sum(amount_usd), 0) from findings group by 1").fetchall())
    return {"recoverable": q(rec), "leakage_in_period": leak_q, "leakage_run_rate": run_rate,
            "compliance_exposure": q(comp), "period_days": days, "n_findings": n,
            "lost": q(kinds.get("lost")), "at_risk": q(kinds.get("at_risk")),
            "overbilled": q(kinds.get("overbilled"))}


# --- payers ----------------------------------------------------------------------------------------
def _directory() -> list[dict]:
    with open(sql_dir() / "seeds" / "payer_directory.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def classify_payer(name: str | None, payer_id: str | None, directory: list[dict]) -> str | None:
    n = (name or "").lower()
    pid = (payer_id or "").strip().upper()
    for d in directory:  # ids first: they are exact
        if pid and pid in {x.strip().upper() for x in d["payer_ids"].split("|") if x.strip()}:
            return d["payer_class"]
    for d in directory:  # the directory lists specific plans (Medicare Advantage) before the generic
        if any(p and p in n for p in d["name_patterns"].split("|")):
            return d["payer_class"]
    return None


def build_payer_map(con) -> None:
    """Temp table _rpt_payers(payer_name, payer_class): claims' and remits' payer names classified by
    the findings (the checks' classification), else the built-in directory, else 'other'."""
    known = dict(con.execute("""select lower(trim(payer)), mode(payer_class) from findings
                                where payer is not null group by 1""").fetchall())
    names = con.execute("""
        select payer_name, mode(payer_id), bool_or(claim_filing_code = 'MB') from
          (select payer_name, payer_id, claim_filing_code from claims
           union all select payer_name, payer_id, null from remit_claims)
        where payer_name is not null group by 1""").fetchall()
    directory = _directory()
    out = []
    for name, pid, mb in names:
        cls = known.get(name.strip().lower()) or classify_payer(name, pid, directory) or \
            ("medicare" if mb else "other")
        out.append((name, cls))
    con.execute("create or replace temp table _rpt_payers (payer_name varchar, payer_class varchar)")
    if out:
        con.executemany("insert into _rpt_payers values (?, ?)", out)


# --- claim/remit building blocks -------------------------------------------------------------------
# Materialized once per report (temp tables), so each aggregate below reads small, already-final rows
# instead of re-running the "latest version" windows over the raw tables:
#   _rpt_claim_final  the latest 837 version of each claim (voids dropped), with the report's payer name
#                     and class (rpt_payer, rpt_class) and the claim's first submission date
#   _rpt_claim_first_sub  first submission date per claim id (all versions)
#   _rpt_clp          per claim id, the first and the latest CLP that is not a reversal (is_first, is_final)
#   _rpt_denial_adj   denial adjustments (group <> PR, reason not contractual, amount > 0)
#   _rpt_line_agg     billed claim lines of the final claims by month of service and rendering NPI
#   (views) _rpt_clp_final, _rpt_clp_first, _rpt_claim_payer, _rpt_claim_first_dos, _rpt_claim_first_paid,
#           _rpt_lines_final
# When the check stage ran (stg_claims, stg_remit_claims_final, stg_claim_lines; their row counts agree
# with the raw tables) the final versions come from there: the same ordering, computed once by the checks,
# and only the claims with several versions / CLPs are re-derived from the raw tables. The numbers are
# the same either way (USE_STAGED = False forces the raw derivation).
_CLAIM_COLS = """claim_id, source_file, segment_pos, payer_name, payer_id, total_charge, rendering_npi,
                 claim_filing_code, subscriber_member_id, patient_last, patient_first, patient_dob"""
_CLP_COLS = ("claim_id, source_file, segment_pos, status_code, charge, paid, patient_responsibility, payment_date, "
             "payer_name")

_CLAIM_FINAL_RAW = f"""
    select {_CLAIM_COLS} from claims
    qualify row_number() over (partition by claim_id
                order by submission_date desc nulls last, source_file desc, segment_pos desc) = 1
        and coalesce(frequency_code, '1') <> '8'"""
# stg_claims keeps the same version (same order) of every claim with an id, voids and claims replaced
# under a new number (REF*F8) flagged
_CLAIM_FINAL_STAGED = """
    select claim_id, source_file, segment_pos, payer_name, payer_id, total_charge, rendering_npi,
           claim_filing_code, member_id as subscriber_member_id, patient_last, patient_first, patient_dob,
           payer_display, payer_class, versions, submission_date
    from stg_claims where not is_void and not is_superseded"""

_CLP_RAW = f"""
    select r.*, (select count(*) from remit_lines l
                 where l.source_file = r.source_file and l.claim_pos = r.segment_pos) as n_lines
    from (
        select {_CLP_COLS},
               row_number() over (partition by claim_id
                   order by payment_date desc nulls last, source_file desc, segment_pos desc) = 1 as is_final,
               row_number() over (partition by claim_id
                   order by payment_date nulls last, source_file, segment_pos) = 1 as is_first
        from remit_claims where status_code <> '22' {{extra}}) r
    where is_final or is_first"""
# a claim id with one CLP row (stg_remit_claims_final.remit_rows = 1): that row is its first and final
# non-reversal when it is not a reversal; only the claims with several rows need the windows.
# n_lines: the CLP's SVC lines (stg_remit_claims_final.svc_lines counts them the same way).
_CLP_STAGED = f"""
    select {_CLP_COLS.replace("payer_name", "remit_payer_name as payer_name")}, true as is_final, true as is_first,
           svc_lines as n_lines
    from stg_remit_claims_final where remit_rows = 1 and status_code <> '22'
    union all
    {_CLP_RAW.format(extra='''and (claim_id is null or claim_id in
        (select claim_id from stg_remit_claims_final where remit_rows <> 1))''')}"""

# the billed lines of the final claims (stg_claim_lines: the same lines, rendering NPI already defaulted
# from the claim; a line's claim id is its CLM01, as the claim's)
_LINES_RAW = """
    select l.dos, l.charge, coalesce(l.rendering_npi, c.rendering_npi) as npi
    from claim_lines l join _rpt_claim_final c
      on c.claim_id = l.claim_id and c.source_file = l.source_file and c.segment_pos = l.claim_pos"""
_LINES_STAGED = "select dos, charge, rendering_npi as npi from stg_claim_lines"

_FIRST_SUB_RAW = "select claim_id, min(submission_date) as first_submitted from claims group by 1"
_FIRST_SUB_STAGED = """
    select claim_id, submission_date as first_submitted from stg_claims where versions = 1
    union all
    select claim_id, min(submission_date) from claims
    where claim_id in (select claim_id from stg_claims where versions <> 1) group by 1"""

# first date of service (lines of every version) and first payment (> 0, not a reversal) per claim id;
# stg_claims.first_dos holds the first for a claim submitted once, stg_remit_claims_final the payment
# of a claim with one CLP
_FIRST_DOS_RAW = "select claim_id, min(dos) as first_dos from claim_lines group by 1"
_FIRST_DOS_STAGED = """
    select claim_id, first_dos from stg_claims where versions = 1
    union all
    select claim_id, min(dos) from claim_lines
    where claim_id in (select claim_id from stg_claims where versions <> 1) group by 1"""
_FIRST_PAID_RAW = """select claim_id, min(payment_date) as first_paid from remit_claims
                     where paid > 0 and status_code <> '22' group by 1"""
_FIRST_PAID_STAGED = """
    select claim_id, payment_date as first_paid from stg_remit_claims_final
    where remit_rows = 1 and paid > 0 and status_code <> '22'
    union all
    select claim_id, min(payment_date) from remit_claims
    where paid > 0 and status_code <> '22'
      and claim_id in (select claim_id from stg_remit_claims_final where remit_rows <> 1) group by 1"""

# the staged tables hold every raw row with a claim id (a claim submitted to a second payer, kept apart
# by the check stage as a secondary claim, makes the counts differ: the raw derivation is used then)
_STAGED_FRESH = {
    "stg_claims": """
        select (select count(*) from claims where claim_id is not null)
                 = (select coalesce(sum(versions), 0) from stg_claims)
           and (select count(*) from stg_claims) = (select count(distinct claim_id) from claims)""",
    "stg_remit_claims_final": """
        select (select count(*) from remit_claims where claim_id is not null)
                 = (select coalesce(sum(remit_rows), 0) from stg_remit_claims_final)""",
}
_STG_NEEDS = {
    "stg_claims": {"claim_id", "source_file", "segment_pos", "payer_name", "payer_id", "total_charge",
                   "rendering_npi", "claim_filing_code", "member_id", "patient_last", "patient_first",
                   "patient_dob", "is_void", "is_superseded", "versions", "payer_display", "payer_class", "submission_date",
                   "first_dos"},
    "stg_remit_claims_final": {"claim_id", "source_file", "segment_pos", "status_code", "charge", "paid",
                               "patient_responsibility", "payment_date", "remit_payer_name", "remit_rows",
                               "svc_lines"},
}
USE_STAGED = True  # tests/benchmarks may switch it off to compare with the raw derivation


def _has(con, table: str, cols: set[str]) -> bool:
    return table_exists(con, table) and cols <= set(columns(con, table))


def _staged_ok(con, table: str) -> bool:
    if not USE_STAGED or not _has(con, table, _STG_NEEDS[table]):
        return False
    try:
        return bool(con.execute(_STAGED_FRESH[table]).fetchone()[0])
    except duckdb.Error:
        return False


def prepare(con) -> None:
    build_payer_map(con)
    staged = _staged_ok(con, "stg_claims")  # claims, their lines and first dates from staging
    staged_remits = _staged_ok(con, "stg_remit_claims_final")  # the CLPs of claims remitted once
    # first submission date per claim id; stg_claims holds it for a claim submitted once (versions = 1)
    con.execute(f"""
        create or replace temp table _rpt_claim_first_sub as
        {_FIRST_SUB_STAGED if staged else _FIRST_SUB_RAW}""")
    # claim -> payer as the report names it: the check stage's classification (stg_claims.payer_display,
    # payer_class: the same names the findings carry) when staging ran, else the raw 837 name classified
    # by _rpt_payers.
    if staged:  # stg_claims: one row per claim id, the final version, its payer columns at hand
        con.execute(f"""
            create or replace temp table _rpt_claim_final as
            select c.* exclude (payer_display, payer_class, versions, submission_date),
                   coalesce(c.payer_display, c.payer_name) as rpt_payer,
                   coalesce(c.payer_class, p.payer_class, 'other') as rpt_class,
                   case when c.versions = 1 then c.submission_date else m.first_submitted end as first_submitted
            from ({_CLAIM_FINAL_STAGED}) c left join _rpt_payers p on p.payer_name = c.payer_name
            left join (select * from _rpt_claim_first_sub
                       where claim_id in (select claim_id from stg_claims where versions <> 1)) m
              on c.versions <> 1 and m.claim_id = c.claim_id""")
    else:
        payer_staged = _has(con, "stg_claims", {"claim_id", "payer_display", "payer_class"})
        for use_stg in ((True, False) if payer_staged else (False,)):
            stg_join = """left join (select claim_id, any_value(payer_display) payer_display,
                                            any_value(payer_class) payer_class
                                     from stg_claims group by 1) s using (claim_id)""" if use_stg else ""
            try:
                con.execute(f"""
                    create or replace temp table _rpt_claim_final as
                    select c.*, {'coalesce(s.payer_display, c.payer_name)' if use_stg else 'c.payer_name'} as rpt_payer,
                           coalesce({'s.payer_class, ' if use_stg else ''}p.payer_class, 'other') as rpt_class,
                           f.first_submitted
                    from ({_CLAIM_FINAL_RAW}) c {stg_join}
                    left join _rpt_payers p on p.payer_name = c.payer_name
                    left join _rpt_claim_first_sub f on f.claim_id = c.claim_id""")
                break
            except duckdb.Error:
                if not use_stg:
                    raise
    con.execute(f"""
        create or replace temp table _rpt_clp as {_CLP_STAGED if staged_remits else _CLP_RAW.format(extra='')};
        create or replace temp view _rpt_clp_final as
            select * exclude (is_final, is_first, n_lines) from _rpt_clp where is_final;
        create or replace temp view _rpt_clp_first as
            select * exclude (is_final, is_first, n_lines) from _rpt_clp where is_first;
        create or replace temp view _rpt_claim_first_dos as {_FIRST_DOS_STAGED if staged else _FIRST_DOS_RAW};
        create or replace temp view _rpt_claim_first_paid as {_FIRST_PAID_STAGED if staged_remits else _FIRST_PAID_RAW};
        create or replace temp view _rpt_claim_payer as
            select claim_id, rpt_payer as payer_name, rpt_class as payer_class from _rpt_claim_final;
        create or replace temp view _rpt_lines_final as
            select l.* from claim_lines l join _rpt_claim_final c
              on c.claim_id = l.claim_id and c.source_file = l.source_file and c.segment_pos = l.claim_pos;
        create or replace temp table _rpt_denial_adj as
            select * from remit_adjustments
            where coalesce(group_code, '') <> 'PR' and reason_code not in {expected_carcs(con)} and amount > 0;
        create or replace temp table _rpt_line_agg as
            select date_trunc('month', dos) as m, npi,
                   sum(charge) filter (where dos is not null) as charges, count(*) as n_lines
            from ({_LINES_STAGED if staged and _has(con, "stg_claim_lines", {"dos", "charge", "rendering_npi"})
                   else _LINES_RAW}) group by all;
    """)


# --- KPIs ------------------------------------------------------------------------------------------
def kpis(con) -> dict:
    k = {}
    total, clean = con.execute("""
        select count(*),
               count(*) filter (where f.status_code <> '4' and not exists (
                   select 1 from _rpt_denial_adj a
                   where a.source_file = f.source_file and a.claim_pos = f.segment_pos))
        from _rpt_clp_first f""").fetchone()
    k["clean_claim_rate"] = (clean / total) if total else None
    k["remitted_claims"] = total
    # one pass over remit_lines (lines per CLP) and one over remit_adjustments (contractual per CLP);
    # the denial adjustments are a small temp table
    lines, denied, charge, denied_usd, paid, pr, contractual = con.execute(f"""
        with contr as (
            select source_file, claim_pos, sum(amount) as amt from remit_adjustments
            where reason_code in {expected_carcs(con)} and coalesce(group_code, '') <> 'PR' group by all
        ), claim_adj as (
            select source_file, claim_pos, sum(amount) as amt from _rpt_denial_adj
            where level = 'claim' group by all
        ), fc as (
            select c.charge, c.paid, c.patient_responsibility, c.status_code,
                   c.n_lines, coalesce(ca.amt, 0) as amt, ct.amt as contractual
            from _rpt_clp c
            left join claim_adj ca on ca.source_file = c.source_file and ca.claim_pos = c.segment_pos
            left join contr ct on ct.source_file = c.source_file and ct.claim_pos = c.segment_pos
            where c.is_final
        ), line_den as (
            select l.source_file, l.segment_pos, sum(a.amount) as amt
            from _rpt_denial_adj a
            join remit_lines l on a.source_file = l.source_file and a.line_pos = l.segment_pos
            join _rpt_clp_final c on c.source_file = l.source_file and c.segment_pos = l.claim_pos
            where a.level = 'line'
            group by all
        )
        select (select coalesce(sum(n_lines), 0) from fc) + (select count(*) from fc where n_lines = 0),
               (select count(*) from line_den)
                 + (select count(*) from fc where n_lines = 0 and (status_code = '4' or amt > 0)),
               (select coalesce(sum(charge), 0) from fc),
               (select coalesce(sum(amt), 0) from line_den) + (select coalesce(sum(amt), 0) from fc),
               (select coalesce(sum(paid), 0) from fc),
               (select coalesce(sum(patient_responsibility), 0) from fc),
               (select coalesce(sum(contractual), 0) from fc)
    """).fetchone()
    k["denial_rate_count"] = denied / lines if lines else None
    k["denial_rate_usd"] = float(denied_usd) / float(charge) if charge else None
    k["denied_lines"], k["remit_lines"], k["denied_usd"] = denied, lines, q(denied_usd)
    k["days_service_to_claim"] = con.execute("""
        select avg(s.first_submitted - l.first_dos) from _rpt_claim_first_sub s
        join _rpt_claim_first_dos l using (claim_id)
        where s.first_submitted is not null and l.first_dos is not null""").fetchone()[0]
    k["days_claim_to_payment"] = con.execute("""
        select avg(p.first_paid - s.first_submitted) from _rpt_claim_first_sub s
        join _rpt_claim_first_paid p using (claim_id)""").fetchone()[0]
    denom = float(charge) - float(contractual)
    k["net_collection_rate"] = (float(paid) + float(pr)) / denom if denom > 0 else None
    k["payer_paid"] = q(paid)
    return k


# --- charts' series --------------------------------------------------------------------------------
def monthly(con) -> list[dict]:
    return rows(con, f"""
        with ch as (select m, sum(charges) charges from _rpt_line_agg where m is not null group by 1),
             pa as (select date_trunc('month', payment_date) m, sum(paid) paid from remit_claims
                    where payment_date is not null group by 1),
             de as (select date_trunc('month', c.payment_date) m, sum(a.amount) denied
                    from _rpt_denial_adj a join _rpt_clp_final c
                      on a.source_file = c.source_file and a.claim_pos = c.segment_pos
                    where c.payment_date is not null group by 1),
             ms as (select m from ch union select m from pa union select m from de)
        select * from (
            select ms.m as month, coalesce(charges, 0)::double charges, coalesce(paid, 0)::double paid,
                   coalesce(denied, 0)::double denied
            from ms left join ch using (m) left join pa using (m) left join de using (m)
            order by ms.m desc limit {CAPS['months']}) order by month""")


def _carc_classes_sql() -> str:
    path = (sql_dir() / "seeds" / "carc_classes.csv").as_posix().replace("'", "''")
    return f"(select reason_code, class from read_csv('{path}', all_varchar = true, header = true))"


def denials_by_class_payer(con) -> list[dict]:
    return rows(con, f"""
        with d as (
            select coalesce(cp.payer_name, c.payer_name, 'Unknown payer') as payer,
                   case when k.class in ('FIX', 'APPEAL', 'WRITE-OFF', 'PATIENT') then k.class
                        else 'UNCLASSIFIED' end as class,
                   a.amount
            from _rpt_denial_adj a
            join _rpt_clp_final c on a.source_file = c.source_file and a.claim_pos = c.segment_pos
            left join _rpt_claim_payer cp on cp.claim_id = c.claim_id
            left join {_carc_classes_sql()} k on k.reason_code = a.reason_code
        ), top as (
            select payer from d group by 1 order by sum(amount) desc, payer limit {CAPS['denial_payers']}
        )
        select case when payer in (select payer from top) then payer else 'All other payers' end as payer,
               class, sum(amount)::double as amount, count(*) as n
        from d group by all order by payer, class""")


def kx_picture(con, year: int | None = None) -> dict:
    """Running OT (GO) totals per Medicare beneficiary for one calendar year, against the KX threshold
    and the $3,000 review amount. Line value: the remit's allowed amount (AMT*B6, else paid + PR) when
    remitted, else the practice's median Medicare allowed per unit for the code x units, else the charge.
    Patients are labelled with their patient_ref from the findings (never a name or member id)."""
    if year is None and table_exists(con, "audit_params"):
        try:
            y = con.execute("select year(max(audit_end)) from audit_params").fetchone()[0]
            year = int(y) if y else None
        except duckdb.Error:
            year = None
    if year is None:
        y = con.execute("select max(year(dos)) from _rpt_lines_final").fetchone()[0]
        if y is None:
            return {"year": None, "patients": []}
        year = int(y)
    thresholds = {}
    with open(sql_dir() / "seeds" / "kx_thresholds.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["bucket"] == "OT":
                thresholds[int(r["year"])] = (float(r["threshold"]), float(r["tmr_amount"]))
    kx, tmr = thresholds.get(year, (None, 3000.0))
    staged = _kx_from_staging(con, year, kx)
    if staged is not None:
        pts = staged
    else:
        pts = _kx_from_raw(con, year, kx)
    for i, p in enumerate(pts, 1):
        p["label"] = p.get("patient_ref") or f"Beneficiary {i}"
        p.pop("patient_ref", None)
    n_over = con.execute(f"""select count(distinct patient_ref) from findings
                             where rule_id = 'TMR_THRESHOLD' and year(dos) = {year}""").fetchone()[0]
    return {"year": year, "threshold": kx, "tmr": tmr, "patients": pts, "n_tmr_findings": n_over}


def _kx_from_staging(con, year: int, kx: float | None) -> list[dict] | None:
    """The check stage's own running totals (stg_medicare_ot_lines: expected allowed after MPPR and CO,
    the numbers KX_MISSING and TMR_THRESHOLD use), labelled by patient_ref_of(patient_key)."""
    if not table_exists(con, "stg_medicare_ot_lines"):
        return None
    body = f"""from stg_medicare_ot_lines where year = {year} group by patient_key
               having sum(ot_amount) >= {0.6 * (kx or 2000)}
               order by total desc, patient_key limit {CAPS['kx_patients']}"""
    for label in ("patient_ref_of(patient_key)", "null"):
        try:
            return rows(con, f"select sum(ot_amount)::double as total, {label} as patient_ref {body}")
        except duckdb.Error:
            continue
    return None


def _kx_from_raw(con, year: int, kx: float | None) -> list[dict]:
    return rows(con, f"""
        with med as (
            select l.claim_id, l.cpt, l.units, l.dos, l.charge, c.subscriber_member_id, c.patient_last,
                   c.patient_first, c.patient_dob
            from _rpt_lines_final l join _rpt_claim_final c using (claim_id)
            join _rpt_claim_payer p using (claim_id)
            where (p.payer_class = 'medicare' or c.claim_filing_code = 'MB')
              and list_contains(string_split(coalesce(l.modifiers, ''), ';'), 'GO')
              and year(l.dos) = {year}
        ), rl as (
            select r.claim_id, r.cpt, r.dos,
                   coalesce(r.allowed, r.paid + coalesce((select sum(a.amount) from remit_adjustments a
                       where a.source_file = r.source_file and a.line_pos = r.segment_pos
                         and a.group_code = 'PR'), 0)) as allowed,
                   coalesce(r.units_paid, 1) as units_paid
            from remit_lines r join _rpt_clp_final c
              on c.source_file = r.source_file and c.segment_pos = r.claim_pos
        ), per_unit as (
            select rl.cpt, median(allowed / nullif(units_paid, 0)) as pu from rl
            join _rpt_claim_payer p using (claim_id) where p.payer_class = 'medicare' and allowed > 0
            group by 1
        ), valued as (
            select m.*, coalesce(
                (select max(rl.allowed) from rl where rl.claim_id = m.claim_id and rl.cpt = m.cpt
                   and (rl.dos = m.dos or rl.dos is null) and rl.allowed > 0),
                (select pu from per_unit where per_unit.cpt = m.cpt) * m.units, m.charge) as value
            from med m
        ), per_patient as (
            select coalesce(subscriber_member_id, patient_last || '|' || patient_first || '|' || patient_dob)
                     as pkey,
                   sum(value)::double as total, list(distinct claim_id) as claims
            from valued group by 1
        )
        select total, (select min(f.patient_ref) from findings f
                       where list_contains(claims, f.claim_id)) as patient_ref
        from per_patient where total >= {0.6 * (kx or 2000)}
        order by total desc, pkey limit {CAPS['kx_patients']}""")


# --- tables ----------------------------------------------------------------------------------------
def payer_scorecard(con) -> list[dict]:
    return rows(con, f"""
        with raw as (
            select rpt_payer as payer, any_value(rpt_class) as payer_class,
                   count(claim_id) as claims, sum(total_charge)::double as charges  -- one row per claim id
            from _rpt_claim_final where claim_id is not null group by 1
        ), rem as (
            select c.rpt_payer as payer, sum(r.paid)::double as paid,
                   avg(r.payment_date - c.first_submitted) as days_to_pay  -- every final claim has one
            from _rpt_clp_final r join _rpt_claim_final c using (claim_id) group by 1
        ), den as (
            select cp.payer_name as payer, count(distinct r.claim_id) as denied_claims,
                   sum(a.amount)::double as denied_usd
            from _rpt_denial_adj a join _rpt_clp_final r
              on a.source_file = r.source_file and a.claim_pos = r.segment_pos
            join _rpt_claim_payer cp on cp.claim_id = r.claim_id group by 1
        ), fnd as (
            select payer, any_value(payer_class) as payer_class, count(*) as findings,
                   coalesce(sum(amount_usd) filter (where amount_kind = 'recoverable'), 0)::double as recoverable,
                   coalesce(sum(amount_usd) filter (where amount_kind = 'lost'), 0)::double as lost,
                   coalesce(sum(amount_usd) filter (where amount_kind in ('overbilled', 'at_risk')), 0)::double
                     as exposure
            from findings where payer is not null group by 1
        ), merged as (
            select coalesce(raw.payer, fnd.payer) as payer,
                   coalesce(fnd.payer_class, raw.payer_class) as payer_class,
                   raw.claims, raw.charges, rem.paid, rem.days_to_pay, den.denied_claims, den.denied_usd,
                   fnd.findings, fnd.recoverable, fnd.lost, fnd.exposure
            from raw full join fnd on lower(trim(raw.payer)) = lower(trim(fnd.payer))
            left join rem on rem.payer = raw.payer left join den on den.payer = raw.payer
        ), ranked as (
            select *, row_number() over (order by coalesce(charges, 0) + coalesce(recoverable, 0) desc,
                                         payer) as rn from merged
        )
        select case when rn <= {CAPS['payers']} then payer else 'All other payers' end as payer,
               case when rn <= {CAPS['payers']} then payer_class else '' end as payer_class,
               sum(claims) as claims, sum(charges) as charges, sum(paid) as paid,
               sum(denied_claims) as denied_claims, sum(denied_usd) as denied_usd,
               avg(days_to_pay) as days_to_pay, sum(findings) as findings, sum(recoverable) as recoverable,
               sum(lost) as lost, sum(exposure) as exposure, min(rn) as ord
        from ranked group by all order by ord""")


def therapist_view(con) -> dict:
    if "provider_npi" not in columns(con, "findings"):
        return {"available": False, "rows": [], "groups": list(THERAPIST_GROUPS)}
    cases = ", ".join(
        f"count(*) filter (where rule_id in ({', '.join(repr(r) for r in rules)})) as \"{g}\""
        for g, rules in THERAPIST_GROUPS.items())
    all_rules = ", ".join(repr(r) for rules in THERAPIST_GROUPS.values() for r in rules)
    got = rows(con, f"""
        with f as (select * from findings where rule_id in ({all_rules})),
        lines as (
            select npi, sum(n_lines)::bigint as n_lines from _rpt_line_agg group by 1
        ), per as (
            select coalesce(provider_npi, 'not recorded') as npi, count(*) as total,
                   sum(amount_usd)::double as dollars,
                   coalesce(sum(amount_usd) filter (where amount_kind = 'overbilled'), 0)::double as overbilled,
                   {cases}
            from f group by 1
        )
        select per.*, lines.n_lines from per left join lines using (npi)
        order by total desc, npi limit {CAPS['therapists']}""")
    n = con.execute(f"""select count(distinct provider_npi) from findings
                        where rule_id in ({all_rules})""").fetchone()[0]
    return {"available": True, "rows": got, "groups": list(THERAPIST_GROUPS), "n_providers": n}


def recommendations(con) -> list[dict]:
    recs = rows(con, "select * from recommendations order by rank")
    cat = {}
    if table_exists(con, "rule_catalog"):
        cat = {r["rule_id"]: r for r in rows(con, "select * from rule_catalog")}
    for r in recs:
        c = cat.get(r["rule_id"], {})
        r["citation"] = c.get("citation") or ""
        r["rule_title"] = c.get("title") or r["title"]
        r["play"] = play(r["rule_id"])
    return recs


def examples(con, show_phi: bool = False) -> dict[int, list[dict]]:
    """At most CAPS['examples'] findings per recommendation rank (largest dollars first)."""
    got = rows(con, f"""
        select * from (
            select priority_rank, claim_id, patient_ref, payer, dos, cpt, modifiers, units_billed,
                   units_expected, amount_usd, amount_kind, fix_by,
                   row_number() over (partition by priority_rank
                                      order by amount_usd desc nulls last, dos, claim_id, patient_ref,
                                               cpt, payer) as rn
            from findings where priority_rank is not null)
        where rn <= {CAPS['examples']} order by priority_rank, rn""")
    out: dict[int, list[dict]] = {}
    for r in got:
        out.setdefault(r["priority_rank"], []).append(r)
    return out


def kind_breakdown(con) -> list[dict]:
    return rows(con, """select category, amount_kind, count(*) n, sum(amount_usd) usd from findings
                        group by all order by category, amount_kind""")


# --- appendix --------------------------------------------------------------------------------------
def data_received(con) -> dict:
    out = {"folders": [], "n_folders": 0, "by_kind": [], "rejected": [], "n_rejected": 0, "issues": [], "n_files": 0,
           "match_tables": []}
    if table_exists(con, "ingest_log"):
        out["n_files"] = con.execute("select count(*) from ingest_log").fetchone()[0]
        out["by_kind"] = rows(con, """
            select coalesce(kind, 'unknown') kind, count(*) files,
                   sum(claims_loaded) claims_loaded, sum(lines_loaded) lines_loaded,
                   sum(claims_rejected) claims_rejected, sum(lines_rejected) lines_rejected
            from ingest_log group by 1 order by 1""")
        periods = """
            select source_file, min(d) d0, max(d) d1 from (
                select source_file, dos d from claim_lines
                union all select source_file, payment_date from remit_claims
                union all select source_file, dos from visits
                union all select source_file, start_date from plans_of_care
                union all select source_file, start_date from authorizations) group by 1"""
        out["folders"] = rows(con, f"""
            with g as (
                select coalesce(kind, 'unknown') as kind, status,
                       case when source_file like '%/%' then regexp_replace(source_file, '/[^/]*$', '')
                            else '(top folder)' end as folder,
                       source_file, claims_loaded, lines_loaded
                from ingest_log where status in ('loaded', 'partial')
            )
            select g.folder, g.kind, count(*) as files, sum(g.claims_loaded) as claims_loaded,
                   sum(g.lines_loaded) as lines_loaded, min(p.d0) as d0, max(p.d1) as d1
            from g left join ({periods}) p using (source_file)
            group by all order by g.kind, g.folder limit {CAPS['files']}""")
        out["n_folders"] = con.execute("""
            select count(distinct (coalesce(kind, 'unknown'),
                   case when source_file like '%/%' then regexp_replace(source_file, '/[^/]*$', '') else '' end))
            from ingest_log where status in ('loaded', 'partial')""").fetchone()[0]
        out["rejected"] = rows(con, f"""
            select source_file, kind, status, message from ingest_log
            where status in ('rejected', 'partial', 'skipped')
            order by status, source_file limit {CAPS['files']}""")
        out["n_rejected"] = con.execute("""select count(*) from ingest_log
            where status in ('rejected', 'partial', 'skipped')""").fetchone()[0]
    if table_exists(con, "ingest_issues"):
        out["issues"] = rows(con, f"""
            select severity, reason, count(*) n, count(distinct source_file) files, min(source_file) example
            from ingest_issues group by 1, 2 order by n desc, reason limit {CAPS['issues']}""")
    for t in ("ingest_summary", "match_rates"):
        if table_exists(con, t):
            cols = columns(con, t)[:8]
            body = con.execute(f"select {', '.join(chr(34) + c + chr(34) for c in cols)} from {t} limit 20"
                               ).fetchall()
            out["match_tables"].append({"name": t, "columns": cols, "rows": body})
    return out


def assumptions(con) -> list[dict]:
    if not table_exists(con, "assumptions"):
        return []
    return rows(con, "select topic, value, confidence, source from assumptions order by topic limit 200")


def rule_catalog(con) -> list[dict]:
    if not table_exists(con, "rule_catalog"):
        return []
    return rows(con, """select c.rule_id, c.title, c.category, c.severity, c.citation,
                               (select count(*) from findings f where f.rule_id = c.rule_id) as n
                        from rule_catalog c order by c.category, c.rule_id""")

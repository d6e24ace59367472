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
from .prioritize import period_days

CENT = Decimal("0.01")
CONTRACTUAL = ("45", "59", "253")  # CONTRACT §6: not a denial
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


# --- claim/remit building blocks (raw tables) ------------------------------------------------------
_BASE = f"""
    create or replace temp view _rpt_claim_final as
        select * exclude (rn) from (
            select *, row_number() over (partition by claim_id
                order by submission_date desc nulls last, source_file desc, segment_pos desc) rn
            from claims) where rn = 1 and coalesce(frequency_code, '1') <> '8';
    create or replace temp view _rpt_claim_first_sub as
        select claim_id, min(submission_date) as first_submitted from claims group by 1;
    create or replace temp view _rpt_lines_final as
        select l.* from claim_lines l join _rpt_claim_final c
          on c.claim_id = l.claim_id and c.source_file = l.source_file and c.segment_pos = l.claim_pos;
    create or replace temp view _rpt_clp_final as
        select * exclude (rn) from (
            select *, row_number() over (partition by claim_id
                order by payment_date desc nulls last, source_file desc, segment_pos desc) rn
            from remit_claims where status_code <> '22') where rn = 1;
    create or replace temp view _rpt_clp_first as
        select * exclude (rn) from (
            select *, row_number() over (partition by claim_id
                order by payment_date nulls last, source_file, segment_pos) rn
            from remit_claims where status_code <> '22') where rn = 1;
    create or replace temp view _rpt_denial_adj as
        select * from remit_adjustments
        where coalesce(group_code, '') <> 'PR' and reason_code not in {CONTRACTUAL} and amount > 0;
"""
# claim -> payer as the report names it: the check stage's classification (stg_claims.payer_display,
# payer_class: the same names the findings carry) when staging ran, else the raw 837 name classified
# by _rpt_payers.
_CLAIM_PAYER_STAGED = """
    create or replace temp view _rpt_claim_payer as
        select c.claim_id, coalesce(s.payer_display, c.payer_name) as payer_name,
               coalesce(s.payer_class, p.payer_class, 'other') as payer_class
        from _rpt_claim_final c
        left join (select claim_id, any_value(payer_display) payer_display, any_value(payer_class) payer_class
                   from stg_claims group by 1) s using (claim_id)
        left join _rpt_payers p on p.payer_name = c.payer_name
"""
_CLAIM_PAYER_RAW = """
    create or replace temp view _rpt_claim_payer as
        select c.claim_id, c.payer_name, coalesce(p.payer_class, 'other') as payer_class
        from _rpt_claim_final c left join _rpt_payers p on p.payer_name = c.payer_name
"""


def prepare(con) -> None:
    build_payer_map(con)
    con.execute(_BASE)
    staged = table_exists(con, "stg_claims") and \
        {"payer_display", "payer_class"} <= set(columns(con, "stg_claims"))
    if staged:
        try:
            con.execute(_CLAIM_PAYER_STAGED)
            con.execute("select count(*) from _rpt_claim_payer").fetchone()
            return
        except duckdb.Error:
            pass
    con.execute(_CLAIM_PAYER_RAW)


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
    lines, denied, charge, denied_usd = con.execute("""
        with final_lines as (
            select l.source_file, l.segment_pos, l.charge from remit_lines l
            join _rpt_clp_final c on c.source_file = l.source_file and c.segment_pos = l.claim_pos
        ), line_den as (
            select l.segment_pos, l.source_file, sum(a.amount) as amt from final_lines l
            join _rpt_denial_adj a on a.source_file = l.source_file and a.line_pos = l.segment_pos
                                  and a.level = 'line'
            group by all
        ), claim_den as (
            select c.claim_id, c.charge,
                   coalesce((select sum(a.amount) from _rpt_denial_adj a
                             where a.source_file = c.source_file and a.claim_pos = c.segment_pos
                               and a.level = 'claim'), 0) as amt,
                   (select count(*) from remit_lines l
                    where l.source_file = c.source_file and l.claim_pos = c.segment_pos) as n_lines,
                   c.status_code
            from _rpt_clp_final c
        )
        select (select count(*) from final_lines)
                 + (select count(*) from claim_den where n_lines = 0),
               (select count(*) from line_den)
                 + (select count(*) from claim_den where n_lines = 0 and (status_code = '4' or amt > 0)),
               (select coalesce(sum(charge), 0) from _rpt_clp_final),
               (select coalesce(sum(amt), 0) from line_den) + (select coalesce(sum(amt), 0) from claim_den)
    """).fetchone()
    k["denial_rate_count"] = denied / lines if lines else None
    k["denial_rate_usd"] = float(denied_usd) / float(charge) if charge else None
    k["denied_lines"], k["remit_lines"], k["denied_usd"] = denied, lines, q(denied_usd)
    k["days_service_to_claim"] = con.execute("""
        select avg(s.first_submitted - l.first_dos) from _rpt_claim_first_sub s
        join (select claim_id, min(dos) first_dos from claim_lines group by 1) l using (claim_id)
        where s.first_submitted is not null and l.first_dos is not null""").fetchone()[0]
    k["days_claim_to_payment"] = con.execute("""
        select avg(p.first_paid - s.first_submitted) from _rpt_claim_first_sub s
        join (select claim_id, min(payment_date) first_paid from remit_claims
              where paid > 0 and status_code <> '22' group by 1) p using (claim_id)""").fetchone()[0]
    paid, pr, chg, contractual = con.execute(f"""
        select coalesce(sum(paid), 0), coalesce(sum(patient_responsibility), 0), coalesce(sum(charge), 0),
               coalesce((select sum(a.amount) from remit_adjustments a join _rpt_clp_final c
                           on a.source_file = c.source_file and a.claim_pos = c.segment_pos
                         where a.reason_code in {CONTRACTUAL} and coalesce(a.group_code, '') <> 'PR'), 0)
        from _rpt_clp_final""").fetchone()
    denom = float(chg) - float(contractual)
    k["net_collection_rate"] = (float(paid) + float(pr)) / denom if denom > 0 else None
    k["payer_paid"] = q(paid)
    return k


# --- charts' series --------------------------------------------------------------------------------
def monthly(con) -> list[dict]:
    return rows(con, f"""
        with ch as (select date_trunc('month', dos) m, sum(charge) charges from _rpt_lines_final
                    where dos is not null group by 1),
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
               order by total desc limit {CAPS['kx_patients']}"""
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
        order by total desc limit {CAPS['kx_patients']}""")


# --- tables ----------------------------------------------------------------------------------------
def payer_scorecard(con) -> list[dict]:
    return rows(con, f"""
        with raw as (
            select cp.payer_name as payer, any_value(cp.payer_class) as payer_class,
                   count(distinct c.claim_id) as claims, sum(c.total_charge)::double as charges
            from _rpt_claim_final c join _rpt_claim_payer cp using (claim_id) group by 1
        ), rem as (
            select cp.payer_name as payer, sum(r.paid)::double as paid,
                   avg(r.payment_date - s.first_submitted) as days_to_pay
            from _rpt_clp_final r join _rpt_claim_payer cp using (claim_id)
            join _rpt_claim_first_sub s using (claim_id) group by 1
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
            select coalesce(l.rendering_npi, c.rendering_npi) as npi, count(*) as n_lines
            from _rpt_lines_final l join _rpt_claim_final c using (claim_id) group by 1
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
                                      order by amount_usd desc nulls last, dos, claim_id) as rn
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

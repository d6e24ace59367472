"""Findings -> recommendations, and each finding's priority_rank.

Grouping: one recommendation per rule; for the rules whose fix depends on the payer (denials, filing
limits, unpaid claims, underpayments) one per rule and payer, for the PAYER_SPLIT_TOP payers with the
most dollars (each holding at least PAYER_SPLIT_SHARE of the rule's dollars and PAYER_SPLIT_MIN_FINDINGS
findings), the rule's remaining payers
together in one more recommendation (payer NULL, payer_scope 'other').

Two tracks, each ranked on its own scale, then interleaved one for one (see RANKING_METHOD):
- revenue (categories leakage, denial): what acting brings in:
  1.0 x recoverable + 0.5 x at_risk + 0.25 x lost                     (money in play now, by fixability)
  + 0.5 x (recoverable + lost) x 365 / audit-period days              (the leak's annual run-rate, stopped
                                                                      by fixing the process)
- compliance (categories compliance, data_quality): exposure = overbilled + at_risk
  + 0.5 x recoverable + 0.25 x lost, times the severity weight (high 1.0, medium 0.6, low 0.3).
"""
from __future__ import annotations

import datetime as dt

import duckdb

PAYER_SPLIT_RULES = ("DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF", "TIMELY_FILING_RISK", "CLAIM_UNPAID",
                     "UNDERPAYMENT")
PAYER_SPLIT_TOP = 3
PAYER_SPLIT_SHARE = 0.25
PAYER_SPLIT_MIN_FINDINGS = 3

KIND_WEIGHT = {"recoverable": 1.0, "at_risk": 0.5, "lost": 0.25}
RUN_RATE_WEIGHT = 0.5
SEVERITY_WEIGHT = {"high": 1.0, "medium": 0.6, "low": 0.3}
COMPLIANCE_CATEGORIES = ("compliance", "data_quality")

RANKING_METHOD = (
    "Findings are grouped into recommendations: one per rule, and for denials, timely filing, unpaid "
    "claims and underpayments (where the fix depends on the payer) one per rule and payer for each of the "
    f"(at most {PAYER_SPLIT_TOP}) payers carrying at least {PAYER_SPLIT_SHARE:.0%} of the rule's dollars and "
    f"{PAYER_SPLIT_MIN_FINDINGS} or more findings, "
    "the rule's other payers together. "
    "Each recommendation belongs to one of two tracks, ranked on its own scale. "
    "Revenue (leakage and denial rules) is scored by what acting brings in: recoverable dollars at full "
    "weight, at-risk dollars at 0.5 and lost dollars at 0.25 (fixability), plus half of the annual "
    "run-rate of the leak, i.e. (recoverable + lost) x 365 / days in the audit period, for the future loss "
    "that fixing the process stops. "
    "Compliance (compliance and data-quality rules) is scored by exposure: overbilled + at-risk dollars "
    "(plus 0.5 x recoverable and 0.25 x lost for the denials these rules predict), times a severity weight "
    "(high 1.0, medium 0.6, low 0.3). "
    "The two ranked lists are then interleaved one for one, starting with the list whose first item has the "
    "higher score, so compliance exposure is never buried under revenue items; when one list runs out the "
    "other continues. Ties go to the higher dollar total, then the rule id. Every finding's priority_rank is "
    "the rank of its recommendation."
)


def period_days(con: duckdb.DuckDBPyConnection) -> int:
    """Days in the audit period (inclusive), from audit_params; else the span of findings' DOS; min 1."""
    start = end = None
    try:
        row = con.execute("select audit_start, audit_end from audit_params limit 1").fetchone()
        if row:
            start, end = row
    except duckdb.Error:
        pass
    if start is None or end is None:
        row = con.execute("select min(dos), max(dos) from findings").fetchone()
        start, end = start or row[0], end or row[1]
    if start is None or end is None:
        return 365
    if isinstance(start, dt.datetime):
        start, end = start.date(), end.date()
    return max(1, (end - start).days + 1)


def _group_sql() -> str:
    rules = ", ".join(f"'{r}'" for r in PAYER_SPLIT_RULES)
    return f"""
        with payer_totals as (
            select rule_id, payer, sum(amount_usd) as dollars, count(*) as n
            from findings where rule_id in ({rules}) and payer is not null
            group by all
        ), rule_totals as (
            select rule_id, sum(dollars) as dollars, sum(n) as n, count(*) as n_payers
            from payer_totals group by all
        ), top_payers as (
            -- a payer gets its own recommendation when the rule has several payers and it carries at
            -- least PAYER_SPLIT_SHARE of the rule's dollars (of its findings when the rule has no dollars)
            -- and at least PAYER_SPLIT_MIN_FINDINGS findings (a payer-specific fix for one or two items
            -- is clutter: the recommendation lists the payers and the worklist has each item's payer)
            select rule_id, payer from (
                select p.*, row_number() over (partition by p.rule_id order by p.dollars desc, p.n desc, p.payer)
                         as rn,
                       case when t.dollars > 0 then p.dollars / t.dollars else p.n / t.n end as share,
                       t.n_payers
                from payer_totals p join rule_totals t using (rule_id))
            where rn <= {PAYER_SPLIT_TOP} and n_payers > 1 and share >= {PAYER_SPLIT_SHARE}
              and n >= {PAYER_SPLIT_MIN_FINDINGS}
        ), split_rules as (
            select distinct rule_id from top_payers
        )
        select f.*,
               case when s.rule_id is null then null
                    when t.payer is not null then t.payer
                    else '~other' end as group_payer
        from findings f
        left join split_rules s on s.rule_id = f.rule_id
        left join top_payers t on t.rule_id = f.rule_id and t.payer = f.payer
    """


def prioritize(con: duckdb.DuckDBPyConnection) -> None:
    """Create or replace `recommendations` and set findings.priority_rank (1 = act first)."""
    import pandas as pd     # pandas (0.3 s to import) only when ranking, not for `rcm-audit ingest`

    days = period_days(con)
    con.execute(f"create or replace temp view _rpt_grouped as {_group_sql()}")
    groups = con.execute("""
        select rule_id, group_payer,
               mode(category) as category,
               mode(severity) as severity,
               count(*) as n_findings,
               count(distinct claim_id) as n_claims,
               count(distinct patient_ref) as n_patients,
               coalesce(sum(amount_usd) filter (where amount_kind = 'recoverable'), 0) as recoverable_usd,
               coalesce(sum(amount_usd) filter (where amount_kind = 'at_risk'), 0) as at_risk_usd,
               coalesce(sum(amount_usd) filter (where amount_kind = 'lost'), 0) as lost_usd,
               coalesce(sum(amount_usd) filter (where amount_kind = 'overbilled'), 0) as overbilled_usd,
               coalesce(sum(amount_usd), 0) as total_usd,
               min(fix_by) filter (where amount_kind in ('recoverable', 'at_risk')) as first_fix_by
        from _rpt_grouped group by all
    """).df()
    # lists of payers and providers per group (top 5 by dollars), bounded
    payers = con.execute("""
        select rule_id, group_payer, string_agg(payer, '; ' order by d desc, payer) as payers,
               count(*) as n_payers
        from (select rule_id, group_payer, payer, sum(amount_usd) d from _rpt_grouped
              where payer is not null group by rule_id, group_payer, payer
              qualify row_number() over (partition by rule_id, group_payer order by d desc, payer) <= 5)
        group by all
    """).df()
    n_payers = con.execute("""select rule_id, group_payer, count(distinct payer) as n_payers
                              from _rpt_grouped group by all""").df()
    has_npi = "provider_npi" in _columns(con, "findings")
    if has_npi:
        providers = con.execute("""
            select rule_id, group_payer, string_agg(provider_npi, '; ' order by d desc, provider_npi) providers
            from (select rule_id, group_payer, provider_npi, count(*) d from _rpt_grouped
                  where provider_npi is not null group by rule_id, group_payer, provider_npi
                  qualify row_number() over (partition by rule_id, group_payer
                                             order by d desc, provider_npi) <= 5)
            group by all
        """).df()
        n_prov = con.execute("""select rule_id, group_payer, count(distinct provider_npi) as n_providers
                                from _rpt_grouped group by all""").df()
    else:
        providers = pd.DataFrame(columns=["rule_id", "group_payer", "providers"])
        n_prov = pd.DataFrame(columns=["rule_id", "group_payer", "n_providers"])
    keys = ["rule_id", "group_payer"]
    df = groups.merge(payers.drop(columns="n_payers"), on=keys, how="left") \
        .merge(n_payers, on=keys, how="left").merge(providers, on=keys, how="left") \
        .merge(n_prov, on=keys, how="left")
    titles = _titles(con)

    money = ["recoverable_usd", "at_risk_usd", "lost_usd", "overbilled_usd", "total_usd"]
    for c in money:
        df[c] = df[c].astype(float)
    df["track"] = ["compliance" if c in COMPLIANCE_CATEGORIES else "revenue" for c in df["category"]]
    df["annual_run_rate_usd"] = ((df["recoverable_usd"] + df["lost_usd"]) * 365.0 / days).round(2)
    rev = (KIND_WEIGHT["recoverable"] * df["recoverable_usd"] + KIND_WEIGHT["at_risk"] * df["at_risk_usd"]
           + KIND_WEIGHT["lost"] * df["lost_usd"] + RUN_RATE_WEIGHT * df["annual_run_rate_usd"])
    sev = df["severity"].map(SEVERITY_WEIGHT).fillna(0.6)
    comp = (df["overbilled_usd"] + df["at_risk_usd"] + 0.5 * df["recoverable_usd"]
            + 0.25 * df["lost_usd"]) * sev
    df["score"] = (rev.where(df["track"] == "revenue", comp)).round(2)

    def title(r):
        base = titles.get(r.rule_id, r.rule_id.replace("_", " ").capitalize())
        if r.group_payer is None or pd.isna(r.group_payer):
            return base
        if r.group_payer == "~other":
            return f"{base} — other payers"
        return f"{base} — {r.group_payer}"

    df["title"] = [title(r) for r in df.itertuples()]
    order = ["score", "total_usd", "rule_id"]
    lists = {t: df[df["track"] == t].sort_values(order, ascending=[False, False, True]).index.tolist()
             for t in ("revenue", "compliance")}
    first = "revenue"
    if lists["compliance"] and (not lists["revenue"] or
                                df.loc[lists["compliance"][0], "score"] > df.loc[lists["revenue"][0], "score"]):
        first = "compliance"
    second = "compliance" if first == "revenue" else "revenue"
    ranked: list = []
    a, b = lists[first], lists[second]
    for i in range(max(len(a), len(b))):
        if i < len(a):
            ranked.append(a[i])
        if i < len(b):
            ranked.append(b[i])
    df.loc[ranked, "rank"] = range(1, len(ranked) + 1)
    df = df.loc[ranked].reset_index(drop=True)
    df["rank"] = df["rank"].astype("int64")
    df["track_rank"] = df.groupby("track").cumcount() + 1
    df["payer"] = [None if (p is None or pd.isna(p) or p == "~other") else p for p in df["group_payer"]]
    df["payer_scope"] = ["all" if (p is None or pd.isna(p)) else ("other" if p == "~other" else "one")
                         for p in df["group_payer"]]
    for c in ("n_payers", "n_providers"):
        df[c] = df[c].fillna(0).astype("int64")
    out = df[["rank", "track", "track_rank", "rule_id", "payer", "payer_scope", "group_payer", "title",
              "category", "severity", "n_findings", "n_claims", "n_patients", "recoverable_usd",
              "at_risk_usd", "lost_usd", "overbilled_usd", "total_usd", "annual_run_rate_usd",
              "first_fix_by", "payers", "n_payers", "providers", "n_providers", "score"]]
    con.register("_rpt_recs_df", out)
    con.execute("""
        create or replace table recommendations as
        select rank::integer as rank, track::varchar as track, track_rank::integer as track_rank,
               rule_id::varchar as rule_id, payer::varchar as payer, payer_scope::varchar as payer_scope,
               group_payer::varchar as group_payer, title::varchar as title, category::varchar as category,
               severity::varchar as severity,
               n_findings::integer as n_findings, n_claims::integer as n_claims,
               n_patients::integer as n_patients,
               recoverable_usd::decimal(14,2) as recoverable_usd, at_risk_usd::decimal(14,2) as at_risk_usd,
               lost_usd::decimal(14,2) as lost_usd, overbilled_usd::decimal(14,2) as overbilled_usd,
               total_usd::decimal(14,2) as total_usd, annual_run_rate_usd::decimal(14,2) as annual_run_rate_usd,
               first_fix_by::date as first_fix_by, payers::varchar as payers, n_payers::integer as n_payers,
               providers::varchar as providers, n_providers::integer as n_providers, score::double as score
        from _rpt_recs_df order by rank
    """)
    con.unregister("_rpt_recs_df")
    # every finding gets its recommendation's rank: rule-wide groups, then the rule's "other payers"
    # group, then the named payers (which override the "other" rank)
    con.execute("update findings set priority_rank = null")
    for scope, cond in (("all", ""), ("other", ""), ("one", " and r.payer = findings.payer")):
        con.execute(f"""
            update findings set priority_rank = r.rank from recommendations r
            where r.rule_id = findings.rule_id and r.payer_scope = '{scope}'{cond}""")
    con.execute("drop view if exists _rpt_grouped")


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_name = ?", [table]).fetchall()}


def _titles(con) -> dict[str, str]:
    try:
        return dict(con.execute("select rule_id, title from rule_catalog").fetchall())
    except duckdb.Error:
        return {}

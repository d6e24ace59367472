-- plan: "Your first 30 days": the recommendations placed on a dated plan from the as-of date.
--   week 1  recover what has the nearest deadline: recommendations with recoverable dollars whose first
--           deadline falls within 45 days of the as-of date (at least the 3 with the nearest deadlines)
--   week 2  the other recoverable dollars
--   week 3  compliance: refunds to make (overbilled) and documentation to shore up (at risk), by rank
--   week 4  the process fixes behind the largest recommendations, one per rule, by rank
-- At most $per_week items a week (n_in_week: how many there were). Owners and steps come from the
-- playbook. Parameters: $per_week.
with p as (select max(as_of)::date as as_of from audit_params),
rec as (
    select r.*, row_number() over (order by r.first_fix_by nulls last, r.rank) as k
    from recommendations r where r.recoverable_usd > 0
),
items as (
    select case when rec.first_fix_by <= p.as_of + 45 or rec.k <= 3 then 1 else 2 end as week, 'recover' as kind,
           rec.rank, rec.rule_id, rec.payer::varchar as payer, rec.title::varchar as title, rec.recoverable_usd as amount, rec.first_fix_by, rec.n_findings,
           rec.k as ord
    from rec, p
    union all
    select 3, 'protect', r.rank, r.rule_id, r.payer::varchar, r.title::varchar, r.overbilled_usd + r.at_risk_usd, null, r.n_findings, r.rank
    from recommendations r
    where r.track = 'compliance' and r.overbilled_usd + r.at_risk_usd > 0
    union all
    select 4, 'prevent', min(r.rank), r.rule_id, null, coalesce(min(c.title), min(r.title::varchar)), sum(r.total_usd),
           null, sum(r.n_findings), min(r.rank)
    from recommendations r left join rule_catalog c using (rule_id)
    group by r.rule_id
),
numbered as (
    select *, row_number() over (partition by week order by ord, rank) as n,
           count(*) over (partition by week) as n_in_week
    from items
)
select n.week, n.kind, n.rank, n.rule_id, n.payer, n.title, n.amount, n.first_fix_by, n.n_findings, n.n, n.n_in_week,
       p.as_of + 1 + 7 * (n.week - 1) as week_start, p.as_of + 7 * n.week as week_end, p.as_of + 30 as day_30
from numbered n, p
where n.n <= $per_week
order by n.week, n.n

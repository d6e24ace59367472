-- follow_up_habits: did the habits change? One row per baseline recommendation (fu_base.recommendations) about a
-- process problem and each measure that answers it (habit_counts.sql, per 100 eligible lines or visits):
-- day 0 = the baseline's own period, since = DOS after day 0 (fu_habit_before / fu_habit_after), both within
-- the recommendation's payer scope (all payers; its one payer; or, for "other payers", every payer the rule's
-- payer-specific recommendations do not name).
--   after_rate is left empty when fewer than $min_eligible services were eligible since day 0 (never a rate from
--   a handful of lines).
--   verdict  too_early  fewer than $min_eligible eligible since day 0: no rate is a trend
--            no_baseline  fewer than $min_eligible eligible in the baseline's period
--            fewer / more  the two rates differ by two standard errors or more (two-proportion test)
--            same       otherwise
create or replace table follow_up_habits as
with recs as (select * from fu_base.recommendations),
measures(rule_id, measure, ord) as (values
    ('GO_MISSING', 'GO_MISSING', 1), ('KX_MISSING', 'KX_MISSING', 1),
    ('CO_MODIFIER_MISSING', 'CO_MODIFIER_MISSING', 1), ('CO_MODIFIER_UNNEEDED', 'CO_MODIFIER_UNNEEDED', 1),
    ('UNITS_UNDERBILLED', 'UNITS_UNDERBILLED', 1), ('UNITS_OVERBILLED', 'UNITS_OVERBILLED', 1),
    ('UNITS_MISALLOCATED', 'UNITS_MISALLOCATED', 1), ('POC_RECERT_LATE', 'POC_RECERT_LATE', 1),
    ('DENIAL_RECOVERABLE', 'DENIAL:FIX', 1), ('DENIAL_RECOVERABLE', 'DENIAL:APPEAL', 2),
    ('DENIAL_WRITE_OFF', 'DENIAL:WRITE-OFF', 1)),
named as (select distinct rule_id, payer from recs where payer_scope = 'one'),
rows as (
    select r.rank, r.rule_id, r.title, r.payer, r.payer_scope, m.measure, m.ord from recs r join measures m using (rule_id)
),
in_scope(side, rank, measure, hits, eligible) as (
    select 'before', w.rank, w.measure, sum(c.hits), sum(c.eligible)
    from rows w join fu_habit_before c on c.measure = w.measure
     and (w.payer_scope = 'all' or (w.payer_scope = 'one' and c.payer = w.payer)
          or (w.payer_scope = 'other' and c.payer not in (select payer from named n where n.rule_id = w.rule_id)))
    group by all
    union all
    select 'after', w.rank, w.measure, sum(c.hits), sum(c.eligible)
    from rows w join fu_habit_after c on c.measure = w.measure
     and (w.payer_scope = 'all' or (w.payer_scope = 'one' and c.payer = w.payer)
          or (w.payer_scope = 'other' and c.payer not in (select payer from named n where n.rule_id = w.rule_id)))
    group by all
),
joined as (
    select w.*,
           coalesce(b.hits, 0)::integer as before_hits, coalesce(b.eligible, 0)::integer as before_eligible,
           coalesce(a.hits, 0)::integer as after_hits, coalesce(a.eligible, 0)::integer as after_eligible
    from rows w
    left join in_scope b on b.side = 'before' and b.rank = w.rank and b.measure = w.measure
    left join in_scope a on a.side = 'after' and a.rank = w.rank and a.measure = w.measure
),
rated as (
    select *,
           case when before_eligible > 0 then round(100.0 * before_hits / before_eligible, 1) end as before_rate,
           case when after_eligible >= $min_eligible then round(100.0 * after_hits / after_eligible, 1) end as after_rate,
           (before_hits + after_hits)::double / nullif(before_eligible + after_eligible, 0) as pooled
    from joined
)
select rank, rule_id, title, payer, payer_scope, measure, ord, before_hits, before_eligible, before_rate,
       after_hits, after_eligible, after_rate,
       case when after_eligible < $min_eligible then 'too_early'
            when before_eligible < $min_eligible then 'no_baseline'
            when pooled * (1 - pooled) = 0 then 'same'
            when (after_hits::double / after_eligible - before_hits::double / before_eligible)
                 / sqrt(pooled * (1 - pooled) * (1.0 / before_eligible + 1.0 / after_eligible)) <= -1.96 then 'fewer'
            when (after_hits::double / after_eligible - before_hits::double / before_eligible)
                 / sqrt(pooled * (1 - pooled) * (1.0 / before_eligible + 1.0 / after_eligible)) >= 1.96 then 'more'
            else 'same' end as verdict
from rated
order by rank, ord;

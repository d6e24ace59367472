-- stg_untimed_excess: claim lines carrying units of an untimed per-session code (seed_codes: once_per_day
-- and not timed; RULEBOOK §1.4) beyond the one unit a day allows. Units of the code that day are counted in
-- line order; the first unit is due, the rest is excess.
-- @unique: line_key

create or replace table stg_untimed_excess as
with untimed_lines as (
    select l.*,
           coalesce(sum(l.units) over (partition by l.visit_key, l.cpt order by l.claim_id, l.line_number
                                       rows between unbounded preceding and 1 preceding), 0) as units_before,
           sum(l.units) over (partition by l.visit_key, l.cpt) as units_day
    from stg_claim_lines l
    where l.once_per_day and not l.is_timed and l.dos is not null
)
select *,
       -- the line's price scenario (stg_units_scenarios): its own; on a day with more than 20 excess lines
       -- (hostile input: one copy of every line of the day per line is quadratic) one per set of lines priced alike
       case when count(*) over (partition by visit_key) <= 20 then 'untimed:' || line_key
            else 'untimed:' || concat_ws('|', visit_key, cpt, units, units_expected, has_co, payer_class,
                                          follows_medicare_rules, fee_pct_of_medicare) end as scenario
from (select *, greatest(0, least(units, 1 - units_before))::integer as units_expected,
             units - greatest(0, least(units, 1 - units_before)) as excess_units
      from untimed_lines)
where units_day > 1 and excess_units > 0;

-- stg_units_prices: per counterfactual scenario (stg_units_scenarios), the visit's price as billed and as the
-- scenario (pricing_output), and amount_usd = |difference| (DESIGN §4): by the fee schedule when every changed
-- line is priced in both states; else the practice's median allowed per unit for the code and payer x the
-- unit change; else no estimate ($0, value_basis says so).
-- @unique: scenario

create or replace table stg_units_prices as
with priced_lines as (
    select scenario, visit_key, line_key, expected_allowed, is_proxy from pricing_output
    where scenario <> 'unbilled'
      and (scenario <> 'billed' or visit_key in (select visit_key from stg_units_scenarios))
),
visit_prices as (
    select scenario, visit_key, sum(coalesce(expected_allowed, 0)) as visit_price, bool_or(is_proxy) as is_proxy
    from priced_lines group by scenario, visit_key
),
changed as (
    select s.scenario, s.visit_key,
           bool_and(so.expected_allowed is not null
                    and (s.is_added or bo.expected_allowed is not null)) as fee_schedule_priced,
           bool_and(md.per_unit is not null) as median_known,
           sum((s.scenario_units - s.billed_units) * md.per_unit) as median_difference,
           min(s.dos) as dos, bool_or(s.medicare_rules) as medicare_rules, min(s.fee_pct_of_medicare) as fee_pct,
           string_agg(distinct s.cpt, '/' order by s.cpt) as cpts
    from stg_units_scenarios s
    left join priced_lines so on so.scenario = s.scenario and so.line_key = s.line_key
    left join priced_lines bo on bo.scenario = 'billed' and bo.line_key = s.line_key
    left join stg_median_allowed md on md.cpt = s.cpt and md.payer_key = s.payer_key
    group by s.scenario, s.visit_key
)
select c.scenario, c.visit_key,
       b.visit_price::decimal(12,2) as billed_visit_price, p.visit_price::decimal(12,2) as scenario_visit_price,
       round(case when c.fee_schedule_priced then abs(p.visit_price - b.visit_price)
                  when c.median_known then abs(c.median_difference)
                  else 0 end, 2)::decimal(12,2) as amount_usd,
       case when c.fee_schedule_priced then (p.visit_price > b.visit_price)
            when c.median_known then c.median_difference > 0 end as scenario_costs_more,
       c.fee_schedule_priced,
       case when c.fee_schedule_priced
                 then fee_schedule_basis(c.medicare_rules, p.is_proxy or b.is_proxy, c.dos, c.fee_pct)
            when c.median_known then 'median allowed per unit of ' || c.cpts || ' for this payer in the 835s'
            else 'no fee schedule or paid history for ' || c.cpts || ', so no dollar estimate' end as value_basis
from changed c
join visit_prices b on b.scenario = 'billed' and b.visit_key = c.visit_key
join visit_prices p on p.scenario = c.scenario and p.visit_key = c.visit_key;

-- pricing_input: every set of lines the pricing engine (pricing_output) prices, one row per line and
-- scenario. Lines with the same `scenario` and `visit_key` are priced together, so the MPPR of a visit
-- (RULEBOOK §6) sees all its units:
--   'billed'                       the final claim lines as billed (stg_claim_lines), whole units;
--   'units:…', 'units_canonical:…', 'untimed:…', 'mue:…'
--                                  counterfactual visits of the unit rules (stg_units_scenarios): every billed
--                                  line of the visit, with the scenario's overrides and added lines;
--   'unbilled'                     documented code-days of unbilled visits (stg_unbilled_codes).
-- @not_null: scenario, visit_key, line_key
-- @unique: scenario, line_key

create or replace table pricing_input as
with billed as (
    select 'billed' as scenario, visit_key, line_key, cpt, dos, whole_units as units, has_co,
           payer_class = 'medicare' or coalesce(follows_medicare_rules, false) as medicare_rules,
           fee_pct_of_medicare as fee_pct
    from stg_claim_lines
    where visit_key is not null          -- a line without a readable patient or DOS has no visit to price in
),
scenario_visits as (
    select distinct scenario, visit_key from stg_units_scenarios
),
counterfactual as (
    select s.scenario, b.visit_key, b.line_key, b.cpt, b.dos, coalesce(o.scenario_units, b.units) as units,
           b.has_co, b.medicare_rules, b.fee_pct
    from scenario_visits s
    join billed b on b.visit_key = s.visit_key
    left join stg_units_scenarios o on o.scenario = s.scenario and o.line_key = b.line_key
    union all
    select scenario, visit_key, line_key, cpt, dos, scenario_units, has_co, medicare_rules, fee_pct_of_medicare
    from stg_units_scenarios where is_added
),
unbilled as (
    select 'unbilled', visit_key, line_key, cpt, dos, units, has_co, medicare_rules, fee_pct_of_medicare
    from stg_unbilled_codes
)
select scenario::varchar as scenario, visit_key::varchar as visit_key, line_key::varchar as line_key,
       cpt::varchar as cpt, dos::date as dos, units::integer as units, has_co::boolean as has_co,
       medicare_rules::boolean as medicare_rules, fee_pct::double as fee_pct
from (select * from billed
      union all select * from counterfactual
      union all select * from unbilled)

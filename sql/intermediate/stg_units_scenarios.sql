-- stg_units_scenarios: the counterfactual visits of the unit rules, as line overrides on the visit's billed
-- lines (DESIGN §4 "Unit-difference pricing"; pricing_input adds the visit's other lines):
--   'units:<visit>|<cpt>'       the code's day total set to units_expected (first line = expected, other
--                               lines of the code 0; a documented code with no line is added to the day's
--                               first claim): UNITS_UNDERBILLED, UNITS_OVERBILLED
--   'units_canonical:<visit>'   every timed code of the day at its canonical (total-time) units: UNITS_MISALLOCATED
--   'untimed:<line_key>'        the line reduced to the units a day allows: UNTIMED_MULTIPLE_UNITS
--   'mue:<line_key>'            the line reduced to the units the MUE allows: MUE_EXCEEDED
-- @unique: scenario, line_key

create or replace table stg_units_scenarios as
with code_targets as (
    select 'units:' || visit_key || '|' || cpt as scenario, visit_key, cpt, units_expected as units
    from stg_units_codes where rule_id in ('UNITS_UNDERBILLED', 'UNITS_OVERBILLED')
    union all
    select 'units_canonical:' || visit_key, visit_key, cpt, units_total_time
    from stg_units_codes
    where visit_key in (select visit_key from stg_units_codes where rule_id = 'UNITS_MISALLOCATED')
),
overridden_lines as (
    select t.scenario, t.visit_key, l.line_key, l.cpt, l.dos, l.whole_units as billed_units,
           case when row_number() over (partition by t.scenario, t.cpt order by l.claim_id, l.line_number) = 1
                then t.units else 0 end as scenario_units,
           l.has_co, l.payer_class = 'medicare' or coalesce(l.follows_medicare_rules, false) as medicare_rules,
           l.fee_pct_of_medicare, l.payer_key, false as is_added
    from code_targets t join stg_claim_lines l on l.visit_key = t.visit_key and l.cpt = t.cpt
),
added_lines as (
    select t.scenario, t.visit_key, d.first_claim_id || '#+' || t.cpt as line_key, t.cpt, d.dos,
           0 as billed_units, t.units as scenario_units, false as has_co, d.medicare_rules,
           d.fee_pct_of_medicare, d.payer_key, true as is_added
    from code_targets t join stg_units_days d using (visit_key)
    where not exists (select 1 from stg_claim_lines l where l.visit_key = t.visit_key and l.cpt = t.cpt)
),
untimed_lines as (   -- one line per scenario (stg_untimed_excess.scenario: lines priced alike share one)
    select scenario, visit_key, line_key, cpt, dos, whole_units, units_expected, has_co,
           payer_class = 'medicare' or coalesce(follows_medicare_rules, false), fee_pct_of_medicare, payer_key, false
    from stg_untimed_excess
    qualify row_number() over (partition by scenario order by claim_id, line_number) = 1
),
mue_lines as (
    select scenario, visit_key, line_key, cpt, dos, whole_units, units_expected, has_co,
           true, fee_pct_of_medicare, payer_key, false
    from stg_mue_excess
    qualify row_number() over (partition by scenario order by claim_id, line_number) = 1
)
select * from overridden_lines
union all select * from added_lines
union all select * from untimed_lines
union all select * from mue_lines;

-- Units (RULEBOOK §1.1-§1.4, DESIGN §6): documented timed minutes against billed timed units, per visit
-- day (patient + DOS + billing NPI), under the payer's unit method; and the counterfactual visit prices
-- the units rules report (DESIGN §4 "Unit-difference pricing": the visit priced as billed and with only
-- the finding's code changed, through the §6 MPPR engine in 50_pricing.sql).
--
--   stg_units_days        one row per visit day with claim lines: M, T, whether the day can be judged
--   stg_units_codes       one row per visit day and timed code (documented or billed): m_i, f_i, r_i,
--                         billed_i, the total-time (canonical) and per-code expected units, and the
--                         finding the payer's unit method implies
--   stg_untimed_excess    one row per claim line carrying units of an untimed per-session code beyond
--                         the one a day allows
--   stg_units_scenarios   the counterfactual scenarios (rows also inserted into pricing_input)
--   stg_units_prices      per scenario: visit price as billed and as the scenario, |difference|, basis
--
-- Minutes are the EMR's documented direct (one-on-one) minutes of timed codes (seed_codes.is_timed);
-- untimed codes' minutes never count toward the timed total (RULEBOOK §1.1 rule 6).

create or replace table stg_units_days as
with day_lines as (
    select l.*, row_number() over (partition by l.visit_key order by l.claim_id, l.line_number) as line_of_day
    from stg_claim_lines l
    where l.dos is not null and l.patient_key is not null
),
first_line_of_day as (
    select visit_key, patient_key, dos, billing_npi, claim_id as first_claim_id, line_key as first_line_key,
           unit_method, payer_key, payer_display, payer_class, patient_ref,
           payer_class = 'medicare' or coalesce(follows_medicare_rules, false) as medicare_rules,
           fee_pct_of_medicare, filing_deadline, rendering_npi, source_file
    from day_lines where line_of_day = 1
),
-- documented minutes per timed code; null or 0 minutes = not documented (DESIGN §6, MINUTES_MISSING)
documented as (
    select patient_key, dos, cpt, coalesce(minutes, 0) as minutes
    from stg_visit_codes where is_timed
),
billed_timed_without_minutes as (
    select distinct l.visit_key
    from day_lines l
    left join documented m on m.patient_key = l.patient_key and m.dos = l.dos and m.cpt = l.cpt
    where l.is_timed and coalesce(m.minutes, 0) <= 0
)
-- a day is judged when it has visit rows and every billed timed line has documented minutes (DESIGN §6)
select f.*, v.patient_key is not null as has_visit_rows,
       u.visit_key is not null as has_undocumented_timed_line,
       v.patient_key is not null and u.visit_key is null as judged
from first_line_of_day f
left join stg_visit_days v on v.patient_key = f.patient_key and v.dos = f.dos
left join billed_timed_without_minutes u on u.visit_key = f.visit_key;

create or replace table stg_units_codes as
with judged_days as (
    select * from stg_units_days where judged
),
billed_codes as (   -- billed_i: units of the code's final claim lines that day; the first line carries findings
    select l.visit_key, l.cpt, sum(l.units) as units_billed, count(*) as lines,
           arg_min(l.line_key, l.claim_id || lpad(l.line_number::varchar, 6, '0')) as line_key
    from stg_claim_lines l
    where l.is_timed and l.visit_key in (select visit_key from judged_days)
    group by l.visit_key, l.cpt
),
documented_codes as (   -- m_i: every timed code documented that day, billed or not
    select d.visit_key, v.cpt, coalesce(v.minutes, 0) as minutes
    from judged_days d
    join stg_visit_codes v on v.patient_key = d.patient_key and v.dos = d.dos
    where v.is_timed and coalesce(v.minutes, 0) > 0
),
code_days as (
    select coalesce(b.visit_key, m.visit_key) as visit_key, coalesce(b.cpt, m.cpt) as cpt,
           coalesce(m.minutes, 0) as minutes, coalesce(b.units_billed, 0) as units_billed,
           coalesce(b.lines, 0) as lines, b.line_key
    from billed_codes b full join documented_codes m on m.visit_key = b.visit_key and m.cpt = b.cpt
),
full_units_and_remainders as (   -- f_i = floor(m_i / 15), r_i = m_i mod 15 (RULEBOOK §1.2)
    select *, floor(minutes / 15)::integer as full_units, minutes - 15 * floor(minutes / 15) as remainder
    from code_days
),
day_totals as (                  -- M, T = floor((M + 7) / 15), R = T - sum f_i, billed total (RULEBOOK §1.1)
    select visit_key, sum(minutes) as day_minutes, floor((sum(minutes) + 7) / 15)::integer as day_units,
           floor((sum(minutes) + 7) / 15)::integer - sum(full_units) as extra_units,
           sum(units_billed) as day_units_billed
    from full_units_and_remainders group by visit_key
),
canonical as (                   -- the R codes with the largest remainders get f_i + 1 (ties: billed, cpt)
    select c.*, t.day_minutes, t.day_units, t.extra_units, t.day_units_billed,
           c.full_units + case when c.remainder > 0
                                and row_number() over (partition by c.visit_key
                                                       order by c.remainder desc, c.units_billed desc, c.cpt) <= t.extra_units
                               then 1 else 0 end as units_total_time,
           floor((c.minutes + 7) / 15)::integer as units_per_code   -- RULEBOOK §1.3
    from full_units_and_remainders c join day_totals t using (visit_key)
),
allocation_validity as (         -- RULEBOOK §1.2 valid-allocation test
    select visit_key,
           bool_and(units_billed in (full_units, full_units + 1)) as each_code_f_or_f_plus_1,
           max(remainder) filter (where units_billed = full_units) as largest_remainder_without_extra,
           min(remainder) filter (where units_billed = full_units + 1) as smallest_remainder_with_extra
    from canonical group by visit_key
),
directions as (
    select c.*, d.unit_method, m.minutes_by_code,
           c.day_units_billed = c.day_units
             and a.each_code_f_or_f_plus_1
             and coalesce(a.smallest_remainder_with_extra >= a.largest_remainder_without_extra, true) as allocation_valid,
           case when c.day_units_billed < c.day_units and c.units_billed < c.units_total_time then 'under'
                when c.day_units_billed > c.day_units and c.units_billed > c.units_total_time then 'over' end
               as total_time_direction,
           case when c.units_billed < c.units_per_code then 'under'
                when c.units_billed > c.units_per_code then 'over' end as per_code_direction
    from canonical c
    join allocation_validity a using (visit_key)
    join judged_days d using (visit_key)
    left join (select visit_key, string_agg(cpt || ' ' || printf('%g', minutes) || ' min', ', ' order by cpt) as minutes_by_code
          from code_days where minutes > 0 group by visit_key) m using (visit_key)
)
select x.visit_key, x.cpt, x.minutes, x.full_units, x.remainder, x.units_billed, x.lines, x.line_key,
       x.day_minutes, x.day_units, x.day_units_billed, x.allocation_valid,
       x.units_total_time, x.units_per_code, x.total_time_direction, x.per_code_direction, x.unit_method,
       case x.unit_method
            when 'total_time' then
                 case x.total_time_direction when 'under' then 'UNITS_UNDERBILLED' when 'over' then 'UNITS_OVERBILLED'
                      else case when not x.allocation_valid and x.day_units_billed = x.day_units
                                     and x.units_billed > x.units_total_time then 'UNITS_MISALLOCATED' end end
            when 'per_code' then
                 case x.per_code_direction when 'under' then 'UNITS_UNDERBILLED' when 'over' then 'UNITS_OVERBILLED' end
            else -- not configured: only when both methods say the same direction (RULEBOOK §1.3, CONTRACT §6)
                 case when x.total_time_direction = x.per_code_direction
                      then case x.total_time_direction when 'under' then 'UNITS_UNDERBILLED' else 'UNITS_OVERBILLED' end end
       end as rule_id,
       case x.unit_method
            when 'total_time' then x.units_total_time
            when 'per_code' then x.units_per_code
            else case x.total_time_direction     -- the expectation nearer the billed units
                      when 'under' then least(x.units_total_time, x.units_per_code)
                      when 'over' then greatest(x.units_total_time, x.units_per_code) end
       end as units_expected,
       -- where the finding is reported: the code's first line, else (code documented, not billed) the day's first claim
       -- the numbers behind a finding, for its detail sentence
       x.minutes_by_code,
       case x.unit_method
            when 'total_time' then 'total-time method: ' || printf('%g', x.day_minutes) || ' timed min on the day = '
                                   || x.day_units || ' units, ' || printf('%g', x.day_units_billed) || ' billed'
            when 'per_code' then 'per-code method: ' || printf('%g', x.minutes) || ' min = ' || x.units_per_code || ' units'
            else 'unit method not configured for this payer; both methods agree (total time: '
                 || printf('%g', x.day_minutes) || ' timed min on the day = ' || x.day_units || ' units, ' || x.cpt || ' '
                 || x.units_total_time || '; per code: ' || printf('%g', x.minutes) || ' min = ' || x.units_per_code || ')'
       end as method_note,
       coalesce(l.claim_id, d.first_claim_id) as claim_id, l.line_number,
       -- the claim line whose correction deadline (stg_line_correction, 85_money.sql) applies to the finding
       coalesce(x.line_key, d.first_line_key) as anchor_line_key,
       coalesce(l.modifiers, '') as modifiers,
       coalesce(l.rendering_npi, d.rendering_npi) as provider_npi,
       coalesce(l.source_file, d.source_file) as source_file,
       coalesce(l.filing_deadline, d.filing_deadline) as filing_deadline,
       d.patient_key, d.patient_ref, d.dos, d.payer_key, d.payer_display, d.payer_class, d.first_claim_id,
       d.medicare_rules, d.fee_pct_of_medicare
from directions x
join judged_days d using (visit_key)
left join stg_claim_lines l on l.line_key = x.line_key;

-- Untimed per-session codes (seed_codes: once_per_day and not timed; RULEBOOK §1.4): one unit a day.
-- Units of the code that day are counted in line order; the first unit is due, the rest is excess.
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
       -- the line's price scenario: its own; on a day with more than 20 excess lines (hostile input: a copy of
       -- every line of the day per line is quadratic), one per set of lines priced alike
       case when count(*) over (partition by visit_key) <= 20 then 'untimed:' || line_key
            else 'untimed:' || concat_ws('|', visit_key, cpt, units, units_expected, has_co, payer_class,
                                          follows_medicare_rules, fee_pct_of_medicare) end as scenario
from (select *, greatest(0, least(units, 1 - units_before))::integer as units_expected,
             units - greatest(0, least(units, 1 - units_before)) as excess_units
      from untimed_lines)
where units_day > 1 and excess_units > 0;

-- Counterfactual scenarios, as line overrides on the visit's billed lines (pricing_input 'billed'):
--   'units:<visit>|<cpt>'       the code's day total set to units_expected (first line = expected, other
--                               lines of the code 0; a documented code with no line is added to the day's
--                               first claim)
--   'units_canonical:<visit>'   every timed code of the day at its canonical (total-time) units
--   'untimed:<line_key>'        the line reduced to the units a day allows
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
untimed_lines as (
    select scenario, visit_key, line_key, cpt, dos, whole_units, units_expected, has_co,
           payer_class = 'medicare' or coalesce(follows_medicare_rules, false), fee_pct_of_medicare, payer_key, false
    from stg_untimed_excess
    qualify row_number() over (partition by scenario order by claim_id, line_number) = 1
)
select * from overridden_lines
union all select * from added_lines
union all select * from untimed_lines;

delete from pricing_input
where starts_with(scenario, 'units:') or starts_with(scenario, 'units_canonical:') or starts_with(scenario, 'untimed:');
insert into pricing_input
select s.scenario, b.visit_key, b.line_key, b.cpt, b.dos, coalesce(o.scenario_units, b.units), b.has_co,
       b.medicare_rules, b.fee_pct
from (select distinct scenario, visit_key from stg_units_scenarios) s
join pricing_input b on b.scenario = 'billed' and b.visit_key = s.visit_key
left join stg_units_scenarios o on o.scenario = s.scenario and o.line_key = b.line_key
union all
select scenario, visit_key, line_key, cpt, dos, scenario_units, has_co, medicare_rules, fee_pct_of_medicare
from stg_units_scenarios where is_added;

-- Price difference per scenario. Fee schedule (engine) when every changed line is priced in both states;
-- else the practice's median allowed per unit for the code and payer x the unit change; else no estimate.
-- (The engine's rows of these scenarios, and of the same visits as billed, are priced once.)
create or replace table stg_units_priced_lines as
select scenario, visit_key, line_key, expected_allowed
from pricing_output
where starts_with(scenario, 'units:') or starts_with(scenario, 'units_canonical:') or starts_with(scenario, 'untimed:')
   or (scenario = 'billed' and visit_key in (select visit_key from stg_units_scenarios));

create or replace table stg_units_prices as
with visit_prices as (
    select scenario, visit_key, sum(coalesce(expected_allowed, 0)) as visit_price
    from stg_units_priced_lines group by scenario, visit_key
),
changed as (
    select s.scenario, s.visit_key,
           bool_and(so.expected_allowed is not null
                    and (s.is_added or bo.expected_allowed is not null)) as fee_schedule_priced,
           bool_and(md.per_unit is not null) as median_known,
           sum((s.scenario_units - s.billed_units) * md.per_unit) as median_difference,
           any_value(s.dos) as dos, bool_or(s.medicare_rules) as medicare_rules, any_value(s.fee_pct_of_medicare) as fee_pct,
           string_agg(distinct s.cpt, '/') as cpts
    from stg_units_scenarios s
    left join stg_units_priced_lines so on so.scenario = s.scenario and so.line_key = s.line_key
    left join stg_units_priced_lines bo on bo.scenario = 'billed' and bo.line_key = s.line_key
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
       case when c.fee_schedule_priced and c.medicare_rules
                 then 'Medicare fee schedule ' || year(c.dos) || ', locality ' || (select locality from audit_params) || ', MPPR applied'
            when c.fee_schedule_priced
                 then round(c.fee_pct * 100)::integer || '% of the Medicare fee schedule ' || year(c.dos) || ', MPPR applied'
            when c.median_known then 'median allowed per unit of ' || c.cpts || ' for this payer in the 835s'
            else 'no fee schedule or paid history for ' || c.cpts || ', so no dollar estimate' end as value_basis
from changed c
join visit_prices b on b.scenario = 'billed' and b.visit_key = c.visit_key
join visit_prices p on p.scenario = c.scenario and p.visit_key = c.visit_key;

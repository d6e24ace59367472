-- stg_units_codes: one row per judged visit day and timed code (documented or billed): m_i, f_i, r_i,
-- billed_i, the total-time (canonical) and per-code expected units, and the finding (rule_id) the payer's
-- unit method implies, with the numbers for its detail.
-- Units (RULEBOOK §1.1-§1.4, DESIGN §6): documented timed minutes against billed timed units, per visit
-- day (patient + DOS + billing NPI), under the payer's unit method. Minutes are the EMR's documented direct
-- (one-on-one) minutes of timed codes (seed_codes.is_timed); untimed codes' minutes never count toward the
-- timed total (RULEBOOK §1.1 rule 6).
-- @unique: visit_key, cpt

create or replace table stg_units_codes as
with judged_days as (   -- narrow: the day's other columns are joined once, in directions
    select visit_key, patient_key, dos from stg_units_days where judged
),
billed_codes as (   -- billed_i: units of the code's final claim lines that day; the first line carries findings
    -- (its columns taken here, in the same arg_min, instead of a join back to stg_claim_lines)
    select l.visit_key, l.cpt, sum(l.units) as units_billed, count(*) as lines,
           arg_min(l.line_key, l.claim_id || lpad(l.line_number::varchar, 6, '0')) as line_key,
           arg_min({'claim_id': l.claim_id, 'line_number': l.line_number, 'modifiers': l.modifiers,
                    'rendering_npi': l.rendering_npi, 'source_file': l.source_file,
                    'filing_deadline': l.filing_deadline},
                   l.claim_id || lpad(l.line_number::varchar, 6, '0')) as line
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
           coalesce(b.lines, 0) as lines, b.line_key, b.line
    from billed_codes b full join documented_codes m on m.visit_key = b.visit_key and m.cpt = b.cpt
),
full_units_and_remainders as (   -- f_i = floor(m_i / 15), r_i = m_i mod 15 (RULEBOOK §1.2)
    select *, floor(minutes / 15)::integer as full_units, minutes - 15 * floor(minutes / 15) as remainder
    from code_days
),
day_totals as (                  -- per visit day, in one pass (RULEBOOK §1.1, §1.2):
    -- M, T = floor((M + 7) / 15), R = T - sum f_i, the billed total; the valid-allocation test; the minutes by code
    select visit_key, sum(minutes) as day_minutes, floor((sum(minutes) + 7) / 15)::integer as day_units,
           floor((sum(minutes) + 7) / 15)::integer - sum(full_units) as extra_units,
           sum(units_billed) as day_units_billed,
           bool_and(units_billed in (full_units, full_units + 1)) as each_code_f_or_f_plus_1,
           max(remainder) filter (where units_billed = full_units) as largest_remainder_without_extra,
           min(remainder) filter (where units_billed = full_units + 1) as smallest_remainder_with_extra
    from full_units_and_remainders group by visit_key
),
canonical as (                   -- the R codes with the largest remainders get f_i + 1 (ties: billed, cpt)
    select c.*, t.day_minutes, t.day_units, t.extra_units, t.day_units_billed,
           t.each_code_f_or_f_plus_1, t.largest_remainder_without_extra, t.smallest_remainder_with_extra,
           c.full_units + case when c.remainder > 0
                                and row_number() over (partition by c.visit_key
                                                       order by c.remainder desc, c.units_billed desc, c.cpt) <= t.extra_units
                               then 1 else 0 end as units_total_time,
           floor((c.minutes + 7) / 15)::integer as units_per_code   -- RULEBOOK §1.3
    from full_units_and_remainders c join day_totals t using (visit_key)
),
directions as (   -- every code day is of a judged day: the day's columns are joined once, here
    select c.*, d.unit_method,
           c.day_units_billed = c.day_units
             and c.each_code_f_or_f_plus_1
             and coalesce(c.smallest_remainder_with_extra >= c.largest_remainder_without_extra, true) as allocation_valid,
           case when c.day_units_billed < c.day_units and c.units_billed < c.units_total_time then 'under'
                when c.day_units_billed > c.day_units and c.units_billed > c.units_total_time then 'over' end
               as total_time_direction,
           case when c.units_billed < c.units_per_code then 'under'
                when c.units_billed > c.units_per_code then 'over' end as per_code_direction,
           d.first_claim_id, d.first_line_key, d.rendering_npi as day_rendering_npi, d.source_file as day_source_file,
           d.filing_deadline as day_filing_deadline, d.patient_key, d.patient_ref, d.dos, d.payer_key,
           d.payer_display, d.payer_class, d.medicare_rules, d.fee_pct_of_medicare
    from canonical c
    join stg_units_days d on d.visit_key = c.visit_key and d.judged
),
judged as (
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
       case x.unit_method
            when 'total_time' then 'total-time method: ' || printf('%g', x.day_minutes) || ' timed min on the day = '
                                   || x.day_units || ' units, ' || printf('%g', x.day_units_billed) || ' billed'
            when 'per_code' then 'per-code method: ' || printf('%g', x.minutes) || ' min = ' || x.units_per_code || ' units'
            else 'unit method not configured for this payer; both methods agree (total time: '
                 || printf('%g', x.day_minutes) || ' timed min on the day = ' || x.day_units || ' units, ' || x.cpt || ' '
                 || x.units_total_time || '; per code: ' || printf('%g', x.minutes) || ' min = ' || x.units_per_code || ')'
       end as method_note,
       -- where the finding is reported: the code's first line, else (code documented, not billed) the day's first claim
       coalesce(x.line.claim_id, x.first_claim_id) as claim_id, x.line.line_number as line_number,
       -- the claim line whose correction deadline (stg_line_correction, 85_money.sql) applies to the finding
       coalesce(x.line_key, x.first_line_key) as anchor_line_key,
       coalesce(x.line.modifiers, '') as modifiers,
       coalesce(x.line.rendering_npi, x.day_rendering_npi) as provider_npi,
       coalesce(x.line.source_file, x.day_source_file) as source_file,
       coalesce(x.line.filing_deadline, x.day_filing_deadline) as filing_deadline,
       x.patient_key, x.patient_ref, x.dos, x.payer_key, x.payer_display, x.payer_class, x.first_claim_id,
       x.medicare_rules, x.fee_pct_of_medicare
from directions x
),
minutes_text as (   -- the day's minutes by code, for the detail sentence: only for days with a finding
    select visit_key, string_agg(cpt || ' ' || printf('%g', minutes) || ' min', ', ' order by cpt) as minutes_by_code
    from code_days
    where minutes > 0 and visit_key in (select visit_key from judged where rule_id is not null)
    group by visit_key
)
select j.* exclude (method_note),
       -- the numbers behind a finding, for its detail sentence (null on a code day without one)
       t.minutes_by_code, case when j.rule_id is not null then j.method_note end as method_note
from judged j left join minutes_text t using (visit_key);

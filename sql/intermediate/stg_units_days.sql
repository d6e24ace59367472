-- stg_units_days: one row per visit day with claim lines: its first claim and line, payer attributes, and
-- whether the day can be judged (it has visit rows and every billed timed line has documented minutes).
-- Units (RULEBOOK §1.1-§1.4, DESIGN §6): documented timed minutes against billed timed units, per visit
-- day (patient + DOS + billing NPI), under the payer's unit method. Minutes are the EMR's documented direct
-- (one-on-one) minutes of timed codes (seed_codes.is_timed); untimed codes' minutes never count toward the
-- timed total (RULEBOOK §1.1 rule 6).
-- @unique: visit_key

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

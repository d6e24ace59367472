-- rule: PROGRESS_REPORT_OVERDUE
-- title: More than 10 treatment days since the last progress report
-- category: compliance
-- severity: medium
-- grain: visit
-- requires: claims, medicare_or_ma, note_types
-- citation: Pub. 100-02 Ch.15 §220.3.D
-- provenance: RULEBOOK §7
--
-- PROGRESS_REPORT_OVERDUE — Medicare / Medicare Advantage treatment day beyond the 10th since the episode
-- start or the last progress report.
-- Rule: RULEBOOK §7 (BPM Ch.15 §220.3.D): a progress report is due at least once every 10 treatment days; the
-- first reporting period starts on the first day of the episode, the evaluation counting as day 1
-- ("Check the software can make" (d)).
-- Fires (DESIGN §8): per patient and treatment DOS (billed to Medicare/MA) whose position in the current
-- reporting period (stg_progress_days.progress_day_no: counted from the first treatment day, the latest
-- evaluation day, or the day after the latest progress / recert / discharge note) exceeds
-- progress_report_days. Runs only when the visits export carries note types.
-- amount_usd = the whole visit value (stg_visit_value); amount_kind = at_risk; fix_by empty.

with notes_exported as (
    select exists (select 1 from visits where nullif(trim(note_type), '') is not null) as yes
),
overdue as (
    select p.*
    from stg_progress_days p
    where p.progress_day_no > setting_num('progress_report_days')
      and (select yes from notes_exported)
),
explained as (
    select o.*,
           case when o.last_report is not null and o.period_start = o.last_report + 1
                     then 'the last progress report on ' || strftime(o.last_report, '%Y-%m-%d')
                when o.last_eval is not null and o.period_start = o.last_eval
                     then 'the evaluation on ' || strftime(o.last_eval, '%Y-%m-%d') || ' (no progress report since)'
                else 'the first treatment on ' || strftime(o.first_treatment_dos, '%Y-%m-%d') || ' (no progress report since)'
           end as since_what
    from overdue o
)
select 'PROGRESS_REPORT_OVERDUE' as rule_id, null as category, null as severity,
       e.claim_id, null as payer_claim_id, v.patient_ref, e.payer_display as payer, e.payer_class, e.dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       round(coalesce(v.visit_value, 0), 2)::decimal(12,2) as amount_usd, 'at_risk' as amount_kind,
       null::date as fix_by,
       'Treatment day ' || e.progress_day_no || ' since ' || e.since_what || ' (a report is due every '
       || setting_num('progress_report_days')::integer || ' treatment days); visit value $' || coalesce(v.visit_value, 0)
       || ' (' || coalesce(v.value_basis, 'no value') || ').' as detail,
       e.source_file, e.provider_npi
from explained e
left join stg_visit_value v on v.patient_key = e.patient_key and v.dos = e.dos

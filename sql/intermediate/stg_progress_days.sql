-- stg_progress_days: per Medicare/MA treatment day, how many treatment days the current progress-reporting
-- period has run (DESIGN §8; RULEBOOK §7, BPM Ch.15 §220.3.D). A period starts on the patient's first treatment
-- day, on an evaluation day (note_type eval: a new episode; that day is day 1), or on the day after a report day
-- (note_type progress / recert / discharge). period_start = the latest of those on or before the day;
-- progress_day_no = the day's position among the treatment days since period_start.
-- @unique: patient_key, dos

create or replace table stg_progress_days as
with anchored as (
    select m.*,
           (select max(v.dos) from stg_visit_days v
            where v.patient_key = m.patient_key and v.has_eval and v.dos <= m.dos) as last_eval,
           (select max(v.dos) from stg_visit_days v
            where v.patient_key = m.patient_key and v.has_report and v.dos < m.dos) as last_report,
           min(m.dos) over (partition by m.patient_key) as first_treatment_dos
    from stg_medicare_days m
),
periods as (
    select *, greatest(first_treatment_dos, last_eval, last_report + 1) as period_start
    from anchored
)
select *, row_number() over (partition by patient_key, period_start order by dos) as progress_day_no
from periods;

-- stg_visit_days: documented care per patient and date of service: whether a progress/recert/discharge
-- note (has_report) or an evaluation note (has_eval) was written that day.
-- @unique: patient_key, dos

create or replace table stg_visit_days as
select patient_key, dos,
       bool_or(lower(coalesce(note_type, '')) in ('progress', 'recert', 'discharge')) as has_report,
       bool_or(lower(coalesce(note_type, '')) = 'eval') as has_eval,
       count(*) as rows, min(export_payer_class) as export_payer_class,
       min(payer) as payer, min(source_file) as source_file
from stg_visit_lines where patient_key is not null and dos is not null
group by patient_key, dos;

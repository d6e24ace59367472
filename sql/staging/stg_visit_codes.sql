-- stg_visit_codes: documented care per patient, date of service and code: minutes (null when any row of
-- the code-day has none), OTA minutes, rows, the first spreadsheet row and file.
-- @unique: patient_key, dos, cpt

create or replace table stg_visit_codes as
select patient_key, dos, cpt, any_value(is_timed) as is_timed,
       sum(minutes) as minutes, sum(ota_minutes_eff) as ota_minutes, count(*) as rows,
       bool_or(minutes is null) as minutes_missing,
       min(claim_id) as claim_id, min(provider_npi) as provider_npi,
       min(export_payer_class) as export_payer_class, min(row_number) as first_row,
       arg_min(source_file, row_number) as source_file
from stg_visit_lines where patient_key is not null and dos is not null
group by patient_key, dos, cpt;

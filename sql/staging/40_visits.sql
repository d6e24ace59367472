-- Documented care from the EMR exports, keyed to the same patients as the claims.
-- patient_key: the claim's patient when the visit row names its claim; else member id; else name+DOB.
-- The MRN (patient_id) links plans of care and authorizations, which carry no member id.

create or replace table stg_visit_lines as
select v.*,
       coalesce(c.patient_key, patient_key_of(v.member_id, v.patient_last, v.patient_first, v.patient_dob)) as patient_key,
       p.payer_class as export_payer_class, p.payer_key as export_payer_key,
       case when upper(coalesce(v.provider_role, '')) = 'OTA' then coalesce(v.minutes, 0)
            else coalesce(v.ota_minutes, 0) end as ota_minutes_eff,
       coalesce(k.is_timed, false) as is_timed
from visits v
left join stg_claims c on c.claim_id = v.claim_id
left join stg_payers p on p.payer_name = coalesce(v.payer, '') and p.payer_id = ''
left join seed_codes k on k.cpt = v.cpt;

-- MRN -> patient_key crosswalk (the key seen most often for that MRN).
create or replace table stg_mrn_map as
select patient_id, mode(patient_key) as patient_key
from stg_visit_lines where patient_key is not null group by patient_id;

-- One row per patient, code and day of documented care.
create or replace table stg_visit_codes as
select patient_key, dos, cpt, any_value(is_timed) as is_timed,
       sum(minutes) as minutes, sum(ota_minutes_eff) as ota_minutes, count(*) as rows,
       bool_or(minutes is null) as minutes_missing,
       min(claim_id) as claim_id, min(provider_npi) as provider_npi,
       any_value(export_payer_class) as export_payer_class, min(row_number) as first_row,
       any_value(source_file) as source_file
from stg_visit_lines where patient_key is not null and dos is not null
group by patient_key, dos, cpt;

create or replace table stg_visit_days as
select patient_key, dos,
       bool_or(lower(coalesce(note_type, '')) in ('progress', 'recert', 'discharge')) as has_report,
       bool_or(lower(coalesce(note_type, '')) = 'eval') as has_eval,
       count(*) as rows, any_value(export_payer_class) as export_payer_class,
       any_value(payer) as payer, any_value(source_file) as source_file
from stg_visit_lines where patient_key is not null and dos is not null
group by patient_key, dos;

create or replace view stg_plans as
select p.*, coalesce(m.patient_key, 'MRN:' || p.patient_id) as patient_key
from plans_of_care p left join stg_mrn_map m using (patient_id);

create or replace view stg_authorizations as
select a.*, coalesce(m.patient_key, 'MRN:' || a.patient_id) as patient_key, py.payer_key, py.payer_class
from authorizations a left join stg_mrn_map m using (patient_id)
left join stg_payers py on py.payer_name = coalesce(a.payer, '') and py.payer_id = '';

-- Billed code-days (claims side), for matching with documented code-days.
create or replace table stg_claim_codes as
select patient_key, dos, cpt,
       arg_min(line_key, line_number) as line_key, arg_min(claim_id, line_number) as claim_id,
       sum(units) as units_billed, count(*) as lines, any_value(visit_key) as visit_key,
       any_value(billing_npi) as billing_npi
from stg_claim_lines where dos is not null
group by patient_key, dos, cpt;

-- Documented code-day <-> billed code-day.
create or replace table stg_visit_match as
select v.patient_key, v.dos, v.cpt, v.minutes, v.ota_minutes, v.minutes_missing, v.is_timed,
       c.line_key, c.claim_id, c.units_billed, c.visit_key, v.source_file
from stg_visit_codes v
left join stg_claim_codes c using (patient_key, dos, cpt);

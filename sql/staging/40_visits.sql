-- Documented care from the EMR exports, keyed to the same patients as the claims.
-- patient_key of a visit row, first that applies: the claim's patient when the row names its claim; the
-- member id's key when a claim has it; the claims' patient with the same name and birth date (the one with
-- a claim on the nearest DOS when the name has several keys, e.g. a payer change); else member id; else
-- name+DOB. The MRN (patient_id) links plans of care and authorizations, which carry no member id.

-- Claims' patients by name and birth date, with the dates they were billed.
create or replace table stg_claim_names as
select distinct name_key(c.patient_last, c.patient_first, c.patient_dob) as name_key, c.patient_key, l.dos
from stg_claims c
join stg_claim_lines l using (claim_id)
where c.patient_key is not null and name_key(c.patient_last, c.patient_first, c.patient_dob) is not null;

create or replace table stg_visit_lines as
with v as (
    select v.*, row_number() over (order by v.source_file, v.source_sheet, v.row_number) as visit_seq,
           'M:' || norm_id(v.member_id) as member_key,
           name_key(v.patient_last, v.patient_first, v.patient_dob) as own_name_key
    from visits v
),
claim_patients as (select distinct patient_key from stg_claims where patient_key is not null),
by_name as (
    select v.visit_seq,
           min({'d': coalesce(abs(date_diff('day', n.dos, v.dos)), 100000), 'k': n.patient_key}).k as patient_key
    from v join stg_claim_names n on n.name_key = v.own_name_key
    group by v.visit_seq
)
select v.* exclude (member_key, own_name_key),
       coalesce(c.patient_key, cp.patient_key, bn.patient_key, v.member_key, v.own_name_key) as patient_key,
       p.payer_class as export_payer_class, p.payer_key as export_payer_key,
       case when upper(coalesce(v.provider_role, '')) = 'OTA' then coalesce(v.minutes, 0)
            else coalesce(v.ota_minutes, 0) end as ota_minutes_eff,
       coalesce(k.is_timed, false) as is_timed
from v
left join stg_claims c on c.claim_id = v.claim_id
left join claim_patients cp on cp.patient_key = v.member_key
left join by_name bn using (visit_seq)
left join stg_payers p on p.payer_name = coalesce(v.payer, '') and p.payer_id = ''
left join seed_codes k on k.cpt = v.cpt;

-- MRN -> patient_key crosswalk: every key the MRN's visit rows resolved to (a patient who changed payer
-- has several). Consumers (stg_plans, stg_authorizations) get one row per plan/authorization and key, so
-- each key sees the plan once; rules read them with exists / min / max, per patient_key.
create or replace table stg_mrn_map as
select distinct patient_id, patient_key
from stg_visit_lines where patient_key is not null and patient_id is not null;

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

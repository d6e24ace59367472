-- stg_visit_lines: every visit row of the exports with its patient_key, the payer class of its payer
-- column, OTA minutes (ota_minutes, or every minute of a row whose provider_role is OTA) and is_timed.
-- Documented care from the EMR exports is keyed to the same patients as the claims.
-- patient_key of a visit row, first that applies: the claim's patient when the row names its claim; the
-- member id's key when a claim has it; the claims' patient with the same name and birth date (the one with
-- a claim on the nearest DOS when the name has several keys, e.g. a payer change); else member id; else
-- name+DOB. The MRN (patient_id) links plans of care and authorizations, which carry no member id.

create or replace table stg_visit_lines as
with v as (
    select v.*, row_number() over (order by v.source_file, v.source_sheet, v.row_number) as visit_seq,
           'M:' || norm_id(v.member_id) as member_key,
           name_key(v.patient_last, v.patient_first, v.patient_dob) as own_name_key
    from stg_visit_rows v
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

-- stg_medicare_days: treatment days = billed DOS of the patient to Medicare or Medicare Advantage
-- (RULEBOOK §7; DESIGN §8), numbered in date order per patient (treatment_day_no).
-- @unique: patient_key, dos

create or replace table stg_medicare_days as
with days as (
    select patient_key, dos,
           arg_min(payer_display, claim_id) as payer_display, arg_min(payer_class, claim_id) as payer_class,
           min(claim_id) as claim_id, arg_min(provider_npi, claim_id) as provider_npi,
           arg_min(source_file, claim_id) as source_file, bool_and(eval_only) as eval_only
    from stg_billed_days
    where payer_class in ('medicare', 'medicare_advantage')
    group by patient_key, dos
)
select *, row_number() over (partition by patient_key order by dos) as treatment_day_no
from days;

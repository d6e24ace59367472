-- stg_mrn_map: MRN (export patient_id) -> every patient_key its visit rows resolved to (a patient who
-- changed payer has several). Plans and authorizations are keyed through it (stg_plans, stg_authorizations):
-- one row per plan/authorization and key, so each key sees the plan once.
-- @unique: patient_id, patient_key

create or replace table stg_mrn_map as
select distinct patient_id, patient_key
from stg_visit_lines where patient_key is not null and patient_id is not null;

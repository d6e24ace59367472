-- stg_patients: every patient identity of the audit (claims and documented visits) with its pseudonym,
-- patient_ref = patient_ref_of(patient_key) (sql/macros.sql: a salted hash, stable within one audit). The
-- rule runner uses it to give each finding its patient_key (kept in the database only: a stable key for the
-- day-30 follow-up, which cannot use the per-audit pseudonym).
-- @unique: patient_key
-- @unique: patient_ref
-- @not_null: patient_key, patient_ref

create or replace table stg_patients as
select patient_key, patient_ref_of(patient_key) as patient_ref
from (select patient_key from stg_claims union select patient_key from stg_visit_lines)
where patient_key is not null;

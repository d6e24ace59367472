-- stg_visit_match: documented code-day <-> billed code-day (patient_key + DOS + cpt).
-- @unique: patient_key, dos, cpt

create or replace table stg_visit_match as
select v.patient_key, v.dos, v.cpt, v.minutes, v.ota_minutes, v.minutes_missing, v.is_timed,
       c.line_key, c.claim_id, c.units_billed, c.visit_key, v.source_file
from stg_visit_codes v
left join stg_claim_codes c using (patient_key, dos, cpt);

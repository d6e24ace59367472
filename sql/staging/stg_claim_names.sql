-- stg_claim_names: the claims' patients by name and birth date, with the dates they were billed (to key
-- visit rows that carry no member id, stg_visit_lines).

create or replace table stg_claim_names as
select distinct name_key(c.patient_last, c.patient_first, c.patient_dob) as name_key, c.patient_key, l.dos
from stg_claims c
join stg_claim_lines l using (claim_id)
where c.patient_key is not null and name_key(c.patient_last, c.patient_first, c.patient_dob) is not null;

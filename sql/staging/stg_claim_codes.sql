-- stg_claim_codes: billed care per patient, date of service and code (claims side, for matching with the
-- documented code-days): units, lines, the first line.
-- @unique: patient_key, dos, cpt

create or replace table stg_claim_codes as
select patient_key, dos, cpt,
       arg_min(line_key, line_number) as line_key, arg_min(claim_id, line_number) as claim_id,
       sum(units) as units_billed, count(*) as lines, min(visit_key) as visit_key,
       min(billing_npi) as billing_npi
from stg_claim_lines where dos is not null
group by patient_key, dos, cpt;

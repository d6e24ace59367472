-- stg_billed_days: one row per patient, DOS and payer of the final (non-void) claim lines.
-- eval_only = every line that day is an initial evaluation 97165-97167 (DESIGN rule table, POC_MISSING).
-- @unique: patient_key, dos, payer_key

create or replace table stg_billed_days as
select patient_key, dos, payer_key,
       any_value(payer_class) as payer_class, any_value(payer_display) as payer_display,
       bool_or(requires_auth) as requires_auth,
       min(claim_id) as claim_id,
       arg_min(rendering_npi, claim_id || '#' || lpad(line_number::varchar, 4, '0')) as provider_npi,
       arg_min(source_file, claim_id) as source_file,
       bool_and(cpt in ('97165', '97166', '97167')) as eval_only,
       string_agg(cpt, ';' order by claim_id, line_number) as cpts
from stg_claim_lines
where patient_key is not null and dos is not null
group by patient_key, dos, payer_key;

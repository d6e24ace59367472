-- stg_plans: plans of care (export rows) with the patient_key(s) of their MRN (stg_mrn_map); an MRN with no
-- visit rows is keyed 'MRN:<patient_id>'.

create or replace view stg_plans as
select p.*, coalesce(m.patient_key, 'MRN:' || p.patient_id) as patient_key
from stg_plan_rows p left join stg_mrn_map m using (patient_id);

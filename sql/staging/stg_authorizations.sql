-- stg_authorizations: authorizations (export rows) with the patient_key(s) of their MRN and their payer's
-- key and class (stg_payers).

create or replace view stg_authorizations as
select a.*, coalesce(m.patient_key, 'MRN:' || a.patient_id) as patient_key, py.payer_key, py.payer_class
from stg_authorization_rows a left join stg_mrn_map m using (patient_id)
left join stg_payers py on py.payer_name = coalesce(a.payer, '') and py.payer_id = '';

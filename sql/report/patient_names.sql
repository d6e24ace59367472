-- patient_names (--show-phi only): each pseudonym's patient name, from the staged claims and visit rows.
select patient_ref_of(patient_key) as patient_ref,
       min(trim(coalesce(patient_first, '') || ' ' || coalesce(patient_last, ''))) as patient_name
from (select patient_key, patient_first, patient_last from stg_claims
      union all select patient_key, patient_first, patient_last from stg_visit_lines)
where patient_key is not null
group by patient_key

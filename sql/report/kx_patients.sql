-- kx_patients: Medicare beneficiaries' OT totals for $year (GO lines at the expected allowed after MPPR
-- and CO, denied lines included: the running totals KX_MISSING and TMR_THRESHOLD use,
-- stg_medicare_ot_lines), for those at 60% of the KX threshold or more, largest first, at most $cap.
-- Patients by pseudonym only. Parameters: $year, $cap.
select patient_ref_of(patient_key) as label, sum(ot_amount)::double as total
from stg_medicare_ot_lines
where year = $year
group by patient_key
having sum(ot_amount) >= 0.6 * coalesce(max(threshold), 2000)
order by total desc, patient_key
limit $cap

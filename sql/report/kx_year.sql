-- kx_year: the calendar year the Medicare OT-threshold chart shows (the audit period's last year, else
-- the latest year with Medicare OT lines), its KX threshold and targeted-review amount (seed_kx_thresholds,
-- bucket OT) and how many beneficiaries passed the review amount (TMR_THRESHOLD findings).
with y as (
    select coalesce((select year(max(audit_end)) from audit_params),
                    (select max(year) from stg_medicare_ot_lines)) as year
)
select y.year, k.threshold::double as threshold, coalesce(k.tmr_amount, 3000)::double as tmr,
       (select count(distinct patient_ref) from findings f
        where f.rule_id = 'TMR_THRESHOLD' and year(f.dos) = y.year) as n_tmr_findings
from y left join seed_kx_thresholds k on k.year = y.year and k.bucket = 'OT'

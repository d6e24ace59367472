-- sanity: checks on the data made before any judgement, one row each (found = the problem is there).
-- Every found one is stated at the top of the executive summary (worded by the template), because the
-- figures after it rest on these dates and links.
--   long_period               the audit period is longer than 24 months (731 days)
--   unmatched_remits          fewer than half of the final remittances match a claim of the 837 files
--                             (both were received): they probably belong to another practice or period
--   submitted_before_service  claims whose first submission is dated before their first date of service
--   service_after_as_of       claim lines dated after the as-of date
--   visits_after_as_of        visit-export rows dated after the as-of date (booked appointments: not judged)
-- n = how many, total = out of how many, d0/d1 = the dates concerned.
with p as (
    select max(audit_start)::date as audit_start, max(audit_end)::date as audit_end, max(as_of)::date as as_of
    from audit_params
),
claims as (
    select c.claim_id, c.first_dos, s.first_submitted
    from stg_claims c
    left join (select claim_id, min(submission_date) as first_submitted from stg_claim_submissions
               where is_primary_payer group by 1) s using (claim_id)
    where not c.is_void and not c.is_superseded
),
remits as (
    select claim_id in (select claim_id from claims) as has_claim
    from stg_remit_claims_final where not is_reversed
)
select 1 as ord, 'long_period' as check_id, rpt_period_days() > 731 as found, rpt_period_days() as n,
       null::bigint as total, audit_start as d0, audit_end as d1
from p
union all
select 2, 'unmatched_remits',
       count(*) > 0 and (select count(*) from claims) > 0 and count(*) filter (where has_claim) < 0.5 * count(*),
       count(*) filter (where not has_claim), count(*), null, null
from remits
union all
select 3, 'submitted_before_service', count(*) filter (where first_submitted < first_dos) > 0,
       count(*) filter (where first_submitted < first_dos), count(*),
       min(first_submitted) filter (where first_submitted < first_dos),
       max(first_dos) filter (where first_submitted < first_dos)
from claims
union all
select 4, 'service_after_as_of', count(*) filter (where l.dos > p.as_of) > 0, count(*) filter (where l.dos > p.as_of),
       count(*), min(l.dos) filter (where l.dos > p.as_of), max(l.dos) filter (where l.dos > p.as_of)
from stg_claim_lines l, p
union all
select 5, 'visits_after_as_of', count(*) filter (where v.dos > p.as_of) > 0, count(*) filter (where v.dos > p.as_of),
       count(*), min(v.dos) filter (where v.dos > p.as_of), max(v.dos) filter (where v.dos > p.as_of)
from stg_visit_lines v, p
order by ord

-- fu_new_status: the day-30 audit's findings that were not in the baseline, split (nid, follow_up_status):
--   baseline       matched to a baseline finding (fu_matches): not new
--   new            activity after day 0: DOS after the baseline's as-of date, or a claim first submitted after
--                  it (earliest 837 of the claim id in either audit), or, for denials and underpayments, a
--                  remittance dated after it
--   newly_visible  older activity the baseline did not see (files sent only now, e.g. an export or an 837 batch)
create or replace temp table fu_new_status as
with first_sub as (
    select claim_id, min(submission_date) as first_submitted
    from (select claim_id, submission_date from claims union all select claim_id, submission_date from fu_base.claims)
    where claim_id is not null group by all
)
select n.nid,
       case when n.nid in (select nid from fu_matches) then 'baseline'
            when n.dos > p.base_as_of then 'new'
            when fs.first_submitted > p.base_as_of then 'new'
            when (n.family = 'DENIAL' or n.rule_id = 'UNDERPAYMENT') and r.payment_date > p.base_as_of then 'new'
            else 'newly_visible' end as follow_up_status
from fu_new_findings n
cross join fu_params p
left join first_sub fs on fs.claim_id = n.claim_id
left join stg_remit_claims_final r on r.claim_id = n.claim_id;

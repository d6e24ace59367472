-- worklist_open: what the billers can still act on — findings of kind recoverable, at_risk or overbilled
-- whose deadline (fix_by) has not passed on the as-of date — ordered by days left (fewest first; items
-- without a deadline after them), then dollars. days_left = fix_by - as-of date.
with p as (select max(as_of)::date as as_of from audit_params)
select f.priority_rank, f.fix_by - p.as_of as days_left, f.fix_by, f.amount_usd::double as amount_usd,
       f.amount_kind, f.rule_id, f.payer, f.claim_id, f.payer_claim_id, f.patient_ref, f.dos, f.cpt, f.modifiers,
       f.units_billed, f.units_expected, f.detail, f.source_file
from findings f, p
where f.amount_kind in ('recoverable', 'at_risk', 'overbilled') and (f.fix_by is null or f.fix_by >= p.as_of)
order by f.fix_by is null, f.fix_by, f.amount_usd desc nulls last, f.priority_rank nulls last, f.claim_id,
         f.dos, f.cpt, f.patient_ref

-- worklist_closed: the items for write-off review — findings already lost, and findings whose deadline
-- passed before the as-of date — largest dollars first. days_past = as-of date - fix_by.
with p as (select max(as_of)::date as as_of from audit_params)
select f.priority_rank, p.as_of - f.fix_by as days_past, f.fix_by, f.amount_usd::double as amount_usd,
       f.amount_kind, f.rule_id, f.payer, f.claim_id, f.payer_claim_id, f.patient_ref, f.dos, f.cpt, f.modifiers,
       f.units_billed, f.units_expected, f.detail, f.source_file
from findings f, p
where not (f.amount_kind in ('recoverable', 'at_risk', 'overbilled') and (f.fix_by is null or f.fix_by >= p.as_of))
order by f.amount_usd desc nulls last, f.fix_by nulls last, f.priority_rank nulls last, f.claim_id, f.dos, f.cpt,
         f.patient_ref

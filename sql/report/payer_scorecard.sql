-- payer_scorecard: per payer, what was billed and paid, what was denied, how long payment took and what
-- the audit found. Payer name and class come from staging only (stg_claims / stg_payers).
--   claims, charges   the claims billed to the payer as their primary payer (stg_claims; voids and
--                     replaced claims out)
--   paid              the payer's final remittances of those claims (stg_remit_claims_final) plus what it
--                     paid as a secondary payer (stg_remit_secondary) on secondary_claims claims
--   denied_claims/usd stg_denials (dollars at the expected allowed, as the findings count them)
--   days_to_pay       first remittance - first submission, claims paid, impossible dates left out
--   findings ...      the findings carrying the payer's name
-- The $cap payers with the most charges and findings are listed, the rest combined. Parameters: $cap.
with claims as (
    select c.claim_id, c.payer_display as payer, c.payer_class, c.total_charge, s.first_submitted
    from stg_claims c
    left join (select claim_id, min(submission_date) as first_submitted from stg_claim_submissions
               where is_primary_payer group by 1) s using (claim_id)
    where not c.is_void and not c.is_superseded
),
primary_side as (
    select c.payer, min(c.payer_class) as payer_class, count(*) as claims, sum(c.total_charge) as charges,
           sum(f.paid) as paid_primary,
           avg(f.first_payment_date - c.first_submitted)
               filter (where f.paid > 0 and f.first_payment_date >= c.first_submitted) as days_to_pay
    from claims c
    left join stg_remit_claims_final f on f.claim_id = c.claim_id and not f.is_reversed
    group by 1
),
secondary_side as (
    select coalesce(p.payer_display, r.payer_name, 'Unknown payer') as payer, min(p.payer_class) as payer_class,
           count(distinct r.claim_id) as secondary_claims, sum(r.paid) as paid_secondary
    from stg_remit_secondary r
    left join stg_payers p on p.payer_name = coalesce(r.payer_name, '') and p.payer_id = coalesce(r.payer_id, '')
    group by 1
),
den as (
    select payer_display as payer, count(distinct claim_id) as denied_claims, sum(amount_usd) as denied_usd
    from stg_denials group by 1
),
fnd as (
    select payer, min(payer_class) as payer_class, count(*) as findings,
           coalesce(sum(amount_usd) filter (where amount_kind = 'recoverable'), 0) as recoverable,
           coalesce(sum(amount_usd) filter (where amount_kind = 'lost'), 0) as lost,
           coalesce(sum(amount_usd) filter (where amount_kind in ('overbilled', 'at_risk')), 0) as exposure
    from findings where payer is not null group by 1
),
merged as (
    select payer,
           coalesce(ps.payer_class, ss.payer_class, fnd.payer_class) as payer_class,
           ps.claims, ps.charges, ps.days_to_pay,
           case when ps.paid_primary is null and ss.paid_secondary is null then null
                else coalesce(ps.paid_primary, 0) + coalesce(ss.paid_secondary, 0) end as paid,
           ss.secondary_claims, ss.paid_secondary,
           den.denied_claims, den.denied_usd, fnd.findings, fnd.recoverable, fnd.lost, fnd.exposure
    from primary_side ps
    full join secondary_side ss using (payer)
    full join fnd using (payer)
    left join den using (payer)
),
ranked as (
    select *, row_number() over (order by coalesce(charges, 0) + coalesce(paid_secondary, 0)
                                          + coalesce(recoverable, 0) + coalesce(exposure, 0) desc, payer) as rn
    from merged
)
select case when rn <= $cap then payer else 'All other payers' end as payer,
       case when rn <= $cap then payer_class else '' end as payer_class,
       sum(claims) as claims, sum(charges)::double as charges, sum(paid)::double as paid,
       sum(secondary_claims) as secondary_claims, sum(paid_secondary)::double as paid_secondary,
       sum(denied_claims) as denied_claims, sum(denied_usd)::double as denied_usd,
       avg(days_to_pay)::double as days_to_pay, sum(findings) as findings, sum(recoverable)::double as recoverable,
       sum(lost)::double as lost, sum(exposure)::double as exposure, min(rn) as ord
from ranked
group by all
order by ord

-- rule: CLAIM_UNPAID
-- title: Claim with no remittance 45+ days after it was billed
-- category: leakage
-- severity: high
-- grain: claim
-- requires: claims, remittances
-- citation: Payer prompt-pay and timely filing rules
-- provenance: RULEBOOK §9
--
-- CLAIM_UNPAID: a claim with no remittance (or reversed with no correction) 45+ days after it was billed,
-- whose filing deadline is still more than 30 days away.
-- Rule: CONTRACT §3; RULEBOOK §9 (timely filing: an unanswered claim must be resubmitted or followed up
-- before the payer's filing limit). Thresholds: settings unpaid_claim_days, timely_filing_warning_days.
-- Fires when: no final CLP for the claim id, or the final CLP is a reversal (CLP02 = 22) with no later
--   correction; submitted >= unpaid_claim_days before as of; filing deadline (first DOS + payer
--   timely_filing_days) > as of + timely_filing_warning_days. Within that window or past it the same
--   claim is TIMELY_FILING_RISK instead (DESIGN §5 Overlaps).
-- amount_usd: sum of the claim's line values (expected allowed: fee schedule, MPPR, CO; else median).
-- amount_kind: recoverable. fix_by: the filing deadline.
with unpaid as (
    select * from stg_unpaid_claims
    where coalesce(filing_deadline > (select as_of from audit_params) + setting_num('timely_filing_warning_days')::integer, true)
)
select 'CLAIM_UNPAID' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, first_dos as dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       amount_usd, 'recoverable' as amount_kind, filing_deadline as fix_by,
       'Claim submitted ' || strftime(submission_date, '%Y-%m-%d') || ' has ' || unpaid_reason || ' after '
       || days_since_submission || ' days; ' || coalesce(lines, 0) || ' line(s) worth $' || amount_usd::varchar
       || coalesce(' (' || value_basis || ')', '') || '; filing deadline '
       || coalesce(strftime(filing_deadline, '%Y-%m-%d') || ' (' || timely_filing_days || ' days from the first DOS)', 'unknown')
       || '.' as detail,
       source_file, rendering_npi as provider_npi
from unpaid

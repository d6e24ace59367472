-- rule: TIMELY_FILING_RISK
-- title: Unbilled or unpaid work within 30 days of the filing limit or past it
-- category: leakage
-- severity: high
-- grain: claim
-- requires: claims, remittances|visits
-- citation: 42 CFR 424.44; 130 CMR 450.309; payer timely filing policies
-- provenance: RULEBOOK §9
--
-- TIMELY_FILING_RISK: unbilled visits and unpaid claims within 30 days of the payer's filing limit, or past it.
-- Rule: CONTRACT §3; RULEBOOK §9 (Medicare 12 months, 42 CFR 424.44; MassHealth 90 days, 130 CMR 450.309;
-- commercial per contract; "Check the software can make" (b)). Threshold: timely_filing_warning_days.
-- Fires when: an item that would be VISIT_UNBILLED (stg_unbilled_visits, patient-DOS grain) or CLAIM_UNPAID
--   (stg_unpaid_claims, claim grain) has its filing deadline <= as of + timely_filing_warning_days; the two
--   partition every such item (DESIGN §5 Overlaps), so it is reported once.
-- amount_usd: as CLAIM_UNPAID (sum of the claim's line values) / VISIT_UNBILLED (documented codes priced
--   through the MPPR engine). amount_kind: recoverable while deadline >= as of; past it, an unpaid claim
--   first submitted on or before its deadline (min 837 submission date of the claim id) stays recoverable
--   (resubmit with proof of timely filing: the clearinghouse acceptance report; RULEBOOK §9 compares the
--   first submission with the limit); lost only for unbilled visits and claims first submitted after it.
-- fix_by: the filing deadline.
with params as (
    select as_of, as_of + setting_num('timely_filing_warning_days')::integer as warning_end from audit_params
),
unpaid_near_deadline as (
    select u.*, 'Claim submitted ' || strftime(u.submission_date, '%Y-%m-%d') || ' has ' || u.unpaid_reason
                || ' after ' || u.days_since_submission || ' days; ' || coalesce(u.lines, 0) || ' line(s) worth $'
                || u.amount_usd::varchar || coalesce(' (' || u.value_basis || ')', '') as what
    from stg_unpaid_claims u, params p where u.filing_deadline <= p.warning_end
),
unbilled_near_deadline as (
    select v.*, 'Documented visit (' || v.codes || ') has no claim line for this patient and date; priced $'
                || v.amount_usd::varchar || ' (' || v.price_basis || ')' as what
    from stg_unbilled_visits v, params p where v.filing_deadline <= p.warning_end
),
at_risk as (
    select claim_id, patient_ref, payer_display, payer_class, first_dos as dos, amount_usd, filing_deadline,
           timely_filing_days, 'the first DOS' as counted_from, what, source_file, rendering_npi as provider_npi,
           first_submission_date, coalesce(filed_timely, false) as filed_timely
    from unpaid_near_deadline
    union all
    select null, patient_ref, payer_display, payer_class, dos, amount_usd, filing_deadline,
           timely_filing_days, 'the DOS', what, source_file, provider_npi, null::date, false
    from unbilled_near_deadline
)
select 'TIMELY_FILING_RISK' as rule_id, null as category, null as severity,
       a.claim_id, null as payer_claim_id, a.patient_ref, a.payer_display as payer, a.payer_class, a.dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       a.amount_usd,
       case when a.filing_deadline >= p.as_of or a.filed_timely then 'recoverable' else 'lost' end as amount_kind,
       a.filing_deadline as fix_by,
       a.what || '; filing deadline ' || strftime(a.filing_deadline, '%Y-%m-%d') || ' (' || a.timely_filing_days
       || ' days from ' || a.counted_from || ') '
       || case when a.filing_deadline >= p.as_of
               then 'is ' || date_diff('day', p.as_of, a.filing_deadline) || ' days away'
               else 'passed ' || date_diff('day', a.filing_deadline, p.as_of) || ' days ago' end
       || case when a.filing_deadline < p.as_of and a.filed_timely
               then ', but the claim was first submitted on ' || strftime(a.first_submission_date, '%Y-%m-%d')
                    || ', within the limit, so it can still be recovered: resubmit it with proof of timely filing'
                    || ' (the clearinghouse acceptance report)'
               when a.filing_deadline < p.as_of and a.claim_id is not null and a.first_submission_date is not null
               then ' and the claim was first submitted only on ' || strftime(a.first_submission_date, '%Y-%m-%d')
                    || ', after the limit'
               else '' end || '.' as detail,
       a.source_file, a.provider_npi
from at_risk a, params p

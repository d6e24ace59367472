-- rule: VISIT_UNBILLED
-- title: Documented visit with no claim
-- category: leakage
-- severity: high
-- grain: visit
-- requires: claims, visits
-- citation: Payer timely filing limits
-- provenance: RULEBOOK §9
--
-- VISIT_UNBILLED: a documented visit (patient + DOS with visit rows) with no claim line for that
-- patient and date, whose filing deadline is more than 30 days away.
-- Rule: CONTRACT §3; RULEBOOK §9 (unbilled encounters against the payer's timely filing limit).
-- Fires when: stg_unbilled_visits (no non-void claim line for the patient and DOS; a day billed on any
--   claim is never unbilled) and DOS + payer timely_filing_days > as of + timely_filing_warning_days.
--   Within that window or past it the same visit is TIMELY_FILING_RISK instead (DESIGN §5 Overlaps).
-- amount_usd: the documented codes and units priced through the §6 MPPR engine (pricing scenario
--   'unbilled'; payer from the visit rows), else the practice's median allowed per unit.
-- amount_kind: recoverable. fix_by: the filing deadline.
with unbilled as (
    select * from stg_unbilled_visits
    where filing_deadline > (select as_of from audit_params) + setting_num('timely_filing_warning_days')::integer
)
select 'VISIT_UNBILLED' as rule_id, null as category, null as severity,
       null as claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       amount_usd, 'recoverable' as amount_kind, filing_deadline as fix_by,
       'Documented visit (' || codes || ') has no claim line for this patient and date; priced $'
       || amount_usd::varchar || ' (' || price_basis || '); filing deadline ' || strftime(filing_deadline, '%Y-%m-%d')
       || ' (' || timely_filing_days || ' days from the DOS).' as detail,
       source_file, provider_npi
from unbilled

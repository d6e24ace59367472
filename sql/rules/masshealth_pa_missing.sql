-- rule: MASSHEALTH_PA_MISSING
-- title: MassHealth OT visit beyond the 20th in 12 months without prior authorization
-- category: compliance
-- severity: high
-- grain: visit
-- requires: claims, masshealth, authorizations
-- citation: 130 CMR 432.417(A); MassHealth Rehabilitative Therapy Q&A
-- provenance: RULEBOOK §8.1
--
-- MASSHEALTH_PA_MISSING — MassHealth (fee-for-service) OT visit beyond the 20th in its 12-month window with
-- no prior authorization covering the date.
-- Rule: RULEBOOK §8.1 (130 CMR 432.417(A); MassHealth Rehabilitative Therapy Q&A): prior authorization is a
-- prerequisite to payment for OT visits beyond 20 within a 12-month period that starts at the first therapy
-- visit; evaluations and group visits count ("Check the software can make" (a)). The threshold is the setting
-- masshealth_pa_visits (UNCONFIRMED in the regulation's text; CONTRACT §6 default 20).
-- Fires (DESIGN §9): per patient and MassHealth DOS numbered > masshealth_pa_visits in its window
-- (stg_masshealth_visits) when no authorization for the patient (stg_authorizations; payer empty or
-- MassHealth) has start_date <= DOS <= end_date. MassHealth managed-care plans are out of scope (their own
-- rules: AUTH_EXCEEDED when configured to require authorization).
-- Evidence of authorization: an authorizations export row covering the DOS, or the claim's own prior
-- authorization number (837P 2300 REF*G1). Without any authorizations export the rule does not run (the
-- report's appendix says the export was missing): flagging every visit past the 20th would be a guess.
-- amount_usd = the whole visit value (stg_visit_value); amount_kind = at_risk when any of the visit's lines
-- was paid, else lost (not billable to the member; retro-authorization is rarely possible); fix_by empty.

with beyond_threshold as (
    select m.*
    from stg_masshealth_visits m
    where m.visit_no > setting_num('masshealth_pa_visits')
      and exists (select 1 from authorizations)
),
unauthorized as (
    select b.*
    from beyond_threshold b
    where not exists (select 1 from stg_authorizations a
                      where a.patient_key = b.patient_key
                        and b.dos between a.start_date and coalesce(a.end_date, b.dos)
                        and (a.payer is null or a.payer_class = 'masshealth' or a.payer_key like 'other:%'))
      and not exists (select 1 from stg_claims c
                      where c.patient_key = b.patient_key and c.prior_auth is not null and not c.is_void
                        and b.dos between c.first_dos and c.last_dos)
)
select 'MASSHEALTH_PA_MISSING' as rule_id, null as category, null as severity,
       u.claim_id, null as payer_claim_id, v.patient_ref, u.payer_display as payer, 'masshealth' as payer_class, u.dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       round(coalesce(v.visit_value, 0), 2)::decimal(12,2) as amount_usd,
       case when coalesce(v.any_paid, false) then 'at_risk' else 'lost' end as amount_kind,
       null::date as fix_by,
       'MassHealth OT visit ' || u.visit_no || ' in the 12-month window ' || strftime(u.window_start, '%Y-%m-%d')
       || ' to ' || strftime(u.window_end, '%Y-%m-%d') || ' (prior authorization needed after '
       || setting_num('masshealth_pa_visits')::integer || ') with no authorization covering '
       || strftime(u.dos, '%Y-%m-%d') || '; visit value $' || coalesce(v.visit_value, 0)
       || ' (' || coalesce(v.value_basis, 'no value') || ').' as detail,
       u.source_file, u.provider_npi
from unauthorized u
left join stg_visit_value v on v.patient_key = u.patient_key and v.dos = u.dos

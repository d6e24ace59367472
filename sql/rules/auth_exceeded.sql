-- rule: AUTH_EXCEEDED
-- title: Visit outside an authorization's dates or beyond its visit count
-- category: compliance
-- severity: high
-- grain: visit
-- requires: claims, auth_payers, authorizations
-- citation: Payer authorization policy (BCBSMA HMO/POS, Medicare Advantage)
-- provenance: RULEBOOK §9
--
-- AUTH_EXCEEDED — visit of a payer that requires authorization, outside every authorization's dates or
-- beyond its authorized visit count.
-- Rule: RULEBOOK §9 "Check the software can make" (d) (authorization tracking for BCBSMA HMO/POS, Medicare
-- HMO Blue, MA plans): visits on a DOS not covered by an active authorization (date range, visit count) predict
-- a CO-197/CO-198 denial (write-off class). MassHealth FFS prior authorization is MASSHEALTH_PA_MISSING.
-- Fires (DESIGN rule table): per patient and DOS billed to a payer with requires_auth (payer_class not
-- masshealth) when no authorization (stg_auth_visits) has start <= DOS <= end and the visit's ordinal within it
-- <= visits_authorized (visits_authorized empty = no count limit). Runs only when an authorizations export was
-- loaded (CONTRACT §6).
-- amount_usd = the whole visit value (stg_visit_value); amount_kind = at_risk when any of the visit's lines
-- was paid, else lost; fix_by empty.

with auth_export_loaded as (
    select exists (select 1 from authorizations) as yes
),
visits as (
    select patient_key, dos, payer_key,
           any_value(payer_class) as payer_class, any_value(payer_display) as payer_display,
           min(claim_id) as claim_id, arg_min(provider_npi, claim_id) as provider_npi, arg_min(source_file, claim_id) as source_file,
           bool_or(coalesce(within_auth, false)) as authorized,
           -- the authorization used up (dates cover the visit, count exceeded), for the detail
           arg_min(auth_number, auth_seq) filter (where auth_seq is not null) as auth_number,
           arg_min(visits_authorized, auth_seq) filter (where auth_seq is not null) as visits_authorized,
           arg_min(auth_visit_no, auth_seq) filter (where auth_seq is not null) as auth_visit_no,
           arg_min(auth_start, auth_seq) filter (where auth_seq is not null) as auth_start,
           arg_min(auth_end, auth_seq) filter (where auth_seq is not null) as auth_end
    from stg_auth_visits
    where (select yes from auth_export_loaded)
    group by patient_key, dos, payer_key
),
exceeded as (
    select * from visits where not authorized
),
one_per_day as (
    select * from exceeded
    qualify row_number() over (partition by patient_key, dos order by claim_id, payer_key) = 1
)
select 'AUTH_EXCEEDED' as rule_id, null as category, null as severity,
       e.claim_id, null as payer_claim_id, v.patient_ref, e.payer_display as payer, e.payer_class, e.dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       round(coalesce(v.visit_value, 0), 2)::decimal(12,2) as amount_usd,
       case when coalesce(v.any_paid, false) then 'at_risk' else 'lost' end as amount_kind,
       null::date as fix_by,
       case when e.auth_number is null
            then 'Visit on ' || strftime(e.dos, '%Y-%m-%d') || ' is outside the dates of every authorization on file for this patient and payer'
            else 'Visit on ' || strftime(e.dos, '%Y-%m-%d') || ' is visit ' || e.auth_visit_no || ' under authorization '
                 || e.auth_number || ' (' || strftime(e.auth_start, '%Y-%m-%d') || ' to ' || coalesce(strftime(e.auth_end, '%Y-%m-%d'), 'open')
                 || '), which allows ' || e.visits_authorized || ' visits'
       end || '; visit value $' || coalesce(v.visit_value, 0) || ' (' || coalesce(v.value_basis, 'no value') || ').' as detail,
       e.source_file, e.provider_npi
from one_per_day e
left join stg_visit_value v on v.patient_key = e.patient_key and v.dos = e.dos

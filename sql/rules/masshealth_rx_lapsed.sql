-- rule: MASSHEALTH_RX_LAPSED
-- title: MassHealth treatment more than 60 days after the last prescription/plan signature
-- category: compliance
-- severity: medium
-- grain: visit
-- requires: claims, masshealth, plans_of_care
-- citation: 130 CMR 432.415(C)
-- provenance: RULEBOOK §8.2
--
-- MASSHEALTH_RX_LAPSED — MassHealth (fee-for-service) treatment more than 60 days after the latest
-- prescription / plan-of-care signature.
-- Rule: RULEBOOK §8.2 (130 CMR 432.415(C); 130 CMR 432.418): continuing therapy is paid only when the
-- prescription or plan of care is signed by the prescribing provider every 60 days ("Check the software can
-- make" (b): lapsed prescription, non-payable). Days from the setting masshealth_rx_days.
-- Fires (DESIGN rule table): per patient and MassHealth DOS whose latest prescription or signature on or before
-- the DOS (the later of plans_of_care.signed_date and order_date, the export's "Rx Date") is more than
-- masshealth_rx_days earlier, or when there is none. Runs only when a plans-of-care
-- export was loaded (without it there is no signature to measure from; the report names the missing export).
-- amount_usd = the whole visit value (stg_visit_value); amount_kind = at_risk when any of the visit's lines
-- was paid, else lost; fix_by empty.

with masshealth_days as (
    select m.*
    from stg_masshealth_visits m
    where exists (select 1 from plans_of_care)
),
last_signature as (
    select d.*,
           -- the latest prescription (order_date, "Rx Date") or plan signature on or before the DOS
           (select max(x.signed) from stg_plans p,
                   unnest([p.signed_date, p.order_date]) as x(signed)
            where p.patient_key = d.patient_key and x.signed <= d.dos) as last_signed
    from masshealth_days d
),
lapsed as (
    select * from last_signature
    where last_signed is null or dos - last_signed > setting_num('masshealth_rx_days')
)
select 'MASSHEALTH_RX_LAPSED' as rule_id, null as category, null as severity,
       l.claim_id, null as payer_claim_id, v.patient_ref, l.payer_display as payer, 'masshealth' as payer_class, l.dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       round(coalesce(v.visit_value, 0), 2)::decimal(12,2) as amount_usd,
       case when coalesce(v.any_paid, false) then 'at_risk' else 'lost' end as amount_kind,
       null::date as fix_by,
       case when l.last_signed is null
            then 'MassHealth treatment on ' || strftime(l.dos, '%Y-%m-%d') || ' with no prescription or plan of care signed on or before it'
            else 'MassHealth treatment on ' || strftime(l.dos, '%Y-%m-%d') || ', ' || (l.dos - l.last_signed)
                 || ' days after the last prescription/plan signature on ' || strftime(l.last_signed, '%Y-%m-%d')
                 || ' (renewal due every ' || setting_num('masshealth_rx_days')::integer || ' days)'
       end || '; visit value $' || coalesce(v.visit_value, 0) || ' (' || coalesce(v.value_basis, 'no value') || ').' as detail,
       l.source_file, l.provider_npi
from lapsed l
left join stg_visit_value v on v.patient_key = l.patient_key and v.dos = l.dos

-- rule: POC_CERT_LATE
-- title: Initial certification signed more than 30 days after the first treatment
-- category: compliance
-- severity: low
-- grain: visit
-- requires: claims, medicare_or_ma, plans_of_care
-- citation: Pub. 100-02 Ch.15 §220.1.3; 42 CFR 424.24(c)
-- provenance: RULEBOOK §7
--
-- POC_CERT_LATE — initial certification of a Medicare / Medicare Advantage plan of care signed more than
-- 30 days after the first treatment.
-- Rule: RULEBOOK §7 (BPM Ch.15 §220.1.3; 42 CFR 424.24(c)) and §12.3: the initial certification is timely when
-- the physician/NPP signs within 30 days following the first day of treatment (evaluation included); a late
-- signature is a delayed certification, a review/denial risk rather than an automatic denial. From 1 Jan 2025
-- (DOS) the initial certification is also met by a signed order/referral dated on/before the first treatment
-- plus transmittal of the plan within 30 days of it (initial certifications only; "Check the software can
-- make" (b)).
-- Fires (DESIGN rule table): for each initial plan (stg_cert_intervals) whose signed_date > first treatment DOS
-- + cert_signature_days, or that is unsigned while as_of > first treatment DOS + cert_signature_days: every
-- Medicare/MA treatment DOS inside its certified interval [start, min(end, start + cert_interval_days)] before
-- the signature; DOS >= 2025-01-01 are skipped when the order-plus-transmittal exception holds.
-- Runs only when a plans-of-care export was loaded.
-- amount_usd = the whole visit value (stg_visit_value); amount_kind = at_risk; fix_by empty.

with params as (
    select (select as_of from audit_params) as as_of,
           setting_num('cert_signature_days')::integer as signature_days,
           date '2025-01-01' as exception_from           -- CY2025 PFS final rule, 89 FR 97710 (RULEBOOK §7)
),
initial_plans as (
    select c.*, c.first_treatment_dos + p.signature_days as signature_due,
           c.order_date <= c.first_treatment_dos
             and c.transmitted_date <= c.first_treatment_dos + p.signature_days as order_exception_met
    from stg_cert_intervals c, params p
    where c.cert_kind = 'initial' and c.first_treatment_dos is not null
),
late_plans as (
    select i.*
    from initial_plans i, params p
    where i.signed_date > i.signature_due
       or (i.signed_date is null and p.as_of > i.signature_due)
),
uncertified_days as (
    select m.*, l.start_date, l.signed_date, l.first_treatment_dos, l.signature_due, l.plan_seq,
           l.signed_date - l.first_treatment_dos as days_to_signature
    from late_plans l
    join stg_medicare_days m on m.patient_key = l.patient_key
                            and m.dos between l.start_date and l.cert_end
                            and (l.signed_date is null or m.dos < l.signed_date)
    where not (m.dos >= (select exception_from from params) and coalesce(l.order_exception_met, false))
),
one_per_day as (
    select * from uncertified_days
    qualify row_number() over (partition by patient_key, dos order by start_date, plan_seq) = 1
)
select 'POC_CERT_LATE' as rule_id, null as category, null as severity,
       u.claim_id, null as payer_claim_id, v.patient_ref, u.payer_display as payer, u.payer_class, u.dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       round(coalesce(v.visit_value, 0), 2)::decimal(12,2) as amount_usd, 'at_risk' as amount_kind,
       null::date as fix_by,
       case when u.signed_date is null
            then 'Initial plan of care starting ' || strftime(u.start_date, '%Y-%m-%d')
                 || ' is unsigned, more than ' || (select signature_days from params) || ' days after the first treatment on '
                 || strftime(u.first_treatment_dos, '%Y-%m-%d')
            else 'Initial plan of care starting ' || strftime(u.start_date, '%Y-%m-%d') || ' was signed on '
                 || strftime(u.signed_date, '%Y-%m-%d') || ', ' || u.days_to_signature || ' days after the first treatment on '
                 || strftime(u.first_treatment_dos, '%Y-%m-%d') || ' (limit ' || (select signature_days from params) || ')'
       end || '; treatment on ' || strftime(u.dos, '%Y-%m-%d') || ' is uncertified until then; visit value $'
           || coalesce(v.visit_value, 0) || ' (' || coalesce(v.value_basis, 'no value') || ').' as detail,
       u.source_file, u.provider_npi
from one_per_day u
left join stg_visit_value v on v.patient_key = u.patient_key and v.dos = u.dos

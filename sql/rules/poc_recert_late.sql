-- rule: POC_RECERT_LATE
-- title: Treatment beyond the certified interval without recertification
-- category: compliance
-- severity: medium
-- grain: visit
-- requires: claims, medicare_or_ma, plans_of_care
-- citation: Pub. 100-02 Ch.15 §220.1.3.B; 42 CFR 424.24(c)
-- provenance: RULEBOOK §7
--
-- POC_RECERT_LATE — Medicare / Medicare Advantage treatment after the certified interval without a
-- recertification signed in time.
-- Rule: RULEBOOK §7 (BPM Ch.15 §220.1.3.B; 42 CFR 424.24(c)) and §12.3: a certification covers the plan's
-- duration or 90 calendar days, whichever is less; recertification (a dated physician/NPP signature) is
-- required before treatment continues beyond it; the 2025 order-based exception does not apply to
-- recertifications ("Check the software can make" (c): lapsed certification).
-- Fires (DESIGN rule table): per patient and Medicare/MA treatment DOS on or after the start of the patient's
-- first plan of care that lies outside every certified interval of stg_cert_intervals:
-- [start, min(end, start + cert_interval_days)] inclusive, a recertification counting only from its signed_date.
-- Days whose only lines are initial evaluations (97165-97167) are not flagged (the evaluation that opens a new
-- episode precedes its plan of care; same exclusion as POC_MISSING).
-- Runs only when a plans-of-care export was loaded.
-- amount_usd = the whole visit value (stg_visit_value); amount_kind = at_risk; fix_by empty.

with plans_started as (
    select m.*, (select min(c.start_date) from stg_cert_intervals c where c.patient_key = m.patient_key) as first_plan_start
    from stg_medicare_days m
),
outside_intervals as (
    select s.*
    from plans_started s
    where s.dos >= s.first_plan_start
      and not s.eval_only   -- an evaluation-only day may open a new episode before its plan exists (as POC_MISSING)
      and not exists (select 1 from stg_cert_intervals c
                      where c.patient_key = s.patient_key
                        and s.dos between c.certified_from and c.cert_end)
),
explained as (
    select o.*, prev.start_date as prev_start, prev.cert_end as prev_cert_end,
           nxt.signed_date as recert_signed, nxt.start_date as recert_start
    from outside_intervals o
    left join lateral (select c.start_date, c.cert_end from stg_cert_intervals c
                       where c.patient_key = o.patient_key and c.certified_from is not null and c.cert_end < o.dos
                       order by c.cert_end desc, c.start_date desc limit 1) prev on true
    left join lateral (select c.start_date, c.signed_date from stg_cert_intervals c
                       where c.patient_key = o.patient_key and c.cert_kind = 'recert'
                         and c.start_date <= o.dos and o.dos <= c.cert_end
                       order by c.start_date desc limit 1) nxt on true
)
select 'POC_RECERT_LATE' as rule_id, null as category, null as severity,
       e.claim_id, null as payer_claim_id, v.patient_ref, e.payer_display as payer, e.payer_class, e.dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       round(coalesce(v.visit_value, 0), 2)::decimal(12,2) as amount_usd, 'at_risk' as amount_kind,
       null::date as fix_by,
       'Treatment on ' || strftime(e.dos, '%Y-%m-%d') || ' is outside every certified interval'
       || coalesce(' (the last one, of the plan starting ' || strftime(e.prev_start, '%Y-%m-%d') || ', ended on '
                   || strftime(e.prev_cert_end, '%Y-%m-%d') || ', ' || (e.dos - e.prev_cert_end) || ' days earlier)', '')
       || case when e.recert_start is null then '; no recertification covers it'
               when e.recert_signed is null then '; the recertification starting ' || strftime(e.recert_start, '%Y-%m-%d') || ' is unsigned'
               else '; the recertification starting ' || strftime(e.recert_start, '%Y-%m-%d') || ' was signed only on '
                    || strftime(e.recert_signed, '%Y-%m-%d') end
       || '; visit value $' || coalesce(v.visit_value, 0) || ' (' || coalesce(v.value_basis, 'no value') || ').' as detail,
       e.source_file, e.provider_npi
from explained e
left join stg_visit_value v on v.patient_key = e.patient_key and v.dos = e.dos

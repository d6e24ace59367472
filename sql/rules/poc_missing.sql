-- rule: POC_MISSING
-- title: Medicare treatment with no plan of care on file
-- category: compliance
-- severity: high
-- grain: visit
-- requires: claims, medicare_or_ma, plans_of_care
-- citation: 42 CFR 424.24(c); Pub. 100-02 Ch.15 §220.1
-- provenance: RULEBOOK §7
--
-- POC_MISSING — Medicare / Medicare Advantage treatment with no plan of care on file for the date.
-- Rule: RULEBOOK §7 (42 CFR 424.24(c); BPM Ch.15 §220.1, §220.1.3): outpatient therapy is covered only under a
-- plan of care established before treatment and certified by a physician/NPP; the evaluation may be billed
-- before the plan exists ("Check the software can make" (a): uncertified service).
-- Fires (DESIGN rule table): per patient and treatment DOS billed to Medicare/MA when no plan of care has
-- start_date <= DOS; days whose only lines are initial evaluations (97165-97167) are not flagged.
-- Runs only when a plans-of-care export was loaded (no plans_of_care rows at all: nothing; the report names
-- the missing export).
-- amount_usd = the whole visit value (stg_visit_value: sum of the day's line values); amount_kind = at_risk
-- (covered only once a (delayed) certification is obtained); fix_by empty.

with treatment_days as (
    select * from stg_medicare_days
    where not eval_only
      and exists (select 1 from plans_of_care)
),
without_plan as (
    select t.*
    from treatment_days t
    where not exists (select 1 from stg_plans p
                      where p.patient_key = t.patient_key and p.start_date <= t.dos)
),
next_plan as (
    select w.*,
           (select min(p.start_date) from stg_plans p where p.patient_key = w.patient_key) as first_plan_start
    from without_plan w
)
select 'POC_MISSING' as rule_id, null as category, null as severity,
       n.claim_id, null as payer_claim_id, v.patient_ref, n.payer_display as payer, n.payer_class, n.dos,
       null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       round(coalesce(v.visit_value, 0), 2)::decimal(12,2) as amount_usd, 'at_risk' as amount_kind,
       null::date as fix_by,
       case when n.first_plan_start is null
            then 'Treatment day ' || n.treatment_day_no || ' (' || strftime(n.dos, '%Y-%m-%d')
                 || ') has no plan of care on file for this patient; visit value $' || coalesce(v.visit_value, 0)
                 || ' (' || coalesce(v.value_basis, 'no value') || ').'
            else 'Treatment on ' || strftime(n.dos, '%Y-%m-%d') || ' precedes the first plan of care, which starts on '
                 || strftime(n.first_plan_start, '%Y-%m-%d') || '; visit value $' || coalesce(v.visit_value, 0)
                 || ' (' || coalesce(v.value_basis, 'no value') || ').'
       end as detail,
       n.source_file, n.provider_npi
from next_plan n
left join stg_visit_value v on v.patient_key = n.patient_key and v.dos = n.dos

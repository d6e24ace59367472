-- rule: UNITS_MISALLOCATED
-- title: Day's timed units spread over the codes against the CMS allocation
-- category: compliance
-- severity: low
-- grain: line
-- requires: claims, visit_minutes
-- citation: CMS Pub. 100-04 Ch.5 §20.2 (allocation examples)
-- provenance: RULEBOOK §1.2
--
-- UNITS_MISALLOCATED — the day's total timed units are right, but spread over the codes against the CMS
-- allocation.
-- Rule: RULEBOOK §1.2 (CMS Pub. 100-04 Ch.5 §20.2 allocation examples; valid-allocation test);
--   "Check the software can make" (c) under §1.5. Semantics: DESIGN §6, rule table.
-- Fires (stg_units_codes, sql/staging/70_units.sql): total_time payers only (an allocation is a total-time
--   concept), on a visit day whose billed timed units = T but whose allocation is invalid: some code is
--   outside {f_i, f_i + 1}, or a code got the extra unit while a code with a strictly larger remainder did
--   not. Reported on each code billed above its canonical units (its first line that day).
-- units_billed = the code's units that day over all its lines (billed_i); units_expected = the code's
--   units under the method applied.
-- amount_usd = |visit price as billed - visit price with every timed code at its canonical units| (MPPR
--   engine; stg_units_prices scenario 'units_canonical:'). The visit's difference is carried by its first
--   over-allocated line; further over-allocated lines of the same day report 0 so the visit is not counted
--   twice (DESIGN §5 overlaps).
-- amount_kind = overbilled when the billed allocation prices higher than the canonical one; else
--   recoverable while as_of <= the line's correction deadline, lost after it.
-- fix_by = empty for overbilled; else the correction deadline (stg_line_correction, 85_money.sql: filed and
--   adjudicated claim: Medicare first payment + medicare_reopening_days, others greatest(filing deadline,
--   payment + appeal_days); else the filing deadline, DOS + payer timely filing days).

with misallocated_codes as (
    select *, row_number() over (partition by visit_key order by claim_id, line_number) as over_line_of_day
    from stg_units_codes where rule_id = 'UNITS_MISALLOCATED'
),
priced as (
    select u.*, p.amount_usd as visit_difference, p.value_basis,
           p.billed_visit_price, p.scenario_visit_price as canonical_visit_price,
           p.billed_visit_price > p.scenario_visit_price as billed_prices_higher,
           coalesce(k.correction_deadline, u.filing_deadline) as correction_deadline
    from misallocated_codes u
    join stg_units_prices p on p.scenario = 'units_canonical:' || u.visit_key
    left join stg_line_correction k on k.line_key = u.anchor_line_key
)
select 'UNITS_MISALLOCATED' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos,
       cpt, modifiers, units_billed::double as units_billed, units_expected::double as units_expected,
       case when over_line_of_day = 1 then visit_difference else 0 end::decimal(12,2) as amount_usd,
       case when billed_prices_higher then 'overbilled'
            when (select as_of from audit_params) <= correction_deadline then 'recoverable' else 'lost' end as amount_kind,
       case when not billed_prices_higher then correction_deadline end as fix_by,
       cpt || ' billed ' || printf('%g', units_billed) || ' unit(s) where the CMS allocation gives it '
           || units_expected || ' (' || minutes_by_code || '; ' || printf('%g', day_minutes) || ' timed min = '
           || day_units || ' units, all billed); the visit prices ' || printf('$%.2f', billed_visit_price)
           || ' as billed and ' || printf('$%.2f', canonical_visit_price) || ' as allocated'
           || case when over_line_of_day > 1 then ', a difference counted on the day''s first over-allocated line'
                   else '' end
           || ' (' || value_basis || ').' as detail,
       source_file, provider_npi
from priced

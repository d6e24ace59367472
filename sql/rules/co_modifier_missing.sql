-- rule: CO_MODIFIER_MISSING
-- title: Service furnished in whole or part (>10%) by an OTA billed without CO
-- category: compliance
-- severity: high
-- grain: line
-- requires: claims, medicare_rules, visit_minutes, provider_roles
-- citation: SSA §1834(v); 83 FR 59654; 84 FR 62702 (de minimis)
-- provenance: RULEBOOK §3
--
-- CO_MODIFIER_MISSING: units furnished in whole or in part (more than 10%) by an OTA billed without CO.
-- Rule: RULEBOOK §3 (SSA §1834(v); 83 FR 59654; 84 FR 62702 de minimis; CY2022 unit-level refinements):
--   from DOS 2022-01-01 (setting co_effective_date) Medicare pays such units at 85%; billing them without
--   CO overstates payment. Units needing CO come from the documented OT/OTA minutes of the code-day
--   (stg_co_units, DESIGN §7): whole OTA units, plus the final partial unit unless the OT alone furnished
--   8+ minutes of it or the OTA share of it is <= 10% (setting co_de_minimis_pct); one of two remaining
--   units when OT and OTA each furnished 9–14 minutes; untimed codes: 1 unit when OTA minutes > 10%.
--   Scope: Medicare and payers configured to follow Medicare rules, matched documentation with minutes.
--   Grain: one finding per claim line without CO whose code-day has fewer CO units billed than needed
--   (normally the code's only line that day).
-- amount_usd: co_share (0.12 = 15% of Medicare's 80% share) x the line's full expected allowed (fee
--   schedule after MPPR, before any CO reduction) x co_units / units; with the code split over several
--   lines: the missing CO units (needed - billed with CO) over the units billed without CO.
--   $0 when the final 835 denied the line: nothing was paid, so nothing can be recouped (DESIGN §5 Overlaps).
-- amount_kind: overbilled (compliance exposure: the 15% the payer may recoup). fix_by: empty.
with short_of_co as (
    select c.*, c.co_units - c.co_units_billed as co_units_missing,
           c.code_day_units - c.co_units_billed as units_without_co
    from stg_co_units c
    where not c.has_co and c.co_units > c.co_units_billed and c.line_units > 0
),
priced as (
    select o.*, l.claim_id, l.patient_ref, l.payer_display, l.payer_class, l.modifiers, l.units,
           l.filing_deadline, l.source_file, l.rendering_npi, s.expected_before_co,
           round(s.expected_before_co * setting_num('co_share')::decimal(6, 4) * o.co_units_missing
                 / o.units_without_co, 2)::decimal(12,2) as co_differential,
           s.price_basis, s.is_denied, s.denial_code
    from short_of_co o
    join stg_claim_lines l using (line_key)
    join stg_line_status s using (line_key)
)
select 'CO_MODIFIER_MISSING' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class,
       dos, cpt, modifiers, units as units_billed, null::double as units_expected,
       case when is_denied then 0 else coalesce(co_differential, 0) end::decimal(12,2) as amount_usd,
       'overbilled' as amount_kind, null::date as fix_by,
       'The notes show ' || printf('%g', ota_minutes) || ' of ' || printf('%g', minutes) || ' minutes of ' || cpt ||
       ' furnished by the OTA, so ' || co_units || ' of ' || code_day_units || ' billed unit(s) need CO but ' ||
       co_units_missing || ' went without it; the CO differential is ' || printf('%g', setting_num('co_share') * 100) ||
       '% of ' || coalesce('$' || printf('%.2f', expected_before_co) || ' (' || price_basis || ')', 'an unpriced line') ||
       case when co_units_missing <> units_without_co then ' x ' || co_units_missing || '/' || units_without_co else '' end ||
       ' = $' || printf('%.2f', coalesce(co_differential, 0))
       || case when is_denied then '; reported at $0 because the final 835 denied the line (' || denial_code
                                   || '): nothing was paid to recoup' else '' end || '.' as detail,
       source_file, rendering_npi as provider_npi
from priced

-- rule: UNTIMED_MULTIPLE_UNITS
-- title: Untimed (per-session) code billed with more than one unit a day
-- category: compliance
-- severity: medium
-- grain: line
-- requires: claims
-- citation: CPT descriptors; CMS Pub. 100-04 Ch.5 §20.2
-- provenance: RULEBOOK §1.4
--
-- UNTIMED_MULTIPLE_UNITS — an untimed per-session code billed with more than one unit a day.
-- Rule: RULEBOOK §1.4 (untimed/service-based codes are billed once per DOS: 97165-97168, 97150, supervised
--   modalities, 92526 ...; CPT descriptors, CMS Pub. 100-04 Ch.5 §20.2); "Check the software can make"
--   under §1.5 ("Untimed codes: flag units > 1 per DOS"). Semantics: DESIGN rule table.
-- Fires (stg_untimed_excess, sql/staging/70_units.sql): codes flagged once_per_day and not timed in
--   seed_codes, per visit day (patient + DOS + billing NPI): the code's units that day > 1. Units are
--   counted in line order (claim, line number); the first unit is due, the finding goes on each line
--   carrying units beyond it (units_expected = the units that line may carry: 1 or 0).
-- amount_usd = |visit price as billed - visit price with that line at units_expected| (MPPR engine,
--   DESIGN §4; normally the excess unit's MPPR-reduced amount); median allowed x excess units when no
--   fee schedule; 0 when neither.
--   $0 when the final 835 denied the line: nothing was paid to refund (DESIGN §5 Overlaps).
-- amount_kind = overbilled. fix_by = empty.

with excess_lines as (
    select * from stg_untimed_excess
),
priced as (
    select e.*, case when dn.is_denied then 0 else p.amount_usd end::decimal(12,2) as amount_usd,
           p.amount_usd as excess_value, p.value_basis, dn.is_denied, dn.denial_code
    from excess_lines e
    join stg_units_prices p on p.scenario = e.scenario
    join stg_line_denial dn using (line_key)
)
select 'UNTIMED_MULTIPLE_UNITS' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos,
       cpt, modifiers, units::double as units_billed, units_expected::double as units_expected,
       amount_usd, 'overbilled' as amount_kind, null::date as fix_by,
       cpt || ' is billed once a day but carries ' || printf('%g', units_day) || ' units on this day ('
           || printf('%g', units) || ' on this line); the ' || printf('%g', excess_units)
           || ' excess unit(s) are worth ' || printf('$%.2f', excess_value) || ' (' || value_basis || ')'
           || case when is_denied then '; reported at $0 because the final 835 denied the line (' || denial_code
                                       || '): nothing was paid to refund' else '' end || '.' as detail,
       source_file, rendering_npi as provider_npi
from priced

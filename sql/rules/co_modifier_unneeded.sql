-- rule: CO_MODIFIER_UNNEEDED
-- title: CO on a service the OT furnished, giving away 15%
-- category: leakage
-- severity: medium
-- grain: line
-- requires: claims, medicare_rules, visit_minutes, provider_roles
-- citation: SSA §1834(v); CY2020 and CY2022 PFS final rules
-- provenance: RULEBOOK §3
--
-- CO_MODIFIER_UNNEEDED: CO billed on a service the OT furnished, giving away the 15% CO differential.
-- Rule: RULEBOOK §3 (SSA §1834(v); CY2020 and CY2022 PFS final rules): CO is required only when the OTA
--   furnished more than 10% of a unit the OT did not meet alone; the documented minutes of the code-day
--   (stg_co_units, DESIGN §7) say no unit needs CO (co_units = 0), yet the line carries CO.
--   Scope: Medicare and payers configured to follow Medicare rules, DOS >= co_effective_date, matched
--   documentation with minutes. Grain: one finding per claim line with CO.
-- amount_usd: co_share (0.12) x the line's full expected allowed (fee schedule after MPPR, before the CO
--   reduction) — what a corrected claim without CO recovers.
-- amount_kind: recoverable while the line's correction deadline is open, else lost. fix_by: that deadline
--   (stg_line_correction, 85_money.sql: filed and adjudicated claim: Medicare first payment +
--   medicare_reopening_days, others greatest(filing deadline, payment + appeal_days); else the filing deadline).
-- Judged only when the code-day's visit rows say who furnished the minutes (provider_role or ota_minutes
--   present; stg_co_units.role_documented): with neither, co_units = 0 would only mean "no OTA data", and CO
--   on an OT line with no OTA minutes recorded is a documentation question (RULEBOOK §3(c)), not a finding.
with co_not_needed as (
    select c.* from stg_co_units c where c.has_co and c.co_units = 0 and c.role_documented
),
priced as (
    select o.*, l.claim_id, l.patient_ref, l.payer_display, l.payer_class, l.modifiers, l.units,
           l.filing_deadline, l.source_file, l.rendering_npi, s.expected_before_co, s.price_basis,
           round(s.expected_before_co * setting_num('co_share')::decimal(6, 4), 2)::decimal(12,2) as co_differential,
           coalesce(k.correction_deadline, l.filing_deadline) as correction_deadline
    from co_not_needed o
    join stg_claim_lines l using (line_key)
    join stg_line_status s using (line_key)
    left join stg_line_correction k using (line_key)
)
select 'CO_MODIFIER_UNNEEDED' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class,
       dos, cpt, modifiers, units as units_billed, null::double as units_expected,
       coalesce(co_differential, 0)::decimal(12,2) as amount_usd,
       case when (select as_of from audit_params) <= correction_deadline then 'recoverable' else 'lost' end as amount_kind,
       correction_deadline as fix_by,
       'The notes show ' || printf('%g', ota_minutes) || ' of ' || printf('%g', minutes) || ' minutes of ' || cpt ||
       ' furnished by an OTA, so no unit needs CO, yet the line was billed with CO; the differential given away is ' ||
       printf('%g', setting_num('co_share') * 100) || '% of ' ||
       coalesce('$' || printf('%.2f', expected_before_co) || ' (' || price_basis || ')', 'an unpriced line') ||
       ' = $' || printf('%.2f', coalesce(co_differential, 0)) || '.' as detail,
       source_file, rendering_npi as provider_npi
from priced

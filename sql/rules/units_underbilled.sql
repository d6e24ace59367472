-- rule: UNITS_UNDERBILLED
-- title: Timed units billed below what the documented minutes support
-- category: leakage
-- severity: medium
-- grain: line
-- requires: claims, visit_minutes
-- citation: CMS Pub. 100-04 Ch.5 §20.2 (8-minute rule); CPT time rule for per-code payers
-- provenance: RULEBOOK §1.1-§1.3
--
-- UNITS_UNDERBILLED — timed units billed below what the documented minutes support (payer's unit method).
-- Rule: RULEBOOK §1.1 (8-minute rule, CMS Pub. 100-04 Ch.5 §20.2), §1.2 (allocation among codes), §1.3
--   (per-code method); "Check the software can make" (a) under §1.5. Semantics: DESIGN §6, rule table.
-- Fires (stg_units_codes, sql/staging/70_units.sql), per visit day (patient + DOS + billing NPI):
--   total_time payers: the day's billed timed units < T = floor((M + 7) / 15), on each code billed below
--     its canonical units; per_code payers: on each code billed below floor((m_i + 7) / 15);
--   payers with no configured method: only when both methods say "under" for the code, units_expected
--     being the nearer of the two to the billed units (CONTRACT §6).
--   Reported on the code's first line that day; a documented code billed on no line is reported on the
--   day's first claim with units_billed 0. Days with a billed timed line lacking minutes (MINUTES_MISSING)
--   or with no visit rows are not judged.
-- units_billed = the code's units that day over all its lines (billed_i); units_expected = the code's
--   units under the method applied.
-- amount_usd = |visit price with the code's units at units_expected - visit price as billed|, both through
--   the MPPR engine (DESIGN §4 unit-difference pricing; stg_units_prices); median allowed x missing units
--   when no fee schedule; 0 when neither.
-- amount_kind = recoverable while as_of <= the line's correction deadline, else lost. fix_by = that deadline
--   (stg_line_correction.correction_deadline, 85_money.sql: on a filed and adjudicated claim, Medicare =
--   first payment + medicare_reopening_days, others = greatest(filing deadline, payment + appeal_days);
--   otherwise the filing deadline, DOS + payer timely filing days).

with underbilled_codes as (
    select * from stg_units_codes where rule_id = 'UNITS_UNDERBILLED'
),
priced as (
    select u.*, p.amount_usd, p.value_basis,
           coalesce(k.correction_deadline, u.filing_deadline) as correction_deadline,
           coalesce(k.correction_basis, 'filing deadline') as correction_basis
    from underbilled_codes u
    join stg_units_prices p on p.scenario = 'units:' || u.visit_key || '|' || u.cpt
    left join stg_line_correction k on k.line_key = u.anchor_line_key
)
select 'UNITS_UNDERBILLED' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos,
       cpt, modifiers, units_billed::double as units_billed, units_expected::double as units_expected,
       amount_usd,
       case when (select as_of from audit_params) <= correction_deadline then 'recoverable' else 'lost' end as amount_kind,
       correction_deadline as fix_by,
       cpt || ' billed ' || printf('%g', units_billed) || ' unit(s) where the documented minutes support '
           || units_expected || ' (' || minutes_by_code || '; ' || method_note || '); the missing '
           || printf('%g', units_expected - units_billed) || ' unit(s) add ' || printf('$%.2f', amount_usd)
           || ' to the visit (' || value_basis || '); correctable until '
           || coalesce(strftime(correction_deadline, '%Y-%m-%d') || ' (' || correction_basis || ')', 'an unknown date')
           || '.' as detail,
       source_file, provider_npi
from priced

-- rule: UNITS_OVERBILLED
-- title: Timed units billed above what the documented minutes support
-- category: compliance
-- severity: high
-- grain: line
-- requires: claims, visit_minutes
-- citation: CMS Pub. 100-04 Ch.5 §20.2; Pub. 100-02 Ch.15 §220.3
-- provenance: RULEBOOK §1.1-§1.3
--
-- UNITS_OVERBILLED — timed units billed above what the documented minutes support (payer's unit method).
-- Rule: RULEBOOK §1.1 (8-minute rule, CMS Pub. 100-04 Ch.5 §20.2; Pub. 100-02 Ch.15 §220.3), §1.2, §1.3;
--   "Check the software can make" (b) and (d) under §1.5 (a lone timed code under 8 minutes: T = 0).
--   Semantics: DESIGN §6, rule table.
-- Fires (stg_units_codes, sql/staging/70_units.sql), per visit day (patient + DOS + billing NPI):
--   total_time payers: the day's billed timed units > T = floor((M + 7) / 15), on each code billed above
--     its canonical units; per_code payers: on each code billed above floor((m_i + 7) / 15);
--   payers with no configured method: only when both methods say "over" for the code, units_expected
--     being the nearer of the two to the billed units (CONTRACT §6).
--   Reported on the code's first line that day. Days with a billed timed line lacking minutes
--   (MINUTES_MISSING) or with no visit rows are not judged.
-- units_billed = the code's units that day over all its lines (billed_i); units_expected = the code's
--   units under the method applied.
-- amount_usd = |visit price as billed - visit price with the code's units at units_expected|, both through
--   the MPPR engine (DESIGN §4; stg_units_prices); median allowed x excess units when no fee schedule;
--   0 when neither.
--   $0 when the final 835 denied every line of the code that day: nothing was paid, so nothing is refunded
--   (and the DENIAL_* finding must not be appealed for the excess units; DESIGN §5 Overlaps).
-- amount_kind = overbilled (money to refund). fix_by = empty.

with overbilled_codes as (
    select * from stg_units_codes where rule_id = 'UNITS_OVERBILLED'
),
code_day_denied as (
    select l.visit_key, l.cpt, bool_and(s.is_denied) as all_denied
    from stg_claim_lines l join stg_line_status s using (line_key)
    group by l.visit_key, l.cpt
),
priced as (
    select u.*, coalesce(d.all_denied, false) as all_denied,
           case when coalesce(d.all_denied, false) then 0 else p.amount_usd end::decimal(12,2) as amount_usd,
           p.amount_usd as excess_value, p.value_basis
    from overbilled_codes u
    join stg_units_prices p on p.scenario = 'units:' || u.visit_key || '|' || u.cpt
    left join code_day_denied d on d.visit_key = u.visit_key and d.cpt = u.cpt
)
select 'UNITS_OVERBILLED' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos,
       cpt, modifiers, units_billed::double as units_billed, units_expected::double as units_expected,
       amount_usd, 'overbilled' as amount_kind, null::date as fix_by,
       cpt || ' billed ' || printf('%g', units_billed) || ' unit(s) where the documented minutes support '
           || units_expected || ' (' || coalesce(minutes_by_code, 'no timed minutes') || '; ' || method_note
           || '); the excess ' || printf('%g', units_billed - units_expected) || ' unit(s) are worth '
           || printf('$%.2f', excess_value) || ' of the visit (' || value_basis || ')'
           || case when all_denied then '; reported at $0 because the final 835 denied the code''s lines that day: nothing was paid to refund, and the denial must not be appealed for the excess units'
                   else '' end || '.' as detail,
       source_file, provider_npi
from priced

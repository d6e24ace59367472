-- rule: MUE_EXCEEDED
-- title: Units of one code on one day above Medicare's medically unlikely edit (MUE)
-- category: denial
-- severity: medium
-- grain: line
-- requires: claims, medicare_rules, mue
-- citation: CMS National Correct Coding Initiative, practitioner Medically Unlikely Edits (MUE) table; CARC 151 with RARC N362
-- provenance: RULEBOOK §5 (MUE mechanics HIGH; bundled values: MAI-3 rows of the 2026 Q2 table, MED-HIGH)
--
-- MUE_EXCEEDED — units of one code for one patient on one date of service above the practitioner MUE.
-- Rule: RULEBOOK §5 (CMS NCCI MUEs: a per-code maximum of units per line (MAI 1) or per date of service
--   (MAI 2 policy, MAI 3 clinical); units above it are denied CO-151 / N362; MAI-1 denials are usually fixed
--   by reopening, MAI-2/3 need an appeal with documentation). "Check the software can make": units on a line
--   (MAI 1) or summed per DOS (MAI 2/3) > MUE value -> predicted CO-151/N362; dollars = excess units x rate.
-- Fires (stg_mue_excess): Medicare Part B lines (and Medicare Advantage payers configured to follow Medicare
--   rules) whose DOS an MUE covers (mue_edits: an imported CMS MUE table, else the bundled 2026 Q2 MAI-3 values
--   from 2026-04-01); untimed once-a-day codes (UNTIMED_MULTIPLE_UNITS) and Medicare status B/I codes
--   (CODING_EDIT) are left to those rules. MAI 2/3: the code's units of the patient-day counted in line order,
--   each line carrying units beyond the MUE reported; MAI 1: each line above the MUE.
--   units_billed = the line's units; units_expected = its units less the excess.
-- amount_usd = |visit price as billed - visit price with the line at units_expected| (the MPPR engine,
--   DESIGN §4 unit-difference pricing, scenario 'mue:<line>'; median allowed x excess units when no fee
--   schedule). $0 when the final 835 denied the line (the DENIAL_* finding carries it, DESIGN §5 Overlaps),
--   and $0 when the code-day is UNITS_OVERBILLED (the units above the documented minutes are counted there).
-- amount_kind: the line's disposition (at_risk when paid; recoverable while the filing deadline is open;
--   lost). fix_by: the line's filing deadline.
with excess as (
    select e.*, p.amount_usd as excess_value, p.value_basis
    from stg_mue_excess e
    join stg_units_prices p on p.scenario = e.scenario
),
overbilled_code_days as (
    select distinct patient_key, dos, cpt from stg_units_codes where rule_id = 'UNITS_OVERBILLED'
),
judged as (
    select x.*, s.disposition, s.filing_deadline as line_filing_deadline, dn.denial_note,
           o.cpt is not null as is_units_overbilled
    from excess x
    join stg_line_status s using (line_key)
    join stg_line_denial dn using (line_key)
    left join overbilled_code_days o on o.patient_key = x.patient_key and o.dos = x.dos and o.cpt = x.cpt
)
select 'MUE_EXCEEDED' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos,
       cpt, modifiers, units::double as units_billed, units_expected::double as units_expected,
       case when denial_note is not null or is_units_overbilled then 0 else excess_value end::decimal(12,2) as amount_usd,
       disposition as amount_kind, line_filing_deadline as fix_by,
       cpt || ' carries ' || printf('%g', units_day::double) || ' unit(s) for this patient on ' || strftime(dos, '%Y-%m-%d')
           || case when mai = 1 then ' (' || printf('%g', units) || ' on this line)' else '' end
           || ', above the Medicare MUE of ' || mue_value || ' per '
           || case when mai = 1 then 'claim line' else 'day' end || ' (MAI ' || mai || ', ' || mue_release || '); the '
           || printf('%g', excess_units::double) || ' unit(s) above it on this line are denied as CO-151/N362; '
           || case when denial_note is not null then 'reported at $0 because ' || denial_note
                   when is_units_overbilled then 'reported at $0 because the documented minutes do not support these units either, so their dollars are on the code''s UNITS_OVERBILLED finding'
                   else 'they are worth ' || printf('$%.2f', excess_value) || ' (' || value_basis || ')' end
           || '.' as detail,
       source_file, rendering_npi as provider_npi
from judged

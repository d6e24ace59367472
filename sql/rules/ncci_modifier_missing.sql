-- rule: NCCI_MODIFIER_MISSING
-- title: NCCI procedure-to-procedure pair billed the same day without a modifier that the edit allows
-- category: denial
-- severity: medium
-- grain: line
-- requires: claims
-- citation: CMS NCCI PTP edits; NCCI Policy Manual Ch. I, XI
-- provenance: RULEBOOK §5
--
-- NCCI_MODIFIER_MISSING: both codes of an NCCI procedure-to-procedure pair on one patient-day, and the
-- column-2 line is not payable as billed.
-- Rule: RULEBOOK §5 (CMS NCCI PTP edits; NCCI Policy Manual Ch. I, XI): only the column-1 code is paid
--   (predicted CO-236 denial) unless, for modifier indicator 1, the column-2 code carries 59/X{E,S,P,U};
--   with indicator 0 no modifier bypasses the edit (a column-2 line billed with 59/X then is a compliance
--   flag: the payment may be recouped). Edits: ncci_edits — an imported CMS PTP file for the dates it covers
--   (its pairs' effective and deletion dates, indicator 0 or 1), else the bundled pairs (seed_ncci_pairs:
--   active by default, indicator 1, a known direction, confidence MED or HIGH: e.g. 97530/97110/97140 +
--   97168; 97760/97763 + 97110/97140; 97530 + 97140 is LOW-MED and off). A modifier on the column-1 line
--   does not help. Scope: every payer. Grain: one finding per column-2 line (detail lists every column-1
--   code billed that day).
-- amount_usd: the column-2 line's value (stg_line_status.line_value); $0 when the final 835 denied the line
--   (DESIGN §5 Overlaps: the dollars are on the DENIAL_* finding).
-- amount_kind: the line's disposition (at_risk when paid; recoverable while the filing deadline is open; lost).
-- fix_by: the line's filing deadline (rebill with 59/X when the minutes show separate time).
-- PTP files imported: the periods they cover (bundled pairs apply outside them)
with ptp_coverage as (
    select distinct release_from, coalesce(release_to, date '9999-12-31') as release_to from ref_ptp
),
edits_on_dos as (
    select l.line_key, l.patient_key, l.dos, l.has_distinct_mod, e.column1, e.modifier_indicator
    from stg_claim_lines l
    join ncci_edits e on e.column2 = l.cpt and l.dos between e.effective_from and e.effective_to
    where l.dos is not null
      and (e.imported or not exists (select 1 from ptp_coverage c where l.dos between c.release_from and c.release_to))
),
not_payable as (   -- indicator 1 without 59/X on the column-2 line; indicator 0 whatever its modifiers
    select * from edits_on_dos where modifier_indicator = 0 or not has_distinct_mod
),
paired_same_day as (
    select c.line_key, list_sort(list_distinct(list(c.column1))) as column1_codes,
           min(c.modifier_indicator) = 0 as never_together
    from not_payable c
    where exists (select 1 from stg_claim_lines o
                  where o.patient_key = c.patient_key and o.dos = c.dos and o.cpt = c.column1)
    group by c.line_key
)
select 'NCCI_MODIFIER_MISSING' as rule_id, null as category, null as severity,
       l.claim_id, null as payer_claim_id, l.patient_ref, l.payer_display as payer, l.payer_class,
       l.dos, l.cpt, l.modifiers, l.units as units_billed, null::double as units_expected,
       m.amount_usd, m.amount_kind, m.fix_by,
       case when p.never_together
            then l.cpt || ' (NCCI column 2) was billed the same day as ' || array_to_string(p.column1_codes, ', ')
                 || ' (column 1), a pair CMS never pays together (modifier indicator 0: no modifier bypasses it'
                 || case when l.has_distinct_mod then '; billing it with 59/X does not make it payable and may be recouped' else '' end
                 || '), so only the column-1 code is paid (CO-236); '
            else l.cpt || ' (NCCI column 2) was billed the same day as ' || array_to_string(p.column1_codes, ', ')
                 || ' (column 1) without 59/XE/XS/XP/XU on the ' || l.cpt || ' line, so only the column-1 code is paid (CO-236); '
       end || m.money_note || '.' as detail,
       l.source_file, l.rendering_npi as provider_npi
from paired_same_day p
join stg_claim_lines l using (line_key)
join stg_predicted_denial_money m using (line_key)

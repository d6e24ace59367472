-- rule: NCCI_MODIFIER_MISSING
-- title: NCCI procedure-to-procedure pair without 59/X modifier on the column-2 code
-- category: denial
-- severity: medium
-- grain: line
-- requires: claims
-- citation: CMS NCCI PTP edits; NCCI Policy Manual Ch. I, XI
-- provenance: RULEBOOK §5
--
-- NCCI_MODIFIER_MISSING: both codes of an NCCI procedure-to-procedure pair on one patient-day, and the
-- column-2 line carries none of the NCCI-associated modifiers 59, XE, XS, XP, XU.
-- Rule: RULEBOOK §5 (CMS NCCI PTP edits; NCCI Policy Manual Ch. I, XI): with modifier indicator 1 only the
--   column-1 code is paid unless the column-2 code carries 59/X{E,S,P,U} (predicted CO-236 denial). Pairs:
--   seed_ncci_pairs rows that are active by default, with modifier indicator 1, a known direction and
--   confidence MED or HIGH (e.g. 97530/97110/97140 + 97168; 97760/97763 + 97110/97140; 97530 + 97140 is
--   LOW-MED and off). A modifier on the column-1 line does not help. Scope: every payer. Grain: one
--   finding per column-2 line (detail lists every column-1 code billed that day).
-- amount_usd: the column-2 line's value (stg_line_status.line_value); $0 when the final 835 denied the line
--   (DESIGN §5 Overlaps: the dollars are on the DENIAL_* finding).
-- amount_kind: the line's disposition (at_risk when paid; recoverable while the filing deadline is open; lost).
-- fix_by: the line's filing deadline (rebill with 59/X when the minutes show separate time).
with active_pairs as (
    select column1, column2
    from seed_ncci_pairs
    where active_by_default and modifier_indicator = 1 and direction_known and confidence in ('MED', 'HIGH')
),
column2_lines as (
    select l.*, p.column1
    from stg_claim_lines l
    join active_pairs p on p.column2 = l.cpt
    where not l.has_distinct_mod and l.dos is not null
),
paired_same_day as (
    select c.line_key, list_sort(list_distinct(list(c.column1))) as column1_codes
    from column2_lines c
    where exists (select 1 from stg_claim_lines o
                  where o.patient_key = c.patient_key and o.dos = c.dos and o.cpt = c.column1)
    group by c.line_key
)
select 'NCCI_MODIFIER_MISSING' as rule_id, null as category, null as severity,
       l.claim_id, null as payer_claim_id, l.patient_ref, l.payer_display as payer, l.payer_class,
       l.dos, l.cpt, l.modifiers, l.units as units_billed, null::double as units_expected,
       m.amount_usd, m.amount_kind, m.fix_by,
       l.cpt || ' (NCCI column 2) was billed the same day as ' || array_to_string(p.column1_codes, ', ') ||
       ' (column 1) without 59/XE/XS/XP/XU on the ' || l.cpt || ' line, so only the column-1 code is paid (CO-236); ' ||
       m.money_note || '.' as detail,
       l.source_file, l.rendering_npi as provider_npi
from paired_same_day p
join stg_claim_lines l using (line_key)
join stg_predicted_denial_money m using (line_key)

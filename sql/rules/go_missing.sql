-- rule: GO_MISSING
-- title: Always-therapy code billed without the GO modifier
-- category: compliance
-- severity: high
-- grain: line
-- requires: claims
-- citation: CMS Pub. 100-04 Ch.5 §20.1; CR 9933; CR 10176
-- provenance: RULEBOOK §2
--
-- GO_MISSING: an always-therapy code billed without any discipline modifier (GO, GP or GN).
-- Rule: RULEBOOK §2 (CMS Pub. 100-04 Ch.5 §20.1; CR 9933; CR 10176): every code on CMS's always-therapy
--   list must carry GN/GO/GP; without one the line is returned as unprocessable (CARC 4 / 16 + MA130).
--   Always-therapy = seed_codes.always_therapy. Scope: payers whose directory entry requires discipline
--   modifiers (stg_payers.requires_discipline_mod). Grain: one finding per claim line.
-- amount_usd: the line's value (stg_line_status.line_value: 835 allowed when paid, else expected allowed,
--   else median allowed); $0 when the final 835 denied the line (DESIGN §5 Overlaps: the dollars are on
--   the DENIAL_* finding).
-- amount_kind: the line's disposition (at_risk when paid; recoverable while the filing deadline is open; lost).
-- fix_by: the line's filing deadline (DOS + payer timely_filing_days): resubmit with GO before it.
with lines_without_discipline_modifier as (
    select l.*
    from stg_claim_lines l
    where l.requires_discipline_mod and l.always_therapy
      and not (l.has_go or l.has_gp or l.has_gn)
)
select 'GO_MISSING' as rule_id, null as category, null as severity,
       l.claim_id, null as payer_claim_id, l.patient_ref, l.payer_display as payer, l.payer_class,
       l.dos, l.cpt, l.modifiers, l.units as units_billed, null::double as units_expected,
       m.amount_usd, m.amount_kind, m.fix_by,
       l.cpt || ' is an always-therapy code billed with ' ||
       coalesce('modifiers ' || nullif(l.modifiers, ''), 'no modifiers') ||
       ' and none of GO/GP/GN, so the payer returns it as unprocessable until it is rebilled with GO; ' ||
       m.money_note || '.' as detail,
       l.source_file, l.rendering_npi as provider_npi
from lines_without_discipline_modifier l
join stg_predicted_denial_money m using (line_key)

-- rule: DISCIPLINE_MODIFIER_WRONG
-- title: GP/GN on an OT service, GO on a PT/SLP-only code, or two discipline modifiers
-- category: compliance
-- severity: medium
-- grain: line
-- requires: claims
-- citation: CMS Pub. 100-04 Ch.5 §20.1; CR 9933; CR 10176
-- provenance: RULEBOOK §2
--
-- DISCIPLINE_MODIFIER_WRONG: the discipline modifier does not fit the service.
-- Rule: RULEBOOK §2 (CMS Pub. 100-04 Ch.5 §20.1; CR 9933; CR 10176) and §3 (d). A line fires for any of:
--   (a) GP or GN on an OT service (this is an OT practice: any code not PT-only or SLP-only) — wrong KX
--       bucket and wrong discipline; (b) on a PT-only code (97161–97164) or an SLP-only code (92521–92524,
--       92597, 92607; seed_codes.discipline) a discipline modifier other than its own (GO there is the
--       DESIGN case; GN on a PT code / GP on an SLP code are the same CR 9933 mismatch) — returned/rejected;
--   (c) two or more of GO/GP/GN on one line;
--   (d) CQ (PTA modifier) on a GO line — CQ must pair with GP (RULEBOOK §2 last paragraph, §3 (d)); a CO
--       on a GP/GN line is already case (a). Lines with none of GO/GP/GN are GO_MISSING, not this rule.
--   Scope: payers whose directory entry requires discipline modifiers. Grain: one finding per claim line;
--   detail lists every reason that applies.
-- amount_usd: the line's value (stg_line_status.line_value); $0 when the final 835 denied the line
--   (DESIGN §5 Overlaps: the dollars are on the DENIAL_* finding).
-- amount_kind: the line's disposition (at_risk when paid; recoverable while the filing deadline is open; lost).
-- fix_by: the line's filing deadline (DOS + payer timely_filing_days).
with discipline_lines as (
    select l.*,
           -- the one discipline modifier the code takes: its own discipline's, else GO (an OT practice)
           case l.discipline when 'PT' then 'GP' when 'SLP' then 'GN' else 'GO' end as expected_mod,
           list_filter([case when l.has_go then 'GO' end, case when l.has_gp then 'GP' end,
                        case when l.has_gn then 'GN' end], lambda x: x is not null) as discipline_mods
    from stg_claim_lines l
    where l.requires_discipline_mod and (l.has_go or l.has_gp or l.has_gn)
),
reasons as (
    select *,
           list_filter([
               case when len(list_filter(discipline_mods, lambda m: m <> expected_mod)) = 0 then null
                    when discipline in ('PT', 'SLP')
                    then array_to_string(list_filter(discipline_mods, lambda m: m <> expected_mod), '/') || ' on ' || cpt ||
                         ', a ' || discipline || '-only code that takes ' || expected_mod
                    else array_to_string(list_filter(discipline_mods, lambda m: m <> expected_mod), '/') ||
                         ' on an OT service: it states the wrong discipline (and counts toward Medicare''s PT/SLP KX bucket)' end,
               case when len(discipline_mods) >= 2
                    then 'two discipline modifiers on one line' end,
               case when has_cq and has_go
                    then 'CQ (physical therapist assistant) on a GO line, where CO belongs' end
           ], lambda x: x is not null) as why
    from discipline_lines
),
wrong_modifier_lines as (
    select * from reasons where len(why) > 0
)
select 'DISCIPLINE_MODIFIER_WRONG' as rule_id, null as category, null as severity,
       l.claim_id, null as payer_claim_id, l.patient_ref, l.payer_display as payer, l.payer_class,
       l.dos, l.cpt, l.modifiers, l.units as units_billed, null::double as units_expected,
       m.amount_usd, m.amount_kind, m.fix_by,
       l.cpt || ' billed with modifiers ' || l.modifiers || ': ' || array_to_string(l.why, '; ') || '; ' ||
       m.money_note || '.' as detail,
       l.source_file, l.rendering_npi as provider_npi
from wrong_modifier_lines l
join stg_predicted_denial_money m using (line_key)

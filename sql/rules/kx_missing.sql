-- rule: KX_MISSING
-- title: Medicare OT line above the annual KX threshold billed without KX
-- category: compliance
-- severity: high
-- grain: line
-- requires: claims, medicare_rules
-- citation: SSA §1833(g)(7)(A); NGS KX article; CR 11055
-- provenance: RULEBOOK §4
--
-- KX_MISSING: a Medicare OT line at or after the one where the beneficiary's year-to-date OT total passed
-- the KX threshold, billed without KX (and without GA/GY/GZ).
-- Rule: RULEBOOK §4 (SSA §1833(g)(7)(A); NGS "KX Modifier on Outpatient PT, OT or SLP Claims"; CR 11055):
--   the OT bucket (GO lines) accumulates per beneficiary and calendar year; the line whose running total
--   passes the threshold, and every later line, needs KX, else it is denied (CARC 119). The running total
--   (stg_medicare_ot_lines, staging 75) adds the expected allowed of the practice's own GO lines — DOS,
--   then claim_id, then line order, denied lines included — so it is a lower bound (other providers'
--   therapy is not visible). Threshold: seed_kx_thresholds, bucket OT, the DOS's year (2025: $2,410).
--   Scope: Medicare, and payers configured to follow Medicare rules. Grain: one finding per claim line.
-- amount_usd: the line's value (stg_line_status.line_value); $0 when the final 835 denied the line
--   (DESIGN §5 Overlaps: the dollars are on the DENIAL_* finding).
-- amount_kind: the line's disposition (at_risk when paid; recoverable while the filing deadline is open; lost).
-- fix_by: the line's filing deadline (DOS + payer timely_filing_days): rebill or reopen with KX before it.
with lines_above_threshold as (
    select t.line_key, t.running_total, t.running_before, t.threshold, t.year
    from stg_medicare_ot_lines t
    where t.above_threshold
),
without_kx as (
    select l.*, a.running_total, a.running_before, a.threshold, a.year
    from lines_above_threshold a
    join stg_claim_lines l using (line_key)
    where not l.has_kx and not l.has_liability_mod
)
select 'KX_MISSING' as rule_id, null as category, null as severity,
       l.claim_id, null as payer_claim_id, l.patient_ref, l.payer_display as payer, l.payer_class,
       l.dos, l.cpt, l.modifiers, l.units as units_billed, null::double as units_expected,
       m.amount_usd, m.amount_kind, m.fix_by,
       'The beneficiary''s ' || l.year || ' OT total on this practice''s claims is $' || printf('%.2f', l.running_total) ||
       ' with this line, ' ||
       case when l.running_before > l.threshold then 'already above the $' || printf('%.2f', l.threshold) || ' KX threshold'
            else 'crossing the $' || printf('%.2f', l.threshold) || ' KX threshold from $' || printf('%.2f', l.running_before) end ||
       ', but ' || l.cpt || ' was billed without KX, GA, GY or GZ, which Medicare denies (CARC 119); ' ||
       m.money_note || '.' as detail,
       l.source_file, l.rendering_npi as provider_npi
from without_kx l
join stg_predicted_denial_money m using (line_key)

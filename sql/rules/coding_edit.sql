-- rule: CODING_EDIT
-- title: Add-on without primary, 97760 with 97763, two evaluations a day, invalid or deleted codes
-- category: compliance
-- severity: medium
-- grain: line
-- requires: claims
-- citation: CPT add-on rules; CMS PFS status indicators (B, I); CPT 2020 deletions
-- provenance: RULEBOOK §1.4; §5
--
-- CODING_EDIT: a line that coding rules say should not be billed as it was.
-- Rule: RULEBOOK §1.4 ("Check the software can make", last paragraph) and §5 (NCCI Policy Manual):
--   (1) an add-on code without its primary the same patient-day (97130 without 97129; seed_codes.addon_primary,
--       which also covers 97546/97545, 97551/97550, 97598/97597);
--   (2) 97763 (orthotic/prosthetic management, subsequent encounter) the same day as 97760 (initial
--       encounter): reported on the 97763 line;
--   (3) more than one OT evaluation/re-evaluation code (97165–97168) the same patient-day: the second and
--       later lines (claim_id, then line order) are reported;
--   (4) a code Medicare never pays separately billed to Medicare (PFS status B or I in seed_codes:
--       97010 bundled, 97014 invalid — use G0283);
--   (5) a deleted code billed after its last valid date (97127 / G0515 after 2019-12-31; seed_codes.valid_until).
--   Scope: every payer, except (4): payer class medicare. Grain: one finding per claim line; detail names
--   every edit the line fails.
-- amount_usd: the line's value (stg_line_status.line_value); $0 when the final 835 denied the line
--   (DESIGN §5 Overlaps: the dollars are on the DENIAL_* finding).
-- amount_kind: the line's disposition (at_risk when paid; recoverable while the filing deadline is open; lost).
-- fix_by: the line's filing deadline.
with day_codes as (   -- the distinct codes of each patient-day, once per day (a list per line of every line
                     -- of its day was quadratic: 20,000 lines of one patient-day took minutes and GBs)
    select patient_key, dos, list(distinct cpt) as day_cpts
    from stg_claim_lines
    where dos is not null
    group by patient_key, dos
),
day_lines as (
    select l.*, d.day_cpts,
           case when l.cpt in ('97165', '97166', '97167', '97168')
                then row_number() over (partition by l.patient_key, l.dos, l.cpt in ('97165', '97166', '97167', '97168')
                                        order by l.claim_id, l.line_number) end as eval_seq
    from stg_claim_lines l
    join day_codes d on d.patient_key is not distinct from l.patient_key and d.dos = l.dos
    where l.dos is not null
),
edits as (
    select *,
           list_filter([
               case when addon_primary is not null and not list_contains(day_cpts, addon_primary)
                    then 'add-on code ' || cpt || ' was billed without its primary code ' || addon_primary || ' the same day' end,
               case when cpt = '97763' and list_contains(day_cpts, '97760')
                    then '97763 (subsequent orthotic/prosthetic encounter) was billed the same day as 97760 (initial encounter)' end,
               case when eval_seq > 1
                    then cpt || ' is evaluation code number ' || eval_seq || ' the same day, where only one OT evaluation or re-evaluation is reported' end,
               case when payer_class = 'medicare' and medicare_status in ('B', 'I')
                    then cpt || ' has Medicare fee-schedule status ' || medicare_status ||
                         case medicare_status when 'B' then ' (bundled, never paid separately by Medicare)'
                              else ' (not valid for Medicare; unattended e-stim is G0283)' end end,
               case when valid_until is not null and dos > valid_until
                    then cpt || ' was deleted after ' || strftime(valid_until, '%Y-%m-%d') || ' (use 97129/97130)' end
           ], lambda x: x is not null) as failed_edits
    from day_lines
),
failing_lines as (
    select * from edits where len(failed_edits) > 0
)
select 'CODING_EDIT' as rule_id, null as category, null as severity,
       l.claim_id, null as payer_claim_id, l.patient_ref, l.payer_display as payer, l.payer_class,
       l.dos, l.cpt, l.modifiers, l.units as units_billed, null::double as units_expected,
       m.amount_usd, m.amount_kind, m.fix_by,
       'Coding edit: ' || array_to_string(l.failed_edits, '; ') || '; ' ||
       m.money_note || '.' as detail,
       l.source_file, l.rendering_npi as provider_npi
from failing_lines l
join stg_predicted_denial_money m using (line_key)

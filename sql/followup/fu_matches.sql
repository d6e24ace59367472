-- fu_matches: baseline finding <-> day-30 finding pairs of the same family (fu_family) and item:
--   line   same claim id, DOS and code; or (the claim replaced under a new number) same patient, DOS and code
--   claim  same claim id (a whole-claim finding on both sides)
--   visit  same patient and DOS
--   year   same patient and calendar year
-- A baseline finding with a match is "still found" by the day-30 audit; a day-30 finding with one is not new.
create or replace temp table fu_matches as
select b.fid, n.nid, n.rule_id as new_rule_id, n.amount_kind as new_kind, n.fix_by as new_fix_by
from fu_baseline b
join fu_new_findings n on n.family = b.family and n.item_grain = b.item_grain
 and case b.item_grain
       when 'line' then n.dos = b.dos and n.cpt = b.cpt
                        and (n.claim_id = b.claim_id or n.patient_key = b.patient_key)
       when 'claim' then n.claim_id = b.claim_id
       when 'visit' then n.patient_key = b.patient_key and n.dos = b.dos
       else n.patient_key = b.patient_key and year(n.dos) = year(b.dos) end;

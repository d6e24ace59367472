-- fu_new_findings: this (day-30) audit's findings, numbered (nid, in the findings table's rowid order), with
-- the same family / item grain as fu_baseline, for matching the two audits by a key stable across audits
-- (never the per-audit pseudonym patient_ref).
create or replace temp table fu_new_findings as
select f.rowid as nid, f.rule_id, f.claim_id, f.patient_key, f.dos, nullif(f.cpt, '') as cpt, f.amount_usd,
       f.amount_kind, f.fix_by, f.modifiers, f.units_billed, fu_family(f.rule_id) as family,
       fu_item_grain(c.grain, f.claim_id, f.cpt) as item_grain
from findings f left join rule_catalog c on c.rule_id = f.rule_id;

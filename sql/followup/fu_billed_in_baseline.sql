-- fu_billed_in_baseline: day-30 findings that say a visit was never billed (VISIT_UNBILLED, and
-- TIMELY_FILING_RISK of a visit: no claim_id) although a live claim of the day-0 audit bills that patient on
-- that date and no claim of the day-30 input (live, void or replaced) touches the day. That happens when the
-- folder holds only the new files beside a refreshed visit export: the claim is in the day-0 files, not
-- missing, and the visit is billed (DESIGN §12). Run after the rules and before the ranking (pipeline.check);
-- these findings are removed from `findings` and their count per rule taken off `coverage`.
create or replace temp table fu_billed_in_baseline as
select f.rule_id, f.patient_key, f.dos
from findings f
where f.rule_id in ('VISIT_UNBILLED', 'TIMELY_FILING_RISK') and f.claim_id is null
  and exists (select 1 from fu_base.stg_claim_lines b where b.patient_key = f.patient_key and b.dos = f.dos)
  and not exists (select 1 from claim_lines l
                  join stg_claims c on c.source_file = l.source_file and c.segment_pos = l.claim_pos
                  where c.patient_key = f.patient_key and coalesce(l.dos, c.first_dos) = f.dos);

-- fu_covered: whether the day-30 input lets the day-30 audit judge a baseline finding again (fid, covered).
-- Only a covered finding can be withdrawn: when the day-30 folder holds only new files, the findings whose
-- claim or visit is not in it are judged by dates and payments alone.
--   the rule was run by the day-30 audit (coverage.evaluated: its inputs were received), and
--   line / claim  an 837 of the finding's claim id (or of a claim that replaces it) is in the day-30 input, and,
--                 for the rules judged from the remittance (denials, underpayments, unpaid claims), an 835 for
--                 it too when the baseline had one
--   visit         the patient and DOS are in the day-30 visit export or 837s
--   year          every file of the baseline is in the day-30 input (the whole year's history is needed)
create or replace temp table fu_covered as
with evaluated as (select rule_id from coverage where evaluated),
claim_in as (
    select distinct ic.fid from fu_item_claims ic join fu_claim_lines l on l.claim_id = ic.claim_id
),
remit_in as (
    select distinct ic.fid from fu_item_claims ic join remit_claims r on r.claim_id = ic.claim_id
),
base_remit as (
    select distinct b.fid from fu_baseline b join fu_base.remit_claims r on r.claim_id = b.claim_id
),
visit_in as (
    select distinct b.fid from fu_baseline b
    where b.item_grain = 'visit'
      and (exists (select 1 from stg_visit_lines v where v.patient_key = b.patient_key and v.dos = b.dos)
           or exists (select 1 from fu_claim_lines l where l.patient_key = b.patient_key and l.dos = b.dos))
)
select b.fid,
       b.rule_id in (select rule_id from evaluated)
       and case b.item_grain
             when 'visit' then b.fid in (select fid from visit_in)
             when 'year' then (select has_all_baseline_files from fu_params)
             else b.fid in (select fid from claim_in)
                  and (not (b.family in ('DENIAL', 'UNPAID') or b.rule_id = 'UNDERPAYMENT')
                       or b.fid not in (select fid from base_remit) or b.fid in (select fid from remit_in)) end
       as covered
from fu_baseline b;

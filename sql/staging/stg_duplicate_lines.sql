-- stg_duplicate_lines: duplicate submissions (CARC 18, exact duplicate, RULEBOOK §10). A filed claim line
-- whose final remittance denies it with reason 18 (its largest denying line adjustment, or the claim-level
-- denial code when the line has no remit line) while a non-denied line (paid, allowed, or not yet answered)
-- of the same patient, DOS and procedure exists on another claim. The service is billed once, on that other
-- line: the duplicate is kept here for reference and left out of stg_claim_lines / stg_line_match, so no
-- rule counts its units twice or reports its denial as lost money.
-- @unique: line_key

create or replace table stg_duplicate_lines as
with line_state as (
    select l.line_key, l.claim_id, l.patient_key, l.dos, l.cpt,
           coalesce(r.denial_code, cd.claim_denial_code) as denial_code,
           r.denial_code is not null or cd.claim_id is not null as is_denied
    from stg_claim_lines_filed l
    left join stg_line_match_filed m using (line_key)
    left join stg_remit_lines_final r on r.source_file = m.remit_source_file and r.segment_pos = m.remit_segment_pos
    left join stg_remit_claims_final cd on cd.claim_id = l.claim_id and cd.is_claim_denied and r.claim_id is null
),
-- the first non-denied line of each patient, DOS and procedure, and the first one on another claim than it
-- (so the original of a duplicate is found without joining every line with every other: linear)
originals as (
    select patient_key, dos, cpt, min(line_key) as first_key, arg_min(claim_id, line_key) as first_claim
    from line_state where not is_denied and claim_id is not null group by patient_key, dos, cpt
),
second_originals as (
    select o.patient_key, o.dos, o.cpt, min(l.line_key) as other_key
    from line_state l join originals o using (patient_key, dos, cpt)
    where not l.is_denied and l.claim_id <> o.first_claim group by o.patient_key, o.dos, o.cpt
)
select d.line_key, d.claim_id, d.denial_code,
       case when o.first_claim <> d.claim_id then o.first_key else s.other_key end as original_line_key
from line_state d
join originals o using (patient_key, dos, cpt)
left join second_originals s using (patient_key, dos, cpt)
where d.is_denied and split_part(d.denial_code, '-', 2) = '18' and d.claim_id is not null
  and (o.first_claim <> d.claim_id or s.other_key is not null);

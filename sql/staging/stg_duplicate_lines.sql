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
)
select d.line_key, d.claim_id, d.denial_code, min(o.line_key) as original_line_key
from line_state d
join line_state o on o.patient_key = d.patient_key and o.dos = d.dos and o.cpt = d.cpt
                 and o.claim_id <> d.claim_id and not o.is_denied
where d.is_denied and split_part(d.denial_code, '-', 2) = '18'
group by d.line_key, d.claim_id, d.denial_code;

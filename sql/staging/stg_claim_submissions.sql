-- stg_claim_submissions: every 837P submission of a claim id, in submission order (BHT04, then file, then
-- position), with its payer (stg_payers.payer_key) and the claim's primary payer = the payer of its earliest
-- submission. A later submission of the same claim id to another payer is a secondary claim (crossover / COB).
-- @not_null: claim_id, submission_no

create or replace table stg_claim_submissions as
with submissions as (
    select c.*, p.payer_key as submission_payer_key,
           row_number() over (partition by c.claim_id
                              order by c.submission_date nulls last, c.source_file, c.segment_pos) as submission_no
    from claims c
    left join stg_payers p on p.payer_name = coalesce(c.payer_name, '') and p.payer_id = coalesce(c.payer_id, '')
    where c.claim_id is not null
),
primary_payer as (
    select claim_id, submission_payer_key as primary_payer_key from submissions where submission_no = 1
)
select s.*, pp.primary_payer_key,
       s.submission_payer_key is not distinct from pp.primary_payer_key as is_primary_payer
from submissions s join primary_payer pp using (claim_id);

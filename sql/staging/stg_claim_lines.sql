-- stg_claim_lines: the claim lines every rule judges: the filed lines of the final claims
-- (stg_claim_lines_filed) less the duplicate submissions (stg_duplicate_lines).
-- @unique: line_key
-- @not_null: line_key, claim_id, payer_key, payer_class
-- @references: claim_id -> stg_claims.claim_id

create or replace table stg_claim_lines as
select * from stg_claim_lines_filed
where line_key not in (select line_key from stg_duplicate_lines);

-- stg_secondary_claims: submissions of a claim id to a payer other than its first one (secondary /
-- crossover claims). Kept for reference; they never replace the primary claim.

create or replace table stg_secondary_claims as
select * exclude (is_primary_payer, submission_payer_key), submission_payer_key as payer_key
from stg_claim_submissions where not is_primary_payer;

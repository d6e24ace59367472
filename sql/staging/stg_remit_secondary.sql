-- stg_remit_secondary: CLP rows of a claim that are not its final state and come from another payer or
-- carry a secondary/tertiary status (crossover, COB): kept for reference, never judged.

create or replace table stg_remit_secondary as
select * from stg_remit_ranked
where rn > 1 and (is_claim_payer = false or is_secondary_status);

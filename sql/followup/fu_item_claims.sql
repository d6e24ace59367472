-- fu_item_claims: the claim numbers that stand for a baseline finding's claim in the day-30 input (fid,
-- claim_id): its own claim id, and every claim of the day-30 input that replaces or voids it under another
-- number (frequency 7 or 8 whose 2300 REF*F8 names the baseline claim id or its payer claim number, CLP07;
-- DESIGN §11 "Replacements"), one level deep.
create or replace temp table fu_item_claims as
select fid, claim_id from fu_baseline where claim_id is not null
union
select b.fid, c.claim_id
from fu_baseline b
join (select distinct claim_id, payer_claim_ref, frequency_code from claims where claim_id is not null) c
  on c.frequency_code in ('7', '8') and c.claim_id <> b.claim_id
 and (c.payer_claim_ref = b.claim_id or (b.payer_claim_id is not null and c.payer_claim_ref = b.payer_claim_id));

-- fu_claimed: which payments since day 0 (fu_payments) each baseline money finding can claim (fid, pay_id).
--   line  (levels 1, 4): payments of the code on the DOS (or with no DOS) on the finding's claim or a claim that
--         replaces it (fu_item_claims), or on a claim first created after day 0 for the same patient, DOS and
--         code (rebilled under a new number); a claim payment with no SVC lines on those claims too
--   claim (level 2): every payment on the claim or its replacements, or on a new claim number of the same
--         patient and DOS
--   visit (level 3): every payment for the patient and DOS (the visit billed since), or on the finding's claim
-- Exposure findings (level null) claim nothing.
create or replace temp table fu_claimed as
with b as (select * from fu_baseline where level is not null),
line_items as (
    select b.fid, p.pay_id
    from b join fu_item_claims ic on ic.fid = b.fid
    join fu_payments p on p.claim_id = ic.claim_id
     and ((p.cpt = b.cpt and (p.dos = b.dos or p.dos is null)) or p.cpt is null)
    where b.item_grain = 'line'
    union
    select b.fid, p.pay_id
    from b join fu_payments p on p.is_new_claim_number and p.patient_key = b.patient_key and p.dos = b.dos
     and p.cpt = b.cpt
    where b.item_grain = 'line'
),
claim_items as (
    select b.fid, p.pay_id
    from b join fu_item_claims ic on ic.fid = b.fid join fu_payments p on p.claim_id = ic.claim_id
    where b.item_grain = 'claim'
    union
    select b.fid, p.pay_id
    from b join fu_payments p on p.is_new_claim_number and p.patient_key = b.patient_key and p.dos = b.dos
    where b.item_grain = 'claim'
),
visit_items as (
    select b.fid, p.pay_id
    from b join fu_payments p on p.patient_key = b.patient_key and p.dos = b.dos
    where b.item_grain = 'visit'
    union
    select b.fid, p.pay_id
    from b join fu_item_claims ic on ic.fid = b.fid
    join fu_payments p on p.claim_id = ic.claim_id and (p.dos = b.dos or p.dos is null)
    where b.item_grain = 'visit'
)
select * from line_items union select * from claim_items union select * from visit_items;

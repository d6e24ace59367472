-- fu_rebills: the first 837 submission after day 0 (BHT04 > the baseline's as-of date) that resubmits or
-- bills a baseline finding's item, one row per fid that has one:
--   line / claim  a submission of the finding's claim id or of a claim that replaces it (fu_item_claims), or a
--                 claim first created after day 0 for the same patient and DOS (and code, for a line)
--   visit         any claim line for the patient and DOS submitted after day 0, or the finding's claim
-- Beneficiary-year findings have none.
create or replace temp table fu_rebills as
with after as (
    select l.* from fu_claim_lines l, fu_params p where l.submission_date > p.base_as_of
),
hits as (
    select b.fid, a.submission_date, a.source_file, a.claim_id
    from fu_baseline b join fu_item_claims ic on ic.fid = b.fid join after a on a.claim_id = ic.claim_id
    where b.item_grain in ('line', 'claim', 'visit')
    union all
    select b.fid, a.submission_date, a.source_file, a.claim_id
    from fu_baseline b join after a on a.is_new_claim_number and a.patient_key = b.patient_key and a.dos = b.dos
     and (b.item_grain <> 'line' or a.cpt = b.cpt)
    where b.item_grain in ('line', 'claim')
    union all
    select b.fid, a.submission_date, a.source_file, a.claim_id
    from fu_baseline b join after a on a.patient_key = b.patient_key and a.dos = b.dos
    where b.item_grain = 'visit'
)
select fid, submission_date as rebill_date, source_file as rebill_file, claim_id as rebill_claim_id
from hits
qualify row_number() over (partition by fid order by submission_date, source_file, claim_id) = 1;

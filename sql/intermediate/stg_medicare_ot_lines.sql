-- stg_medicare_ot_lines: the KX accumulation (RULEBOOK §4, CONTRACT §6 "KX accumulation"; KX_MISSING,
-- TMR_THRESHOLD): one row per GO line of a Medicare claim (or of a payer with follows_medicare_rules), with
-- the beneficiary's running OT total for the DOS's calendar year. The total adds the billed expected allowed
-- (stg_line_pricing: fee schedule after MPPR and CO, else median allowed; dollars), in DOS, then claim_id,
-- then line_number order; denied lines count too. PT/SLP lines (GP/GN without GO) are in the other bucket
-- and never counted here. threshold / tmr_amount: seed_kx_thresholds, bucket 'OT', the DOS's year (null when
-- the seed has no row for that year: no finding).
-- @unique: line_key

create or replace table stg_medicare_ot_lines as
with medicare_go_lines as (
    select l.line_key, l.claim_id, l.line_number, l.patient_key, l.dos, year(l.dos) as year,
           coalesce(p.expected_allowed, 0)::decimal(12,2) as ot_amount, p.price_basis
    from stg_claim_lines l
    join stg_line_pricing p using (line_key)
    where l.has_go and l.dos is not null and l.patient_key is not null
      and (l.payer_class = 'medicare' or l.follows_medicare_rules)
),
running as (
    select *,
           sum(ot_amount) over (partition by patient_key, year order by dos, claim_id, line_number
                                rows between unbounded preceding and current row)::decimal(12,2) as running_total,
           row_number() over (partition by patient_key, year order by dos, claim_id, line_number) as line_seq
    from medicare_go_lines
)
select r.*, (r.running_total - r.ot_amount)::decimal(12,2) as running_before,
       k.threshold, k.tmr_amount,
       r.running_total > k.threshold as above_threshold,
       r.running_total > k.tmr_amount as above_tmr
from running r
left join seed_kx_thresholds k on k.year = r.year and k.bucket = 'OT';

-- stg_remit_ranked: every 835 claim payment (CLP) of a claim id, ranked to find the claim's final state:
-- rows of the claim's own payer first (the remit payer matched through stg_payers to the claim's payer_key; a
-- remit payer the directory cannot classify is not penalised), then primary statuses (1, 4, 19, 22, ...)
-- before secondary / tertiary ones (2, 3, 20, 21: a crossover or COB payer's answer), then the latest payment
-- date, then a non-reversal before a reversal of the same date, then file and position. rn = 1 is final.
-- @not_null: claim_id, rn

create or replace table stg_remit_ranked as
select r.*,
       case when p.payer_key is null or c.payer_key is null or p.payer_key like 'other:%' then null
            else p.payer_key = c.payer_key end as is_claim_payer,
       coalesce(r.status_code in ('2', '3', '20', '21'), false) as is_secondary_status,
       row_number() over (partition by r.claim_id
                          order by case when p.payer_key is null or c.payer_key is null or p.payer_key like 'other:%' then 0
                                        when p.payer_key = c.payer_key then 0 else 1 end,
                                   coalesce(r.status_code in ('2', '3', '20', '21'), false),
                                   r.payment_date desc nulls last,
                                   coalesce(r.status_code = '22', false),
                                   r.source_file desc, r.segment_pos desc) as rn,
       count(*) over (partition by r.claim_id) as remit_rows,
       min(r.payment_date) over (partition by r.claim_id) as first_payment_date
from remit_claims r
left join stg_payers p on p.payer_name = coalesce(r.payer_name, '') and p.payer_id = coalesce(r.payer_id, '')
left join stg_claims c on c.claim_id = r.claim_id
where r.claim_id is not null;

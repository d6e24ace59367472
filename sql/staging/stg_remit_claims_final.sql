-- stg_remit_claims_final: what the payer finally did with each claim id, one row each (stg_remit_ranked
-- rn = 1). When it is a reversal (CLP02 = 22) with no correction after it, the claim is reversed (is_reversed):
-- treated as not paid. A claim-level denial (DESIGN §10) is a final CLP with no SVC lines and status 4 or a
-- denying claim-level adjustment (is_denying_adjustment, sql/macros.sql).
-- @unique: claim_id
-- @not_null: claim_id

create or replace table stg_remit_claims_final as
with ordered as (
    select * from stg_remit_ranked where rn = 1
),
-- Claim-level (loop 2100) adjustments that deny, and the number of SVC lines of each CLP: a claim-level
-- denial is one with no SVC lines (DESIGN §10).
claim_adj as (
    select a.source_file, a.claim_pos,
           sum(a.amount) as claim_denied_amount,
           arg_max(a.group_code || '-' || a.reason_code, a.amount) as claim_denial_code
    from remit_adjustments a
    join ordered o on o.source_file = a.source_file and o.segment_pos = a.claim_pos
    where a.level = 'claim' and is_denying_adjustment(a.group_code, a.reason_code, a.amount, o.status_code)
    group by all
),
svc as (select source_file, claim_pos, count(*) as svc_lines from remit_lines group by all)
select o.claim_id, o.status_code, o.charge, o.paid, o.patient_responsibility, o.payer_claim_id, o.payment_date,
       o.first_payment_date, o.received_date, o.remit_rows, o.payer_name as remit_payer_name,
       o.status_code = '22' as is_reversed, o.source_file, o.segment_pos,
       coalesce(s.svc_lines, 0) as svc_lines, coalesce(a.claim_denied_amount, 0) as claim_denied_amount,
       a.claim_denial_code,
       o.status_code <> '22' and coalesce(s.svc_lines, 0) = 0
           and (o.status_code = '4' or a.claim_denial_code is not null) as is_claim_denied
from ordered o
left join claim_adj a on a.source_file = o.source_file and a.claim_pos = o.segment_pos
left join svc s on s.source_file = o.source_file and s.claim_pos = o.segment_pos;

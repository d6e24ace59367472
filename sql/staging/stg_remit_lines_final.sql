-- stg_remit_lines_final: the service payments (SVC) of each final CLP, with their adjustments summed by
-- kind: patient responsibility (group PR), sequestration (CARC 253), denying adjustments (denied_amount and
-- the largest one's group-reason as denial_code). remit_allowed = AMT*B6 when present, else paid + PR
-- adjustments + CO-253.
-- @unique: source_file, segment_pos
-- @not_null: claim_id

create or replace table stg_remit_lines_final as
with lines as (
    select l.*, f.payment_date, f.status_code as claim_status, f.is_reversed,
           row_number() over (partition by l.claim_id order by l.segment_pos) as remit_line_seq
    from remit_lines l
    join stg_remit_claims_final f on f.source_file = l.source_file and f.segment_pos = l.claim_pos
),
line_adj as (
    select a.*, is_denying_adjustment(a.group_code, a.reason_code, a.amount, f.status_code) as is_denying
    from remit_adjustments a
    join stg_remit_claims_final f on f.source_file = a.source_file and f.segment_pos = a.claim_pos
    where a.level = 'line'
),
adj as (
    select source_file, line_pos,
           sum(amount) filter (where group_code = 'PR') as pr_amount,
           sum(amount) filter (where reason_code = '253') as sequestration,
           sum(amount) filter (where is_denying) as denied_amount,
           arg_max(group_code || '-' || reason_code, amount) filter (where is_denying) as denial_code
    from line_adj
    group by all
)
select l.claim_id, l.claim_pos, l.remit_line_seq, l.cpt, coalesce(l.modifiers, '') as modifiers, l.charge, l.paid,
       l.units_paid, l.dos, l.line_control_number, l.allowed, l.remark_codes, l.payment_date,
       l.claim_status, l.is_reversed,
       coalesce(a.pr_amount, 0) as pr_amount, coalesce(a.sequestration, 0) as sequestration,
       coalesce(a.denied_amount, 0) as denied_amount, a.denial_code,
       coalesce(l.allowed, l.paid + coalesce(a.pr_amount, 0) + coalesce(a.sequestration, 0)) as remit_allowed,
       l.source_file, l.segment_pos
from lines l
left join adj a on a.source_file = l.source_file and a.line_pos = l.segment_pos;

-- stg_remit_claims_final / stg_remit_lines_final / stg_line_match: what the payer finally did with
-- each claim. CLP rows of one claim id are ordered by payment date, file and position; the last one
-- is the claim's final state. When that last row is a reversal (CLP02 = 22) with no correction after
-- it, the claim is reversed: treated as not paid.

create or replace table stg_remit_claims_final as
with ordered as (
    select r.*,
           row_number() over (partition by claim_id order by payment_date desc nulls last, source_file desc, segment_pos desc) as rn,
           count(*) over (partition by claim_id) as remit_rows,
           min(payment_date) over (partition by claim_id) as first_payment_date
    from remit_claims r where claim_id is not null
),
-- Claim-level (loop 2100) adjustments that deny (CONTRACT §6: group != PR, reason not 45/59/253, amount > 0)
-- and the number of SVC lines of each CLP: a claim-level denial is one with no SVC lines (DESIGN §10).
claim_adj as (
    select source_file, claim_pos,
           sum(amount) as claim_denied_amount,
           arg_max(group_code || '-' || reason_code, amount) as claim_denial_code
    from remit_adjustments
    where level = 'claim' and group_code <> 'PR' and reason_code not in ('45', '59', '253') and amount > 0
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
left join svc s on s.source_file = o.source_file and s.claim_pos = o.segment_pos
where o.rn = 1;

-- Adjustments of the final CLP's lines, summed by kind.
create or replace table stg_remit_lines_final as
with lines as (
    select l.*, f.payment_date, f.status_code as claim_status, f.is_reversed,
           row_number() over (partition by l.claim_id order by l.segment_pos) as remit_line_seq
    from remit_lines l
    join stg_remit_claims_final f on f.source_file = l.source_file and f.segment_pos = l.claim_pos
),
adj as (
    select source_file, line_pos,
           sum(amount) filter (where group_code = 'PR') as pr_amount,
           sum(amount) filter (where reason_code = '253') as sequestration,
           sum(amount) filter (where group_code <> 'PR' and reason_code not in ('45', '59', '253') and amount > 0) as denied_amount,
           arg_max(group_code || '-' || reason_code, amount)
               filter (where group_code <> 'PR' and reason_code not in ('45', '59', '253') and amount > 0) as denial_code,
           string_agg(group_code || '-' || reason_code || ' ' || amount, '; ' order by triple_index) as adjustments
    from remit_adjustments where level = 'line'
    group by all
)
select l.claim_id, l.claim_pos, l.remit_line_seq, l.cpt, coalesce(l.modifiers, '') as modifiers, l.charge, l.paid,
       l.units_paid, l.dos, l.line_control_number, l.allowed, l.remark_codes, l.payment_date,
       l.claim_status, l.is_reversed,
       coalesce(a.pr_amount, 0) as pr_amount, coalesce(a.sequestration, 0) as sequestration,
       coalesce(a.denied_amount, 0) as denied_amount, a.denial_code, a.adjustments,
       coalesce(l.allowed, l.paid + coalesce(a.pr_amount, 0) + coalesce(a.sequestration, 0)) as remit_allowed,
       l.source_file, l.segment_pos
from lines l
left join adj a on a.source_file = l.source_file and a.line_pos = l.segment_pos;

-- Claim line <-> final remit line, in three passes: REF*6R line control number; then procedure +
-- modifiers + date within the claim; then procedure + date (payers sometimes reorder modifiers).
create or replace table stg_line_match as
with cl as (
    select line_key, claim_id, cpt, modifiers, dos, line_control_number, line_number from stg_claim_lines
),
rl as (
    select claim_id, cpt, modifiers, dos, line_control_number, source_file, segment_pos, remit_line_seq
    from stg_remit_lines_final where not is_reversed
),
p1 as (
    select cl.line_key, rl.source_file, rl.segment_pos, 'line control number' as match_method
    from cl join rl on rl.claim_id = cl.claim_id and rl.line_control_number = cl.line_control_number
    qualify row_number() over (partition by cl.line_key order by rl.segment_pos) = 1
        and row_number() over (partition by rl.source_file, rl.segment_pos order by cl.line_number) = 1
),
cl2 as (select * from cl where line_key not in (select line_key from p1)),
rl2 as (select * from rl where (source_file, segment_pos) not in (select (source_file, segment_pos) from p1)),
p2 as (
    select a.line_key, b.source_file, b.segment_pos, 'procedure, modifiers and date' as match_method
    from (select *, row_number() over (partition by claim_id, cpt, modifiers, dos order by line_number) as k from cl2) a
    join (select *, row_number() over (partition by claim_id, cpt, modifiers, coalesce(dos, date '1900-01-01') order by segment_pos) as k from rl2) b
      on b.claim_id = a.claim_id and b.cpt = a.cpt and b.modifiers = a.modifiers
     and (b.dos = a.dos or b.dos is null) and b.k = a.k
),
cl3 as (select * from cl2 where line_key not in (select line_key from p2)),
rl3 as (select * from rl2 where (source_file, segment_pos) not in (select (source_file, segment_pos) from p2)),
p3 as (
    select a.line_key, b.source_file, b.segment_pos, 'procedure and date' as match_method
    from (select *, row_number() over (partition by claim_id, cpt, dos order by line_number) as k from cl3) a
    join (select *, row_number() over (partition by claim_id, cpt, coalesce(dos, date '1900-01-01') order by segment_pos) as k from rl3) b
      on b.claim_id = a.claim_id and b.cpt = a.cpt and (b.dos = a.dos or b.dos is null) and b.k = a.k
)
select line_key, source_file as remit_source_file, segment_pos as remit_segment_pos, match_method from p1
union all select line_key, source_file, segment_pos, match_method from p2
union all select line_key, source_file, segment_pos, match_method from p3;

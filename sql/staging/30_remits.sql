-- stg_remit_claims_final / stg_remit_lines_final / stg_line_match: what the payer finally did with
-- each claim. The CLP rows of one claim id are ranked: rows of the claim's own payer first (the remit
-- payer matched through stg_payers to the claim's payer_key; a remit payer the directory cannot
-- classify is not penalised), then primary statuses (1, 4, 19, 22, ...) before secondary / tertiary ones
-- (2, 3, 20, 21: a crossover or COB payer's answer), then the latest payment date, then a non-reversal
-- before a reversal of the same date, then file and position. The first row is the claim's final state.
-- When it is a reversal (CLP02 = 22) with no correction after it, the claim is reversed: treated as not paid.
-- Rows of another payer or with a secondary status are kept in stg_remit_secondary (not judged).

-- A denying adjustment (CONTRACT §6, DESIGN §10): group other than PR, a reason that is not of class
-- EXPECTED in seed_carc_classes (45, 59, 253, MIPS 237, ...), a positive amount; OA-23 (impact of the
-- prior payer's adjudication) on a secondary / tertiary CLP (status 2, 3) is the prior payment, not a denial.
create or replace macro is_denying_adjustment(adj_group, adj_reason, adj_amount, adj_clp_status) as
    coalesce(adj_group, '') <> 'PR' and coalesce(adj_amount, 0) > 0
    and coalesce(adj_reason, '') not in (select k.reason_code from seed_carc_classes k where k.class = 'EXPECTED')
    and not (adj_group = 'OA' and adj_reason = '23' and coalesce(adj_clp_status, '') in ('2', '3'));

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

-- CLP rows of a claim that are not its final state and come from another payer or carry a
-- secondary/tertiary status (crossover, COB): kept for reference, never the claim's final state.
create or replace table stg_remit_secondary as
select * from stg_remit_ranked
where rn > 1 and (is_claim_payer = false or is_secondary_status);

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

-- Adjustments of the final CLP's lines, summed by kind.
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
           arg_max(group_code || '-' || reason_code, amount) filter (where is_denying) as denial_code,
           string_agg(group_code || '-' || reason_code || ' ' || amount, '; ' order by triple_index) as adjustments
    from line_adj
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

-- Claim line <-> final remit line. Passes, each using only lines the earlier ones left:
--   1. REF*6R line control number;
--   2. procedure + modifiers + equal date of service;
--   3. procedure + equal date (payers sometimes reorder modifiers);
--   4. remit lines with no date (DTM at claim level only): procedure + modifiers, claim lines in date order;
--   5. remit lines with no date: procedure only.
-- Duplicates pair in order (row numbers over the same partition on both sides); a final guard keeps each
-- claim line and each remit line in one pair only.
create or replace table stg_line_match as
with cl as (
    select line_key, claim_id, cpt, modifiers, dos, line_control_number, line_number from stg_claim_lines
),
rl as (
    select claim_id, cpt, modifiers, dos, line_control_number, source_file, segment_pos, remit_line_seq
    from stg_remit_lines_final where not is_reversed
),
p1 as (
    select cl.line_key, rl.source_file, rl.segment_pos, 'line control number' as match_method, 1 as pass
    from cl join rl on rl.claim_id = cl.claim_id and rl.line_control_number = cl.line_control_number
    qualify row_number() over (partition by cl.line_key order by rl.segment_pos) = 1
        and row_number() over (partition by rl.source_file, rl.segment_pos order by cl.line_number) = 1
),
cl2 as (select * from cl where line_key not in (select line_key from p1)),
rl2 as (select * from rl where (source_file, segment_pos) not in (select (source_file, segment_pos) from p1)),
p2 as (
    select a.line_key, b.source_file, b.segment_pos, 'procedure, modifiers and date' as match_method, 2 as pass
    from (select *, row_number() over (partition by claim_id, cpt, modifiers, dos order by line_number) as k
          from cl2 where dos is not null) a
    join (select *, row_number() over (partition by claim_id, cpt, modifiers, dos order by segment_pos) as k
          from rl2 where dos is not null) b
      on b.claim_id = a.claim_id and b.cpt = a.cpt and b.modifiers = a.modifiers and b.dos = a.dos and b.k = a.k
),
cl3 as (select * from cl2 where line_key not in (select line_key from p2)),
rl3 as (select * from rl2 where (source_file, segment_pos) not in (select (source_file, segment_pos) from p2)),
p3 as (
    select a.line_key, b.source_file, b.segment_pos, 'procedure and date' as match_method, 3 as pass
    from (select *, row_number() over (partition by claim_id, cpt, dos order by line_number) as k
          from cl3 where dos is not null) a
    join (select *, row_number() over (partition by claim_id, cpt, dos order by segment_pos) as k
          from rl3 where dos is not null) b
      on b.claim_id = a.claim_id and b.cpt = a.cpt and b.dos = a.dos and b.k = a.k
),
cl4 as (select * from cl3 where line_key not in (select line_key from p3)),
rl4 as (select * from rl3 where dos is null),
p4 as (
    select a.line_key, b.source_file, b.segment_pos, 'procedure and modifiers (remit line without date)' as match_method,
           4 as pass
    from (select *, row_number() over (partition by claim_id, cpt, modifiers order by dos, line_number) as k from cl4) a
    join (select *, row_number() over (partition by claim_id, cpt, modifiers order by segment_pos) as k from rl4) b
      on b.claim_id = a.claim_id and b.cpt = a.cpt and b.modifiers = a.modifiers and b.k = a.k
),
cl5 as (select * from cl4 where line_key not in (select line_key from p4)),
rl5 as (select * from rl4 where (source_file, segment_pos) not in (select (source_file, segment_pos) from p4)),
p5 as (
    select a.line_key, b.source_file, b.segment_pos, 'procedure (remit line without date)' as match_method, 5 as pass
    from (select *, row_number() over (partition by claim_id, cpt order by dos, line_number) as k from cl5) a
    join (select *, row_number() over (partition by claim_id, cpt order by segment_pos) as k from rl5) b
      on b.claim_id = a.claim_id and b.cpt = a.cpt and b.k = a.k
),
pairs as (
    select * from p1 union all select * from p2 union all select * from p3
    union all select * from p4 union all select * from p5
)
select line_key, source_file as remit_source_file, segment_pos as remit_segment_pos, match_method
from pairs
qualify row_number() over (partition by source_file, segment_pos order by pass, line_key) = 1
    and row_number() over (partition by line_key order by pass, segment_pos) = 1;

-- Duplicate submissions (CARC 18, exact duplicate): a claim line whose final remittance denies it with
-- reason 18 (its largest denying line adjustment, or the claim-level denial code when the line has no
-- remit line) while a non-denied line (paid, allowed, or not yet answered) of the same patient, DOS and
-- procedure exists on another claim. The service is billed once, on that other line: the duplicate is
-- kept here for reference and removed from stg_claim_lines / stg_line_match, so no rule counts its units
-- twice or reports its denial as lost money.
create or replace table stg_duplicate_lines as
with line_state as (
    select l.line_key, l.claim_id, l.patient_key, l.dos, l.cpt,
           coalesce(r.denial_code, cd.claim_denial_code) as denial_code,
           r.denial_code is not null or cd.claim_id is not null as is_denied
    from stg_claim_lines l
    left join stg_line_match m using (line_key)
    left join stg_remit_lines_final r on r.source_file = m.remit_source_file and r.segment_pos = m.remit_segment_pos
    left join stg_remit_claims_final cd on cd.claim_id = l.claim_id and cd.is_claim_denied and r.claim_id is null
),
-- the first non-denied line of each patient, DOS and procedure, and the first one on another claim than it
-- (so the original of a duplicate is found without a join of every line with every other: linear)
originals as (
    select patient_key, dos, cpt, min(line_key) as first_key, arg_min(claim_id, line_key) as first_claim
    from line_state where not is_denied and claim_id is not null group by patient_key, dos, cpt
),
second_originals as (
    select o.patient_key, o.dos, o.cpt, min(l.line_key) as other_key
    from line_state l join originals o using (patient_key, dos, cpt)
    where not l.is_denied and l.claim_id <> o.first_claim group by o.patient_key, o.dos, o.cpt
)
select d.line_key, d.claim_id, d.denial_code,
       case when o.first_claim <> d.claim_id then o.first_key else s.other_key end as original_line_key
from line_state d
join originals o using (patient_key, dos, cpt)
left join second_originals s using (patient_key, dos, cpt)
where d.is_denied and split_part(d.denial_code, '-', 2) = '18' and d.claim_id is not null
  and (o.first_claim <> d.claim_id or s.other_key is not null);

delete from stg_line_match where line_key in (select line_key from stg_duplicate_lines);
delete from stg_claim_lines where line_key in (select line_key from stg_duplicate_lines);

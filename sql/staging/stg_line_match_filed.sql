-- stg_line_match_filed: claim line <-> final remit line, for every filed line (stg_claim_lines_filed).
-- Passes, each using only lines the earlier ones left:
--   1. REF*6R line control number;
--   2. procedure + modifiers + equal date of service;
--   3. procedure + equal date (payers sometimes reorder modifiers);
--   4. remit lines with no date (DTM at claim level only): procedure + modifiers, claim lines in date order;
--   5. remit lines with no date: procedure only.
-- Duplicates pair in order (row numbers over the same partition on both sides); a final guard keeps each
-- claim line and each remit line in one pair only.
-- @unique: line_key
-- @unique: remit_source_file, remit_segment_pos
-- @references: line_key -> stg_claim_lines_filed.line_key

create or replace table stg_line_match_filed as
with cl as (
    select line_key, claim_id, cpt, modifiers, dos, line_control_number, line_number from stg_claim_lines_filed
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

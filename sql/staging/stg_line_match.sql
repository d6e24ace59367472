-- stg_line_match: claim line <-> final remit line for the lines the rules judge (stg_line_match_filed less
-- the duplicate submissions). Each claim line and each remit line is matched at most once.
-- @unique: line_key
-- @unique: remit_source_file, remit_segment_pos
-- @references: line_key -> stg_claim_lines.line_key

create or replace table stg_line_match as
select * from stg_line_match_filed
where line_key not in (select line_key from stg_duplicate_lines);

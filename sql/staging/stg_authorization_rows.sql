-- stg_authorization_rows: the authorizations export rows the audit reads: every row of the authorizations table less the rows of a
-- file a newer export supersedes (stg_export_files) and less exact duplicates of a row of another file (all
-- columns but the file, sheet and row number equal: the first file by name keeps it). Duplicate rows within one
-- file are kept (two sessions of one code on one day).

create or replace table stg_authorization_rows as
with kept as (
    select x.*, hash(*columns(* exclude (source_file, row_number, source_sheet))) as row_hash
    from authorizations x
    where not exists (select 1 from stg_export_files f
                      where f.kind = 'authorizations' and f.source_file = x.source_file
                        and f.source_sheet = coalesce(x.source_sheet, '') and f.superseded_by is not null)
)
select * exclude (row_hash) from kept
qualify source_file = min(source_file) over (partition by row_hash)

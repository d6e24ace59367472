-- stg_export_files: every export file (or workbook sheet) of visits, plans of care and authorizations, and the
-- newer export that supersedes it. A practice often sends a refreshed export beside the old one (day 30: the same
-- period again plus the new weeks); read side by side they would count every visit twice. A file is superseded
-- when at least 90% of its distinct rows (every column but the file, sheet and row number) are also rows of
-- another file of the same kind that has at least as many rows and covers its dates: the one with the most rows
-- (then the latest name) supersedes it, its rows win, edits included. Files that share no rows (an export split
-- by clinician or by month) supersede nothing; exact duplicate rows across them are left out by the consumers
-- (stg_visit_rows, stg_plan_rows, stg_authorization_rows).
-- @unique: kind, source_file, source_sheet

create or replace table stg_export_files as
with rows as (
    select 'visits' as kind, source_file, coalesce(source_sheet, '') as source_sheet, dos as d,
           hash(*columns(* exclude (source_file, row_number, source_sheet))) as row_hash
    from visits
    union all
    select 'plans_of_care', source_file, coalesce(source_sheet, ''), start_date,
           hash(*columns(* exclude (source_file, row_number, source_sheet)))
    from plans_of_care
    union all
    select 'authorizations', source_file, coalesce(source_sheet, ''), start_date,
           hash(*columns(* exclude (source_file, row_number, source_sheet)))
    from authorizations
),
files as (
    select kind, source_file, source_sheet, count(*) as n_rows, count(distinct row_hash) as n_distinct,
           min(d) as first_date, max(d) as last_date
    from rows group by all
),
shared as (   -- distinct rows of file a also in file b
    select a.kind, a.source_file, a.source_sheet, b.source_file as other_file, b.source_sheet as other_sheet,
           count(distinct a.row_hash) as n_shared
    from (select distinct kind, source_file, source_sheet, row_hash from rows) a
    join (select distinct kind, source_file, source_sheet, row_hash from rows) b
      on b.kind = a.kind and b.row_hash = a.row_hash
     and (b.source_file, b.source_sheet) <> (a.source_file, a.source_sheet)
    group by all
),
superseding as (
    select s.kind, s.source_file, s.source_sheet,
           arg_max({'file': o.source_file, 'sheet': o.source_sheet},
                   {'rows': o.n_rows, 'file': o.source_file, 'sheet': o.source_sheet}) as by_file
    from shared s
    join files f on f.kind = s.kind and f.source_file = s.source_file and f.source_sheet = s.source_sheet
    join files o on o.kind = s.kind and o.source_file = s.other_file and o.source_sheet = s.other_sheet
    where s.n_shared >= 0.9 * f.n_distinct
      and (o.n_rows > f.n_rows or (o.n_rows = f.n_rows and (o.source_file, o.source_sheet) > (f.source_file, f.source_sheet)))
      and o.first_date <= f.first_date and o.last_date >= f.last_date
    group by all
)
select f.*, s.by_file.file as superseded_by, nullif(s.by_file.sheet, '') as superseded_by_sheet
from files f
left join superseding s using (kind, source_file, source_sheet)

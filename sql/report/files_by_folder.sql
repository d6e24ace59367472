-- files_by_folder: the files loaded, by folder and kind, with the dates they cover (dates of service of
-- 837 lines and visit rows, payment dates of 835s, start dates of plans and authorizations) — read from
-- the loaded rows themselves, the only place that describes every row of a file; at most $cap rows.
-- n_folders = how many folder/kind groups there are. Parameters: $cap.
with periods as (
    select source_file, min(d) as d0, max(d) as d1 from (
        select source_file, dos as d from claim_lines
        union all select source_file, payment_date from remit_claims
        union all select source_file, dos from visits
        union all select source_file, start_date from plans_of_care
        union all select source_file, start_date from authorizations) group by 1
),
g as (
    select coalesce(kind, 'unknown') as kind,
           case when source_file like '%/%' then regexp_replace(source_file, '/[^/]*$', '') else '(top folder)' end as folder,
           source_file, claims_loaded, lines_loaded
    from ingest_log where status in ('loaded', 'partial')
)
select g.folder, g.kind, count(distinct g.source_file) as files, sum(g.claims_loaded) as claims_loaded,
       sum(g.lines_loaded) as lines_loaded, min(p.d0) as d0, max(p.d1) as d1,
       count(*) over () as n_folders
from g left join periods p using (source_file)
group by all
order by g.kind, g.folder
limit $cap

-- files_by_kind: the files received by kind, each file once (a workbook whose other sheet was skipped
-- is one file, under the kind it was loaded as), with what was loaded and rejected (ingest_log).
with files as (
    select source_file,
           arg_min(coalesce(kind, 'unknown'), case status when 'loaded' then 1 when 'partial' then 2
                   when 'duplicate' then 3 when 'rejected' then 4 else 5 end) as kind,
           sum(claims_loaded) as claims_loaded, sum(lines_loaded) as lines_loaded,
           sum(claims_rejected) as claims_rejected, sum(lines_rejected) as lines_rejected
    from ingest_log group by 1
)
select kind, count(*) as files, sum(claims_loaded) as claims_loaded, sum(lines_loaded) as lines_loaded,
       sum(claims_rejected) as claims_rejected, sum(lines_rejected) as lines_rejected,
       sum(count(*)) over () as n_files
from files group by 1 order by 1

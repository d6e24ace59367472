-- files_not_loaded: files (or a workbook's sheets) rejected, partly loaded, skipped or duplicated, with
-- the reason (ingest_log.message); at most $cap, and how many in all (n). Parameters: $cap.
select source_file, kind, status, message, count(*) over () as n
from ingest_log
where status in ('rejected', 'partial', 'skipped', 'duplicate')
order by case status when 'rejected' then 1 when 'partial' then 2 when 'duplicate' then 3 else 4 end, source_file
limit $cap

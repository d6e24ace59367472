-- ingest_issues: problems met while reading, by severity and reason, with how often and an example file;
-- at most $cap. Parameters: $cap.
select severity, reason, count(*) as n, count(distinct source_file) as files, min(source_file) as example
from ingest_issues
group by 1, 2
order by n desc, reason
limit $cap

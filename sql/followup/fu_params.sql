-- fu_params: the two audits side by side (one row). Day 0 = the baseline's as-of date (base_as_of), day 30 =
-- this audit's (new_as_of). has_all_baseline_files: every file the baseline read (same bytes, sha256) is in
-- this audit's input too ("the earlier files plus the new ones"); false when the day-30 folder holds only
-- new files (or fresh exports that replace the old ones), and then a finding is judged from the new data only
-- where its own claim or visit is in it (fu_covered).
create or replace temp table fu_params as
select b.as_of::date as base_as_of, n.as_of::date as new_as_of,
       (n.as_of::date - b.as_of::date) as days_between,
       b.practice_npi as base_npi, n.practice_npi as new_npi, n.practice_name,
       b.audit_start::date as base_start, b.audit_end::date as base_end,
       (select count(*) from fu_base.source_files s
        where s.file_id not in (select file_id from source_files)) as baseline_files_missing,
       (select count(*) from fu_base.source_files) as baseline_files,
       (select count(*) from fu_base.source_files s
        where s.file_id not in (select file_id from source_files)) = 0 as has_all_baseline_files
from (select * from fu_base.audit_params limit 1) b, (select * from audit_params limit 1) n;

-- checks_without_coverage: checks.sql for an audit database made before the coverage table existed:
-- every catalog rule counted as run, with its findings.
select k.rule_id, k.title, k.category, k.severity, k.citation,
       true as evaluated, null::varchar as missing_input, null::varchar as what_to_send,
       (select count(*) from findings f where f.rule_id = k.rule_id) as findings
from rule_catalog k
order by k.category, k.title

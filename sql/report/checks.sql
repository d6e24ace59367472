-- checks: every rule of the audit in the client's words (title, primary-source citation) with whether it
-- was run and what it found (table coverage, written when the rules ran). A rule not run has no finding
-- count: the report says which input was missing, never "0 findings".
select k.rule_id, k.title, k.category, k.severity, k.citation,
       c.evaluated, c.missing_input, to_json(c) ->> 'what_to_send' as what_to_send,
       case when c.evaluated then coalesce(c.findings, 0) end as findings
from rule_catalog k
left join coverage c using (rule_id)
order by k.category, k.title

-- coverage_gaps: what could not be checked, by missing input (a rule may miss several: its
-- missing_input lists them separated by '; ', what_to_send in the same order), with how many rules
-- each input would let us run and their titles; n_rules_all = rules in the catalog.
with gaps as (
    select c.rule_id,
           unnest(string_split(c.missing_input, '; ')) as missing,
           unnest(string_split(coalesce(to_json(c) ->> 'what_to_send', ''), '; ')) as send
    from coverage c
    where not c.evaluated and coalesce(c.missing_input, '') <> ''
)
select g.missing, any_value(nullif(g.send, '')) as what_to_send, count(distinct g.rule_id) as n_rules,
       string_agg(distinct k.title, '; ') as titles,
       (select count(*) from rule_catalog) as n_rules_all,
       (select count(*) from coverage where not evaluated) as n_not_run
from gaps g left join rule_catalog k using (rule_id)
group by g.missing
order by n_rules desc, lower(g.missing)

-- coverage_gaps: what could not be checked, by missing input, for the summary's one sentence. A rule may
-- miss several inputs (missing_input lists them separated by '; ', what_to_send in the same order). A gap
-- about part of a file that was not received at all ("no treatment minutes in the visit export" when there
-- is "no visit export") is folded into that file's gap, so each file is named once. n_rules = the rules the
-- file would let us run; n_rules_all = rules in the catalog; n_not_run = rules not run.
with gaps as (
    select c.rule_id,
           unnest(string_split(c.missing_input, '; ')) as missing,
           unnest(string_split(coalesce(to_json(c) ->> 'what_to_send', ''), '; ')) as send
    from coverage c
    where not c.evaluated and coalesce(c.missing_input, '') <> ''
),
files as (   -- the gaps that name a whole file: "no <something> export ..."
    select distinct missing, regexp_extract(missing, '^no (.+? export)', 1) as file
    from gaps where regexp_matches(missing, '^no .+? export')
),
folded as (
    select g.rule_id, g.send,
           coalesce((select min(f.missing) from files f
                     where f.missing <> g.missing and contains(g.missing, f.file)), g.missing) as missing
    from gaps g
)
select f.missing,
       coalesce((select min(nullif(g.send, '')) from gaps g where g.missing = f.missing),
                min(nullif(f.send, ''))) as what_to_send,
       count(distinct f.rule_id) as n_rules,
       string_agg(distinct k.title, '; ' order by k.title) as titles,
       (select count(*) from rule_catalog) as n_rules_all,
       (select count(*) from coverage where not evaluated) as n_not_run
from folded f left join rule_catalog k using (rule_id)
group by f.missing
order by n_rules desc, lower(f.missing)

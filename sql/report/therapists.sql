-- therapists: unit, modifier, minutes and coding findings per rendering NPI (findings.provider_npi), with
-- the lines the NPI billed (stg_claim_lines) — where training or templates help most; the $cap NPIs with
-- the most findings. n_providers = how many NPIs have such findings. A group none of whose rules was run
-- (table coverage) has no count (null: "not run", never 0); partly_run names the groups some of whose rules
-- were not run. Parameters: $cap.
with groups(rule_id, grp) as (
    values ('UNITS_UNDERBILLED', 'Units'), ('UNITS_OVERBILLED', 'Units'), ('UNITS_MISALLOCATED', 'Units'),
           ('UNTIMED_MULTIPLE_UNITS', 'Units'), ('MUE_EXCEEDED', 'Units'),
           ('GO_MISSING', 'Modifiers'), ('DISCIPLINE_MODIFIER_WRONG', 'Modifiers'), ('KX_MISSING', 'Modifiers'),
           ('CO_MODIFIER_MISSING', 'Modifiers'), ('CO_MODIFIER_UNNEEDED', 'Modifiers'),
           ('NCCI_MODIFIER_MISSING', 'Modifiers'), ('MINUTES_MISSING', 'Minutes'), ('CODING_EDIT', 'Coding')
),
f as (
    select coalesce(f.provider_npi, 'not recorded') as npi, f.amount_usd, f.amount_kind, g.grp
    from findings f join groups g using (rule_id)
),
lines as (select rendering_npi as npi, count(*) as n_lines from stg_claim_lines group by 1),
ran as (   -- a rule without a coverage row counts as run (its findings, if any, are shown)
    select grp, bool_or(coalesce(c.evaluated, true)) as any_run, bool_and(coalesce(c.evaluated, true)) as all_run
    from groups left join coverage c using (rule_id) group by grp
),
run as (    -- one row: which groups had a rule run, and the groups only partly run
    select bool_or(any_run) filter (where grp = 'Units') as units,
           bool_or(any_run) filter (where grp = 'Modifiers') as modifiers,
           bool_or(any_run) filter (where grp = 'Minutes') as minutes,
           bool_or(any_run) filter (where grp = 'Coding') as coding,
           string_agg(grp, ', ' order by grp) filter (where any_run and not all_run) as partly_run
    from ran
),
counts as (
    select f.npi, count(*) as total, sum(f.amount_usd)::double as dollars,
           coalesce(sum(f.amount_usd) filter (where f.amount_kind = 'overbilled'), 0)::double as overbilled,
           count(*) filter (where f.grp = 'Units') as units, count(*) filter (where f.grp = 'Modifiers') as modifiers,
           count(*) filter (where f.grp = 'Minutes') as minutes, count(*) filter (where f.grp = 'Coding') as coding,
           min(l.n_lines) as n_lines, count(*) over () as n_providers
    from f left join lines l using (npi)
    group by f.npi
)
select c.npi, c.total, c.dollars, c.overbilled,
       case when r.units then c.units end as units, case when r.modifiers then c.modifiers end as modifiers,
       case when r.minutes then c.minutes end as minutes, case when r.coding then c.coding end as coding,
       c.n_lines, c.n_providers, r.partly_run
from counts c cross join run r
order by c.total desc, c.npi
limit $cap

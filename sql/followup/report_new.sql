-- report_new: the day-30 audit's findings that were not in the baseline (findings.follow_up_status new or
-- newly_visible), per rule: items, recoverable dollars (with the nearest fix_by), exposure (at_risk +
-- overbilled), lost. Titles from rule_catalog; at most $cap rows, largest dollars first.
select f.rule_id, c.title,
       count(*) filter (where f.follow_up_status = 'new') as n_new,
       count(*) filter (where f.follow_up_status = 'newly_visible') as n_visible,
       coalesce(sum(f.amount_usd) filter (where f.amount_kind = 'recoverable'), 0)::decimal(14, 2) as recoverable_usd,
       min(f.fix_by) filter (where f.amount_kind = 'recoverable' and f.amount_usd > 0) as first_fix_by,
       coalesce(sum(f.amount_usd) filter (where f.amount_kind in ('at_risk', 'overbilled')), 0)::decimal(14, 2) as exposure_usd,
       coalesce(sum(f.amount_usd) filter (where f.amount_kind = 'lost'), 0)::decimal(14, 2) as lost_usd,
       coalesce(sum(f.amount_usd), 0)::decimal(14, 2) as total_usd
from findings f
left join rule_catalog c on c.rule_id = f.rule_id
where f.follow_up_status in ('new', 'newly_visible')
group by all
order by total_usd desc, f.rule_id
limit $cap

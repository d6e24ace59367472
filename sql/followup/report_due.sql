-- report_due: what is still recoverable, per baseline recommendation, by when (the next-30-days plan):
-- open findings with a days_left, split into due within 30 days of day 30 and later; items resubmitted and
-- awaiting payment (corrected). At most $cap rows, nearest deadline first.
select r.rank, r.title, r.rule_id, r.payer,
       count(*) filter (where f.status = 'open' and f.days_left <= 30) as n_soon,
       coalesce(sum(f.baseline_amount_usd) filter (where f.status = 'open' and f.days_left <= 30), 0)::decimal(14, 2) as soon_usd,
       count(*) filter (where f.status = 'open' and f.days_left > 30) as n_later,
       coalesce(sum(f.baseline_amount_usd) filter (where f.status = 'open' and f.days_left > 30), 0)::decimal(14, 2) as later_usd,
       min(f.days_left) filter (where f.status = 'open' and f.baseline_amount_usd > 0) as nearest_days,
       count(*) filter (where f.status = 'corrected') as n_waiting,
       coalesce(sum(f.baseline_amount_usd) filter (where f.status = 'corrected'), 0)::decimal(14, 2) as waiting_usd
from follow_up f
join fu_base.recommendations r on r.rank = f.baseline_rank
where (f.status = 'open' and f.days_left is not null) or (f.status = 'corrected' and f.baseline_kind in ('recoverable', 'lost'))
group by all
having soon_usd + later_usd + waiting_usd > 0
order by nearest_days nulls last, r.rank
limit $cap

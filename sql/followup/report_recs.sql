-- report_recs: each baseline recommendation (fu_base.recommendations), day 0 -> day 30, from follow_up rows
-- of its findings (follow_up.baseline_rank = the recommendation's rank). At most $cap rows, by rank.
--   open_money_usd   open with a days_left (still recoverable); nearest_days = the smallest such days_left
--   open_other_usd   open without one (compliance exposure, or no deadline known)
--   lost_since_usd   lost since day 0 (lost with a days_left)
select r.rank, r.title, r.rule_id, r.payer, r.payer_scope, r.track, r.n_findings, r.total_usd,
       count(f.fid) filter (where f.status = 'recovered') as n_recovered,
       coalesce(sum(f.amount_recovered_usd), 0)::decimal(14, 2) as recovered_usd,
       count(f.fid) filter (where f.status = 'corrected') as n_corrected,
       count(f.fid) filter (where f.status = 'open') as n_open,
       coalesce(sum(f.baseline_amount_usd) filter (where f.status = 'open' and f.days_left is not null), 0)::decimal(14, 2)
           as open_money_usd,
       coalesce(sum(f.baseline_amount_usd) filter (where f.status = 'open' and f.days_left is null), 0)::decimal(14, 2)
           as open_other_usd,
       min(f.days_left) filter (where f.status = 'open' and f.days_left is not null and f.baseline_amount_usd > 0)
           as nearest_days,
       count(f.fid) filter (where f.status = 'lost') as n_lost,
       coalesce(sum(f.baseline_amount_usd) filter (where f.status = 'lost' and f.days_left is not null), 0)::decimal(14, 2)
           as lost_since_usd,
       count(f.fid) filter (where f.status = 'withdrawn') as n_withdrawn
from fu_base.recommendations r
left join follow_up f on f.baseline_rank = r.rank
group by all
order by r.rank
limit $cap

-- report_status: the follow-up report's status table, one row per status present in follow_up:
--   n, found_usd (the baseline dollars of those findings), recovered_usd, and the part of found_usd with a
--   days_left (open: money with a deadline, "still recoverable"; lost: lost since day 0) and without one
--   (open: compliance exposure; lost: already lost on day 0).
select status, count(*) as n, coalesce(sum(baseline_amount_usd), 0)::decimal(14, 2) as found_usd,
       coalesce(sum(amount_recovered_usd), 0)::decimal(14, 2) as recovered_usd,
       count(*) filter (where days_left is not null) as n_dated,
       coalesce(sum(baseline_amount_usd) filter (where days_left is not null), 0)::decimal(14, 2) as dated_usd,
       count(*) filter (where days_left is null) as n_undated,
       coalesce(sum(baseline_amount_usd) filter (where days_left is null), 0)::decimal(14, 2) as undated_usd
from follow_up
group by status

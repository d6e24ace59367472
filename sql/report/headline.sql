-- headline: the executive summary's three figures and what they are made of (one row).
--   recoverable          sum of findings of kind recoverable (can still be billed, corrected or appealed)
--   compliance_exposure  sum of kinds overbilled + at_risk
--   leakage_in_period    recoverable + lost dollars of the revenue recommendations (leakage and denial
--                        rules) in the audit period
--   leakage_run_rate     the sum of those recommendations' "a year" figures (rpt_annualised, _macros.sql)
select f.recoverable, f.compliance_exposure, f.lost, f.at_risk, f.overbilled, f.n_findings,
       r.leakage_in_period, r.leakage_run_rate, rpt_period_days() as period_days
from (
    select coalesce(sum(amount_usd) filter (where amount_kind = 'recoverable'), 0)::decimal(14, 2) as recoverable,
           coalesce(sum(amount_usd) filter (where amount_kind in ('overbilled', 'at_risk')), 0)::decimal(14, 2)
               as compliance_exposure,
           coalesce(sum(amount_usd) filter (where amount_kind = 'lost'), 0)::decimal(14, 2) as lost,
           coalesce(sum(amount_usd) filter (where amount_kind = 'at_risk'), 0)::decimal(14, 2) as at_risk,
           coalesce(sum(amount_usd) filter (where amount_kind = 'overbilled'), 0)::decimal(14, 2) as overbilled,
           count(*) as n_findings
    from findings
) f, (
    select coalesce(sum(recoverable_usd + lost_usd), 0)::decimal(14, 2) as leakage_in_period,
           coalesce(sum(rpt_annualised(recoverable_usd + lost_usd)), 0)::decimal(14, 2) as leakage_run_rate
    from recommendations where track = 'revenue'
) r

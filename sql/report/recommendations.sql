-- recommendations: every recommendation in rank order, with its rule's title and citation (rule_catalog)
-- and, for the revenue track, what the leak costs a year (rpt_annualised of recoverable + lost: the same
-- figure the headline run-rate adds up).
select r.rank, r.track, r.rule_id, r.payer::varchar as payer, r.payer_scope, r.title::varchar as title, r.category, r.severity,
       r.n_findings, r.n_claims, r.n_patients,
       r.recoverable_usd, r.at_risk_usd, r.lost_usd, r.overbilled_usd, r.total_usd,
       case when r.track = 'revenue' then rpt_annualised(r.recoverable_usd + r.lost_usd) end as a_year,
       r.first_fix_by, r.payers, r.n_payers, r.providers, r.n_providers,
       c.title as rule_title, c.citation
from recommendations r
left join rule_catalog c using (rule_id)
order by r.rank

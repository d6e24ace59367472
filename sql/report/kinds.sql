-- kinds: findings and dollars by category and amount kind (the method appendix's reconciliation table).
select category, amount_kind, count(*) as n, sum(amount_usd) as usd
from findings
group by all
order by category, amount_kind

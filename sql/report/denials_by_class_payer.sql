-- denials_by_class_payer: denied dollars (stg_denials: the expected allowed of each denied line or claim,
-- as the findings count them) by payer and by what can be done about the reason (the CARC class:
-- FIX, APPEAL, PATIENT, WRITE-OFF); the $top payers with the most, the rest together. Parameters: $top.
with d as (
    select coalesce(payer_display, 'Unknown payer') as payer,
           case when denial_class in ('FIX', 'APPEAL', 'WRITE-OFF', 'PATIENT') then denial_class
                else 'UNCLASSIFIED' end as class,
           amount_usd as amount
    from stg_denials where amount_usd > 0
),
top as (select payer from d group by 1 order by sum(amount) desc, payer limit $top)
select case when payer in (select payer from top) then payer else 'All other payers' end as payer,
       class, sum(amount)::double as amount, count(*) as n
from d group by all order by payer, class

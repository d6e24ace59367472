-- monthly: per month, the charges billed (final claim lines, by month of service), what the payers paid
-- (every remittance of a claim, primary or secondary, reversals netted, by month of payment: the cash as it
-- moved, stg_remit_ranked) and the dollars denied
-- (stg_denials, at the expected allowed as in the findings, by month of the remittance); the last
-- $months months that have any. Parameters: $months.
with ch as (
    select date_trunc('month', dos) as m, sum(charge) as charges from stg_claim_lines where dos is not null group by 1
),
pa as (
    select date_trunc('month', payment_date) as m, sum(paid) as paid
    from stg_remit_ranked where payment_date is not null group by 1
),
de as (
    select date_trunc('month', payment_date) as m, sum(amount_usd) as denied
    from stg_denials where payment_date is not null group by 1
),
ms as (select m from ch union select m from pa union select m from de)
select * from (
    select ms.m::date as month, coalesce(charges, 0)::double as charges, coalesce(paid, 0)::double as paid,
           coalesce(denied, 0)::double as denied
    from ms left join ch using (m) left join pa using (m) left join de using (m)
    order by ms.m desc limit $months
) order by month

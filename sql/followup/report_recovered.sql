-- report_recovered: the largest recoveries since day 0 (at most $cap rows): the baseline recommendation's title,
-- claim, date of service, the day-0 pseudonym, dollars recovered and the latest payment date.
select f.claim_id, f.dos, f.patient_ref, f.amount_recovered_usd, f.last_payment_date, r.title, r.rank
from follow_up f
left join fu_base.recommendations r on r.rank = f.baseline_rank
where f.status = 'recovered' and f.amount_recovered_usd > 0
order by f.amount_recovered_usd desc, f.last_payment_date desc, f.claim_id, f.dos, f.fid
limit $cap

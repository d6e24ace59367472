-- kpis: the key indicators, one row each, from the staged claims and remittances, beside the typical
-- range for outpatient therapy practices (seed kpi_benchmarks: target, published source) and whether this
-- practice is inside it. An indicator whose inputs are implausible has no value and says why (na_code,
-- worded by the template): a day count is never shown negative.
--
--   clean_claim_rate       claims answered by their payer that were submitted once (no corrected claim)
--                          and denied nowhere (no line, not the claim) / claims answered
--   denial_rate_lines      claim lines the payer denied / claim lines of answered claims
--   denial_rate_dollars    denying adjustments / charges, on the final remittances of the practice's claims
--   days_service_to_claim  first submission (to the claim's own payer) - first date of service, average;
--                          claims submitted before their date of service are left out
--   days_claim_to_payment  first remittance - first submission, over claims paid; remittances dated
--                          before the submission are left out
--   net_collection_rate    (payer paid + patient responsibility) / what was allowed (the expected allowed
--                          amount for denied lines), over the lines of answered claims
-- na_code: no_claims | no_remits | unmatched (fewer than half of the remittances match a claim: every
-- remittance-based indicator) | submitted_before_service / paid_before_submitted (more than 10% of the
-- claims measured have such a date) | no_data.

with claims as (
    select c.claim_id, c.first_dos, c.versions, s.first_submitted
    from stg_claims c
    left join (select claim_id, min(submission_date) as first_submitted from stg_claim_submissions
               where is_primary_payer group by 1) s using (claim_id)
    where not c.is_void and not c.is_superseded
),
remits as (
    select f.*, f.claim_id in (select claim_id from claims) as has_claim
    from stg_remit_claims_final f where not f.is_reversed
),
match as (
    select (select count(*) from claims) as n_claims, count(*) as n_remits,
           count(*) filter (where has_claim) as n_matched
    from remits
),
answered as (
    select c.claim_id, c.versions, f.is_claim_denied,
           exists (select 1 from stg_line_status s where s.claim_id = c.claim_id and s.is_denied) as any_line_denied
    from claims c join remits f using (claim_id)
),
lines as (
    select s.is_denied, s.paid, s.expected_allowed, s.remit_allowed, coalesce(r.pr_amount, 0) as pr_amount
    from stg_line_status s
    left join stg_line_match m using (line_key)
    left join stg_remit_lines_final r on r.source_file = m.remit_source_file and r.segment_pos = m.remit_segment_pos
    where s.has_remit
),
dollars as (
    select (select coalesce(sum(r.denied_amount), 0) from stg_remit_lines_final r
            where not r.is_reversed and r.claim_id in (select claim_id from claims))
           + coalesce(sum(claim_denied_amount), 0) as denied,
           coalesce(sum(charge), 0) as charges
    from remits where has_claim
),
lag as (
    select count(*) as n, count(*) filter (where first_submitted < first_dos) as n_bad,
           avg(first_submitted - first_dos) filter (where first_submitted >= first_dos) as days
    from claims where first_submitted is not null and first_dos is not null
),
pay as (
    select count(*) as n, count(*) filter (where f.first_payment_date < c.first_submitted) as n_bad,
           avg(f.first_payment_date - c.first_submitted) filter (where f.first_payment_date >= c.first_submitted) as days
    from claims c join remits f using (claim_id)
    where f.paid > 0 and c.first_submitted is not null and f.first_payment_date is not null
),
k as (
    select 1 as ord, 'clean_claim_rate' as kpi, true as remit_based,
           (count(*) filter (where versions = 1 and not is_claim_denied and not any_line_denied))::double
               / nullif(count(*), 0) as value,
           count(*) as n, 0 as n_bad
    from answered
    union all
    select 2, 'denial_rate_lines', true, (count(*) filter (where is_denied))::double / nullif(count(*), 0), count(*), 0
    from lines
    union all
    select 3, 'denial_rate_dollars', true, denied::double / nullif(charges, 0), (select count(*) from answered), 0
    from dollars
    union all
    select 4, 'days_service_to_claim', false, days::double, n, n_bad from lag
    union all
    select 5, 'days_claim_to_payment', true, days::double, n, n_bad from pay
    union all
    select 6, 'net_collection_rate', true,
           sum(paid + pr_amount)::double
               / nullif(sum(case when is_denied then coalesce(expected_allowed, 0)
                                 else coalesce(remit_allowed, paid + pr_amount) end), 0)::double,
           count(*), 0
    from lines
),
judged as (
    select k.*, m.n_claims, m.n_remits, m.n_matched,
           case when m.n_claims = 0 then 'no_claims'
                when k.remit_based and m.n_remits = 0 then 'no_remits'
                when k.remit_based and m.n_matched < 0.5 * m.n_remits then 'unmatched'
                when k.kpi = 'days_service_to_claim' and k.n_bad > 0.1 * k.n then 'submitted_before_service'
                when k.kpi = 'days_claim_to_payment' and k.n_bad > 0.1 * k.n then 'paid_before_submitted'
                when k.value is null then 'no_data' end as na_code
    from k, match m
)
select j.ord, j.kpi, case when j.na_code is null then j.value end as value, j.na_code, j.n, j.n_bad,
       j.n_claims, j.n_remits, j.n_matched,
       b.label, b.unit, b.better, b.note, try_cast(b.target_low as double) as target_low,
       try_cast(b.target_high as double) as target_high, b.target_text, b.typical, b.source, b.source_short, b.source_url,
       case when j.na_code is not null or b.kpi is null then null
            when b.better = 'higher' then j.value >= try_cast(b.target_low as double)
            when b.better = 'lower' then j.value <= try_cast(b.target_high as double)
            else j.value between try_cast(b.target_low as double) and try_cast(b.target_high as double) end
           as inside
from judged j
left join raw_seed_kpi_benchmarks b using (kpi)
order by j.ord

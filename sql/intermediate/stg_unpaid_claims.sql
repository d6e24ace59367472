-- stg_unpaid_claims: claims the payer has not answered (CLAIM_UNPAID, TIMELY_FILING_RISK).
-- No final remittance, or a final reversal (CLP02 = 22) with no correction after it, and submitted at
-- least `unpaid_claim_days` before as of. Amount: the sum of the claim's line values (expected allowed).
-- A claim whose dates cannot be true (first submitted before its first date of service, or a first date of
-- service after the as-of date) is left out: a filing-limit judgement resting on them would be nonsense (the
-- report's data-sanity section counts such claims).
-- Amounts are dollars (DECIMAL(12,2)); dates are DATE; "as of" is audit_params.as_of.
-- @unique: claim_id

create or replace table stg_unpaid_claims as
with unanswered as (
    select c.claim_id, c.first_dos, c.submission_date, c.filing_deadline, c.timely_filing_days,
           c.patient_key, c.payer_display, c.payer_class, c.rendering_npi, c.source_file,
           case when f.claim_id is null then 'no remittance'
                else 'reversed (CLP02 22) on ' || strftime(f.payment_date, '%Y-%m-%d') || ' with no correction' end
               as unpaid_reason,
           date_diff('day', c.submission_date, (select as_of from audit_params)) as days_since_submission,
           -- RULEBOOK §9 compares the FIRST submission with the filing limit (later versions are resubmissions)
           (select min(r.submission_date) from claims r where r.claim_id = c.claim_id) as first_submission_date
    from stg_claims c
    left join stg_remit_claims_final f using (claim_id)
    where not c.is_void and not c.is_superseded and (f.claim_id is null or f.is_reversed)
),
claim_value as (
    select claim_id, sum(line_value) as claim_value, count(*) as lines,
           string_agg(distinct value_basis, '; ' order by value_basis) as value_basis
    from stg_line_status group by claim_id
)
select u.*, u.first_submission_date <= u.filing_deadline as filed_timely,
       patient_ref_of(u.patient_key) as patient_ref, v.lines, v.value_basis,
       round(coalesce(v.claim_value, 0), 2)::decimal(12,2) as amount_usd
from unanswered u
left join claim_value v using (claim_id)
where u.days_since_submission >= setting_num('unpaid_claim_days')
  and u.first_submission_date >= u.first_dos
  and u.first_dos <= (select as_of from audit_params);

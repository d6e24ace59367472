-- stg_unbilled_visits: one row per unbilled patient-day (VISIT_UNBILLED, TIMELY_FILING_RISK): the visit's value
-- = its documented code-days priced through the engine (pricing_output scenario 'unbilled'), else the median
-- allowed per unit x units; its payer and filing deadline (DOS + the payer's timely filing days).
-- Amounts are dollars (DECIMAL(12,2)); dates are DATE; "as of" is audit_params.as_of.
-- @unique: patient_key, dos

create or replace table stg_unbilled_visits as
with priced as (
    select u.*,
           coalesce(o.expected_allowed, round(md.per_unit * u.units, 2))::decimal(12,2) as expected_allowed,
           case when o.expected_allowed is not null
                     then fee_schedule_basis(u.medicare_rules, o.is_proxy, u.dos, u.fee_pct_of_medicare)
                when md.per_unit is not null then 'median allowed of ' || u.cpt || ' for this payer in the 835s'
                else 'no fee schedule or paid history for ' || u.cpt end as price_basis
    from stg_unbilled_codes u
    left join pricing_output o on o.scenario = 'unbilled' and o.line_key = u.line_key
    left join stg_median_allowed md on md.cpt = u.cpt and md.payer_key = u.payer_key
)
select patient_key, dos, patient_ref_of(patient_key) as patient_ref,
       any_value(payer_key) as payer_key, any_value(payer_display) as payer_display,
       any_value(payer_class) as payer_class,
       coalesce(any_value(timely_filing_days), 90) as timely_filing_days,
       filing_deadline_of(dos, coalesce(any_value(timely_filing_days), 90)) as filing_deadline,
       string_agg(cpt || ' x' || units, ', ' order by cpt) as codes,
       round(coalesce(sum(expected_allowed), 0), 2)::decimal(12,2) as amount_usd,
       string_agg(distinct price_basis, '; ' order by price_basis) as price_basis,
       min(provider_npi) as provider_npi, min(source_file) as source_file
from priced
group by patient_key, dos;

-- stg_line_pricing: expected allowed of every final claim line as billed (pricing_output scenario 'billed'),
-- else the practice's median allowed for the code and payer x units (stg_median_allowed), else none;
-- price_basis says which, fee_schedule_priced whether a fee schedule priced it, is_proxy whether that fee
-- schedule was a proxy (RULEBOOK §11.4).
-- @unique: line_key
-- @references: line_key -> stg_claim_lines.line_key

create or replace table stg_line_pricing as
select l.line_key,
       coalesce(o.expected_allowed, round(md.per_unit * l.whole_units, 2))::decimal(12,2) as expected_allowed,
       coalesce(o.expected_before_co, round(md.per_unit * l.whole_units, 2))::decimal(12,2) as expected_before_co,
       o.medicare_amount,
       case when o.expected_allowed is not null
                 then fee_schedule_basis(l.payer_class = 'medicare' or l.follows_medicare_rules, o.is_proxy, l.dos,
                                         l.fee_pct_of_medicare)
            when md.per_unit is not null then 'median allowed of ' || l.cpt || ' for this payer in the 835s'
            else 'no fee schedule or paid history for this code' end as price_basis,
       o.expected_allowed is not null as fee_schedule_priced,
       coalesce(o.is_proxy, false) as is_proxy, o.fee_release
from stg_claim_lines l
left join pricing_output o on o.scenario = 'billed' and o.line_key = l.line_key
left join stg_median_allowed md on md.cpt = l.cpt and md.payer_key = l.payer_key;

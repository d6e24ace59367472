-- stg_median_allowed: the practice's median allowed per unit, by code and payer, from paid 835 lines — the
-- last-resort price of a line with no fee schedule (stg_line_pricing, stg_units_prices, stg_unbilled_visits).
-- @unique: cpt, payer_key

create or replace table stg_median_allowed as
select l.cpt, l.payer_key, median(r.remit_allowed / nullif(coalesce(r.units_paid, 1), 0))::decimal(12,2) as per_unit,
       count(*) as n
from stg_line_match m
join stg_claim_lines l using (line_key)
join stg_remit_lines_final r on r.source_file = m.remit_source_file and r.segment_pos = m.remit_segment_pos
where r.paid > 0 and r.remit_allowed > 0
group by all;

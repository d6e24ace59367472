-- Pricing engine (RULEBOOK §11.1, §6, §3): expected allowed per claim line.
-- Per unit: full = round((W*gW + PE*gPE + MP*gMP) * CF, 2); reduced (MPPR) = round((W*gW + 0.5*PE*gPE + MP*gMP) * CF, 2).
-- Per visit (patient + DOS + billing NPI) and scenario: of the units of MPPR-indicator-5 codes, the one with
-- the highest PE dollars (tie: higher full, lower cpt, lower line_key) is full, the others reduced.
-- Medicare-rule payers: CO lines (DOS >= co_effective_date) x (1 - co_share). Other payers:
-- round(fee_pct_of_medicare x Medicare line amount, 2). No RVUs for the DOS year -> no fee schedule.
-- The engine prices any scenario: rows of pricing_input with the same `scenario` are priced together
-- ('billed' = the claims as billed; the units checks add counterfactual scenarios).

create or replace table unit_rates as
select r.cpt, r.year, cf.start_date as cf_start, cf.end_date as cf_end, r.mppr_ind,
       round((r.work_rvu * g.work_gpci + r.nf_pe_rvu * g.pe_gpci + r.mp_rvu * g.mp_gpci) * cf.conversion_factor, 2)::decimal(12,2) as full_rate,
       round((r.work_rvu * g.work_gpci + 0.5 * r.nf_pe_rvu * g.pe_gpci + r.mp_rvu * g.mp_gpci) * cf.conversion_factor, 2)::decimal(12,2) as reduced_rate,
       (r.nf_pe_rvu * g.pe_gpci * cf.conversion_factor)::double as pe_dollars
from seed_rvu r
join seed_gpci g on g.year = r.year and g.locality = (select locality from audit_params)
join seed_conversion_factors cf on year(cf.start_date) = r.year
where r.modifier = '';

create or replace table pricing_input (
    scenario varchar, visit_key varchar, line_key varchar, cpt varchar, dos date, units integer,
    has_co boolean, medicare_rules boolean, fee_pct double
);

insert into pricing_input
select 'billed', visit_key, line_key, cpt, dos, whole_units, has_co,
       payer_class = 'medicare' or follows_medicare_rules, fee_pct_of_medicare
from stg_claim_lines;

create or replace view pricing_output as
with rated as (
    select i.*, r.full_rate, r.reduced_rate, r.pe_dollars, r.mppr_ind, r.cpt is not null as priced
    from pricing_input i
    left join unit_rates r on r.cpt = i.cpt and i.dos between r.cf_start and r.cf_end
),
units as (
    select rated.*, u.unit_no from rated, unnest(range(1, greatest(units, 0) + 1)) as u(unit_no)
),
ranked as (
    select *, row_number() over (partition by scenario, visit_key, coalesce(mppr_ind, 0) = 5
                                 order by pe_dollars desc, full_rate desc, cpt, line_key, unit_no) as mppr_rank
    from units
),
per_line as (
    select scenario, line_key,
           sum(case when mppr_ind = 5 and mppr_rank > 1 then reduced_rate else full_rate end) as medicare_amount,
           sum(full_rate) as no_mppr_amount
    from ranked group by scenario, line_key
)
select i.scenario, i.visit_key, i.line_key, i.cpt, i.units,
       coalesce(p.medicare_amount, 0)::decimal(12,2) as medicare_amount,     -- MPPR applied, no CO
       coalesce(r.priced, false) or i.units = 0 as priced,
       case when not (coalesce(r.priced, false) or i.units = 0) then null
            when i.medicare_rules then
                 case when i.has_co and i.dos >= (select value::date from settings where name = 'co_effective_date')
                      then round(coalesce(p.medicare_amount, 0) * (1 - setting_num('co_share')), 2)
                      else coalesce(p.medicare_amount, 0) end
            when i.fee_pct is not null then round(i.fee_pct * coalesce(p.medicare_amount, 0), 2)
       end::decimal(12,2) as expected_allowed,
       case when not (coalesce(r.priced, false) or i.units = 0) then null
            when i.medicare_rules then coalesce(p.medicare_amount, 0)
            when i.fee_pct is not null then round(i.fee_pct * coalesce(p.medicare_amount, 0), 2)
       end::decimal(12,2) as expected_before_co
from pricing_input i
left join per_line p using (scenario, line_key)
left join (select distinct cpt, cf_start, cf_end, true as priced from unit_rates) r
       on r.cpt = i.cpt and i.dos between r.cf_start and r.cf_end;

-- The practice's median allowed per unit, by code and payer, from paid 835 lines (the last resort).
create or replace table stg_median_allowed as
select l.cpt, l.payer_key, median(r.remit_allowed / nullif(coalesce(r.units_paid, 1), 0))::decimal(12,2) as per_unit,
       count(*) as n
from stg_line_match m
join stg_claim_lines l using (line_key)
join stg_remit_lines_final r on r.source_file = m.remit_source_file and r.segment_pos = m.remit_segment_pos
where r.paid > 0 and r.remit_allowed > 0
group by all;

create or replace table stg_line_pricing as
select l.line_key,
       coalesce(o.expected_allowed, round(md.per_unit * l.whole_units, 2))::decimal(12,2) as expected_allowed,
       coalesce(o.expected_before_co, round(md.per_unit * l.whole_units, 2))::decimal(12,2) as expected_before_co,
       o.medicare_amount,
       case when o.expected_allowed is not null and l.payer_class = 'medicare' or (o.expected_allowed is not null and l.follows_medicare_rules)
                 then 'Medicare fee schedule ' || year(l.dos) || ', locality ' || (select locality from audit_params) || ', MPPR applied'
            when o.expected_allowed is not null
                 then round(l.fee_pct_of_medicare * 100)::integer || '% of the Medicare fee schedule ' || year(l.dos)
            when md.per_unit is not null then 'median allowed of ' || l.cpt || ' for this payer in the 835s'
            else 'no fee schedule or paid history for this code' end as price_basis,
       o.expected_allowed is not null as fee_schedule_priced
from stg_claim_lines l
left join pricing_output o on o.scenario = 'billed' and o.line_key = l.line_key
left join stg_median_allowed md on md.cpt = l.cpt and md.payer_key = l.payer_key;

-- pricing_output: the pricing engine (RULEBOOK §11.1, §6, §3): expected allowed of every line of
-- pricing_input, each scenario priced on its own.
-- Per unit the fee_schedule of the line's DOS and the audit's locality: full = `allowed`, MPPR subsequent
-- unit = `reduced_allowed`. Per visit and scenario: of the units of MPPR-indicator-5 codes, the one with the
-- highest PE dollars (tie: higher full, lower cpt, lower line_key) is full, the others reduced; other codes
-- are full per unit. Medicare-rule payers: CO lines (DOS >= co_effective_date) x (1 - co_share) (RULEBOOK §3).
-- Other payers: round(fee_pct_of_medicare x the Medicare line amount, 2). No fee schedule row for the code
-- and DOS: expected_allowed null (the consumers fall back to the median allowed). is_proxy: a unit of the
-- line was priced from a proxy fee schedule (RULEBOOK §11.4: never used for underpayments).
-- @unique: scenario, line_key

create or replace table pricing_output as
with rated as (
    select i.*, f.allowed as full_rate, f.reduced_allowed as reduced_rate, f.pe_dollars, f.mppr_ind,
           f.cpt is not null as priced, coalesce(f.is_proxy, false) as is_proxy, f.release as fee_release
    from pricing_input i
    left join fee_schedule f on f.cpt = i.cpt and f.modifier = '' and f.locality = (select locality from audit_params)
                            and i.dos between f.effective_from and f.effective_to
),
-- Per line, without one row per unit (a line's units are not bounded by the engine: the cost stays linear in
-- lines): of a visit's MPPR-indicator-5 lines with units, the first by (pe_dollars desc, full_rate desc, cpt,
-- line_key) holds the visit's one full unit; every other unit of those lines is reduced.
ranked as (
    select *, coalesce(mppr_ind, 0) = 5 and units > 0
              and row_number() over (partition by scenario, visit_key, coalesce(mppr_ind, 0) = 5 and units > 0
                                     order by pe_dollars desc, full_rate desc, cpt, line_key) = 1 as has_full_unit
    from rated
),
per_line as (
    select scenario, line_key,
           case when mppr_ind = 5 then greatest(units, 0) * reduced_rate
                                       + case when has_full_unit then full_rate - reduced_rate else 0 end
                else greatest(units, 0) * full_rate end as medicare_amount
    from ranked
)
select r.scenario, r.visit_key, r.line_key, r.cpt, r.dos, r.units,
       coalesce(p.medicare_amount, 0)::decimal(12,2) as medicare_amount,     -- MPPR applied, no CO
       r.priced or r.units = 0 as priced, r.is_proxy, r.fee_release,
       case when not (r.priced or r.units = 0) then null
            when r.medicare_rules then
                 case when r.has_co and r.dos >= (select value::date from settings where name = 'co_effective_date')
                      then round(coalesce(p.medicare_amount, 0) * (1 - setting_num('co_share')), 2)
                      else coalesce(p.medicare_amount, 0) end
            when r.fee_pct is not null then round(r.fee_pct * coalesce(p.medicare_amount, 0), 2)
       end::decimal(12,2) as expected_allowed,
       case when not (r.priced or r.units = 0) then null
            when r.medicare_rules then coalesce(p.medicare_amount, 0)
            when r.fee_pct is not null then round(r.fee_pct * coalesce(p.medicare_amount, 0), 2)
       end::decimal(12,2) as expected_before_co
from rated r
left join per_line p using (scenario, line_key)

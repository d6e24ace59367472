-- fee_schedule: the Medicare Physician Fee Schedule per code, Massachusetts locality and effective period
-- (CONTRACT §5), the one price list the pricing engine reads (pricing_output).
-- Rule: RULEBOOK §11.1 (allowed, non-facility = (work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI)
--   x CF, rounded to cents), §6 (MPPR: a subsequent unit is paid work + MP + 50% of PE), §11.4 (a year with
--   no loaded fee schedule is priced as a labelled proxy and never used for underpayment findings).
-- Sources, for every date: an imported CMS release (ref_rvu non-QPP, ref_gpci of carrier 14212) when one
--   covers the date, else the bundled seeds (seed_rvu, seed_gpci: one release per year). The conversion factor
--   is the imported release's; for bundled rows the seed_conversion_factors row covering the date (which
--   splits 2024 at 9 Mar), else the bundled release's. The periods are the pieces between every source's
--   boundaries, over the years of the input's dates of service and of the bundled seeds.
-- Proxy (is_proxy): a code with no RVU row for the period is priced with its RVUs from the nearest period that
--   has them (the latest before, else the earliest after), the period's GPCIs when known (else those of the
--   proxy's year) and the period's CF; `release` names the proxy ("proxy: RVU25D RVUs ...").
-- Dollars: allowed = the full per-unit amount; reduced_allowed = the MPPR subsequent-unit amount;
--   pe_dollars = PE RVU x PE GPCI x CF (ranks units for MPPR).
-- @unique: cpt, modifier, locality, effective_from
-- @not_null: cpt, locality, effective_from, effective_to, allowed, release

create or replace table fee_schedule as
with rvu_src as (
    select 'imported' as origin, cpt, coalesce(modifier, '') as modifier, status,
           work_rvu::decimal(8,3) as work_rvu, nf_pe_rvu::decimal(8,3) as nf_pe_rvu, mp_rvu::decimal(8,3) as mp_rvu,
           try_cast(mppr_ind as integer) as mppr_ind, conversion_factor::decimal(10,4) as rvu_cf, effective_from, effective_to, release,
           'CMS ' || release || ' (imported with rcm-audit reference import)' as source
    from ref_rvu
    where not coalesce(qpp, false) and effective_from is not null
    union all
    select 'bundled', cpt, modifier, status, work_rvu, nf_pe_rvu, mp_rvu, mppr_ind, conversion_factor,
           make_date(year, 1, 1), make_date(year, 12, 31), release, source
    from seed_rvu
),
gpci_src as (
    select 'imported' as origin, locality, locality_name, work_gpci::decimal(8,3) as work_gpci,
           pe_gpci::decimal(8,3) as pe_gpci, mp_gpci::decimal(8,3) as mp_gpci, effective_from, effective_to,
           release || ' GPCIs' as gpci_release
    from ref_gpci
    where carrier = '14212' and effective_from is not null
    union all
    select 'bundled', locality, locality_name, work_gpci, pe_gpci, mp_gpci, make_date(year, 1, 1),
           make_date(year, 12, 31), 'CY' || year || ' GPCIs'
    from seed_gpci
),
years as (
    select distinct year(dos) as y from claim_lines where dos is not null
    union select distinct year(dos) from visits where dos is not null
    union select distinct year(effective_from) from rvu_src
),
bounds as (
    select distinct d from (
        select effective_from as d from rvu_src union all select effective_to + 1 from rvu_src
        union all select effective_from from gpci_src union all select effective_to + 1 from gpci_src
        union all select start_date from seed_conversion_factors union all select end_date + 1 from seed_conversion_factors
        union all select make_date(y, 1, 1) from years union all select make_date(y + 1, 1, 1) from years)
),
periods as (
    select d as period_from, (lead(d) over (order by d) - 1)::date as period_to from bounds
    qualify period_to is not null and year(period_from) in (select y from years)
),
codes as (select distinct cpt, modifier from rvu_src),
-- the RVU row that covers each period: an imported release before the bundled one, the latest release first
covering_rvu as (
    select p.period_from, p.period_to, r.*, false as is_proxy
    from periods p join rvu_src r on p.period_from between r.effective_from and r.effective_to
    qualify row_number() over (partition by p.period_from, r.cpt, r.modifier
                               order by r.origin = 'imported' desc, r.effective_from desc) = 1
),
proxy_rvu as (
    select p.period_from, p.period_to, r.*, true as is_proxy
    from periods p cross join codes c
    join rvu_src r on r.cpt = c.cpt and r.modifier = c.modifier
    where not exists (select 1 from covering_rvu v
                      where v.period_from = p.period_from and v.cpt = c.cpt and v.modifier = c.modifier)
    qualify row_number() over (partition by p.period_from, c.cpt, c.modifier
                               order by r.effective_to < p.period_from desc,
                                        abs(datediff('day', r.effective_from, p.period_from)),
                                        r.origin = 'imported' desc) = 1
),
rvu as (select * from covering_rvu union all select * from proxy_rvu),
covering_gpci as (
    select p.period_from, g.*
    from periods p join gpci_src g on p.period_from between g.effective_from and g.effective_to
    qualify row_number() over (partition by p.period_from, g.locality
                               order by g.origin = 'imported' desc, g.effective_from desc) = 1
),
-- the GPCIs of a proxy row's own year, for periods that have none of their own
nearest_gpci as (
    select r.period_from, r.cpt, r.modifier, g.*
    from rvu r join gpci_src g on r.effective_from between g.effective_from and g.effective_to
    where r.is_proxy
),
priced as (
    select r.cpt, r.modifier, coalesce(g.locality, ng.locality) as locality,
           coalesce(g.locality_name, ng.locality_name) as locality_name,
           r.period_from as effective_from, r.period_to as effective_to, r.status, r.mppr_ind,
           r.work_rvu, r.nf_pe_rvu, r.mp_rvu,
           coalesce(g.work_gpci, ng.work_gpci) as work_gpci, coalesce(g.pe_gpci, ng.pe_gpci) as pe_gpci,
           coalesce(g.mp_gpci, ng.mp_gpci) as mp_gpci,
           case when r.origin = 'imported' and not r.is_proxy then r.rvu_cf
                else coalesce(cf.conversion_factor, r.rvu_cf) end as conversion_factor,
           r.is_proxy, r.release as rvu_release, coalesce(g.gpci_release, ng.gpci_release) as gpci_release,
           r.source
    from rvu r
    left join covering_gpci g on g.period_from = r.period_from
    left join nearest_gpci ng on g.period_from is null and ng.period_from = r.period_from
                              and ng.cpt = r.cpt and ng.modifier = r.modifier
    left join seed_conversion_factors cf on r.period_from between cf.start_date and cf.end_date
)
select cpt, modifier, locality, locality_name, effective_from, effective_to,
       round((work_rvu * work_gpci + nf_pe_rvu * pe_gpci + mp_rvu * mp_gpci) * conversion_factor, 2)::decimal(12,2) as allowed,
       round((work_rvu * work_gpci + 0.5 * nf_pe_rvu * pe_gpci + mp_rvu * mp_gpci) * conversion_factor, 2)::decimal(12,2) as reduced_allowed,
       (nf_pe_rvu * pe_gpci * conversion_factor)::double as pe_dollars,
       mppr_ind, status, conversion_factor, work_rvu, nf_pe_rvu, mp_rvu, work_gpci, pe_gpci, mp_gpci, is_proxy,
       case when is_proxy
            then 'proxy: ' || rvu_release || ' RVUs x ' || gpci_release || ' x CF ' || conversion_factor
            else rvu_release || ', ' || gpci_release || ', CF ' || conversion_factor end as release,
       source
from priced
where locality is not null;

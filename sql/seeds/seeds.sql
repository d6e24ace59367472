-- Typed views over the reference seeds (sql/seeds/*.csv, loaded as text into raw_seed_<name> by
-- pipelines/stage/seeds.py). Every seed row keeps its `source`: where the value comes from.
-- Run right after the seeds are loaded and before validate_seeds(), which checks them against the RULEBOOK.

create or replace view seed_codes as
select cpt, description, unit_rule,
       is_timed::boolean as is_timed, once_per_day::boolean as once_per_day,
       always_therapy::boolean as always_therapy, discipline, nullif(addon_primary, '') as addon_primary,
       nullif(medicare_status, '') as medicare_status, try_cast(mppr_ind as integer) as mppr_ind,
       try_cast(nullif(valid_until, '') as date) as valid_until, source
from raw_seed_codes;

-- CMS PFS RVUs, one release per calendar year (2025: RVU25D October; 2026: RVU26C July), RULEBOOK §11.
create or replace view seed_rvu as
select year::integer as year, release, cpt, coalesce(modifier, '') as modifier, status,
       work_rvu::decimal(8,3) as work_rvu, nf_pe_rvu::decimal(8,3) as nf_pe_rvu, mp_rvu::decimal(8,3) as mp_rvu,
       try_cast(mppr_ind as integer) as mppr_ind, conversion_factor::decimal(10,4) as conversion_factor, source
from raw_seed_rvu;

create or replace view seed_gpci as
select year::integer as year, carrier, locality, locality_name,
       work_gpci::decimal(8,3) as work_gpci, pe_gpci::decimal(8,3) as pe_gpci, mp_gpci::decimal(8,3) as mp_gpci, source
from raw_seed_gpci;

create or replace view seed_conversion_factors as
select start_date::date as start_date, end_date::date as end_date,
       conversion_factor::decimal(10,4) as conversion_factor, confidence, source
from raw_seed_conversion_factors;

create or replace view seed_kx_thresholds as
select year::integer as year, bucket, threshold::decimal(12,2) as threshold,
       tmr_amount::decimal(12,2) as tmr_amount, confidence, source
from raw_seed_kx_thresholds;

create or replace view seed_part_b_deductible as
select year::integer as year, amount::decimal(12,2) as amount, confidence, source
from raw_seed_part_b_deductible;

create or replace view seed_carc_classes as
select reason_code, description, class, typical_cause, source from raw_seed_carc_classes;

-- Bundled NCCI procedure-to-procedure pairs (RULEBOOK §5), used unless a CMS PTP file is imported.
create or replace view seed_ncci_pairs as
select column1, column2, try_cast(modifier_indicator as integer) as modifier_indicator, confidence,
       direction_known::boolean as direction_known, active_by_default::boolean as active_by_default, source
from raw_seed_ncci_pairs;

-- Bundled practitioner MUEs (RULEBOOK §5; only the MAI-3 values of the 2026 Q2 table were found).
create or replace view seed_mue as
select cpt, mue_value::integer as mue_value, mai::integer as mai, effective_from::date as effective_from,
       try_cast(nullif(effective_to, '') as date) as effective_to, release, confidence, source
from raw_seed_mue;

create or replace view seed_locality_zip3 as
select zip3, locality, confidence, source from raw_seed_locality_zip3;

-- Settings: the seed value unless practice.toml [settings] overrides it (config_settings).
create or replace view settings as
select s.name, coalesce(c.value, s.value) as value, s.confidence,
       case when c.value is not null then 'practice.toml' else s.source end as source
from raw_seed_settings s left join config_settings c using (name);

create or replace macro setting_num(n) as (select value::double from settings where name = n);

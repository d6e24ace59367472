-- stg_payers: every payer name/id seen in the input, classified once for the whole audit (CONTRACT §6
-- "No configuration needed"): the practice.toml entry first, then the built-in directory
-- (raw_seed_payer_directory) by the longest name pattern the payer name contains, then by payer id (a name
-- match wins over an id match: several directory ids are UNCONFIRMED); anything else is 'other'.
-- A practice.toml payer applies to a payer with the same name, the same payer id, or the same directory entry
-- as the configured name. Every other model and the report take payer names and classes from here.
-- @unique: payer_name, payer_id
-- @not_null: payer_key, payer_class, timely_filing_days, appeal_days
-- @accepted: payer_class in ('medicare', 'medicare_advantage', 'masshealth', 'masshealth_managed', 'commercial', 'other')

create or replace table stg_payers as
with seen as (
    select distinct coalesce(payer_name, '') as payer_name, coalesce(payer_id, '') as payer_id from claims
    union select distinct coalesce(payer_name, ''), coalesce(payer_id, '') from remit_claims
    union select distinct coalesce(payer, ''), '' from visits where payer is not null
    union select distinct coalesce(payer, ''), '' from authorizations where payer is not null
    union select distinct coalesce(payer, ''), '' from plans_of_care where payer is not null
),
directory as (
    select *, string_split(name_patterns, '|') as patterns, string_split(payer_ids, '|') as ids
    from raw_seed_payer_directory
),
by_id as (
    select s.payer_name, s.payer_id, d.payer_key
    from seen s join directory d on s.payer_id <> '' and list_contains(d.ids, s.payer_id)
),
by_name as (
    select s.payer_name, s.payer_id, d.payer_key,
           row_number() over (partition by s.payer_name, s.payer_id order by length(p) desc, d.payer_key) as rn
    from seen s, directory d, unnest(d.patterns) as t(p)
    where s.payer_name <> '' and p <> '' and payer_name_matches(s.payer_name, p)
),
keyed as (
    select s.payer_name, s.payer_id, coalesce(n.payer_key, i.payer_key) as directory_key
    from seen s
    left join (select distinct on (payer_name, payer_id) * from by_id order by payer_name, payer_id, payer_key) i
           using (payer_name, payer_id)
    left join (select * from by_name where rn = 1) n using (payer_name, payer_id)
),
-- a practice.toml payer applies to a claim payer with the same name, the same payer id, or the same
-- directory entry as the configured name
config_keyed as (
    select c.*, (select d.payer_key from directory d, unnest(d.patterns) as t(p)
                 where p <> '' and payer_name_matches(c.name, p) order by length(p) desc, d.payer_key limit 1) as directory_key
    from config_payers c
),
matched as (
    select k.*, c.name as config_name, c.payer_class as c_class, c.unit_method as c_unit_method,
           c.timely_filing_days as c_tfd, c.requires_auth as c_auth, c.fee_pct_of_medicare as c_fee,
           c.appeal_days as c_appeal, c.follows_medicare_rules as c_follows,
           row_number() over (partition by k.payer_name, k.payer_id
                              order by (lower(c.name) = lower(k.payer_name)) desc, (c.payer_id = k.payer_id) desc) as rn
    from keyed k left join config_keyed c
      on lower(trim(c.name)) = lower(trim(k.payer_name))
      or (c.payer_id is not null and c.payer_id = k.payer_id)
      or (c.directory_key is not null and c.directory_key = k.directory_key)
)
select m.payer_name, m.payer_id,
       coalesce(m.directory_key, 'other:' || lower(coalesce(nullif(m.payer_name, ''), m.payer_id))) as payer_key,
       coalesce(d.display_name, nullif(m.payer_name, ''), m.payer_id) as payer_display,
       coalesce(m.c_class, d.payer_class, 'other') as payer_class,
       coalesce(m.c_unit_method, nullif(d.unit_method, '')) as unit_method,
       coalesce(m.c_tfd, d.timely_filing_days::integer, 90) as timely_filing_days,
       coalesce(m.c_auth, d.requires_auth::boolean, false) as requires_auth,
       coalesce(m.c_fee, d.fee_pct_of_medicare::double) as fee_pct_of_medicare,
       coalesce(d.requires_discipline_mod::boolean, false) as requires_discipline_mod,
       coalesce(m.c_appeal, d.appeal_days::integer, 180) as appeal_days,
       coalesce(m.c_follows, d.follows_medicare_rules::boolean, false) as follows_medicare_rules,
       m.config_name,
       case when m.config_name is not null then 'practice.toml'
            when d.payer_key is not null then 'directory' else 'default' end as classified_by
from matched m
left join raw_seed_payer_directory d on d.payer_key = m.directory_key
where m.rn = 1;

-- stg_cert_intervals: one row per plan of care with its certified interval (RULEBOOK §7, BPM Ch.15 §220.1.3;
-- DESIGN rule table): [start, min(end, start + cert_interval_days)], both ends inclusive; a recertification
-- only counts from its signed_date (unsigned: no interval). kind: 'initial' / 'recert' as exported; when the
-- export leaves it empty, the patient's earliest plan is the initial one and later plans are recerts.
-- first_treatment_dos = the first Medicare/MA treatment day inside the interval (evaluation included).

create or replace table stg_cert_intervals as
with plans as (
    select p.*,
           row_number() over (partition by patient_key order by start_date, end_date, row_number, source_file) as plan_seq
    from stg_plans p
    where start_date is not null
),
typed as (
    select *,
           case when lower(trim(kind)) like 'init%' then 'initial'
                when lower(trim(kind)) like 're%' then 'recert'
                when plan_seq = 1 then 'initial'
                else 'recert' end as cert_kind,
           least(coalesce(end_date, start_date + setting_num('cert_interval_days')::integer),
                 start_date + setting_num('cert_interval_days')::integer) as cert_end
    from plans
),
intervals as (
    select *,
           case when cert_kind = 'initial' then start_date
                when signed_date is not null then greatest(start_date, signed_date) end as certified_from
    from typed
)
select i.patient_key, i.patient_id, i.plan_seq, i.cert_kind, i.start_date, i.end_date, i.signed_date,
       i.order_date, i.transmitted_date, i.cert_end, i.certified_from, i.source_file, i.row_number,
       (select min(m.dos) from stg_medicare_days m
        where m.patient_key = i.patient_key and m.dos between i.start_date and i.cert_end) as first_treatment_dos
from intervals i;

-- stg_auth_visits: billed days of payers that require an authorization (not MassHealth FFS, whose prior
-- authorization is MASSHEALTH_PA_MISSING), each with the authorizations whose dates cover it and the visit's
-- ordinal within that authorization (its visits of the same payer, in date order). An authorization applies
-- to a visit when it names no payer, a payer outside the directory, or the visit's payer.

create or replace table stg_auth_visits as
with visits as (
    select * from stg_billed_days where requires_auth and payer_class <> 'masshealth'
),
auths as (
    select row_number() over (order by source_file, row_number, auth_number) as auth_seq, *
    from stg_authorizations
    where start_date is not null
),
covered as (
    select v.patient_key, v.dos, v.payer_key, a.auth_seq, a.auth_number, a.start_date, a.end_date,
           a.visits_authorized,
           row_number() over (partition by a.auth_seq, v.payer_key order by v.dos) as auth_visit_no
    from visits v
    join auths a on a.patient_key = v.patient_key
                and v.dos between a.start_date and coalesce(a.end_date, v.dos)
                and (a.payer is null or a.payer_key like 'other:%' or a.payer_key = v.payer_key)
)
select v.patient_key, v.dos, v.payer_key, v.payer_class, v.payer_display, v.claim_id, v.provider_npi,
       v.source_file, c.auth_seq, c.auth_number, c.start_date as auth_start, c.end_date as auth_end,
       c.visits_authorized, c.auth_visit_no,
       c.auth_seq is not null and (c.visits_authorized is null or c.auth_visit_no <= c.visits_authorized) as within_auth
from visits v
left join covered c using (patient_key, dos, payer_key);

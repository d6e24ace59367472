-- Episodes of care, for the visit-grain rules (POC_*, PROGRESS_REPORT_OVERDUE, MASSHEALTH_*, AUTH_EXCEEDED).
-- Every table here has one row per patient and date of service (or per plan / authorization) and reads only
-- staging: billed days from stg_claim_lines, documentation from stg_visit_days, plans and authorizations
-- through the MRN crosswalk (stg_plans, stg_authorizations). Thresholds come from settings.

-- stg_billed_days: one row per patient, DOS and payer of the final (non-void) claim lines.
-- eval_only = every line that day is an initial evaluation 97165-97167 (DESIGN rule table, POC_MISSING).
create or replace table stg_billed_days as
select patient_key, dos, payer_key,
       any_value(payer_class) as payer_class, any_value(payer_display) as payer_display,
       bool_or(requires_auth) as requires_auth,
       min(claim_id) as claim_id,
       arg_min(rendering_npi, claim_id || '#' || lpad(line_number::varchar, 4, '0')) as provider_npi,
       arg_min(source_file, claim_id) as source_file,
       bool_and(cpt in ('97165', '97166', '97167')) as eval_only,
       string_agg(cpt, ';' order by claim_id, line_number) as cpts
from stg_claim_lines
where patient_key is not null and dos is not null
group by patient_key, dos, payer_key;

-- stg_medicare_days: treatment days = billed DOS of the patient to Medicare or Medicare Advantage
-- (RULEBOOK §7; DESIGN §8), numbered in date order per patient (treatment_day_no).
create or replace table stg_medicare_days as
with days as (
    select patient_key, dos,
           arg_min(payer_display, claim_id) as payer_display, arg_min(payer_class, claim_id) as payer_class,
           min(claim_id) as claim_id, arg_min(provider_npi, claim_id) as provider_npi,
           arg_min(source_file, claim_id) as source_file, bool_and(eval_only) as eval_only
    from stg_billed_days
    where payer_class in ('medicare', 'medicare_advantage')
    group by patient_key, dos
)
select *, row_number() over (partition by patient_key order by dos) as treatment_day_no
from days;

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

-- stg_progress_days: per Medicare/MA treatment day, how many treatment days the current progress-reporting
-- period has run (DESIGN §8; RULEBOOK §7, BPM Ch.15 §220.3.D). A period starts on the patient's first treatment
-- day, on an evaluation day (note_type eval: a new episode; that day is day 1), or on the day after a report day
-- (note_type progress / recert / discharge). period_start = the latest of those on or before the day;
-- progress_day_no = the day's position among the treatment days since period_start.
create or replace table stg_progress_days as
with anchored as (
    select m.*,
           (select max(v.dos) from stg_visit_days v
            where v.patient_key = m.patient_key and v.has_eval and v.dos <= m.dos) as last_eval,
           (select max(v.dos) from stg_visit_days v
            where v.patient_key = m.patient_key and v.has_report and v.dos < m.dos) as last_report,
           min(m.dos) over (partition by m.patient_key) as first_treatment_dos
    from stg_medicare_days m
),
periods as (
    select *, greatest(first_treatment_dos, last_eval, last_report + 1) as period_start
    from anchored
)
select *, row_number() over (partition by patient_key, period_start order by dos) as progress_day_no
from periods;

-- stg_masshealth_visits: MassHealth FFS OT visits (every billed DOS, evaluations included) numbered within
-- 12-month windows (DESIGN §9; RULEBOOK §8.1): a window starts at the patient's first visit and ends one year
-- less a day later; the next window starts at the first visit after that.
create or replace table stg_masshealth_visits as
with recursive days as (
    select patient_key, dos, arg_min(payer_key, claim_id) as payer_key, any_value(payer_display) as payer_display,
           min(claim_id) as claim_id, arg_min(provider_npi, claim_id) as provider_npi,
           arg_min(source_file, claim_id) as source_file
    from stg_billed_days where payer_class = 'masshealth'
    group by patient_key, dos
),
windows(patient_key, window_no, window_start, window_end) as (
    select patient_key, 1, min(dos), (min(dos) + interval 1 year - interval 1 day)::date
    from days group by patient_key
    union all
    select w.patient_key, w.window_no + 1, n.next_start, (n.next_start + interval 1 year - interval 1 day)::date
    from windows w,
         lateral (select min(d.dos) as next_start from days d
                  where d.patient_key = w.patient_key and d.dos > w.window_end) n
    where n.next_start is not null
)
select d.*, w.window_no, w.window_start, w.window_end,
       row_number() over (partition by d.patient_key, w.window_no order by d.dos) as visit_no
from days d
join windows w on w.patient_key = d.patient_key and d.dos between w.window_start and w.window_end;

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

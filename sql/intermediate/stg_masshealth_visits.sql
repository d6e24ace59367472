-- stg_masshealth_visits: MassHealth FFS OT visits (every billed DOS, evaluations included) numbered within
-- 12-month windows (DESIGN §9; RULEBOOK §8.1): a window starts at the patient's first visit and ends one year
-- less a day later; the next window starts at the first visit after that.
-- @unique: patient_key, dos

create or replace table stg_masshealth_visits as
with recursive days as (
    select patient_key, dos, arg_min(payer_key, claim_id) as payer_key, arg_min(payer_display, claim_id) as payer_display,
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

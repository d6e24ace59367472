-- stg_co_units (RULEBOOK §3, DESIGN §7; CO_MODIFIER_MISSING, CO_MODIFIER_UNNEEDED): for each final claim
-- line of a Medicare-rule payer with DOS on or after co_effective_date whose code-day (patient + DOS + cpt)
-- is documented with minutes, how many of the code-day's billed units need CO. Minutes: m = documented
-- minutes, a = OTA minutes (ota_minutes, or every minute of a row whose provider_role is OTA; capped at m),
-- o = m - a. Timed codes: whole units o//15 (no CO) and a//15 (CO); k = billed units - o//15 - a//15 remain,
-- with remainders o_r, a_r: k >= 2 and both o_r and a_r in 9..14 -> one more CO unit; else k >= 1 -> the
-- final unit needs CO unless o_r >= 8 or a_r <= co_de_minimis_pct of (o_r + a_r). Untimed codes: 1 CO unit
-- when a > co_de_minimis_pct of m. co_units never exceeds the billed units. The code-day is the grain because
-- CMS bills the CO and non-CO units of one code on separate lines; co_units_billed = units on the code-day's
-- CO lines. role_documented = some visit row of the code-day carries provider_role or ota_minutes (raw
-- export columns); CO_MODIFIER_UNNEEDED judges only such code-days.
-- @unique: line_key

create or replace table stg_co_units as
with co_lines as (
    select l.line_key, l.patient_key, l.dos, l.cpt, l.has_co, l.whole_units, l.is_timed
    from stg_claim_lines l
    where (l.payer_class = 'medicare' or l.follows_medicare_rules)
      and l.dos >= (select value::date from settings where name = 'co_effective_date')
),
code_days as (
    select patient_key, dos, cpt, any_value(is_timed) as is_timed,
           sum(whole_units)::integer as units,
           coalesce(sum(whole_units) filter (where has_co), 0)::integer as co_units_billed,
           count(*) as lines
    from co_lines group by all
),
-- whether the code-day's visit rows say who furnished the minutes: provider_role or ota_minutes present
-- (both optional export columns, CONTRACT §4); without them a = 0 means "unknown", not "no OTA"
role_documentation as (
    select patient_key, dos, cpt,
           bool_or(nullif(trim(coalesce(provider_role, '')), '') is not null or ota_minutes is not null) as role_documented
    from stg_visit_lines
    where patient_key is not null and dos is not null
    group by all
),
documented as (
    select c.*, v.minutes::double as m, least(coalesce(v.ota_minutes, 0), v.minutes)::double as a,
           coalesce(r.role_documented, false) as role_documented
    from code_days c
    join stg_visit_codes v using (patient_key, dos, cpt)
    left join role_documentation r using (patient_key, dos, cpt)
    where v.minutes > 0
),
whole_units as (
    select *, m - a as o,
           floor((m - a) / 15)::integer as ot_whole, floor(a / 15)::integer as ota_whole,
           (m - a) - 15 * floor((m - a) / 15) as o_r, a - 15 * floor(a / 15) as a_r
    from documented
),
remaining as (
    select *, units - ot_whole - ota_whole as k from whole_units
),
co_required as (
    select *,
           case when not is_timed
                     then case when a > setting_num('co_de_minimis_pct') / 100 * m then 1 else 0 end
                else ota_whole
                     + case when k >= 2 and o_r between 9 and 14 and a_r between 9 and 14 then 1
                            when k >= 1 and not (o_r >= 8 or a_r <= setting_num('co_de_minimis_pct') / 100 * (o_r + a_r)) then 1
                            else 0 end
           end as co_units_needed
    from remaining
)
select l.line_key, l.patient_key, l.dos, l.cpt, l.has_co, l.whole_units as line_units,
       d.is_timed, d.m as minutes, d.a as ota_minutes, d.o as ot_minutes, d.units as code_day_units, d.lines as code_day_lines,
       d.co_units_billed, least(d.co_units_needed, d.units)::integer as co_units, d.role_documented
from co_lines l
join co_required d using (patient_key, dos, cpt);

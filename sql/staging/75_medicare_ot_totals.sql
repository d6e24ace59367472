-- Shared inputs of the modifier / threshold / coding-edit rules (sql/rules: go_missing, discipline_modifier_wrong,
-- kx_missing, tmr_threshold, co_modifier_missing, co_modifier_unneeded, ncci_modifier_missing, coding_edit).
--
-- stg_medicare_ot_lines  RULEBOOK §4, DESIGN rule table (KX_MISSING, TMR_THRESHOLD), CONTRACT §6 "KX accumulation":
--   one row per GO line of a Medicare claim (or of a payer with follows_medicare_rules), with the
--   beneficiary's running OT total for the DOS's calendar year. The total adds the billed-scenario
--   expected allowed (stg_line_pricing: fee schedule after MPPR and CO, else median allowed; dollars),
--   in DOS, then claim_id, then line_number order; denied lines count too. PT/SLP lines (GP/GN without
--   GO) are in the other bucket and never counted here. threshold / tmr_amount: seed_kx_thresholds,
--   bucket 'OT', the DOS's year (null when the seed has no row for that year: no finding).
--
-- stg_co_units  RULEBOOK §3, DESIGN §7: for each final claim line of a Medicare-rule payer with DOS on or
--   after co_effective_date whose code-day (patient + DOS + cpt) is documented with minutes, how many of
--   the code-day's billed units need CO. Minutes: m = documented minutes, a = OTA minutes (ota_minutes, or
--   every minute of a row whose provider_role is OTA; capped at m), o = m - a. Timed codes: whole units
--   o//15 (no CO) and a//15 (CO); k = billed units - o//15 - a//15 remain, with remainders o_r, a_r:
--   k >= 2 and both o_r and a_r in 9..14 -> one more CO unit; else k >= 1 -> the final unit needs CO
--   unless o_r >= 8 or a_r <= co_de_minimis_pct of (o_r + a_r). Untimed codes: 1 CO unit when
--   a > co_de_minimis_pct of m. co_units never exceeds the billed units. The code-day is the grain
--   because CMS bills the CO and non-CO units of one code on separate lines; co_units_billed = units on
--   the code-day's CO lines. role_documented = some visit row of the code-day carries provider_role or
--   ota_minutes (raw export columns); CO_MODIFIER_UNNEEDED judges only such code-days.
--
-- stg_line_denial  CONTRACT §6 / DESIGN §5 "Overlaps", §10: whether the final 835 shows the line denied
--   (stg_line_status.is_denied: a line-level denial adjustment, or a claim-level denial of a final CLP
--   with no SVC lines) and the sentence pointing at the denial finding. The line rules that predict a
--   denial (GO_MISSING, DISCIPLINE_MODIFIER_WRONG, KX_MISSING, NCCI_MODIFIER_MISSING, CODING_EDIT)
--   report such lines at $0 with that sentence.

create or replace table stg_medicare_ot_lines as
with medicare_go_lines as (
    select l.line_key, l.claim_id, l.line_number, l.patient_key, l.dos, year(l.dos) as year,
           coalesce(p.expected_allowed, 0)::decimal(12,2) as ot_amount, p.price_basis
    from stg_claim_lines l
    join stg_line_pricing p using (line_key)
    where l.has_go and l.dos is not null and l.patient_key is not null
      and (l.payer_class = 'medicare' or l.follows_medicare_rules)
),
running as (
    select *,
           sum(ot_amount) over (partition by patient_key, year order by dos, claim_id, line_number
                                rows between unbounded preceding and current row)::decimal(12,2) as running_total,
           row_number() over (partition by patient_key, year order by dos, claim_id, line_number) as line_seq
    from medicare_go_lines
)
select r.*, (r.running_total - r.ot_amount)::decimal(12,2) as running_before,
       k.threshold, k.tmr_amount,
       r.running_total > k.threshold as above_threshold,
       r.running_total > k.tmr_amount as above_tmr
from running r
left join seed_kx_thresholds k on k.year = r.year and k.bucket = 'OT';

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

create or replace table stg_line_denial as
select line_key, is_denied, denial_code,
       case when is_claim_level_denial
                 then 'the final 835 denied the whole claim (' || denial_code || '), so its dollars are on the claim''s DENIAL_RECOVERABLE or DENIAL_WRITE_OFF finding'
            when is_denied
                 then 'the final 835 denied this line (' || denial_code || '), so its dollars are on the line''s DENIAL_RECOVERABLE or DENIAL_WRITE_OFF finding'
       end as denial_note
from stg_line_status;

-- The money clause of a line finding's detail: its value and price basis, or why it is $0.
create or replace macro line_value_note(value, basis, denial_note) as
    case when denial_note is not null then 'reported at $0 because ' || denial_note
         when value is null then 'no dollar estimate (' || basis || ')'
         else 'line worth $' || printf('%.2f', value) || ' (' || basis || ')' end;

-- The dollars of a rule that predicts a line's denial (GO_MISSING, DISCIPLINE_MODIFIER_WRONG, KX_MISSING,
-- NCCI_MODIFIER_MISSING, CODING_EDIT), in one place (DESIGN §5 "Overlaps"): the line value, or $0 when
-- the final 835 already denied it (the DENIAL_* finding carries it); kind = the line's disposition;
-- fix_by = the filing deadline; money_note = the detail's closing clause.
create or replace table stg_predicted_denial_money as
select s.line_key,
       case when dn.is_denied then 0 else coalesce(s.line_value, 0) end::decimal(12,2) as amount_usd,
       s.disposition as amount_kind, s.filing_deadline as fix_by,
       line_value_note(s.line_value, s.value_basis, dn.denial_note) as money_note
from stg_line_status s join stg_line_denial dn using (line_key);

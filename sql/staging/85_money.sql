-- Money staging for the denial, underpayment, unpaid-claim, unbilled-visit and timely-filing rules
-- (DESIGN §5 rule table, §10; RULEBOOK §6, §9, §10, §11):
--   recovery_window_days()  how long after a remittance a denied or underpaid line can still be recovered
--   stg_denials             one row per denied line, or per claim when the denial is claim-level
--   stg_unpaid_claims       claims with no final remittance (or reversed with no correction) 45+ days after submission
--   stg_unbilled_codes      documented code-days of patient-days with no claim line, priced through the engine
--   stg_unbilled_visits     one row per unbilled patient-day: visit value and filing deadline
--   stg_line_correction     per claim line: the deadline to correct a filed line (correction_deadline)
-- Amounts are dollars (DECIMAL(12,2)); dates are DATE; "as of" is audit_params.as_of.

-- Days after the remittance's payment date that a denial (or an underpayment) can still be recovered
-- (DESIGN §10; RULEBOOK §10): Medicare FIX = reopening (42 CFR 405.980, 1 year), Medicare APPEAL =
-- redetermination (42 CFR 405.942, 120 days); other payers: their corrected-claim / appeal limit
-- (payer directory appeal_days). Write-off and patient classes have no window (null).
create or replace macro recovery_window_days(payer_class, recovery_class, appeal_days) as
    case when recovery_class not in ('FIX', 'APPEAL') or recovery_class is null then null
         when payer_class = 'medicare' and recovery_class = 'FIX' then setting_num('medicare_reopening_days')
         when payer_class = 'medicare' then setting_num('medicare_redetermination_days')
         else appeal_days end::integer;

create or replace macro recovery_window_name(payer_class, recovery_class) as
    case when payer_class = 'medicare' and recovery_class = 'FIX' then 'Medicare reopening window'
         when payer_class = 'medicare' then 'Medicare redetermination window'
         else 'payer appeal/corrected-claim window' end;

-- Denials --------------------------------------------------------------------------------------------
-- A line is denied per CONTRACT §6 (stg_line_status.is_denied; claim-level denials mark every line of
-- the claim). Amount (DESIGN §10): the line's expected allowed; for a partial reduction (something was
-- allowed) the denied adjustment amount capped at the expected allowed. Claim-level: the sum over the
-- claim's lines, or for a partial claim-level reduction the denied claim adjustments capped at that sum.
create or replace table stg_denials as
with denied_lines as (
    select s.line_key, s.claim_id, s.line_number, s.dos, s.cpt, s.modifiers, s.units, s.patient_ref,
           s.payer_display, s.payer_class, s.rendering_npi, s.is_claim_level_denial,
           s.payment_date, s.denial_code, s.denial_class, s.paid, s.remit_allowed, s.denied_amount,
           s.expected_allowed, s.price_basis, l.appeal_days, l.first_dos,
           r.remark_codes, r.source_file as remit_source_file
    from stg_line_status s
    join stg_claim_lines l using (line_key)
    left join stg_line_match m using (line_key)
    left join stg_remit_lines_final r on r.source_file = m.remit_source_file and r.segment_pos = m.remit_segment_pos
    where s.is_denied
),
line_denials as (
    select 'line' as level, line_key, claim_id, dos, cpt, modifiers, units, patient_ref, payer_display,
           payer_class, rendering_npi, payment_date, denial_code, denial_class, remark_codes,
           null as clp_status, appeal_days,
           case when paid > 0 or coalesce(remit_allowed, 0) > 0
                then least(denied_amount, coalesce(expected_allowed, denied_amount))
                else expected_allowed end as amount,
           case when paid > 0 or coalesce(remit_allowed, 0) > 0
                then 'partial reduction: denied adjustments $' || denied_amount::varchar
                     || coalesce(' capped at the expected allowed $' || expected_allowed::varchar, '')
                when expected_allowed is null then 'no dollar estimate (' || price_basis || ')'
                else 'expected allowed (' || price_basis || ')' end
                as amount_basis,
           remit_source_file
    from denied_lines where not is_claim_level_denial
),
claim_denials as (
    select 'claim' as level, null as line_key, d.claim_id, any_value(d.first_dos) as dos, null as cpt,
           null as modifiers, null::double as units, any_value(d.patient_ref) as patient_ref,
           any_value(d.payer_display) as payer_display, any_value(d.payer_class) as payer_class,
           any_value(d.rendering_npi) as rendering_npi, any_value(d.payment_date) as payment_date,
           any_value(d.denial_code) as denial_code, any_value(d.denial_class) as denial_class,
           null as remark_codes, any_value(f.status_code) as clp_status, any_value(d.appeal_days) as appeal_days,
           case when any_value(f.paid) > 0 then least(any_value(f.claim_denied_amount), sum(d.expected_allowed))
                else sum(d.expected_allowed) end as amount,
           case when any_value(f.paid) > 0
                then 'partial claim-level reduction: denied adjustments $' || any_value(f.claim_denied_amount)::varchar
                     || ' capped at the claim''s expected allowed $' || coalesce(sum(d.expected_allowed), 0)::varchar
                else 'expected allowed of the claim''s ' || count(*) || ' line(s) ('
                     || string_agg(distinct d.price_basis, '; ') || ')' end as amount_basis,
           any_value(f.source_file) as remit_source_file
    from denied_lines d join stg_remit_claims_final f using (claim_id)
    where d.is_claim_level_denial
    group by d.claim_id
),
all_denials as (
    select * from line_denials union all by name select * from claim_denials
),
windowed as (
    select a.*, recovery_window_days(a.payer_class, a.denial_class, a.appeal_days) as window_days,
           -- RULEBOOK §10: a Medicare MA130 denial (unprocessable, no appeal rights) is fixed by a new claim,
           -- which counts against timely filing: its window also ends at the line's filing deadline
           a.payer_class = 'medicare'
               and list_contains(string_split(upper(replace(coalesce(a.remark_codes, ''), ' ', '')), ';'), 'MA130')
               as is_unprocessable,
           l.filing_deadline as line_filing_deadline
    from all_denials a
    left join stg_claim_lines l using (line_key)
),
windows as (
    select *,
           case when is_unprocessable then least(payment_date + window_days, line_filing_deadline)
                else payment_date + window_days end as window_end,
           recovery_window_name(payer_class, denial_class) as window_name,
           -- how the window is named in a finding's detail ("the <window_text> ends/ended <date>")
           case when is_unprocessable and line_filing_deadline < payment_date + window_days
                then 'timely filing limit for the required new claim (RARC MA130: unprocessable, no appeal rights)'
                else recovery_window_name(payer_class, denial_class) || ' (' || window_days || ' days)' end
               as window_text
    from windowed
)
select *,
       -- a FIX/APPEAL denial whose remittance has no payment date (BPR16) cannot be timed: kept recoverable
       denial_class in ('FIX', 'APPEAL')
           and coalesce(window_end >= (select as_of from audit_params), true) as is_recoverable,
       round(coalesce(amount, 0), 2)::decimal(12,2) as amount_usd
from windows;

-- Unpaid claims --------------------------------------------------------------------------------------
-- No final remittance, or a final reversal (CLP02 = 22) with no correction after it, and submitted at
-- least `unpaid_claim_days` before as of. Amount: the sum of the claim's line values (expected allowed).
create or replace table stg_unpaid_claims as
with unanswered as (
    select c.claim_id, c.first_dos, c.submission_date, c.filing_deadline, c.timely_filing_days,
           c.patient_key, c.payer_display, c.payer_class, c.rendering_npi, c.source_file,
           case when f.claim_id is null then 'no remittance'
                else 'reversed (CLP02 22) on ' || strftime(f.payment_date, '%Y-%m-%d') || ' with no correction' end
               as unpaid_reason,
           date_diff('day', c.submission_date, (select as_of from audit_params)) as days_since_submission,
           -- RULEBOOK §9 compares the FIRST submission with the filing limit (later versions are resubmissions)
           (select min(r.submission_date) from claims r where r.claim_id = c.claim_id) as first_submission_date
    from stg_claims c
    left join stg_remit_claims_final f using (claim_id)
    where not c.is_void and not c.is_superseded and (f.claim_id is null or f.is_reversed)
),
claim_value as (
    select claim_id, sum(line_value) as claim_value, count(*) as lines,
           string_agg(distinct value_basis, '; ') as value_basis
    from stg_line_status group by claim_id
)
select u.*, u.first_submission_date <= u.filing_deadline as filed_timely,
       patient_ref_of(u.patient_key) as patient_ref, v.lines, v.value_basis,
       round(coalesce(v.claim_value, 0), 2)::decimal(12,2) as amount_usd
from unanswered u
left join claim_value v using (claim_id)
where u.days_since_submission >= setting_num('unpaid_claim_days');

-- Unbilled documented visits -------------------------------------------------------------------------
-- A patient-day with visit rows and no (non-void) claim line for that patient and DOS. A day billed on
-- any claim is not unbilled, even when one documented code is missing (that is a units question).
-- Payer: the visit rows' payer (stg_payers); when the export has none, the patient's claim payer whose
-- first DOS is nearest. Units: the documented units; blank units: floor((minutes + 7) / 15) for a
-- timed code, 1 for an untimed one.
create or replace table stg_unbilled_codes as
with billed_days as (
    select distinct patient_key, dos from stg_claim_lines
),
documented as (
    select v.patient_key, v.dos, v.cpt, any_value(v.is_timed) as is_timed,
           sum(v.units) as units_documented, count(v.units) = count(*) as units_complete,
           sum(v.minutes) as minutes,
           bool_or(list_contains(string_split(coalesce(v.modifiers, ''), ';'), 'CO')) as has_co,
           mode(v.payer) as export_payer, min(v.provider_npi) as provider_npi, min(v.source_file) as source_file
    from stg_visit_lines v
    where v.patient_key is not null and v.dos is not null and v.cpt is not null
      and v.dos <= (select as_of from audit_params)
      and not exists (select 1 from billed_days b where b.patient_key = v.patient_key and b.dos = v.dos)
    group by v.patient_key, v.dos, v.cpt
),
day_payer as (
    select d.patient_key, d.dos, any_value(p.payer_name) as export_payer_name,
           arg_min({'payer_name': coalesce(c.payer_name, ''), 'payer_id': coalesce(c.payer_id, '')},
                   abs(date_diff('day', c.first_dos, d.dos))) as claim_payer
    from documented d
    left join stg_payers p on p.payer_name = d.export_payer and p.payer_id = ''
    left join stg_claims c on c.patient_key = d.patient_key and not c.is_void
    group by d.patient_key, d.dos
)
select d.*, py.payer_key, py.payer_display, py.payer_class, py.timely_filing_days, py.fee_pct_of_medicare,
       py.payer_class = 'medicare' or coalesce(py.follows_medicare_rules, false) as medicare_rules,
       case when d.units_complete then round(d.units_documented)
            when d.is_timed then floor((coalesce(d.minutes, 0) + 7) / 15)
            else 1 end::integer as units,
       d.patient_key || '|' || strftime(d.dos, '%Y-%m-%d') || '|unbilled' as visit_key,
       'unbilled|' || d.patient_key || '|' || strftime(d.dos, '%Y-%m-%d') || '|' || d.cpt as line_key
from documented d
join day_payer dp using (patient_key, dos)
left join stg_payers py
       on (dp.export_payer_name is not null and py.payer_name = dp.export_payer_name and py.payer_id = '')
       or (dp.export_payer_name is null and py.payer_name = dp.claim_payer.payer_name
           and py.payer_id = dp.claim_payer.payer_id);

delete from pricing_input where scenario = 'unbilled';
insert into pricing_input
select 'unbilled', visit_key, line_key, cpt, dos, units, has_co, medicare_rules, fee_pct_of_medicare
from stg_unbilled_codes;

create or replace table stg_unbilled_visits as
with priced as (
    select u.*,
           coalesce(o.expected_allowed, round(md.per_unit * u.units, 2))::decimal(12,2) as expected_allowed,
           case when o.expected_allowed is not null and u.medicare_rules
                     then 'Medicare fee schedule ' || year(u.dos) || ', locality ' || (select locality from audit_params) || ', MPPR applied'
                when o.expected_allowed is not null
                     then round(u.fee_pct_of_medicare * 100)::integer || '% of the Medicare fee schedule ' || year(u.dos)
                when md.per_unit is not null then 'median allowed of ' || u.cpt || ' for this payer in the 835s'
                else 'no fee schedule or paid history for ' || u.cpt end as price_basis
    from stg_unbilled_codes u
    left join pricing_output o on o.scenario = 'unbilled' and o.line_key = u.line_key
    left join stg_median_allowed md on md.cpt = u.cpt and md.payer_key = u.payer_key
)
select patient_key, dos, patient_ref_of(patient_key) as patient_ref,
       any_value(payer_key) as payer_key, any_value(payer_display) as payer_display,
       any_value(payer_class) as payer_class,
       coalesce(any_value(timely_filing_days), 90) as timely_filing_days,
       filing_deadline_of(dos, coalesce(any_value(timely_filing_days), 90)) as filing_deadline,
       string_agg(cpt || ' x' || units, ', ' order by cpt) as codes,
       round(coalesce(sum(expected_allowed), 0), 2)::decimal(12,2) as amount_usd,
       string_agg(distinct price_basis, '; ') as price_basis,
       min(provider_npi) as provider_npi, min(source_file) as source_file
from priced
group by patient_key, dos;

-- Correction deadline of a filed line --------------------------------------------------------------------
-- For findings on lines of claims that were filed and adjudicated (UNITS_UNDERBILLED, UNITS_MISALLOCATED,
-- CO_MODIFIER_UNNEEDED) the fix is a corrected claim / reopening of the adjudicated claim, not an initial
-- filing: Medicare (payer_class medicare) = first payment date + medicare_reopening_days (42 CFR 405.980);
-- other payers = the later of the filing deadline and the final payment date + the payer's appeal_days.
-- Claims with no final remittance (or reversed with no correction), or no payment date: the filing deadline.
create or replace table stg_line_correction as
select l.line_key, l.claim_id, l.filing_deadline, f.first_payment_date, f.payment_date,
       f.claim_id is not null and not f.is_reversed and f.payment_date is not null as adjudicated,
       case when f.claim_id is null or f.is_reversed or f.payment_date is null then l.filing_deadline
            when l.payer_class = 'medicare'
                 then f.first_payment_date + setting_num('medicare_reopening_days')::integer
            else greatest(l.filing_deadline, f.payment_date + l.appeal_days::integer) end as correction_deadline,
       case when f.claim_id is null or f.is_reversed or f.payment_date is null then 'filing deadline'
            when l.payer_class = 'medicare' then 'Medicare reopening window'
            when l.filing_deadline >= f.payment_date + l.appeal_days::integer then 'filing deadline'
            else 'payer corrected-claim window' end as correction_basis
from stg_claim_lines l
left join stg_remit_claims_final f using (claim_id);

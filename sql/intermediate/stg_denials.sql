-- stg_denials: one row per denied line, or per claim when the denial is claim-level (DENIAL_RECOVERABLE,
-- DENIAL_WRITE_OFF; DESIGN §10, RULEBOOK §10).
-- A line is denied per CONTRACT §6 (stg_line_status.is_denied; claim-level denials mark every line of
-- the claim). Amount (DESIGN §10): the line's expected allowed; for a partial reduction (something was
-- allowed) the denied adjustment amount capped at the expected allowed. Claim-level: the sum over the
-- claim's lines, or for a partial claim-level reduction the denied claim adjustments capped at that sum.
-- Amounts are dollars (DECIMAL(12,2)); dates are DATE; "as of" is audit_params.as_of.

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
                     || string_agg(distinct d.price_basis, '; ' order by d.price_basis) || ')' end as amount_basis,
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

-- fu_reasons: what in the day-30 data shows a baseline finding is no longer a problem (fid, reason,
-- reason_date), for the findings the day-30 audit no longer finds. A finding is withdrawn only with such a
-- reason, found in the data now on file; reason_date is the date of that evidence when it has one (a plan's
-- signature, a claim version's submission): after day 0 the problem was fixed (corrected), not disproved.
-- A document is evidence only when it is new since day 0 (not on file in the baseline with the same dates):
-- a plan, certification or authorization the baseline already had cannot explain why a finding went away
-- (with only the new files, visits whose claims are not in the folder can make a count or a first-treatment
-- date change; such a finding stays open).
-- At most one reason per finding, the first of:
--   DENIAL_*                 the final 835 now on file shows the line (the claim) paid
--   UNDERPAYMENT             the 835 now on file allows the expected amount (within the rule's tolerance)
--   CLAIM_UNPAID, TIMELY_FILING_RISK (claim)   an 835 now on file answers the claim
--   VISIT_UNBILLED, TIMELY_FILING_RISK (visit) a claim now on file bills the visit
--   POC_MISSING              a plan of care starting on or before the date is now on file
--   POC_CERT_LATE            the initial plan covering the date was signed within the signature limit
--   POC_RECERT_LATE          a plan of care now on file certifies the date
--   PROGRESS_REPORT_OVERDUE  a progress report or evaluation the baseline did not have, within the limit
--   MASSHEALTH_PA_MISSING, AUTH_EXCEEDED   an authorization now on file covers the date
--   MASSHEALTH_RX_LAPSED     a prescription or plan signed within the renewal limit before the date
--   MINUTES_MISSING          the documentation now shows minutes for the code that day
--   UNITS_*                  the documented minutes, or the units the claims bill, differ from day 0 (not when
--                            the day's visit rows come from several export files: sums of repeated rows prove nothing)
--   line coding rules and CO_*   the claim now on file bills the line with other modifiers (other units for
--                            UNTIMED_MULTIPLE_UNITS, MUE_EXCEEDED), or no longer bills the code; CO_*: also the
--                            assistant's documented minutes differ from day 0
--   KX_MISSING, TMR_THRESHOLD    with every baseline file in the input: the year's therapy total no longer
--                            passes the threshold by that date
create or replace temp table fu_reasons as
with b as (select * from fu_baseline),
new_minutes as (   -- n_files > 1: the day's rows come from several exports (a refreshed export beside the old
                   -- one repeats them), so their sums are no evidence
    select patient_key, dos, cpt, sum(minutes) as minutes, sum(ota_minutes_eff) as ota_minutes,
           count(distinct source_file) as n_files
    from stg_visit_lines group by all
),
base_minutes as (
    select patient_key, dos, cpt, sum(minutes) as minutes, sum(ota_minutes_eff) as ota_minutes
    from fu_base.stg_visit_lines group by all
),
new_line as (    -- the code as the claim now on file bills it that day (first line of the code)
    select claim_id, dos, cpt, arg_min(modifiers, line_number) as modifiers, sum(units) as units
    from stg_claim_lines group by all
),
new_units as (select patient_key, dos, cpt, sum(units) as units from stg_claim_lines group by all),
new_plans as (      -- plans of care not on file on day 0 with these dates
    select p.* from stg_plans p
    where not exists (select 1 from fu_base.stg_plans o
                      where o.patient_key = p.patient_key and o.start_date = p.start_date
                        and o.end_date is not distinct from p.end_date and o.signed_date is not distinct from p.signed_date
                        and o.order_date is not distinct from p.order_date)
),
new_intervals as (  -- certification intervals not on file on day 0 with these dates and signature
    select ci.* from stg_cert_intervals ci
    where not exists (select 1 from fu_base.stg_cert_intervals o
                      where o.patient_key = ci.patient_key and o.start_date = ci.start_date
                        and o.cert_end is not distinct from ci.cert_end
                        and o.certified_from is not distinct from ci.certified_from
                        and o.signed_date is not distinct from ci.signed_date)
),
new_auths as (      -- authorizations not on file on day 0 with these dates and visits
    select a.* from stg_authorizations a
    where not exists (select 1 from fu_base.stg_authorizations o
                      where o.patient_key = a.patient_key and o.auth_number is not distinct from a.auth_number
                        and o.start_date = a.start_date and o.end_date is not distinct from a.end_date
                        and o.visits_authorized is not distinct from a.visits_authorized)
),
reasons as (
    select b.fid, 1 as prio,
           'the 835 of ' || strftime(s.payment_date, '%Y-%m-%d') || ' now on file shows the line paid '
           || fu_money(s.paid) as reason, s.payment_date as reason_date
    from b join stg_line_status s on s.claim_id = b.claim_id and s.dos = b.dos and s.cpt = b.cpt
    where b.family = 'DENIAL' and b.item_grain = 'line' and not s.is_denied and s.paid > 0
    union all
    select b.fid, 1, 'the 835 of ' || strftime(r.payment_date, '%Y-%m-%d') || ' now on file shows the claim paid '
           || fu_money(r.paid), r.payment_date
    from b join stg_remit_claims_final r on r.claim_id = b.claim_id
    where b.family = 'DENIAL' and b.item_grain = 'claim' and not r.is_claim_denied and not r.is_reversed and r.paid > 0
    union all
    select b.fid, 1, 'the 835 now on file allows ' || fu_money(s.remit_allowed) || ' for the line (expected '
           || fu_money(s.expected_allowed) || ')', s.payment_date
    from b join stg_line_status s on s.claim_id = b.claim_id and s.dos = b.dos and s.cpt = b.cpt
    where b.rule_id = 'UNDERPAYMENT' and s.remit_allowed is not null and s.expected_allowed is not null
      and s.remit_allowed >= s.expected_allowed
          - case when s.payer_class = 'medicare'
                 then setting_num('medicare_underpayment_tolerance_per_unit') * coalesce(s.units, 1)
                 else setting_num('other_underpayment_tolerance_per_line') end
    union all
    select b.fid, 1, 'an 835 of ' || strftime(r.payment_date, '%Y-%m-%d') || ' now on file answers the claim ('
           || fu_money(r.paid) || ' paid)', r.payment_date
    from b join stg_remit_claims_final r on r.claim_id = b.claim_id
    where b.family = 'UNPAID' and b.item_grain = 'claim' and not r.is_reversed
    union all
    select b.fid, 1, 'claim ' || l.claim_id || ', submitted ' || strftime(l.submission_date, '%Y-%m-%d')
           || ', now bills this visit', l.submission_date
    from b join stg_claim_lines l on l.patient_key = b.patient_key and l.dos = b.dos
    where b.family = 'UNPAID' and b.item_grain = 'visit'
    union all
    select b.fid, 1, 'a plan of care starting ' || strftime(p.start_date, '%Y-%m-%d')
           || coalesce(', signed ' || strftime(p.signed_date, '%Y-%m-%d'), '') || ', is now on file', p.signed_date
    from b join new_plans p on p.patient_key = b.patient_key and p.start_date <= b.dos
    where b.rule_id = 'POC_MISSING'
    union all
    select b.fid, 1, 'the plan of care now on file (' || strftime(ci.start_date, '%Y-%m-%d') || ' to '
           || strftime(ci.cert_end, '%Y-%m-%d') || ') was signed ' || strftime(ci.signed_date, '%Y-%m-%d')
           || ', within ' || setting_num('cert_signature_days')::integer || ' days of the first treatment', ci.signed_date
    from b join new_intervals ci on ci.patient_key = b.patient_key and b.dos between ci.start_date and ci.cert_end
    where b.rule_id = 'POC_CERT_LATE' and ci.cert_kind = 'initial' and ci.signed_date is not null
      and ci.signed_date <= coalesce(ci.first_treatment_dos, ci.start_date) + setting_num('cert_signature_days')::integer
    union all
    select b.fid, 1, 'a plan of care now on file certifies the date (' || strftime(ci.certified_from, '%Y-%m-%d')
           || ' to ' || strftime(ci.cert_end, '%Y-%m-%d')
           || coalesce(', signed ' || strftime(ci.signed_date, '%Y-%m-%d'), '') || ')', ci.signed_date
    from b join new_intervals ci on ci.patient_key = b.patient_key
     and b.dos between ci.certified_from and ci.cert_end
    where b.rule_id = 'POC_RECERT_LATE'
    union all
    select b.fid, 1, 'a progress report or evaluation dated '
           || strftime(greatest(n.last_report, n.last_eval), '%Y-%m-%d') || ' is now on file', null::date
    from b join stg_progress_days n on n.patient_key = b.patient_key and n.dos = b.dos
    left join fu_base.stg_progress_days o on o.patient_key = b.patient_key and o.dos = b.dos
    where b.rule_id = 'PROGRESS_REPORT_OVERDUE' and n.progress_day_no <= setting_num('progress_report_days')
      and (n.last_report is distinct from o.last_report or n.last_eval is distinct from o.last_eval)
    union all
    select b.fid, 1, 'an authorization now on file covers the date (' || strftime(a.start_date, '%Y-%m-%d') || ' to '
           || strftime(a.end_date, '%Y-%m-%d') || ')', null::date
    from b join new_auths a on a.patient_key = b.patient_key and b.dos between a.start_date and a.end_date
    where b.rule_id in ('MASSHEALTH_PA_MISSING', 'AUTH_EXCEEDED')
    union all
    select b.fid, 1, 'a prescription or plan signed ' || strftime(greatest(p.signed_date, p.order_date), '%Y-%m-%d')
           || ' is now on file', greatest(p.signed_date, p.order_date)
    from b join new_plans p on p.patient_key = b.patient_key
     and greatest(p.signed_date, p.order_date) between b.dos - setting_num('masshealth_rx_days')::integer and b.dos
    where b.rule_id = 'MASSHEALTH_RX_LAPSED'
    union all
    select b.fid, 1, 'the documentation now shows ' || v.minutes::integer || ' minutes for the code that day', null::date
    from b join new_minutes v on v.patient_key = b.patient_key and v.dos = b.dos and v.cpt = b.cpt
    where b.rule_id = 'MINUTES_MISSING' and v.minutes > 0
    union all
    select b.fid, 1,
           case when nm.minutes is distinct from om.minutes
                then 'the documentation now on file shows ' || coalesce(nm.minutes, 0)::integer
                     || ' minutes for the code that day (' || coalesce(om.minutes, 0)::integer || ' on day 0)'
                else 'the claims now on file bill ' || coalesce(nu.units, 0)::integer || ' unit(s) of the code that day ('
                     || coalesce(b.units_billed, 0)::integer || ' on day 0)' end, null::date
    from b
    left join new_minutes nm on nm.patient_key = b.patient_key and nm.dos = b.dos and nm.cpt = b.cpt
    left join base_minutes om on om.patient_key = b.patient_key and om.dos = b.dos and om.cpt = b.cpt
    left join new_units nu on nu.patient_key = b.patient_key and nu.dos = b.dos and nu.cpt = b.cpt
    where b.rule_id in ('UNITS_UNDERBILLED', 'UNITS_OVERBILLED', 'UNITS_MISALLOCATED')
      and coalesce(nm.n_files, 0) <= 1
      and (nm.minutes is distinct from om.minutes or coalesce(nu.units, 0) is distinct from coalesce(b.units_billed, 0))
    union all
    select b.fid, 2,
           case when l.claim_id is null then 'the claim now on file no longer bills ' || b.cpt || ' on that date'
                else 'the claim now on file bills ' || b.cpt || coalesce(' with ' || nullif(fu_mods(l.modifiers), ''), ' with no modifier')
                     || ' x ' || l.units::integer end, c.submission_date
    from b join stg_claims c on c.claim_id = b.claim_id and not c.is_void and not c.is_superseded
    left join new_line l on l.claim_id = b.claim_id and l.dos = b.dos and l.cpt = b.cpt
    where b.item_grain = 'line'
      and b.rule_id in ('GO_MISSING', 'DISCIPLINE_MODIFIER_WRONG', 'KX_MISSING', 'NCCI_MODIFIER_MISSING', 'CODING_EDIT',
                        'MUE_EXCEEDED', 'UNTIMED_MULTIPLE_UNITS', 'CO_MODIFIER_MISSING', 'CO_MODIFIER_UNNEEDED')
      and (l.claim_id is null or fu_mods(l.modifiers) <> fu_mods(b.modifiers)
           or (b.rule_id in ('UNTIMED_MULTIPLE_UNITS', 'MUE_EXCEEDED') and l.units is distinct from b.units_billed))
    union all
    select b.fid, 3, 'the documentation now on file shows ' || coalesce(nm.ota_minutes, 0)::integer || ' of '
           || coalesce(nm.minutes, 0)::integer || ' minutes by the assistant (' || coalesce(om.ota_minutes, 0)::integer
           || ' of ' || coalesce(om.minutes, 0)::integer || ' on day 0)', null::date
    from b
    left join new_minutes nm on nm.patient_key = b.patient_key and nm.dos = b.dos and nm.cpt = b.cpt
    left join base_minutes om on om.patient_key = b.patient_key and om.dos = b.dos and om.cpt = b.cpt
    where b.rule_id in ('CO_MODIFIER_MISSING', 'CO_MODIFIER_UNNEEDED')
      and coalesce(nm.n_files, 0) <= 1
      and (nm.ota_minutes is distinct from om.ota_minutes or nm.minutes is distinct from om.minutes)
    union all
    select b.fid, 4, 'with every day-0 file and the new ones, the patient''s ' || year(b.dos)
           || ' therapy total no longer passes the threshold by this date', null::date
    from b, fu_params p
    where b.rule_id in ('KX_MISSING', 'TMR_THRESHOLD') and p.has_all_baseline_files
)
select fid, reason, reason_date
from reasons
qualify row_number() over (partition by fid order by prio, reason_date nulls first, reason) = 1;

-- follow_up: the status of every baseline finding at day 30 (one row per baseline finding; kept in the day-30
-- audit database; follow-up.csv and the follow-up report read it). DESIGN §12 states the rules; in order:
--   recovered  an 835 paid after day 0 for the finding's item (fu_recovery.paid_since > 0); amount_recovered_usd
--              = its share of those dollars, each dollar counted once (fu_recovery.allocated)
--   corrected  resubmitted after day 0 (fu_rebills) and no payment yet: for denials and unpaid / unbilled work
--              the resubmission is the fix; for the other claim and line findings only when the day-30 audit,
--              on data that covers the claim, no longer finds the problem. Also: no longer found, with evidence
--              dated after day 0 (fu_reasons.reason_date, e.g. a plan of care signed since)
--   withdrawn  covered by the day-30 data (fu_covered), no longer found (fu_matches), and the data shows why
--              (fu_reasons) with evidence dated on or before day 0
--   open / lost  everything else. Money the practice had not received (baseline kind recoverable or lost):
--              lost when already lost on day 0, when the day-30 audit finds it past recovery, or when its
--              deadline fell between day 0 and day 30; else open (a deadline that had passed before day 0
--              while the baseline still judged the item recoverable, e.g. an unpaid claim filed in time, does
--              not make it lost). deadline = the day-30 finding's fix_by when it is still found and has one,
--              else the baseline's fix_by. Exposure (at_risk, overbilled): open.
--   days_left  open money: deadline - the day-30 as-of date, at least 0; lost since day 0: the same, at most 0
--              (days past the deadline, negative); empty otherwise (exposure, already lost on day 0, no
--              deadline known)
create or replace table follow_up as
with m as (
    select fid, new_rule_id, new_kind, new_fix_by from (
        select m.*, row_number() over (partition by m.fid order by (m.new_rule_id = b.rule_id) desc, m.nid) as k
        from fu_matches m join fu_baseline b using (fid))
    where k = 1
),
x as (
    select b.*, p.base_as_of, p.new_as_of,
           r.paid_since, r.allocated, r.evidence as pay_evidence, r.counted_on, r.last_payment_date,
           rb.rebill_date, rb.rebill_file, rb.rebill_claim_id,
           coalesce(cv.covered, false) as covered,
           m.fid is not null as still_found, m.new_kind, m.new_fix_by,
           rs.reason, rs.reason_date,
           case when m.fid is not null then coalesce(m.new_fix_by, b.fix_by) else b.fix_by end as deadline
    from fu_baseline b cross join fu_params p
    left join fu_recovery r using (fid)
    left join fu_rebills rb using (fid)
    left join fu_covered cv using (fid)
    left join m using (fid)
    left join fu_reasons rs using (fid)
),
decided as (
    select x.*,
           rebill_date is not null and item_grain <> 'year' and (is_money or item_grain <> 'visit')
               and (family in ('DENIAL', 'UNPAID') or (covered and not still_found)) as corrected_by_rebill,
           case
               when coalesce(paid_since, 0) > 0 or coalesce(allocated, 0) > 0 then 'recovered'
               when rebill_date is not null and item_grain <> 'year' and (is_money or item_grain <> 'visit')
                    and (family in ('DENIAL', 'UNPAID') or (covered and not still_found)) then 'corrected'
               when covered and not still_found and reason is not null
                    then case when reason_date > base_as_of then 'corrected' else 'withdrawn' end
               when is_money then
                    case when amount_kind = 'lost' then 'lost'
                         when still_found and new_kind = 'lost' then 'lost'
                         when deadline >= base_as_of and deadline < new_as_of then 'lost'
                         else 'open' end
               else 'open' end as status
    from x
)
select fid, rule_id, claim_id, dos, cpt, patient_ref, patient_key, payer, payer_class, priority_rank as baseline_rank,
       family, item_grain, amount_usd as baseline_amount_usd, amount_kind as baseline_kind, fix_by as baseline_fix_by,
       status,
       case when status = 'recovered' then coalesce(allocated, 0) else 0 end::decimal(12, 2) as amount_recovered_usd,
       case when not is_money or amount_kind = 'lost' then null
            when status = 'open' and deadline is not null then greatest(deadline - new_as_of, 0)::integer
            when status = 'lost' then least(coalesce(deadline - new_as_of, 0), 0)::integer end as days_left,
       deadline, covered, still_found, rebill_date, coalesce(paid_since, 0)::decimal(12, 2) as paid_since,
       last_payment_date, reason,
       case status
           when 'recovered' then
               case when coalesce(allocated, 0) > 0 then 'recovered ' || fu_money(allocated) || ' since day 0: ' || pay_evidence
                    else 'paid since day 0 (' || pay_evidence || '); the dollars are counted on '
                         || coalesce(counted_on, 'another finding') || ' for the same item' end
           when 'corrected' then
               case when corrected_by_rebill
                    then 'resubmitted ' || strftime(rebill_date, '%Y-%m-%d') || ' (837 ' || rebill_file || ', claim '
                         || rebill_claim_id || '); no payment received yet'
                    else 'fixed since day 0: ' || reason end
           when 'withdrawn' then 'not a problem after all: ' || reason
           when 'open' then
               case when is_money and deadline >= new_as_of
                    then 'still open: ' || (deadline - new_as_of) || ' days left (fix by ' || strftime(deadline, '%Y-%m-%d') || ')'
                    when is_money and deadline is not null
                    then 'still open: its deadline ' || strftime(deadline, '%Y-%m-%d') || ' passed before day 0, but it '
                         || 'was judged recoverable then (act now)'
                    else 'still open' end
               || case when not covered and is_money then '; not in the day-30 files, and no payment or resubmission since day 0'
                       when not covered then '; not in the day-30 files, and nothing since day 0 shows it fixed'
                       when not still_found then '; no longer found by the day-30 audit, but the files now on file do not show why, so it stays open'
                       when rebill_date is not null then '; resubmitted ' || strftime(rebill_date, '%Y-%m-%d') || ', but the day-30 audit still finds it'
                       else '; the day-30 audit still finds it' end
           when 'lost' then
               case when amount_kind = 'lost' then 'already lost on day 0; no payment since'
                    when still_found and new_kind = 'lost' and (deadline is null or deadline >= new_as_of)
                    then 'written off since day 0: the day-30 audit finds it past recovery'
                    else 'deadline ' || strftime(deadline, '%Y-%m-%d') || ' passed ' || (new_as_of - deadline)
                         || ' days before day 30, with no payment or resubmission' end
       end as evidence
from decided;

-- rule: UNDERPAYMENT
-- title: Allowed amount below the expected fee schedule
-- category: leakage
-- severity: medium
-- grain: line
-- requires: claims, remittances
-- citation: CMS PFS (RVU x GPCI x CF), MPPR (Pub. 100-04 Ch.5 §10.7), payer contract
-- provenance: RULEBOOK §6; §11
--
-- UNDERPAYMENT: a paid line whose remitted allowed amount is below the expected fee schedule.
-- Rule: RULEBOOK §6 (MPPR "Check the software can make": remitted < expected - tolerance gives an
-- underpayment, dollars = difference), §11.3 (tolerance $0.01 per unit for Medicare; contract
-- tolerance for others), §10 (CO-45 / CO-59 must match the fee schedule and MPPR).
-- Scope: lines with a confirmed fee schedule that were paid (> 0) and are not denied (denied lines carry
--   their dollars on DENIAL_*): payer_class medicare, or a payer whose fee % of Medicare was set in
--   practice.toml (stg_payers.config_name matched a config_payers row with fee_pct_of_medicare). The
--   directory's default percentages are a pricing proxy, never a contract rate (RULEBOOK §11.3/§11.4), so
--   other payers get no underpayment finding; nor does the median fallback, nor a line priced from a
--   proxy fee schedule (a year or code with no CMS release loaded: RULEBOOK §11.4).
-- Fires when: remit_allowed (AMT*B6, else paid + PR + CO-253) < expected allowed (MPPR per visit, CO
--   differential) - tolerance; tolerance = medicare_underpayment_tolerance_per_unit x units for
--   Medicare, other_underpayment_tolerance_per_line for other payers.
-- amount_usd: expected allowed - remit_allowed. amount_kind: recoverable while the appeal window is open
--   (as of <= window end), else lost. fix_by: window end = payment date + redetermination days
--   (Medicare) or payer appeal_days.
with paid_lines as (
    select s.*, l.whole_units, l.appeal_days, r.source_file as remit_source_file
    from stg_line_status s
    join stg_claim_lines l using (line_key)
    join stg_line_match m using (line_key)
    join stg_remit_lines_final r on r.source_file = m.remit_source_file and r.segment_pos = m.remit_segment_pos
    where s.paid > 0 and not s.is_denied and s.fee_schedule_priced and not s.is_proxy
      and s.remit_allowed is not null and s.expected_allowed is not null
      and (s.payer_class = 'medicare'
           or exists (select 1 from stg_payers py join config_payers c on c.name = py.config_name
                      where py.payer_name = l.payer_name and py.payer_id = l.payer_id
                        and c.fee_pct_of_medicare is not null))
),
tolerated as (
    select *,
           case when payer_class = 'medicare'
                then setting_num('medicare_underpayment_tolerance_per_unit') * whole_units
                else setting_num('other_underpayment_tolerance_per_line') end as tolerance
    from paid_lines
),
underpaid as (
    select *, (expected_allowed - remit_allowed)::decimal(12,2) as shortfall,
           payment_date + recovery_window_days(payer_class, 'APPEAL', appeal_days) as window_end,
           recovery_window_name(payer_class, 'APPEAL') as window_name
    from tolerated
    where remit_allowed < expected_allowed - tolerance
)
select 'UNDERPAYMENT' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos, cpt, modifiers,
       units as units_billed, null::double as units_expected, round(shortfall, 2)::decimal(12,2) as amount_usd,
       case when (select as_of from audit_params) <= window_end then 'recoverable' else 'lost' end as amount_kind,
       window_end as fix_by,
       'Allowed $' || remit_allowed::varchar || ' on the remittance of ' || strftime(payment_date, '%Y-%m-%d')
       || ' is $' || shortfall::varchar || ' below the expected $' || expected_allowed::varchar
       || ' (' || price_basis || '; tolerance $' || round(tolerance, 2)::decimal(12,2)::varchar || '); the '
       || window_name || ' ' || case when (select as_of from audit_params) <= window_end then 'ends ' else 'ended ' end
       || strftime(window_end, '%Y-%m-%d') || '.' as detail,
       remit_source_file as source_file, rendering_npi as provider_npi
from underpaid

-- rule: DENIAL_RECOVERABLE
-- title: Denied line that can still be corrected or appealed
-- category: denial
-- severity: high
-- grain: line
-- requires: claims, remittances
-- citation: 42 CFR 405.980 (reopening); 42 CFR 405.942 (redetermination); payer appeal limits
-- provenance: RULEBOOK §10
--
-- DENIAL_RECOVERABLE: a denied line (or claim, when the payer denied at claim level) whose reason can
-- still be corrected or appealed.
-- Rule: CONTRACT §6 "Denied"; RULEBOOK §10 (CARC classes FIX / APPEAL; Medicare reopening within 1 year,
-- 42 CFR 405.980; redetermination within 120 days, 42 CFR 405.942; other payers: their appeal limit).
-- Fires when: the final remittance denies the line (an adjustment with group != PR, reason not in
--   45/59/253, amount > 0; or a claim-level denial with no SVC lines), the class of its largest such
--   adjustment is FIX or APPEAL, and the window end >= as of (stg_denials.is_recoverable; a remittance
--   with no payment date cannot be timed and stays recoverable, fix_by empty).
-- amount_usd: the line's expected allowed (fee schedule, MPPR and CO applied; else median allowed);
--   for a partial reduction the denied adjustment amount capped at the expected allowed; claim-level:
--   summed over the claim's lines (stg_denials, DESIGN §10).
-- amount_kind: recoverable. fix_by: the window end = payment date + window (Medicare FIX: reopening
--   days; Medicare APPEAL: redetermination days; others: payer appeal_days). A Medicare line with RARC MA130
--   (unprocessable, no appeal rights: a new claim, which counts against timely filing) ends at the earlier of
--   that and the line's filing deadline (stg_denials.window_end, RULEBOOK §10).
with recoverable as (
    select * from stg_denials where is_recoverable
)
select 'DENIAL_RECOVERABLE' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos, cpt, modifiers,
       units as units_billed, null::double as units_expected, amount_usd, 'recoverable' as amount_kind,
       window_end as fix_by,
       case when level = 'claim' then 'Claim denied at claim level (CLP02 status ' || clp_status || ')'
            else 'Line denied' end
       || ' ' || coalesce(denial_code, 'with no reason code')
       || coalesce(' (RARC ' || nullif(remark_codes, '') || ')', '')
       || ', class ' || denial_class || ', on the remittance of ' || coalesce(strftime(payment_date, '%Y-%m-%d'), 'unknown date')
       || '; the ' || window_text || ' ends '
       || coalesce(strftime(window_end, '%Y-%m-%d'), 'on a date that cannot be told (no payment date)')
       || '; $' || amount_usd::varchar || ' = ' || amount_basis || '.' as detail,
       remit_source_file as source_file, rendering_npi as provider_npi
from recoverable

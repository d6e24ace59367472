-- rule: DENIAL_WRITE_OFF
-- title: Denial that can no longer be recovered
-- category: denial
-- severity: medium
-- grain: line
-- requires: claims, remittances
-- citation: X12 CARC definitions; 42 CFR 424.44 (timely filing)
-- provenance: RULEBOOK §10
--
-- DENIAL_WRITE_OFF: a denial that can no longer be recovered.
-- Rule: CONTRACT §6 "Denied"; RULEBOOK §10 (CO-29 timely filing, CO-197/198 authorization and other
-- WRITE-OFF / PATIENT classes; FIX and APPEAL denials once their window has closed); RULEBOOK §9 (a).
-- Fires when: the final remittance denies the line (or the claim, at claim level) and either its class
--   is not FIX/APPEAL (WRITE-OFF, PATIENT, unknown-but-classed), or the window (Medicare FIX: reopening
--   days, Medicare APPEAL: redetermination days, others: payer appeal_days after the payment date)
--   ended before as of (stg_denials.is_recoverable = false).
-- amount_usd: as DENIAL_RECOVERABLE (expected allowed; partial reduction: denied amount capped at it).
-- amount_kind: lost. fix_by: empty.
with written_off as (
    select * from stg_denials where not is_recoverable
)
select 'DENIAL_WRITE_OFF' as rule_id, null as category, null as severity,
       claim_id, null as payer_claim_id, patient_ref, payer_display as payer, payer_class, dos, cpt, modifiers,
       units as units_billed, null::double as units_expected, amount_usd, 'lost' as amount_kind,
       null::date as fix_by,
       case when level = 'claim' then 'Claim denied at claim level (CLP02 status ' || clp_status || ')'
            else 'Line denied' end
       || ' ' || coalesce(denial_code, 'with no reason code')
       || coalesce(' (RARC ' || nullif(remark_codes, '') || ')', '')
       || ', class ' || denial_class || ', on the remittance of ' || coalesce(strftime(payment_date, '%Y-%m-%d'), 'unknown date')
       || case when window_days is null then '; not recoverable by correction or appeal'
               else '; the ' || window_text || ' ended '
                    || strftime(window_end, '%Y-%m-%d') end
       || '; $' || amount_usd::varchar || ' = ' || amount_basis || '.' as detail,
       remit_source_file as source_file, rendering_npi as provider_npi
from written_off

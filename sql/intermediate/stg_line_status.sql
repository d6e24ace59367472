-- stg_line_status: per final claim line, what the payer did and what the line is worth.
-- line_value = the 835 allowed when the line was paid; else the expected allowed (fee schedule);
--              else the practice's median allowed for the code and payer (stg_line_pricing).
-- disposition = at_risk when paid (money received that a finding may take back), or adjudicated, not
--               denied, with an allowed amount (applied to the deductible / coinsurance: the patient owes it);
--               recoverable when unpaid and the payer's filing deadline has not passed; else lost.
-- Denied (CONTRACT §6): an adjustment with group != PR, a reason not of class EXPECTED (45, 59, 253, 237 ...)
-- and amount > 0 (is_denying_adjustment, sql/macros.sql). A claim-level denial (final CLP status 4 or a
-- denying claim-level CAS, no SVC lines; DESIGN §10) denies every line of the claim: its code is the claim's
-- largest denying claim-level adjustment.
-- @unique: line_key
-- @not_null: line_key, disposition
-- @accepted: disposition in ('at_risk', 'recoverable', 'lost')
-- @references: line_key -> stg_claim_lines.line_key

create or replace table stg_line_status as
select l.line_key, l.claim_id, l.line_number, l.dos, l.cpt, l.modifiers, l.units, l.whole_units,
       l.patient_key, l.patient_ref, l.payer_display, l.payer_key, l.payer_class, l.rendering_npi,
       l.filing_deadline, l.source_file,
       m.match_method is not null as has_remit_line,
       f.claim_id is not null and not f.is_reversed as has_remit,
       coalesce(r.paid, 0)::decimal(12,2) as paid,
       r.remit_allowed, r.units_paid, coalesce(r.payment_date, cd.payment_date) as payment_date, r.denied_amount,
       coalesce(r.denial_code, cd.claim_denial_code) as denial_code,
       r.denial_code is not null or cd.claim_id is not null as is_denied,
       cd.claim_id is not null as is_claim_level_denial,
       split_part(coalesce(r.denial_code, cd.claim_denial_code), '-', 1) as denial_group,
       split_part(coalesce(r.denial_code, cd.claim_denial_code), '-', 2) as denial_reason,
       coalesce(cc.class, case when r.denial_code is not null or cd.claim_id is not null then 'APPEAL' end) as denial_class,
       p.expected_allowed, p.expected_before_co, p.price_basis, p.fee_schedule_priced, p.is_proxy,
       case when coalesce(r.paid, 0) > 0 and r.remit_allowed > 0 then r.remit_allowed
            else p.expected_allowed end::decimal(12,2) as line_value,
       case when coalesce(r.paid, 0) > 0 and r.remit_allowed > 0 then '835 allowed amount'
            else p.price_basis end as value_basis,
       case when coalesce(r.paid, 0) > 0 then 'at_risk'
            when r.claim_id is not null and not r.is_reversed and r.denial_code is null and cd.claim_id is null
                 and coalesce(r.remit_allowed, 0) > 0 then 'at_risk'
            when (select as_of from audit_params) <= l.filing_deadline then 'recoverable'
            else 'lost' end as disposition
from stg_claim_lines l
left join stg_line_pricing p using (line_key)
left join stg_line_match m using (line_key)
left join stg_remit_lines_final r on r.source_file = m.remit_source_file and r.segment_pos = m.remit_segment_pos
left join stg_remit_claims_final f on f.claim_id = l.claim_id
left join stg_remit_claims_final cd on cd.claim_id = l.claim_id and cd.is_claim_denied and r.claim_id is null
left join seed_carc_classes cc on cc.reason_code = split_part(coalesce(r.denial_code, cd.claim_denial_code), '-', 2);

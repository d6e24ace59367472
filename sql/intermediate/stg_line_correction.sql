-- stg_line_correction: per claim line, the deadline to correct a filed line (correction_deadline).
-- For findings on lines of claims that were filed and adjudicated (UNITS_UNDERBILLED, UNITS_MISALLOCATED,
-- CO_MODIFIER_UNNEEDED) the fix is a corrected claim / reopening of the adjudicated claim, not an initial
-- filing: Medicare (payer_class medicare) = first payment date + medicare_reopening_days (42 CFR 405.980);
-- other payers = the later of the filing deadline and the final payment date + the payer's appeal_days.
-- Claims with no final remittance (or reversed with no correction), or no payment date: the filing deadline.
-- Amounts are dollars (DECIMAL(12,2)); dates are DATE; "as of" is audit_params.as_of.
-- @unique: line_key

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

-- stg_predicted_denial_money: the dollars of a rule that predicts a line's denial (GO_MISSING,
-- DISCIPLINE_MODIFIER_WRONG, KX_MISSING, NCCI_MODIFIER_MISSING, CODING_EDIT, MUE_EXCEEDED), in one place
-- (DESIGN §5 "Overlaps"): the line value, or $0 when the final 835 already denied it (the DENIAL_* finding
-- carries it); kind = the line's disposition; fix_by = the filing deadline; money_note = the detail's
-- closing clause.
-- @unique: line_key

create or replace table stg_predicted_denial_money as
select s.line_key,
       case when dn.is_denied then 0 else coalesce(s.line_value, 0) end::decimal(12,2) as amount_usd,
       s.disposition as amount_kind, s.filing_deadline as fix_by,
       line_value_note(s.line_value, s.value_basis, dn.denial_note) as money_note
from stg_line_status s join stg_line_denial dn using (line_key);

-- stg_line_denial (CONTRACT §6 / DESIGN §5 "Overlaps", §10): whether the final 835 shows the line denied
-- (stg_line_status.is_denied: a line-level denial adjustment, or a claim-level denial of a final CLP with no
-- SVC lines) and the sentence pointing at the denial finding. The line rules that predict a denial
-- (GO_MISSING, DISCIPLINE_MODIFIER_WRONG, KX_MISSING, NCCI_MODIFIER_MISSING, CODING_EDIT, MUE_EXCEEDED) report
-- such lines at $0 with that sentence.
-- @unique: line_key

create or replace table stg_line_denial as
select line_key, is_denied, denial_code,
       case when is_claim_level_denial
                 then 'the final 835 denied the whole claim (' || denial_code || '), so its dollars are on the claim''s DENIAL_RECOVERABLE or DENIAL_WRITE_OFF finding'
            when is_denied
                 then 'the final 835 denied this line (' || denial_code || '), so its dollars are on the line''s DENIAL_RECOVERABLE or DENIAL_WRITE_OFF finding'
       end as denial_note
from stg_line_status;

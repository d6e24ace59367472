-- Follow-up helpers, created as TEMPORARY macros in the day-30 audit's session (they write nothing to either
-- database). Every file of sql/followup/ may use them; the baseline database is attached as `fu_base`.
--
--   fu_family(rule_id)              the rules one problem moves between as time passes, matched as one:
--                                   DENIAL (DENIAL_RECOVERABLE <-> DENIAL_WRITE_OFF when the window closes),
--                                   UNPAID (CLAIM_UNPAID / VISIT_UNBILLED <-> TIMELY_FILING_RISK near the
--                                   filing limit); every other rule is its own family.
--   fu_item_grain(grain, claim_id, cpt)
--                                   what a finding is about: 'line' (a claim line: claim, DOS, code), 'claim'
--                                   (a whole claim: claim-level denials, unpaid claims), 'visit' (a patient and
--                                   DOS: visit rules, unbilled visits), 'year' (a beneficiary and calendar year).
--   fu_mods(modifiers)              a modifier list compared as a set ('GO;KX' = 'KX;GO').
--   fu_money(x)                     '$1,234.56' for evidence text.

create or replace temp macro fu_family(rule_id) as
    case when rule_id in ('DENIAL_RECOVERABLE', 'DENIAL_WRITE_OFF') then 'DENIAL'
         when rule_id in ('CLAIM_UNPAID', 'VISIT_UNBILLED', 'TIMELY_FILING_RISK') then 'UNPAID'
         else rule_id end;

create or replace temp macro fu_item_grain(grain, claim_id, cpt) as
    case when grain = 'beneficiary_year' then 'year'
         when grain = 'visit' or claim_id is null then 'visit'
         when nullif(cpt, '') is null then 'claim'
         else 'line' end;

create or replace temp macro fu_mods(m) as
    array_to_string(list_sort(list_filter(string_split(upper(coalesce(m, '')), ';'), lambda x: trim(x) <> '')), ';');

create or replace temp macro fu_money(x) as
    '$' || format('{:,.2f}', coalesce(x, 0)::double);

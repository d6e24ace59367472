-- fu_claim_lines: every 837P service line of the day-30 input, every submission of every claim id (not only
-- the final version the rules judge), with the submission's patient key (the same patient_key_of as
-- stg_claims) and whether the claim number is new: not among the baseline's claims (a claim created after
-- day 0, e.g. a replacement under another number or a visit billed for the first time).
create or replace temp table fu_claim_lines as
select c.claim_id, c.submission_date, c.frequency_code, c.payer_claim_ref, c.source_file,
       patient_key_of(c.subscriber_member_id, c.patient_last, c.patient_first, c.patient_dob) as patient_key,
       l.dos, nullif(l.cpt, '') as cpt, l.modifiers, l.units, l.line_number,
       c.claim_id not in (select claim_id from fu_base.claims where claim_id is not null) as is_new_claim_number
from claims c
join claim_lines l on l.source_file = c.source_file and l.claim_pos = c.segment_pos
where c.claim_id is not null;

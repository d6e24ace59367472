-- fu_payments: every payment the day-30 input shows after day 0 (835 payment date > the baseline's as-of date),
-- one row per service payment (SVC), reversals (CLP02 22, negative) included, so a sum is net of reversals;
-- a claim payment with no SVC lines is one row with cpt null. Answers of secondary / tertiary payers (CLP02 2,
-- 3, 20, 21) are left out: the follow-up counts what the claim's own payer paid.
-- dos = the SVC's DTM*472, else the CLP's statement date, else the claim's only DOS for the code in the 837s.
-- patient_key: the patient of the claim id in the day-30 837s (null when the input has no 837 for it).
-- is_new_claim_number: the claim id is not among the baseline's claims.
create or replace temp table fu_payments as
with clp as (
    select r.* from remit_claims r, fu_params p
    where r.payment_date > p.base_as_of and r.claim_id is not null
      and not coalesce(r.status_code in ('2', '3', '20', '21'), false)
),
svc as (
    select l.source_file, l.segment_pos, c.claim_id, nullif(l.cpt, '') as cpt, coalesce(l.dos, c.statement_from) as dos,
           l.paid, c.payment_date, c.status_code
    from remit_lines l join clp c on c.source_file = l.source_file and c.segment_pos = l.claim_pos
),
lineless as (
    select c.source_file, c.segment_pos, c.claim_id, null::varchar as cpt, c.statement_from as dos, c.paid,
           c.payment_date, c.status_code
    from clp c
    where not exists (select 1 from remit_lines l where l.source_file = c.source_file and l.claim_pos = c.segment_pos)
),
claim_facts as (
    select claim_id, min(patient_key) as patient_key, bool_and(is_new_claim_number) as is_new_claim_number,
           min(dos) as first_dos
    from fu_claim_lines group by all
),
code_dos as (
    select claim_id, cpt, min(dos) as dos from fu_claim_lines group by all having count(distinct dos) = 1
)
select row_number() over (order by u.source_file, u.segment_pos) as pay_id,
       u.claim_id, u.cpt,
       coalesce(u.dos, cd.dos, case when u.cpt is null then f.first_dos end) as dos,
       u.paid, u.payment_date, u.status_code, u.source_file, u.segment_pos,
       f.patient_key,
       coalesce(f.is_new_claim_number,
                u.claim_id not in (select claim_id from fu_base.claims where claim_id is not null)) as is_new_claim_number
from (select * from svc union all select * from lineless) u
left join claim_facts f on f.claim_id = u.claim_id
left join code_dos cd on cd.claim_id = u.claim_id and cd.cpt = u.cpt;

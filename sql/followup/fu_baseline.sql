-- fu_baseline: every finding of the baseline audit, numbered (fid, in a fixed order), with what the follow-up
-- needs to judge it:
--   family, item_grain      fu_family / fu_item_grain (_macros.sql): how it is matched in the day-30 findings
--   is_money                baseline amount_kind recoverable or lost: dollars the practice had not received;
--                           only these can be recovered, and only their deadlines can make them lost
--   is_increment            the finding's dollars are a difference on a line (UNDERPAYMENT, UNITS_UNDERBILLED,
--                           UNITS_MISALLOCATED, CO_MODIFIER_UNNEEDED): a payment since day 0 counts for it only
--                           when the line had already been paid by day 0 (base_line_paid), so the new money is
--                           the correction and not the first payment of the line
--   level, item_key         who a payment received since day 0 belongs to (fu_recovery): 1 an unpaid line
--                           (denied line, a money finding on an unpaid line), 2 an unpaid claim, 3 an unpaid
--                           visit, 4 an increment on a paid line; null: exposure (at_risk, overbilled), never paid
--   base_line_paid          the line's net payment in the baseline's own 835s up to day 0 was > 0
create or replace temp table fu_baseline as
with f as (
    select f.*, c.grain,
           row_number() over (order by f.rule_id, f.claim_id nulls first, f.dos nulls first, f.cpt nulls first,
                                       f.patient_key nulls first, f.amount_usd, f.detail) as fid
    from fu_base.findings f
    left join fu_base.rule_catalog c on c.rule_id = f.rule_id
),
base_paid as (   -- the baseline's own payments per claim id, code and DOS, up to its as-of date
    select c.claim_id, l.cpt, l.dos, sum(l.paid) as paid
    from fu_base.remit_lines l
    join fu_base.remit_claims c on c.source_file = l.source_file and c.segment_pos = l.claim_pos
    where c.payment_date <= (select base_as_of from fu_params)
      and not coalesce(c.status_code in ('2', '3', '20', '21'), false)
    group by all
),
typed as (
    select f.*, fu_family(f.rule_id) as family, fu_item_grain(f.grain, f.claim_id, f.cpt) as item_grain,
           f.amount_kind in ('recoverable', 'lost') as is_money,
           f.rule_id in ('UNDERPAYMENT', 'UNITS_UNDERBILLED', 'UNITS_MISALLOCATED', 'CO_MODIFIER_UNNEEDED')
               as is_increment,
           coalesce((select sum(p.paid) from base_paid p
                     where p.claim_id = f.claim_id and p.cpt = f.cpt and (p.dos = f.dos or p.dos is null)), 0) > 0
               as base_line_paid
    from f
)
select fid, rule_id, category, severity, priority_rank, claim_id, payer_claim_id, patient_ref, patient_key, payer,
       payer_class, dos, nullif(cpt, '') as cpt, modifiers, units_billed, amount_usd, amount_kind, fix_by, detail,
       grain, family, item_grain, is_money, is_increment, base_line_paid,
       case when not is_money or item_grain = 'year' then null
            when is_increment then case when base_line_paid then 4 end
            when item_grain = 'line' then 1
            when item_grain = 'claim' then 2
            else 3 end as level,
       case when not is_money or item_grain = 'year' then null
            when is_increment then case when base_line_paid then '4|' || claim_id || '|' || dos || '|' || cpt end
            when item_grain = 'line' then '1|' || claim_id || '|' || dos || '|' || cpt
            when item_grain = 'claim' then '2|' || claim_id
            else '3|' || patient_key || '|' || dos end as item_key
from typed;

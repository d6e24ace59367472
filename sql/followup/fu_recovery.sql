-- fu_recovery: what was paid since day 0 for each baseline money finding, counted once (one row per fid that
-- claims a payment).
--   paid_since   net of every payment the finding claims (fu_claimed; reversals subtract). > 0 = recovered.
--   allocated    its share of the dollars: each payment goes to ONE item, the lowest level that claims it
--                (an unpaid line before its unpaid claim before its unpaid visit before an increment on a
--                paid line), then the lowest item key; an item's net total is shared among its findings in
--                order of baseline amount (largest first, then rule id), each up to its baseline amount, and
--                what is left over goes to the first. So the sum of `allocated` is every dollar paid since
--                day 0 for the baseline's money findings, none counted twice.
--   counted_on   when a finding's payments were counted on another finding: that finding's rule id.
--   evidence     the 835 file(s), payment date(s) and claim number(s) (CLP01), latest first, at most three.
create or replace temp table fu_recovery as
with c as (
    select c.fid, c.pay_id, b.item_key, b.amount_usd, b.rule_id
    from fu_claimed c join fu_baseline b using (fid)
),
winner as (select pay_id, min(item_key) as item_key from c group by pay_id),
item_total as (
    select w.item_key, sum(p.paid) as total
    from winner w join fu_payments p using (pay_id) group by all
),
members as (
    select b.fid, b.item_key, b.amount_usd, b.rule_id, t.total,
           row_number() over w as k,
           coalesce(sum(b.amount_usd) over (w rows between unbounded preceding and 1 preceding), 0) as before,
           sum(b.amount_usd) over (partition by b.item_key) as item_amount
    from fu_baseline b join item_total t using (item_key)
    window w as (partition by b.item_key order by b.amount_usd desc, b.rule_id, b.fid)
),
alloc as (
    select fid,
           case when total <= 0 then 0
                else least(greatest(total - before, 0), amount_usd)
                     + case when k = 1 then greatest(total - item_amount, 0) else 0 end end as allocated
    from members
),
paid as (
    select c.fid, sum(p.paid) as paid_since,
           max(p.payment_date) as last_payment_date
    from c join fu_payments p using (pay_id) group by c.fid
),
pays as (
    select fid, string_agg('835 ' || source_file || ' of ' || strftime(payment_date, '%Y-%m-%d') || ', claim ' || claim_id,
                           '; ' order by payment_date desc, source_file, claim_id) as evidence,
           count(*) as n_remits
    from (select distinct c.fid, p.source_file, p.payment_date, p.claim_id
          from c join fu_payments p using (pay_id)
          qualify row_number() over (partition by c.fid order by p.payment_date desc, p.source_file, p.claim_id) <= 3)
    group by fid
),
counted_on as (   -- the finding that carries the dollars of a payment claimed by another
    select c.fid, min(a.rule_id) as counted_on
    from c join winner w using (pay_id)
    join fu_baseline a on a.item_key = w.item_key and a.fid <> c.fid
    join alloc al on al.fid = a.fid and al.allocated <> 0
    group by c.fid
)
select p.fid, round(p.paid_since, 2)::decimal(12, 2) as paid_since,
       round(coalesce(a.allocated, 0), 2)::decimal(12, 2) as allocated,
       p.last_payment_date, s.evidence, s.n_remits, o.counted_on
from paid p
left join alloc a using (fid)
left join pays s using (fid)
left join counted_on o using (fid);

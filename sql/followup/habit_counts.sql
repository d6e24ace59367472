-- habit_counts: how often each process problem happened in one period of one audit, per payer: one row per
-- (measure, payer) with hits and eligible. Run once on the baseline (its own period: DOS up to its as-of date)
-- and once on the day-30 audit (DOS after the baseline's as-of date, up to the day-30 as-of date); `{db}` is
-- the database (fu_base or this audit's), $after / $until bound the DOS (after < dos <= until).
--   measure                   hits                                  eligible (final claim lines, or visits)
--   GO_MISSING                its findings                          lines of always-therapy codes to payers
--                                                                   that require discipline modifiers
--   KX_MISSING                its findings                          GO lines to Medicare (and plans following it)
--   CO_MODIFIER_MISSING / _UNNEEDED  its findings                   timed lines to Medicare (and plans following
--                                                                   it) on or after the CO effective date
--   UNITS_UNDERBILLED / _OVERBILLED / _MISALLOCATED  its findings   timed lines (units against minutes)
--   POC_RECERT_LATE           its findings (visits)                 Medicare / Medicare Advantage visits
--   DENIAL:<class>            lines denied, by the class of the     lines with a final remittance
--                             denial (FIX, APPEAL, WRITE-OFF)
with lines as (
    select * from {db}.stg_claim_lines where dos > $after and dos <= $until
),
status as (
    select * from {db}.stg_line_status where dos > $after and dos <= $until
),
f as (
    select * from {db}.findings where dos > $after and dos <= $until
),
classes(cls) as (values ('FIX'), ('APPEAL'), ('WRITE-OFF')),
eligible as (
    select 'GO_MISSING' as measure, payer_display as payer, count(*) as eligible
    from lines where always_therapy and requires_discipline_mod group by all
    union all
    select 'KX_MISSING', payer_display, count(*)
    from lines where has_go and (payer_class = 'medicare' or coalesce(follows_medicare_rules, false)) group by all
    union all
    select m.measure, l.payer_display, count(*)
    from lines l, (values ('CO_MODIFIER_MISSING'), ('CO_MODIFIER_UNNEEDED')) m(measure)
    where l.is_timed and (l.payer_class = 'medicare' or coalesce(l.follows_medicare_rules, false))
      and l.dos >= (select value::date from settings where name = 'co_effective_date')
    group by all
    union all
    select m.measure, l.payer_display, count(*)
    from lines l, (values ('UNITS_UNDERBILLED'), ('UNITS_OVERBILLED'), ('UNITS_MISALLOCATED')) m(measure)
    where l.is_timed group by all
    union all
    select 'POC_RECERT_LATE', payer_display, count(distinct (patient_key, dos))
    from lines where payer_class in ('medicare', 'medicare_advantage') group by all
    union all
    select 'DENIAL:' || c.cls, s.payer_display, count(*)
    from status s, classes c where s.has_remit group by all
),
hits as (
    select rule_id as measure, payer, count(*) as hits
    from f
    where rule_id in ('GO_MISSING', 'KX_MISSING', 'CO_MODIFIER_MISSING', 'CO_MODIFIER_UNNEEDED', 'UNITS_UNDERBILLED',
                      'UNITS_OVERBILLED', 'UNITS_MISALLOCATED', 'POC_RECERT_LATE')
    group by all
    union all
    select 'DENIAL:' || denial_class, payer_display, count(*)
    from status where has_remit and is_denied and denial_class in ('FIX', 'APPEAL', 'WRITE-OFF') group by all
)
select measure, payer, coalesce(h.hits, 0)::integer as hits, coalesce(e.eligible, 0)::integer as eligible
from eligible e full join hits h using (measure, payer)

-- stg_mue_excess: claim lines carrying units above the practitioner MUE of their code on their DOS
-- (RULEBOOK §5: units on a line (MAI 1) or summed per patient and DOS (MAI 2/3) above the MUE value are
-- denied CO-151/N362). Scope: Medicare Part B lines (payer_class medicare, or a Medicare Advantage payer with
-- follows_medicare_rules): the MUE table is CMS's Medicare edit. Codes left to other rules: untimed
-- once-a-day codes (their excess over one unit is UNTIMED_MULTIPLE_UNITS, which covers every unit above an
-- MUE of 1 or more) and codes with Medicare status B or I (CODING_EDIT: never payable).
-- MAI 2/3: the code's units that day are counted in line order (claim_id, line_number); units beyond the MUE
-- are excess, on the lines that carry them. MAI 1: each line's units beyond the MUE.
-- units_expected = the line's units less its excess.
-- @unique: line_key

create or replace table stg_mue_excess as
with judged_lines as (
    select l.*, m.mue_value, m.mai, m.release as mue_release
    from stg_claim_lines l
    join mue_edits m on m.cpt = l.cpt and l.dos between m.effective_from and m.effective_to
    where l.dos is not null and l.patient_key is not null
      and (l.payer_class = 'medicare' or coalesce(l.follows_medicare_rules, false))
      and not (l.once_per_day and not l.is_timed)
      and coalesce(l.medicare_status, '') not in ('B', 'I')
),
counted as (
    select *,
           coalesce(sum(whole_units) over (partition by patient_key, dos, cpt order by claim_id, line_number
                                           rows between unbounded preceding and 1 preceding), 0) as units_before,
           sum(whole_units) over (partition by patient_key, dos, cpt) as units_day
    from judged_lines
),
excess as (
    select *,
           case when mai = 1 then greatest(whole_units - mue_value, 0)
                else whole_units - greatest(0, least(whole_units, mue_value - units_before)) end as excess_units
    from counted
)
select *, whole_units - excess_units as units_expected,
       -- the line's price scenario (stg_units_scenarios): its own; on a day with more than 20 excess lines
       -- (hostile input: one copy of every line of the day per line is quadratic) one per set of lines priced alike
       case when count(*) over (partition by visit_key) <= 20 then 'mue:' || line_key
            else 'mue:' || concat_ws('|', visit_key, cpt, whole_units, whole_units - excess_units, has_co,
                                      payer_class, follows_medicare_rules, fee_pct_of_medicare) end as scenario
from excess
where excess_units > 0

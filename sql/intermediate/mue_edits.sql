-- mue_edits: the practitioner MUEs (Medically Unlikely Edits, RULEBOOK §5) in force, per code and effective
-- period: the rows of an imported CMS MUE table (ref_mue) for the dates its release covers, else the bundled
-- seed (seed_mue: the MAI-3 values of the 2026 Q2 table, from 2026-04-01). MAI 1 = line edit (units per
-- claim line), MAI 2 / 3 = date-of-service edits (units of the code per patient and day).
-- @not_null: cpt, mue_value, mai, effective_from

create or replace table mue_edits as
with imported_cover as (
    select distinct release, effective_from, coalesce(effective_to, date '9999-12-31') as effective_to from ref_mue
)
select cpt, mue_value, mai, effective_from, coalesce(effective_to, date '9999-12-31') as effective_to, release,
       'CMS ' || release || ' (imported with rcm-audit reference import)' as source, true as imported
from ref_mue
where mue_value is not null and mai is not null
union all
-- a bundled row applies on the dates no imported MUE table covers: its period is cut at the first one
select s.cpt, s.mue_value, s.mai, s.effective_from,
       coalesce(least(coalesce(s.effective_to, date '9999-12-31'),
                      (select min(c.effective_from) - 1 from imported_cover c where c.effective_from > s.effective_from)),
                coalesce(s.effective_to, date '9999-12-31')) as effective_to,
       s.release, s.source, false
from seed_mue s
where not exists (select 1 from imported_cover c where s.effective_from between c.effective_from and c.effective_to)

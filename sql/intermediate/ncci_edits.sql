-- ncci_edits: the NCCI procedure-to-procedure (PTP) edits in force (RULEBOOK §5), one row per pair and period:
--   the rows of an imported CMS practitioner PTP file (ref_ptp; `rcm-audit reference import`) for the dates its
--   quarter covers: an edit applies from its effective date (and the file's quarter start) up to the day
--   before its deletion date (and the file's quarter end), with its modifier indicator (0: never billed
--   together, no modifier bypasses it; 1: 59/X{E,S,P,U} on the column-2 code bypasses it; 9: not applicable,
--   dropped);
--   else the bundled pairs (seed_ncci_pairs active by default, direction known, confidence MED or HIGH,
--   indicator 1), which apply on the dates no imported PTP file covers (imported = false; the rule checks
--   the coverage through ref_ptp's quarters).
-- @not_null: column1, column2, modifier_indicator, effective_from, effective_to

create or replace table ncci_edits as
select column1, column2, modifier_indicator,
       greatest(coalesce(effective_from, release_from), coalesce(release_from, effective_from)) as effective_from,
       least(coalesce(deletion_date - 1, date '9999-12-31'), coalesce(release_to, date '9999-12-31')) as effective_to,
       release, 'CMS practitioner PTP edits ' || release || ' (imported with rcm-audit reference import)' as source,
       true as imported
from ref_ptp
where modifier_indicator in (0, 1) and column1 is not null and column2 is not null
  and coalesce(effective_from, release_from) is not null
union all
select column1, column2, modifier_indicator, date '1900-01-01', date '9999-12-31',
       'bundled pairs (RULEBOOK §5)', source, false
from seed_ncci_pairs
where active_by_default and modifier_indicator = 1 and direction_known and confidence in ('MED', 'HIGH')

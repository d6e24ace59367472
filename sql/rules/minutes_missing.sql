-- rule: MINUTES_MISSING
-- title: Timed code billed with no treatment minutes documented
-- category: compliance
-- severity: medium
-- grain: line
-- requires: claims, visits
-- citation: CMS Pub. 100-02 Ch.15 §220.3 (notes must record timed minutes)
-- provenance: RULEBOOK §1.1
--
-- MINUTES_MISSING — a timed code billed with no treatment minutes documented.
-- Rule: RULEBOOK §1.1 (CMS Pub. 100-02 Ch.15 §220.3: treatment notes must record the timed-code minutes;
--   Pub. 100-04 Ch.5 §20.2); "Check the software can make" under §1.5 ("flag 'minutes not captured'").
--   Semantics: DESIGN rule table, §6.
-- Fires: only when a visits export was loaded (no visit rows at all: nothing, the export is missing, not
--   the minutes), and only for DOS within the date range (first..last visit DOS) of some visits export file;
--   on each final claim line of a timed code (seed_codes.is_timed) with no visit row for the
--   patient, DOS and code, or whose visit rows carry no minutes (null or 0). Such days are skipped by the
--   UNITS_* rules.
-- amount_usd = the line's value (stg_line_status.line_value: 835 allowed when paid, else expected allowed).
--   $0 when the final 835 denied the line: its value is on the DENIAL_* finding (DESIGN §5 Overlaps).
-- amount_kind = the line's disposition: at_risk when paid, else recoverable before the filing deadline,
--   lost after it. fix_by = the filing deadline (DOS + payer timely filing days).

with visits_loaded as (
    select count(*) > 0 as loaded from visits
),
-- the date range each visits export covers; a billed day outside every range was never exported, so its
-- documentation cannot be judged (a day inside a range with no row for the code is a real finding)
export_periods as (
    select source_file, min(dos) as first_dos, max(dos) as last_dos from visits where dos is not null group by all
),
timed_lines as (
    select l.* from stg_claim_lines l
    where l.is_timed and (select loaded from visits_loaded)
      and exists (select 1 from export_periods e where l.dos between e.first_dos and e.last_dos)
),
documentation as (
    select patient_key, dos, cpt, rows, coalesce(minutes, 0) as minutes from stg_visit_codes
),
undocumented_lines as (
    select t.*, d.rows is not null as has_visit_row
    from timed_lines t
    left join documentation d on d.patient_key = t.patient_key and d.dos = t.dos and d.cpt = t.cpt
    where coalesce(d.minutes, 0) <= 0
)
select 'MINUTES_MISSING' as rule_id, null as category, null as severity,
       u.claim_id, null as payer_claim_id, u.patient_ref, u.payer_display as payer, u.payer_class, u.dos,
       u.cpt, u.modifiers, u.units::double as units_billed, null::double as units_expected,
       case when dn.is_denied then 0 else coalesce(s.line_value, 0) end::decimal(12,2) as amount_usd,
       s.disposition as amount_kind,
       u.filing_deadline as fix_by,
       u.cpt || ' billed ' || printf('%g', u.units) || ' timed unit(s) with '
           || case when u.has_visit_row then 'a visit row that records no minutes'
                   else 'no visit row for the code that day' end
           || ', so the units cannot be supported; '
           || case when dn.is_denied then 'reported at $0 because ' || dn.denial_note
                   else 'the line is worth ' || printf('$%.2f', coalesce(s.line_value, 0)) || ' ('
                        || coalesce(s.value_basis, 'no price') || ')' end || '.' as detail,
       u.source_file, u.rendering_npi as provider_npi
from undocumented_lines u
join stg_line_status s using (line_key)
join stg_line_denial dn using (line_key)

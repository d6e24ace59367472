-- Report helpers, created as TEMPORARY macros in the report's session: they write nothing to the audit
-- database, and every other file of sql/report/ may use them.
--
--   rpt_period_days()      days in the audit period, inclusive: audit_params.audit_start .. audit_end,
--                          else the span of the findings' dates of service, else 365 (at least 1).
--   rpt_annualised(x)      dollars of the audit period scaled to a year: x * 365 / rpt_period_days(),
--                          rounded to cents. The report's ONE annualisation: the headline run-rate
--                          (headline.sql) is the sum of the recommendations' "a year" figures
--                          (recommendations.sql), both computed here.

create or replace temp macro rpt_period_days() as (
    select greatest(1, coalesce(
        (select max(audit_end::date - audit_start::date) + 1 from audit_params),
        (select max(dos) - min(dos) + 1 from findings),
        365)));

create or replace temp macro rpt_annualised(x) as
    round(coalesce(x, 0)::decimal(18, 2) * 365 / rpt_period_days(), 2)::decimal(14, 2);

-- params: the audit's parameters as the report states them (one row): audit_params as staged (practice,
-- NPI, period, as-of date, and the auditor columns when practice.toml has an [auditor] section) plus the
-- period's length in days.
select p.*, rpt_period_days() as period_days
from audit_params p
limit 1

-- stg_visit_value: what one patient-day is worth (the sum of its final claim lines' values), for the
-- visit-grain rules (POC_*, PROGRESS_REPORT_OVERDUE, MASSHEALTH_*, AUTH_EXCEEDED).
-- @unique: patient_key, dos

create or replace table stg_visit_value as
select l.patient_key, l.dos, min(l.claim_id) as claim_id, any_value(l.patient_ref) as patient_ref,
       any_value(l.payer_display) as payer_display, any_value(l.payer_key) as payer_key,
       any_value(l.payer_class) as payer_class,
       sum(s.line_value)::decimal(12,2) as visit_value, sum(s.paid)::decimal(12,2) as paid,
       bool_or(s.paid > 0) as any_paid, string_agg(distinct s.value_basis, '; ') as value_basis,
       min(l.filing_deadline) as filing_deadline, any_value(l.source_file) as source_file,
       string_agg(l.cpt, ';' order by l.claim_id, l.line_number) as cpts
from stg_claim_lines l join stg_line_status s using (line_key)
group by l.patient_key, l.dos;

-- stg_visit_value: what one patient-day is worth (the sum of its final claim lines' values), for the
-- visit-grain rules (POC_*, PROGRESS_REPORT_OVERDUE, MASSHEALTH_*, AUTH_EXCEEDED).
-- @unique: patient_key, dos

create or replace table stg_visit_value as
select l.patient_key, l.dos, min(l.claim_id) as claim_id, min(l.patient_ref) as patient_ref,
       arg_min(l.payer_display, l.claim_id || '#' || lpad(l.line_number::varchar, 6, '0')) as payer_display, arg_min(l.payer_key, l.claim_id || '#' || lpad(l.line_number::varchar, 6, '0')) as payer_key,
       arg_min(l.payer_class, l.claim_id || '#' || lpad(l.line_number::varchar, 6, '0')) as payer_class,
       sum(s.line_value)::decimal(12,2) as visit_value, sum(s.paid)::decimal(12,2) as paid,
       bool_or(s.paid > 0) as any_paid, string_agg(distinct s.value_basis, '; ' order by s.value_basis) as value_basis,
       min(l.filing_deadline) as filing_deadline, arg_min(l.source_file, l.claim_id || '#' || lpad(l.line_number::varchar, 6, '0')) as source_file,
       string_agg(l.cpt, ';' order by l.claim_id, l.line_number) as cpts
from stg_claim_lines l join stg_line_status s using (line_key)
group by l.patient_key, l.dos;

-- worklist_unbilled: the codes of each documented visit reported as never billed (VISIT_UNBILLED, and
-- TIMELY_FILING_RISK on a visit with no claim), so it can be billed from the sheet: CPT, units and
-- minutes as documented (stg_unbilled_codes) and the visit export's file, sheet and first row of the
-- code (stg_visit_lines). Visits still inside their filing limit first, by days left; then those past it
-- (status 'past the filing limit': for the write-off review, not to bill).
with p as (select max(as_of)::date as as_of from audit_params),
rows as (
    select patient_key, dos, cpt, min(row_number) as first_row, min(source_file) as source_file,
           min(source_sheet) as source_sheet, string_agg(distinct nullif(modifiers, ''), ';' order by nullif(modifiers, '')) as modifiers
    from stg_visit_lines l semi join stg_unbilled_codes u using (patient_key, dos, cpt)   -- only the codes listed
    group by all
)
select f.priority_rank, case when f.fix_by < p.as_of then 'past the filing limit' else 'bill' end as status,
       f.rule_id, f.fix_by - p.as_of as days_left, f.fix_by, f.payer, f.patient_ref, u.dos, u.cpt,
       r.modifiers, u.units, u.minutes, u.provider_npi, f.amount_usd::double as visit_amount_usd,
       coalesce(r.source_file, u.source_file) as source_file, r.source_sheet, r.first_row
from findings f
join stg_unbilled_codes u on u.dos = f.dos and u.patient_key = f.patient_key
join p on true
left join rows r on r.patient_key = u.patient_key and r.dos = u.dos and r.cpt = u.cpt
where f.rule_id in ('VISIT_UNBILLED', 'TIMELY_FILING_RISK') and f.claim_id is null
order by coalesce(f.fix_by < p.as_of, false), f.fix_by nulls last, f.patient_ref, u.dos, u.cpt

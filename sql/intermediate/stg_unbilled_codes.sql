-- stg_unbilled_codes: the documented code-days of unbilled visits (VISIT_UNBILLED, TIMELY_FILING_RISK).
-- A patient-day with visit rows and no (non-void) claim line for that patient and DOS. A day billed on
-- any claim is not unbilled, even when one documented code is missing (that is a units question).
-- Payer: the visit rows' payer (stg_payers); when the export has none, the patient's claim payer whose
-- first DOS is nearest. Units: the documented units; blank units: floor((minutes + 7) / 15) for a
-- timed code, 1 for an untimed one.
-- Amounts are dollars (DECIMAL(12,2)); dates are DATE; "as of" is audit_params.as_of.
-- @unique: patient_key, dos, cpt

create or replace table stg_unbilled_codes as
with billed_days as (
    select distinct patient_key, dos from stg_claim_lines
),
documented as (
    select v.patient_key, v.dos, v.cpt, any_value(v.is_timed) as is_timed,
           sum(v.units) as units_documented, count(v.units) = count(*) as units_complete,
           sum(v.minutes) as minutes,
           bool_or(list_contains(string_split(coalesce(v.modifiers, ''), ';'), 'CO')) as has_co,
           min(v.payer) as export_payer, min(v.provider_npi) as provider_npi,
           -- the export row a biller bills it from: the first (file, sheet, row) of the code-day
           min({'file': v.source_file, 'sheet': coalesce(v.source_sheet, ''), 'row': v.row_number}) as first_source
    from stg_visit_lines v
    where v.patient_key is not null and v.dos is not null and v.cpt is not null
      and v.dos <= (select as_of from audit_params)
      and not exists (select 1 from billed_days b where b.patient_key = v.patient_key and b.dos = v.dos)
    group by v.patient_key, v.dos, v.cpt
),
day_payer as (
    select d.patient_key, d.dos, min(p.payer_name) as export_payer_name,
           arg_min({'payer_name': coalesce(c.payer_name, ''), 'payer_id': coalesce(c.payer_id, '')},
                   abs(date_diff('day', c.first_dos, d.dos))) as claim_payer
    from documented d
    left join stg_payers p on p.payer_name = d.export_payer and p.payer_id = ''
    left join stg_claims c on c.patient_key = d.patient_key and not c.is_void
    group by d.patient_key, d.dos
)
select d.* exclude (first_source), d.first_source.file as source_file, nullif(d.first_source.sheet, '') as source_sheet,
       d.first_source.row as first_row, py.payer_key, py.payer_display, py.payer_class, py.timely_filing_days, py.fee_pct_of_medicare,
       py.payer_class = 'medicare' or coalesce(py.follows_medicare_rules, false) as medicare_rules,
       case when d.units_complete then round(d.units_documented)
            when d.is_timed then floor((coalesce(d.minutes, 0) + 7) / 15)
            else 1 end::integer as units,
       d.patient_key || '|' || strftime(d.dos, '%Y-%m-%d') || '|unbilled' as visit_key,
       'unbilled|' || d.patient_key || '|' || strftime(d.dos, '%Y-%m-%d') || '|' || d.cpt as line_key
from documented d
join day_payer dp using (patient_key, dos)
left join stg_payers py
       on (dp.export_payer_name is not null and py.payer_name = dp.export_payer_name and py.payer_id = '')
       or (dp.export_payer_name is null and py.payer_name = dp.claim_payer.payer_name
           and py.payer_id = dp.claim_payer.payer_id);

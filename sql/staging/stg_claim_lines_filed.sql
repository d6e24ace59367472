-- stg_claim_lines_filed: the service lines (SV1) of every final claim (not void, not superseded), with
-- line_key = claim_id || '#' || line_number, modifier flags, code attributes (seed_codes) and payer
-- attributes. Duplicate submissions are removed from these in stg_claim_lines.
-- filing_deadline = the line's DOS + the payer's limit (filing_deadline_of: 365 days = one calendar year).
-- @unique: line_key
-- @not_null: line_key, claim_id, payer_key
-- @references: claim_id -> stg_claims.claim_id

create or replace table stg_claim_lines_filed as
with lines as (
    select l.claim_id, l.line_number, l.dos, l.dos_end, l.cpt, l.modifiers, l.units, l.unit_basis, l.charge,
           l.line_control_number, l.source_file, l.segment_pos,
           coalesce(l.rendering_npi, c.rendering_npi) as rendering_npi,
           coalesce(l.place_of_service, c.place_of_service) as place_of_service,
           string_split(nullif(l.modifiers, ''), ';') as mods,
           c.billing_npi, c.billing_zip, c.patient_key, c.payer_name, c.payer_id, c.payer_key, c.payer_display,
           c.payer_class, c.unit_method, c.timely_filing_days, c.requires_auth, c.fee_pct_of_medicare,
           c.requires_discipline_mod, c.appeal_days, c.follows_medicare_rules, c.submission_date, c.first_dos,
           c.filing_deadline as claim_filing_deadline
    from claim_lines l
    join stg_claims c on c.source_file = l.source_file and c.segment_pos = l.claim_pos
    where not c.is_void and not c.is_superseded and l.claim_id is not null
)
select l.claim_id, l.line_number, l.claim_id || '#' || l.line_number as line_key,
       l.dos, l.dos_end, l.cpt, coalesce(l.modifiers, '') as modifiers, coalesce(l.mods, []) as mods,
       coalesce(list_contains(l.mods, 'GO'), false) as has_go,
       coalesce(list_contains(l.mods, 'GP'), false) as has_gp,
       coalesce(list_contains(l.mods, 'GN'), false) as has_gn,
       coalesce(list_contains(l.mods, 'CO'), false) as has_co,
       coalesce(list_contains(l.mods, 'CQ'), false) as has_cq,
       coalesce(list_contains(l.mods, 'KX'), false) as has_kx,
       coalesce(list_has_any(l.mods, ['GA', 'GY', 'GZ']), false) as has_liability_mod,
       coalesce(list_has_any(l.mods, ['59', 'XE', 'XS', 'XP', 'XU']), false) as has_distinct_mod,
       l.units, greatest(round(coalesce(l.units, 0)), 0)::integer as whole_units, l.unit_basis, l.charge,
       l.line_control_number, l.rendering_npi, l.place_of_service,
       coalesce(k.is_timed, false) as is_timed, coalesce(k.once_per_day, false) as once_per_day,
       coalesce(k.always_therapy, false) as always_therapy, coalesce(k.discipline, 'any') as discipline,
       k.addon_primary, k.medicare_status, k.valid_until, k.unit_rule,
       l.billing_npi, l.billing_zip, l.patient_key, patient_ref_of(l.patient_key) as patient_ref,
       l.payer_name, l.payer_id, l.payer_key, l.payer_display, l.payer_class, l.unit_method, l.timely_filing_days,
       l.requires_auth, l.fee_pct_of_medicare, l.requires_discipline_mod, l.appeal_days, l.follows_medicare_rules,
       l.submission_date, l.first_dos, l.claim_filing_deadline,
       filing_deadline_of(l.dos, l.timely_filing_days) as filing_deadline,
       l.patient_key || '|' || strftime(l.dos, '%Y-%m-%d') || '|' || coalesce(l.billing_npi, '') as visit_key,
       l.source_file, l.segment_pos
from lines l
left join seed_codes k on k.cpt = l.cpt;

-- stg_claims / stg_claim_lines: the final state of every claim the practice billed.
-- A claim id submitted more than once to the same payer (a corrected claim) keeps only its latest
-- submission (BHT04, then file, then position). The claim's payer is the payer of its earliest submission;
-- a later submission of the same claim id to a different payer (stg_payers.payer_key) is a secondary
-- claim (crossover / COB), kept in stg_secondary_claims and never replaces the primary one.
-- Void claims (frequency 8) are kept, flagged, and skipped by rules.
-- A claim replaced (frequency 7) or voided (frequency 8) by a later claim under ANOTHER claim number is
-- superseded: the replacing claim's 2300 REF*F8 equals the original's payer claim control number
-- (remit_claims.payer_claim_id of the original's claim id, CLP07) or the original's claim id, both
-- claims go to the same payer (payer_key), and the replacing claim comes later (submission date, file,
-- position). Superseded claims are kept, flagged (is_superseded, superseded_by) and, like voids, have no
-- lines in stg_claim_lines.

create or replace macro norm_id(x) as nullif(upper(regexp_replace(coalesce(x, ''), '[^A-Za-z0-9]', '', 'g')), '');
create or replace macro name_key(last, first, dob) as
    case when last is not null and dob is not null
         then 'N:' || upper(trim(last)) || '|' || upper(trim(coalesce(first, ''))) || '|' || strftime(dob, '%Y-%m-%d') end;
-- A patient is keyed by member id when there is one, else by name and birth date (documented
-- limitation: dependents who share a subscriber's id without a suffix are one patient).
create or replace macro patient_key_of(member_id, last, first, dob) as
    coalesce('M:' || norm_id(member_id), name_key(last, first, dob));
create or replace macro patient_ref_of(k) as
    case when k is null then null
         else 'PT-' || upper(substr(md5((select salt from audit_params) || k), 1, 8)) end;

create or replace table stg_claim_submissions as
with submissions as (
    select c.*, p.payer_key as submission_payer_key,
           row_number() over (partition by c.claim_id
                              order by c.submission_date nulls last, c.source_file, c.segment_pos) as submission_no
    from claims c
    left join stg_payers p on p.payer_name = coalesce(c.payer_name, '') and p.payer_id = coalesce(c.payer_id, '')
    where c.claim_id is not null
),
primary_payer as (
    select claim_id, submission_payer_key as primary_payer_key from submissions where submission_no = 1
)
select s.*, pp.primary_payer_key,
       s.submission_payer_key is not distinct from pp.primary_payer_key as is_primary_payer
from submissions s join primary_payer pp using (claim_id);

-- Submissions of a claim id to another payer than its first one (secondary / crossover claims).
create or replace table stg_secondary_claims as
select * exclude (is_primary_payer, submission_payer_key), submission_payer_key as payer_key
from stg_claim_submissions where not is_primary_payer;

-- Filing deadline: a limit of 365 days (Medicare: "1 calendar year after the DOS", RULEBOOK §9) is one
-- calendar year, so leap years count right; other limits are days.
create or replace macro filing_deadline_of(d, days) as
    case when days % 365 = 0 then (d + to_years((days // 365)::integer))::date else d + days::integer end;

create or replace table stg_claims as
with versions as (
    select c.* exclude (submission_no, is_primary_payer, submission_payer_key, primary_payer_key),
           row_number() over (partition by claim_id
                              order by submission_date desc nulls last, source_file desc, segment_pos desc) as version_rank,
           count(*) over (partition by claim_id) as versions
    from stg_claim_submissions c
    where is_primary_payer
),
first_dos as (
    select source_file, claim_pos, min(dos) as first_dos, max(coalesce(dos_end, dos)) as last_dos, count(*) as line_count
    from claim_lines group by all
),
final as (
select v.claim_id, v.total_charge, v.place_of_service, v.frequency_code, v.prior_auth, v.payer_claim_ref,
       v.billing_npi, v.billing_name, v.billing_zip, v.payer_name, v.payer_id, v.claim_filing_code,
       v.rendering_npi, v.referring_npi, v.diagnosis_codes, v.submission_date,
       v.source_file, v.segment_pos, v.versions,
       coalesce(v.frequency_code = '8', false) as is_void,
       patient_key_of(v.subscriber_member_id, v.patient_last, v.patient_first, v.patient_dob) as patient_key,
       v.subscriber_member_id as member_id, v.patient_last, v.patient_first, v.patient_dob,
       p.payer_key, p.payer_display, p.payer_class, p.unit_method, p.timely_filing_days, p.requires_auth,
       p.fee_pct_of_medicare, p.requires_discipline_mod, p.appeal_days, p.follows_medicare_rules,
       f.first_dos, f.last_dos, coalesce(f.line_count, 0) as line_count,
       filing_deadline_of(f.first_dos, p.timely_filing_days) as filing_deadline
from versions v
left join stg_payers p on p.payer_name = coalesce(v.payer_name, '') and p.payer_id = coalesce(v.payer_id, '')
left join first_dos f on f.source_file = v.source_file and f.claim_pos = v.segment_pos
where v.version_rank = 1
),
ordered as (
    select *, row_number() over (order by submission_date nulls last, source_file, segment_pos) as claim_order
    from final
),
-- replacements / voids that name the claim they replace (REF*F8)
replacing as (
    select claim_id, norm_id(payer_claim_ref) as ref, payer_key, claim_order
    from ordered where frequency_code in ('7', '8') and norm_id(payer_claim_ref) is not null
),
-- the identifiers a replacement may quote for an original: the payer's claim control numbers, its claim id
original_refs as (
    select distinct claim_id, norm_id(payer_claim_id) as ref from remit_claims
    where claim_id is not null and norm_id(payer_claim_id) is not null
    union
    select claim_id, norm_id(claim_id) as ref from final where norm_id(claim_id) is not null
),
superseded as (
    select o.claim_id, arg_min(r.claim_id, r.claim_order) as superseded_by
    from ordered o
    join original_refs x on x.claim_id = o.claim_id
    join replacing r on r.ref = x.ref and r.claim_id <> o.claim_id
                    and r.payer_key is not distinct from o.payer_key and r.claim_order > o.claim_order
    group by o.claim_id
)
select f.*, s.claim_id is not null as is_superseded, s.superseded_by
from final f left join superseded s using (claim_id);

create or replace table stg_claim_lines as
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

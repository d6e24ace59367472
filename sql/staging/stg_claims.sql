-- stg_claims: the final state of every claim id the practice billed, one row each.
-- A claim id submitted more than once to its primary payer (a corrected claim) keeps only its latest
-- submission (BHT04, then file, then position). Void claims (frequency 8) are kept with is_void and
-- skipped by the rules. A claim replaced (frequency 7) or voided (8) by a later claim under ANOTHER claim
-- number is superseded: the replacing claim's 2300 REF*F8 equals the original's payer claim control number
-- (835 CLP07 of the original's claim id) or the original's claim id, both go to the same payer, and the
-- replacing claim comes later. Superseded claims are kept, flagged (is_superseded, superseded_by) and, like
-- voids, have no lines in stg_claim_lines. filing_deadline = first DOS + the payer's timely filing limit.
-- @unique: claim_id
-- @not_null: claim_id, payer_key, payer_class

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

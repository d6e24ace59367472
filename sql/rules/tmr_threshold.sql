-- rule: TMR_THRESHOLD
-- title: Beneficiary passed the $3000 targeted-medical-review amount
-- category: compliance
-- severity: medium
-- grain: beneficiary_year
-- requires: claims, medicare_rules
-- citation: SSA §1833(g)(7)(B); NGS
-- provenance: RULEBOOK §4
--
-- TMR_THRESHOLD: the beneficiary's year-to-date Medicare OT total passed the targeted-medical-review amount.
-- Rule: RULEBOOK §4 (SSA §1833(g)(7)(B); NGS): above $3,000 per beneficiary per calendar year in the OT
--   bucket (2018–2027; seed_kx_thresholds.tmr_amount), claims become eligible for targeted medical review.
--   Same running total as KX_MISSING (stg_medicare_ot_lines: expected allowed of the practice's GO lines,
--   DOS then claim_id then line order, denied lines included). Scope: Medicare, and payers configured to
--   follow Medicare rules. Grain: one finding per beneficiary and year, on the claim and DOS of the line
--   whose running total first passes the amount; cpt empty.
-- amount_usd: the sum of the expected allowed of the crossing line and of every later GO line that year
--   (the services exposed to review), except lines billed without KX/GA/GY/GZ: those are KX_MISSING
--   findings already, and counting them here too would double the compliance exposure.
-- amount_kind: at_risk (paid or payable, may be recouped on review). fix_by: empty (nothing to correct;
--   keep documentation review-ready).
with ot_lines as (
    select * from stg_medicare_ot_lines where tmr_amount is not null
),
crossing as (
    select patient_key, year, line_key, line_seq as crossing_seq, running_before, running_total, tmr_amount
    from ot_lines
    where above_tmr
    qualify row_number() over (partition by patient_key, year order by line_seq) = 1
),
exposed as (
    select c.patient_key, c.year,
           coalesce(sum(o.ot_amount) filter (where m.has_kx or m.has_liability_mod), 0)::decimal(12,2) as exposed_amount,
           count(*) filter (where m.has_kx or m.has_liability_mod) as exposed_lines,
           count(*) filter (where not (m.has_kx or m.has_liability_mod)) as kx_missing_lines,
           coalesce(string_agg(distinct o.price_basis, '; ' order by o.price_basis), 'no price') as price_basis
    from crossing c
    join ot_lines o on o.patient_key = c.patient_key and o.year = c.year and o.line_seq >= c.crossing_seq
    join stg_claim_lines m on m.line_key = o.line_key
    group by all
)
select 'TMR_THRESHOLD' as rule_id, null as category, null as severity,
       l.claim_id, null as payer_claim_id, l.patient_ref, l.payer_display as payer, l.payer_class,
       l.dos, null as cpt, null as modifiers, null::double as units_billed, null::double as units_expected,
       e.exposed_amount as amount_usd, 'at_risk' as amount_kind, null::date as fix_by,
       'The beneficiary''s ' || c.year || ' OT total on this practice''s claims went from $' ||
       printf('%.2f', c.running_before) || ' to $' || printf('%.2f', c.running_total) || ' on this date (' || l.cpt ||
       '), passing the $' || printf('%.2f', c.tmr_amount) || ' targeted-medical-review amount; the ' ||
       e.exposed_lines || ' OT line(s) from here to year end are expected at $' || printf('%.2f', e.exposed_amount) ||
       ' (' || e.price_basis || ') and may be selected for review' ||
       case when e.kx_missing_lines > 0 then '; ' || e.kx_missing_lines || ' line(s) without KX are counted under KX_MISSING'
            else '' end || '.' as detail,
       l.source_file, l.rendering_npi as provider_npi
from crossing c
join exposed e using (patient_key, year)
join stg_claim_lines l using (line_key)

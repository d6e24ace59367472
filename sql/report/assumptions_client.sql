-- assumptions_client: what the findings assume, in the client's words, each as "we assumed <assumed>;
-- confirm with <confirm_with>" (for the PDF). Only what the practice can confirm: the as-of date and
-- Medicare locality when they were not given, the payers whose rules came from the built-in directory or
-- a default rather than the practice's configuration, the settings that are not firm, and the fee basis.
-- Internal provenance (confidence grades, sources) stays in assumptions.csv (assumptions_analyst.sql).
with p as (select * from audit_params limit 1),
class_words(payer_class, words) as (
    values ('medicare', 'Medicare Part B'), ('medicare_advantage', 'a Medicare Advantage plan'),
           ('masshealth', 'MassHealth fee-for-service'), ('masshealth_managed', 'a MassHealth managed-care plan'),
           ('commercial', 'a commercial plan'), ('other', 'a payer without payer-specific rules')
),
setting_words(name, assumed, confirm_with) as (
    values ('masshealth_pa_visits', 'MassHealth requires prior authorization for occupational therapy beyond {v} visits in a rolling 12 months',
            'the MassHealth therapist provider manual (130 CMR 432) or your MassHealth provider representative'),
           ('unpaid_claim_days', 'a claim with no answer {v} days after it was billed needs follow-up',
            'your payers'' prompt-payment terms'),
           ('timely_filing_warning_days', 'work within {v} days of a payer''s filing limit is at risk of missing it',
            'your billing calendar'),
           ('other_underpayment_tolerance_per_line', 'a commercial payment within ${v} of the expected amount for a line is paid in full',
            'the fee schedules of your commercial contracts'),
           ('co_share', 'Medicare pays 15% less for a service an OT assistant furnished in part (the CO modifier)',
            'the Medicare Physician Fee Schedule final rule for the year'),
           ('default_locality', 'your Medicare locality is {v} when your billing address does not tell it',
            'your Medicare enrollment record (PECOS)')
),
rows as (
    select 1 as ord, 'As-of date' as topic,
           'every deadline is judged as of ' || strftime(as_of, '%b %-d, %Y') || ', the latest date in your files' as assumed,
           'us, if the audit should be judged as of another date' as confirm_with
    from p where coalesce(as_of_source, '') = 'latest date in the input'
    union all
    select 2, 'Medicare locality',
           'your services are priced for Medicare locality ' || locality
               || case locality when '01' then ' (Metropolitan Boston)' when '99' then ' (Rest of Massachusetts)' else '' end
               || case when coalesce(locality_source, '') like 'billing provider ZIP%' then ', from your billing address'
                       else ', the default' end,
           'your Medicare enrollment record (PECOS)'
    from p where coalesce(locality_source, '') <> 'practice.toml'
    union all
    select 3, 'Payer ' || s.payer_display,
           s.payer_display || ' is ' || coalesce(w.words, s.payer_class) || ', with a ' || s.timely_filing_days
               || '-day filing limit' || case when s.requires_auth then ', authorization required' else '' end
               || coalesce(', paying ' || round(s.fee_pct_of_medicare * 100)::integer || '% of the Medicare fee schedule', ''),
           'your contract with ' || s.payer_display
    from (select distinct on (payer_key) * from stg_payers
          where payer_key in (select payer_key from stg_claims) and classified_by <> 'practice.toml'
          order by payer_key) s
    left join class_words w using (payer_class)
    union all
    select 4, 'Setting ' || s.name, replace(w.assumed, '{v}', s.value), w.confirm_with
    from settings s join setting_words w using (name)
    where upper(coalesce(s.confidence, '')) <> 'HIGH' and coalesce(s.source, '') <> 'practice.toml'
      and (s.name <> 'default_locality' or (select coalesce(locality_source, '') from p) like 'default%')
    union all
    select 5, 'Fee schedule',
           'expected payments follow the Medicare Physician Fee Schedule for the year of service and your locality, '
               || 'and each other payer pays the percentage of it shown for that payer',
           'your payer contracts'
)
select topic, assumed, confirm_with from rows order by ord, topic

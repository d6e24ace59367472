-- assumptions_analyst: assumptions.csv, for the analyst (never the client's PDF): every assumption and
-- default the audit used with its internal provenance (confidence, source: rulebook sections, the payer
-- directory, settings), each rule's provenance (rule_catalog), and each KPI benchmark's source.
select topic, value, confidence, source from (
    select 1 as part, row_number() over () as ord, topic, value, confidence, source from assumptions
    union all
    select 2, row_number() over (order by rule_id), 'Rule ' || rule_id, title, null,
           coalesce(to_json(k) ->> 'provenance', to_json(k) ->> 'source')
    from rule_catalog k
    union all
    select 3, row_number() over (order by kpi), 'KPI target ' || label, target_text, null,
           source || ': ' || note || ' (' || source_url || ')'
    from raw_seed_kpi_benchmarks
)
order by part, ord

-- examples: at most $per_rec findings per recommendation (largest dollars first), for the example table
-- under each recommendation. Parameters: $per_rec.
select priority_rank, claim_id, patient_ref, payer, dos, cpt, modifiers, units_billed, units_expected,
       amount_usd, amount_kind, fix_by
from (
    select *, row_number() over (partition by priority_rank
                                 order by amount_usd desc nulls last, dos, claim_id, patient_ref, cpt, payer) as rn
    from findings where priority_rank is not null
)
where rn <= $per_rec
order by priority_rank, rn

-- 835 (005010X221A1) -> remit_payments, remit_claims, remit_lines, remit_adjustments, provider_adjustments.
--
-- The reader (pipelines/ingest/x12.py) has already split the file into segments and worked out, with
-- running maxima over segment positions, which loop every segment belongs to. It registers one Arrow
-- table per loop; each row holds the raw texts of the segments of that loop the mapping needs (NULL when
-- the loop has none), plus segment positions (1-based, in the file; when several files are mapped in one
-- pass, file number << 32 is added to each non-zero position, see x12_pos / x12_file in x12_macros.sql):
--
--   x12_tx835  one row per loaded ST..SE:   st_pos, isa, gs, st, bpr, trn, n1_pr, ref_2u, n1_pe
--              (header: the first of each before the first LX/CLP; ref_2u = REF*2U, payer id)
--   x12_clp    one row per CLP (loop 2100): clp_pos, st_pos, clp,
--              nm1_qc, nm1_il, nm1_82, dtm_232, dtm_233, dtm_050   (claim level: before the first SVC)
--   x12_svc    one row per SVC (loop 2110): svc_pos, clp_pos, svc, dtm_472, dtm_150, dtm_151, ref_6r, amt_b6
--   x12_lq     every LQ*HE of a service:    svc_pos, pos, lq
--   x12_cas    one row per CAS segment:     cas_pos, clp_pos, svc_pos (0 = claim level), cas
--   x12_plb    one row per PLB segment:     plb_pos, st_pos, plb
--
-- Each `-- @insert <table>` statement inserts straight into the raw table (the reader takes the row count
-- it returns). Each `-- @problems <table>` query lists the inserted rows holding values that did not
-- parse or are implausible (stored as NULL): pos (the anchor position), sub (the triple / pair index when
-- one segment gives several rows, else 0) and problems (x12_problem records, possibly empty: the reader
-- drops those rows). It only looks at the candidate rows the fast x12_fine pre-filter lets through
-- (materialized first, so the records are only built for them). Dates are checked by the reader (x12.py `_date_issues`), at
-- the segment that carries them. `-- @run` statements are just run. Statements are separated by
-- a ';' at the end of a line.

-- @insert remit_payments
insert into remit_payments by name
select
    x12_amount(x12_el(bpr, 2))                                   as amount,
    x12_el(bpr, 3)                                               as credit_debit,
    x12_el(bpr, 4)                                               as method,
    x12_date(x12_el(bpr, 16))                                    as payment_date,
    x12_el(trn, 2)                                               as trace_number,
    x12_el(n1_pr, 2)                                             as payer_name,
    coalesce(nullif(x12_el(n1_pr, 4), ''), nullif(x12_el(ref_2u, 2), ''), nullif(x12_el(trn, 3), ''))
                                                                 as payer_id,
    x12_el(n1_pe, 2)                                             as payee_name,
    x12_el(n1_pe, 4)                                             as payee_id,
    x12_file(st_pos)                                             as source_file,
    x12_pos(st_pos)                                              as segment_pos
from x12_tx835;

-- @problems remit_payments
-- (BPR16 and every DTM are checked where they are, by the reader (x12.py `_date_issues`))
select st_pos as pos, 0 as sub, x12_problems([x12_bad_amount('BPR02', x12_el(bpr, 2))]) as problems
from x12_tx835 where not x12_fine(bpr, 'F F A');

-- @insert remit_claims
insert into remit_claims by name
with tx as (   -- the transaction's values, computed once per transaction, not once per claim
    select st_pos,
           x12_date(x12_el(bpr, 16))                             as payment_date,
           x12_el(trn, 2)                                        as trace_number,
           x12_el(n1_pr, 2)                                      as payer_name,
           coalesce(nullif(x12_el(n1_pr, 4), ''), nullif(x12_el(ref_2u, 2), ''), nullif(x12_el(trn, 3), ''))
                                                                 as payer_id
    from x12_tx835
)
select
    x12_el(c.clp, 1)                                             as claim_id,
    x12_el(c.clp, 2)                                             as status_code,       -- 22 = reversal, kept
    x12_amount(x12_el(c.clp, 3))                                 as charge,
    x12_amount(x12_el(c.clp, 4))                                 as paid,
    x12_amount(x12_el(c.clp, 5))                                 as patient_responsibility,
    x12_el(c.clp, 6)                                             as filing_indicator,
    x12_el(c.clp, 7)                                             as payer_claim_id,
    x12_el(c.clp, 8)                                             as facility_type,
    x12_el(c.clp, 9)                                             as frequency_code,
    x12_el(c.clp, 11)                                            as drg_code,
    x12_number(x12_el(c.clp, 12))                                as drg_weight,
    x12_number(x12_el(c.clp, 13))                                as discharge_fraction,
    x12_el(c.nm1_qc, 3)                                          as patient_last,
    x12_el(c.nm1_qc, 4)                                          as patient_first,
    x12_el(c.nm1_qc, 9)                                          as patient_member_id,
    x12_el(c.nm1_il, 9)                                          as subscriber_member_id,
    x12_el(c.nm1_82, 9)                                          as rendering_npi,
    x12_date(x12_el(c.dtm_232, 2))                               as statement_from,
    x12_date(x12_el(c.dtm_233, 2))                               as statement_to,
    x12_date(x12_el(c.dtm_050, 2))                               as received_date,
    t.payment_date                                               as payment_date,
    t.trace_number                                               as trace_number,
    t.payer_name                                                 as payer_name,
    t.payer_id                                                   as payer_id,
    x12_file(c.clp_pos)                                          as source_file,
    x12_pos(c.clp_pos)                                           as segment_pos
from x12_clp c
left join tx t on t.st_pos = c.st_pos;

-- @problems remit_claims
with candidates as materialized (
    select clp_pos, clp from x12_clp where not x12_fine(clp, 'F F A A A F F F F F F N N')
)
select clp_pos as pos, 0 as sub,
       x12_problems([x12_bad_amount('CLP03', x12_el(clp, 3)),
                     x12_bad_amount('CLP04', x12_el(clp, 4)),
                     x12_bad_amount('CLP05', x12_el(clp, 5)),
                     x12_bad_number('CLP12', x12_el(clp, 12)),
                     x12_bad_number('CLP13', x12_el(clp, 13))]) as problems
from candidates;

-- @insert remit_lines
insert into remit_lines by name
with svc as (
    select s.*,
           x12_composite(x12_el(s.svc, 1))                       as proc,        -- SVC01
           x12_composite(x12_el(s.svc, 6))                       as orig_proc,   -- SVC06 (code as billed)
           coalesce(x12_el(s.dtm_472, 2), x12_el(s.dtm_150, 2))  as dos_text
    from x12_svc s
),
remarks as (
    select svc_pos, string_agg(x12_el(lq, 2), ';' order by pos) as remark_codes
    from x12_lq
    group by svc_pos
),
claim_ids as (   -- CLP01 split once per claim, not once per line
    select clp_pos, x12_el(clp, 1) as claim_id from x12_clp
)
select
    c.claim_id                                                   as claim_id,
    x12_pos(s.clp_pos)                                           as claim_pos,
    s.proc[1]                                                    as proc_qualifier,
    s.proc[2]                                                    as cpt,
    x12_modifiers(s.proc)                                        as modifiers,
    nullif(s.proc[3], '')                                        as modifier_1,
    nullif(s.proc[4], '')                                        as modifier_2,
    nullif(s.proc[5], '')                                        as modifier_3,
    nullif(s.proc[6], '')                                        as modifier_4,
    x12_amount(x12_el(s.svc, 2))                                 as charge,
    x12_amount(x12_el(s.svc, 3))                                 as paid,
    nullif(x12_el(s.svc, 4), '')                                 as revenue_code,
    case when x12_given(x12_el(s.svc, 5)) then x12_units_paid(x12_el(s.svc, 5)) else 1 end
                                                                 as units_paid,   -- absent = 1
    nullif(s.orig_proc[2], '')                                   as original_cpt,
    case when s.orig_proc is not null then x12_modifiers(s.orig_proc) end
                                                                 as original_modifiers,
    x12_units(x12_el(s.svc, 7))                                  as original_units,
    x12_date(s.dos_text)                                         as dos,
    x12_date(x12_el(s.dtm_151, 2))                               as dos_end,
    x12_el(s.ref_6r, 2)                                          as line_control_number,
    x12_amount(x12_el(s.amt_b6, 2))                              as allowed,
    r.remark_codes                                               as remark_codes,
    x12_file(s.svc_pos)                                          as source_file,
    x12_pos(s.svc_pos)                                           as segment_pos
from svc s
left join claim_ids c on c.clp_pos = s.clp_pos
left join remarks r on r.svc_pos = s.svc_pos;

-- @problems remit_lines
with candidates as materialized (
    select svc_pos, svc, amt_b6 from x12_svc where not (x12_fine(svc, 'F A A F P F U') and x12_fine(amt_b6, 'F A'))
)
select svc_pos as pos, 0 as sub,
       x12_problems([x12_bad_amount('SVC02', x12_el(svc, 2)),
                     x12_bad_amount('SVC03', x12_el(svc, 3)),
                     x12_bad_units_paid('SVC05', x12_el(svc, 5)),
                     x12_bad_units('SVC07', x12_el(svc, 7)),
                     x12_bad_amount_q('AMT02', x12_el(amt_b6, 2), 'AMT*B6')]) as problems
from candidates;

-- CAS: up to six (reason, amount, quantity) triples after the group code -> one row each
-- (the first triple always, so every CAS segment is traceable; later ones when they hold anything:
-- x12_cas_indexes / x12_cas_keep in x12_macros.sql).
-- @insert remit_adjustments
insert into remit_adjustments by name
with cas as (
    select cas_pos, clp_pos, svc_pos, string_split(cas, chr(31)) as e        -- e[1] = 'CAS', e[2] = CAS01
    from x12_cas
),
triples as (
    select cas_pos, clp_pos, svc_pos, e[2] as group_code, i as triple_index,
           e[3 * i] as reason_code, e[3 * i + 1] as amount_text, e[3 * i + 2] as quantity_text
    from (select *, unnest(x12_cas_indexes(e)) as i from cas)
    where x12_cas_keep(e, i)
),
claim_ids as (   -- CLP01 split once per claim, not once per adjustment
    select clp_pos, x12_el(clp, 1) as claim_id from x12_clp
)
select
    c.claim_id                                                   as claim_id,
    x12_pos(nullif(t.clp_pos, 0))                                as claim_pos,
    x12_pos(nullif(t.svc_pos, 0))                                as line_pos,
    case when t.svc_pos > 0 then 'line' else 'claim' end        as level,
    t.group_code                                                 as group_code,
    t.reason_code                                                as reason_code,
    x12_amount(t.amount_text)                                    as amount,
    x12_number(t.quantity_text)                                  as quantity,
    t.triple_index                                               as triple_index,
    x12_file(t.cas_pos)                                          as source_file,
    x12_pos(t.cas_pos)                                           as segment_pos
from triples t
left join claim_ids c on c.clp_pos = t.clp_pos;

-- @problems remit_adjustments
with candidates as materialized (
    select cas_pos, string_split(cas, chr(31)) as e from x12_cas where not x12_cas_fine(cas)
),
triples as (
    select cas_pos, i as triple_index, e[3 * i + 1] as amount_text, e[3 * i + 2] as quantity_text
    from (select *, unnest(x12_cas_indexes(e)) as i from candidates)
    where x12_cas_keep(e, i)
)
select cas_pos as pos, triple_index as sub,
       x12_problems([x12_bad_amount('CAS' || lpad((3 * triple_index)::varchar, 2, '0'), amount_text),
                     x12_bad_number('CAS' || lpad((3 * triple_index + 1)::varchar, 2, '0'), quantity_text)])
           as problems
from triples;

-- PLB: provider, fiscal period date, then up to six (reason:reference composite, amount) pairs.
-- @run
create or replace temp view x12_plb_pairs as
with pairs as (
    select p.plb_pos, p.st_pos, p.plb, j as pair_index,
           x12_el(p.plb, 2 * j + 1)                              as reason_composite,
           x12_el(p.plb, 2 * j + 2)                              as amount_text
    from x12_plb p, range(1, 7) as t(j)
)
select * from pairs
where pair_index = 1 or coalesce(reason_composite, '') <> '' or coalesce(amount_text, '') <> '';

-- @insert provider_adjustments
insert into provider_adjustments by name
select
    x12_el(p.plb, 1)                                             as provider_id,
    x12_date(x12_el(p.plb, 2))                                   as fiscal_date,
    x12_part(p.reason_composite, 1)                              as reason_code,
    x12_part(p.reason_composite, 2)                              as reference,
    x12_amount(p.amount_text)                                    as amount,
    p.pair_index                                                 as pair_index,
    x12_el(t.n1_pr, 2)                                           as payer_name,
    x12_file(p.plb_pos)                                          as source_file,
    x12_pos(p.plb_pos)                                           as segment_pos
from x12_plb_pairs p
left join x12_tx835 t on t.st_pos = p.st_pos;

-- @problems provider_adjustments
-- (PLB02 is checked by the reader (x12.py `_date_issues`))
select plb_pos as pos, pair_index as sub,
       x12_problems([x12_bad_amount('PLB' || lpad((2 * pair_index + 2)::varchar, 2, '0'), amount_text)]) as problems
from x12_plb_pairs
where x12_amount_bad(amount_text);

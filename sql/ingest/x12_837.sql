-- 837P (005010X222A1) -> claims, claim_lines.
--
-- The reader (pipelines/ingest/x12.py) has already split the file into segments and worked out, with
-- running maxima over segment positions, which loop every segment belongs to. It registers one Arrow
-- table per loop; each row holds the raw texts of the segments of that loop the mapping needs (NULL when
-- the loop has none), plus segment positions (1-based, in the file):
--
--   x12_tx837  one row per loaded ST..SE: st_pos, isa, gs, st, bht
--   x12_hl     one row per HL, with the first of each segment in the HL before its first CLM:
--              hl_pos, st_pos, hl, nm1_85, n4_85 (the N4 of the NM1*85 loop), sbr, nm1_il,
--              dmg_il (DMG of the NM1*IL loop), nm1_pr, nm1_qc, dmg_qc (DMG of the NM1*QC loop)
--   x12_clm    one row per CLM (loop 2300 and its 2310 loops, up to the first LX or 2320 SBR):
--              clm_pos, st_pos, hl_pos (the HL the claim sits in), clm, ref_g1, ref_f8, nm1_82, nm1_dn, nm1_p3,
--              his (the list of the claim's HI segments, in file order)
--   x12_sv1    one row per SV1 (loop 2400 and 2420A): sv1_pos, clm_pos, ordinal (the line's place in its
--              claim: 1, 2, ...), lx_ok (its LX is exactly LX*<ordinal>), lx, sv1, dtp_472, ref_6r, ref_g1, nm1_82
--
-- Positions are 1-based in the file; when several files are mapped in one pass, file number << 32 is
-- added to each non-zero position (see x12_pos / x12_file in x12_macros.sql).
-- `-- @run` statements are run in order; each `-- @insert <table>` statement inserts straight into the raw
-- table (the reader takes the row count it returns); each `-- @problems <table>` query lists the inserted
-- rows holding values that did not parse or are implausible (stored as NULL): pos (the anchor position),
-- sub (0) and problems (x12_problem records, possibly empty: the reader drops those rows); it only looks at
-- the candidate rows the fast x12_fine pre-filter lets through (materialized first, so the records are only
-- built for them). Dates are checked by the reader (x12.py `_date_issues`), at the segment that carries them. Statements are separated by a ';' at the end of a line.

-- The HL tree: a claim sits in a subscriber HL (level 22) or a patient HL (level 23, whose parent HL02
-- is the subscriber); the subscriber's parent is the billing provider HL (level 20). Parents are found by
-- HL01 id within the transaction; when a file's ids are broken, the nearest earlier HL of the level is used.
-- @run
create or replace temp table x12_claim_hl as
with hl as (
    select hl_pos, st_pos, x12_el(hl, 1) as hl_id, x12_el(hl, 2) as parent_id, x12_el(hl, 3) as level
    from x12_hl
),
hl_by_id as (   -- the first HL with each id (a broken file may repeat ids)
    select * from hl qualify row_number() over (partition by st_pos, hl_id order by hl_pos) = 1
),
tree as (
    select c.clm_pos, c.st_pos, c.hl_pos, h.level,
           p.hl_pos as parent_pos, g.hl_pos as grandparent_pos
    from x12_clm c
    left join hl h on h.hl_pos = c.hl_pos
    left join hl_by_id p on p.st_pos = h.st_pos and p.hl_id = h.parent_id
    left join hl_by_id g on g.st_pos = p.st_pos and g.hl_id = p.parent_id
),
by_level as (
    select clm_pos, st_pos, hl_pos,
           case when level = '23' then hl_pos end                                   as patient_hl,
           case when level = '23' then parent_pos when level = '22' then hl_pos end  as subscriber_hl,
           case when level = '23' then grandparent_pos when level = '22' then parent_pos end as billing_hl
    from tree
)
select b.clm_pos, b.patient_hl,
       coalesce(b.subscriber_hl, s.hl_pos) as subscriber_hl,
       coalesce(b.billing_hl, p.hl_pos)    as billing_hl
from by_level b
asof left join (select st_pos, hl_pos from hl where level = '22') s
    on s.st_pos = b.st_pos and s.hl_pos <= b.hl_pos
asof left join (select st_pos, hl_pos from hl where level = '20') p
    on p.st_pos = b.st_pos and p.hl_pos <= b.hl_pos;

-- @insert claims
insert into claims by name
with tx as (   -- the transaction's values, computed once per transaction, not once per claim
    select st_pos,
           x12_date(x12_el(bht, 4))                              as submission_date,
           x12_el(isa, 13)                                       as interchange_control,
           x12_el(st, 2)                                         as st_control
    from x12_tx837
),
billing as (   -- the billing provider's values, computed once per billing provider HL
    select h.hl_pos,
           x12_el(h.nm1_85, 9)                                   as billing_npi,
           case when x12_el(h.nm1_85, 2) = '1' and coalesce(x12_el(h.nm1_85, 4), '') <> ''
                then x12_el(h.nm1_85, 3) || ', ' || x12_el(h.nm1_85, 4)
                else x12_el(h.nm1_85, 3) end                     as billing_name,
           x12_el(h.n4_85, 3)                                    as billing_zip
    from x12_hl h
    where h.hl_pos in (select billing_hl from x12_claim_hl)
)
select
    x12_el(c.clm, 1)                                             as claim_id,
    x12_amount(x12_el(c.clm, 2))                                 as total_charge,
    x12_part(x12_el(c.clm, 5), 1)                                as place_of_service,
    x12_part(x12_el(c.clm, 5), 3)                                as frequency_code,
    x12_el(c.ref_g1, 2)                                          as prior_auth,
    x12_el(c.ref_f8, 2)                                          as payer_claim_ref,
    b.billing_npi                                                as billing_npi,
    b.billing_name                                               as billing_name,
    b.billing_zip                                                as billing_zip,
    x12_el(s.nm1_il, 9)                                          as subscriber_member_id,
    x12_el(s.nm1_il, 3)                                          as subscriber_last,
    x12_el(s.nm1_il, 4)                                          as subscriber_first,
    x12_date(case when x12_el(s.dmg_il, 1) = 'D8' then x12_el(s.dmg_il, 2) end) as subscriber_dob,
    x12_el(s.dmg_il, 3)                                          as subscriber_gender,
    case when p.hl_pos is not null then x12_el(p.nm1_qc, 3) else x12_el(s.nm1_il, 3) end as patient_last,
    case when p.hl_pos is not null then x12_el(p.nm1_qc, 4) else x12_el(s.nm1_il, 4) end as patient_first,
    x12_date(case when p.hl_pos is not null
                  then case when x12_el(p.dmg_qc, 1) = 'D8' then x12_el(p.dmg_qc, 2) end
                  else case when x12_el(s.dmg_il, 1) = 'D8' then x12_el(s.dmg_il, 2) end end) as patient_dob,
    p.hl_pos is null                                             as patient_is_subscriber,
    x12_el(s.nm1_pr, 3)                                          as payer_name,
    x12_el(s.nm1_pr, 9)                                          as payer_id,
    x12_el(s.sbr, 9)                                             as claim_filing_code,
    x12_el(c.nm1_82, 9)                                          as rendering_npi,
    coalesce(x12_el(c.nm1_dn, 9), x12_el(c.nm1_p3, 9))           as referring_npi,
    x12_diagnoses(c.his)                                         as diagnosis_codes,
    t.submission_date                                            as submission_date,
    t.interchange_control                                        as interchange_control,
    t.st_control                                                 as st_control,
    x12_file(c.clm_pos)                                          as source_file,
    x12_pos(c.clm_pos)                                           as segment_pos
from x12_clm c
left join x12_claim_hl h on h.clm_pos = c.clm_pos
left join billing b on b.hl_pos = h.billing_hl
left join x12_hl s on s.hl_pos = h.subscriber_hl
left join x12_hl p on p.hl_pos = h.patient_hl
left join tx t on t.st_pos = c.st_pos;

-- @problems claims
-- (dates, BHT04 and DMG02 included, are checked where they are, by the reader (x12.py `_date_issues`))
with candidates as materialized (
    select clm_pos, clm from x12_clm where not x12_fine(clm, 'F A')
)
select clm_pos as pos, 0 as sub, x12_problems([x12_bad_amount('CLM02', x12_el(clm, 2))]) as problems
from candidates;

-- Line numbers: LX01, which the staging keys lines by (claim_id || '#' || line_number), so it must be there
-- and unique within the claim. A line whose LX01 is missing, not a number from 1 to 999, or repeats an
-- earlier line's number in the claim (a damaged file) is numbered 1000 + its place in the claim instead, with
-- a warning. Only the claims with a line whose LX01 differs from its place are looked at (none, in a clean file).
-- @run
create or replace temp table x12_sv1_renumbered as
with odd_claims as (   -- lx_ok: the reader saw LX*<the line's place> (the usual case, nothing to look at)
    select distinct clm_pos from x12_sv1 where not lx_ok
),
numbered as (
    select sv1_pos, clm_pos, ordinal, try_cast(x12_el(lx, 1) as integer) as lx_number, x12_el(lx, 1) as lx01
    from x12_sv1
    where clm_pos in (select clm_pos from odd_claims)
),
checked as (
    select *, case when lx_number between 1 and 999
                        and row_number() over (partition by clm_pos, lx_number order by sv1_pos) = 1
                   then lx_number else 1000 + ordinal end as line_number
    from numbered
)
select sv1_pos, line_number, lx01 from checked where line_number is distinct from lx_number;

-- @insert claim_lines
insert into claim_lines by name
with sv1 as (
    select l.*, x12_composite(x12_el(l.sv1, 1)) as proc     -- SV101: HC:97530:GO:KX
    from x12_sv1 l
),
claim_ids as (   -- CLM01 split once per claim, not once per line
    select clm_pos, x12_el(clm, 1) as claim_id from x12_clm
)
select
    c.claim_id                                                   as claim_id,
    case when l.lx_ok then l.ordinal
         else coalesce(r.line_number, try_cast(x12_el(l.lx, 1) as integer)) end as line_number,
    l.proc[1]                                                    as proc_qualifier,
    l.proc[2]                                                    as cpt,
    x12_modifiers(l.proc)                                        as modifiers,
    nullif(l.proc[3], '')                                        as modifier_1,
    nullif(l.proc[4], '')                                        as modifier_2,
    nullif(l.proc[5], '')                                        as modifier_3,
    nullif(l.proc[6], '')                                        as modifier_4,
    x12_amount(x12_el(l.sv1, 2))                                 as charge,
    x12_el(l.sv1, 3)                                             as unit_basis,
    x12_units(x12_el(l.sv1, 4))                                  as units,
    nullif(x12_el(l.sv1, 5), '')                                 as place_of_service,
    x12_dtp_from(l.dtp_472)                                      as dos,
    x12_dtp_to(l.dtp_472)                                        as dos_end,
    x12_el(l.ref_6r, 2)                                          as line_control_number,
    x12_el(l.ref_g1, 2)                                          as line_prior_auth,
    x12_el(l.nm1_82, 9)                                          as rendering_npi,
    x12_file(l.sv1_pos)                                          as source_file,
    x12_pos(l.sv1_pos)                                           as segment_pos,
    x12_pos(l.clm_pos)                                           as claim_pos
from sv1 l
left join claim_ids c on c.clm_pos = l.clm_pos
left join x12_sv1_renumbered r on r.sv1_pos = l.sv1_pos;

-- @problems claim_lines
-- (DTP*472 is checked where it is, by the reader (x12.py `_date_issues`))
with candidates as materialized (
    select sv1_pos, sv1 from x12_sv1
    where not x12_fine(sv1, 'F A F U') or sv1_pos in (select sv1_pos from x12_sv1_renumbered)
)
select c.sv1_pos as pos, 0 as sub,
       x12_problems([x12_bad_amount('SV102', x12_el(c.sv1, 2)),
                     x12_bad_units('SV104', x12_el(c.sv1, 4)),
                     case when r.sv1_pos is not null
                          then x12_problem('LX01', 'line_number', r.lx01, r.line_number::varchar) end]) as problems
from candidates c
left join x12_sv1_renumbered r on r.sv1_pos = c.sv1_pos;

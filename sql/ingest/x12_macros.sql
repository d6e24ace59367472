-- Helpers shared by x12_837.sql and x12_835.sql, created once per connection (pipelines/ingest/x12.py
-- checks x12_macros_version() before each load and re-creates them only when missing or changed).
--
-- The reader stores every segment with canonical delimiters, whatever the file declared: elements are
-- separated by chr(31) and components by chr(30). So for a segment text `seg`:
--   x12_el(seg, 1)      = element 01 (x12_el(clp, 1) = CLP01); x12_el(seg, 0) = the segment id
--   x12_part(value, 2)  = component 2 of a composite element (CLM05-3 = x12_part(x12_el(clm, 5), 3))
-- A missing element or component is NULL (DuckDB list indexing is 1-based and NULL past the end).

create or replace temp macro x12_el(seg, n) as string_split(seg, chr(31))[n + 1];
create or replace temp macro x12_part(v, n) as string_split(v, chr(30))[n];

-- Segment positions: several files can be mapped in one pass; the reader then adds (file number << 32)
-- to every position of a file (0 stays 0 = none). x12_pos gives the position in its own file back,
-- x12_file the file's name (getvariable('x12_files') lists the names of the files of the pass).
create or replace temp macro x12_pos(p) as p & 4294967295;
create or replace temp macro x12_file(p) as getvariable('x12_files')[(p >> 32) + 1];

-- A procedure composite (SV101, SVC01, SVC06): qualifier, code, up to four modifiers. Some payers write
-- it with another separator than ISA16 (e.g. 'HC>97110' while ISA16 is ':'): when the value holds no
-- component separator but starts with a 2-letter qualifier followed by one of : > ^ <, split on that.
create or replace temp macro x12_composite(v) as
    case
        when v is null or v = '' then null
        when contains(v, chr(30)) or not regexp_matches(v, '^[A-Za-z]{2}[:>^<]') then string_split(v, chr(30))
        else string_split(v, v[3])
    end;

-- Modifiers 1-4 of a split procedure composite, ';'-joined, '' when none (concat_ws skips NULLs).
create or replace temp macro x12_modifiers(c) as
    concat_ws(';', nullif(c[3], ''), nullif(c[4], ''), nullif(c[5], ''), nullif(c[6], ''));

-- Diagnosis codes of a claim from its HI segments (a list, in file order): the code of every composite
-- HI01..HI12 whose qualifier is a diagnosis one, principal (ABK/BK) first, then the others, in file order;
-- ';'-joined, NULL when none.
create or replace temp macro x12_hi_composites(his) as
    flatten(list_transform(his, lambda h: list_transform(string_split(h, chr(31))[2:13],
                                                         lambda v: string_split(v, chr(30)))));
create or replace temp macro x12_diagnosis_list(comps) as
    list_filter(comps, lambda c: c[1] in ('ABK', 'BK') and coalesce(c[2], '') <> '')
    || list_filter(comps, lambda c: c[1] in ('ABF', 'BF', 'ABJ', 'BJ', 'ABN', 'BN', 'APR', 'PR', 'DR')
                                    and coalesce(c[2], '') <> '');
create or replace temp macro x12_diagnoses(his) as
    nullif(array_to_string(list_transform(x12_diagnosis_list(x12_hi_composites(his)), lambda c: c[2]), ';'), '');

-- Typed values: anything unparsable is NULL (and reported by the x12_bad_* checks below).
create or replace temp macro x12_date(v) as
    case when length(v) = 8 then try_strptime(v, '%Y%m%d')::date end;
create or replace temp macro x12_amount(v) as try_cast(nullif(trim(v), '') as decimal(12, 2));
create or replace temp macro x12_number(v) as try_cast(nullif(trim(v), '') as double);

-- D8 date or RD8 range (CCYYMMDD-CCYYMMDD) of a DTP segment: first / last date.
create or replace temp macro x12_dtp_from(dtp) as
    x12_date(case when x12_el(dtp, 2) = 'RD8' then split_part(x12_el(dtp, 3), '-', 1) else x12_el(dtp, 3) end);
create or replace temp macro x12_dtp_to(dtp) as
    case when x12_el(dtp, 2) = 'RD8' then x12_date(split_part(x12_el(dtp, 3), '-', 2)) end;

-- Fast pre-filter of the problems queries: does a segment certainly hold only readable values where the
-- mapping types them? x12_re(spec) is a regular expression for a segment, from a space-separated spec
-- with one token per element after the segment id: F = anything, A = an amount or empty, N = a number
-- or empty, D = a CCYYMMDD date that is certainly valid (29 February is left to the exact check) or
-- empty, R = a CCYYMMDD-CCYYMMDD range or empty, anything else = exactly that text. The segment may end
-- early; elements past the spec are free. x12_fine(seg, spec) is true when the segment is absent or
-- matches: then none of the values the spec types can be unreadable. Rows where it is false are only
-- candidates: the exact x12_bad_* checks decide. (The pattern is folded to a constant when planning.)
create or replace temp macro x12_re_date() as
    '((19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])|(19|20)[0-9]{2}(0[13-9]|1[0-2])(29|30)'
    || '|(19|20)[0-9]{2}(0[13578]|1[02])31)';
create or replace temp macro x12_re(spec) as
    '[^\x1f]*'
    || list_aggregate(list_transform(string_split(spec, ' '), lambda t:
           '(\x1f' || case t when 'F' then '[^\x1f]*'
                             when 'A' then '(-?[0-9]{1,10}(\.[0-9]{1,2})?)?'
                             when 'N' then '(-?[0-9]{1,15}(\.[0-9]{1,15})?)?'
                             when 'D' then '(' || x12_re_date() || ')?'
                             when 'R' then '(' || x12_re_date() || '-' || x12_re_date() || ')?'
                             else t end), 'string_agg', '')
    || '(\x1f.*)?' || repeat(')?', len(string_split(spec, ' ')));
create or replace temp macro x12_fine(seg, spec) as seg is null or regexp_full_match(seg, x12_re(spec));
-- CAS: group code, then (reason, amount, quantity) triples; only the last triple may be cut short.
create or replace temp macro x12_cas_fine(cas) as
    cas is null or regexp_full_match(cas,
        '[^\x1f]*(\x1f[^\x1f]*((\x1f[^\x1f]*\x1f(-?[0-9]{1,10}(\.[0-9]{1,2})?)?\x1f(-?[0-9]{1,15}(\.[0-9]{1,15})?)?)*'
        || '(\x1f[^\x1f]*(\x1f(-?[0-9]{1,10}(\.[0-9]{1,2})?)?)?)?))?');
-- The triples of a CAS segment's elements e (e[1] = 'CAS', e[2] = CAS01): indexes 1..6 as far as the
-- segment goes; a triple is kept when it is the first or holds a reason or an amount.
create or replace temp macro x12_cas_indexes(e) as range(1, least(greatest((len(e) + 1) // 3, 1), 6) + 1);
create or replace temp macro x12_cas_keep(e, i) as
    i = 1 or coalesce(e[3 * i], '') <> '' or coalesce(e[3 * i + 1], '') <> '';

-- Is a value given but unreadable? (true / false, or NULL counted as false). The problems queries of
-- x12_835.sql / x12_837.sql filter on these first, so the descriptions below are only built for the
-- few rows that have a problem.
create or replace temp macro x12_amount_bad(v) as coalesce(trim(v), '') <> '' and x12_amount(v) is null;
create or replace temp macro x12_number_bad(v) as coalesce(trim(v), '') <> '' and x12_number(v) is null;
create or replace temp macro x12_date_bad(v) as coalesce(v, '') <> '' and x12_date(v) is null;
create or replace temp macro x12_dtp_bad(dtp) as
    dtp is not null and coalesce(x12_el(dtp, 3), '') <> ''
    and (x12_dtp_from(dtp) is null or (x12_el(dtp, 2) = 'RD8' and x12_dtp_to(dtp) is null));

-- Problem descriptions (NULL when the value is fine or absent); x12_problems drops the NULLs.
create or replace temp macro x12_bad_amount(label, v) as
    case when x12_amount_bad(v) then label || ' ''' || v || ''' is not an amount' end;
create or replace temp macro x12_bad_number(label, v) as
    case when x12_number_bad(v) then label || ' ''' || v || ''' is not a number' end;
create or replace temp macro x12_bad_date(label, v) as
    case when x12_date_bad(v) then label || ' ''' || v || ''' is not a valid CCYYMMDD date' end;
create or replace temp macro x12_bad_dtp(label, dtp) as
    case when x12_dtp_bad(dtp)
         then label || ' ''' || x12_el(dtp, 3) || ''' is not a valid ' || coalesce(x12_el(dtp, 2), '') || ' date' end;
create or replace temp macro x12_problems(l) as list_filter(l, lambda p: p is not null);

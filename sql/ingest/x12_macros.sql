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

-- Typed values: anything unparsable or implausible is NULL (and reported by the problems queries):
--   a date is a real calendar date CCYYMMDD in the years 1900-2099 (x12_date6: YYMMDD, ISA09);
--   an amount is below 1,000,000 in absolute value (decimal(8,2) holds exactly that: a larger value fails
--   the cast); units are finite, 0 <= units < 100 (x12_units: SV104, SVC07) or -100 < units < 100
--   (x12_units_paid: SVC05, negative on a reversal); other numbers are finite and below 1e9 in absolute value.
-- These limits are checked here, at ingest, so no staging arithmetic ever sees inf, NaN or 1e9 units.
-- (x12_date: the last-character test keeps out '2025011 ', which strptime would read as 2025-01-01: exactly
-- the 8-digit real dates pass, as pipelines/ingest/x12.py `_real_date` checks them)
create or replace temp macro x12_date(v) as
    case when length(v) = 8 and v >= '19000101' and v < '21000101' and v[8] between '0' and '9'
         then try_strptime(v, '%Y%m%d')::date end;
create or replace temp macro x12_date6(v) as
    case when length(v) = 6 then try_strptime(v, '%y%m%d')::date end;
-- (try_cast ignores surrounding spaces and gives NULL for '' by itself: no trim / nullif needed)
create or replace temp macro x12_amount(v) as try_cast(v as decimal(8, 2));
create or replace temp macro x12_double(v) as try_cast(v as double);
create or replace temp macro x12_within(x, lo, hi) as case when x > lo and x < hi then x end;
create or replace temp macro x12_number(v) as x12_within(x12_double(v), -1e9, 1e9);
create or replace temp macro x12_units(v) as
    case when x12_double(v) >= 0 and x12_double(v) < 100 then x12_double(v) end;
create or replace temp macro x12_units_paid(v) as x12_within(x12_double(v), -100, 100);

-- D8 date or RD8 range (CCYYMMDD-CCYYMMDD) of a DTP segment: first / last date.
create or replace temp macro x12_dtp_from(dtp) as
    x12_date(case when x12_el(dtp, 2) = 'RD8' then split_part(x12_el(dtp, 3), '-', 1) else x12_el(dtp, 3) end);
create or replace temp macro x12_dtp_to(dtp) as
    case when x12_el(dtp, 2) = 'RD8' then x12_date(split_part(x12_el(dtp, 3), '-', 2)) end;

-- Fast pre-filter of the problems queries: does a segment certainly hold only readable values where the
-- mapping types them? x12_re(spec) is a regular expression for a segment, from a space-separated spec
-- with one token per element after the segment id: F = anything, A = an amount or empty (below 1,000,000),
-- N = a number or empty (below 1e8), U = units 0 to 99.x or empty, P = units -99.x to 99.x or empty,
-- D = a CCYYMMDD date that is certainly valid (29 February is left to the exact check) or
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
                             when 'A' then '(-?[0-9]{1,6}(\.[0-9]{1,2})?)?'
                             when 'N' then '(-?[0-9]{1,8}(\.[0-9]{1,15})?)?'
                             when 'U' then '([0-9]{1,2}(\.[0-9]{1,15})?)?'
                             when 'P' then '(-?[0-9]{1,2}(\.[0-9]{1,15})?)?'
                             when 'D' then '(' || x12_re_date() || ')?'
                             when 'R' then '(' || x12_re_date() || '-' || x12_re_date() || ')?'
                             else t end), 'string_agg', '')
    || '(\x1f.*)?' || repeat(')?', len(string_split(spec, ' ')));
create or replace temp macro x12_fine(seg, spec) as seg is null or regexp_full_match(seg, x12_re(spec));
-- CAS: group code, then (reason, amount, quantity) triples; only the last triple may be cut short.
create or replace temp macro x12_cas_fine(cas) as
    cas is null or regexp_full_match(cas,
        '[^\x1f]*(\x1f[^\x1f]*((\x1f[^\x1f]*\x1f(-?[0-9]{1,6}(\.[0-9]{1,2})?)?\x1f(-?[0-9]{1,8}(\.[0-9]{1,15})?)?)*'
        || '(\x1f[^\x1f]*(\x1f(-?[0-9]{1,6}(\.[0-9]{1,2})?)?)?)?))?');
-- The triples of a CAS segment's elements e (e[1] = 'CAS', e[2] = CAS01): indexes 1..6 as far as the
-- segment goes; a triple is kept when it is the first or holds a reason or an amount.
create or replace temp macro x12_cas_indexes(e) as range(1, least(greatest((len(e) + 1) // 3, 1), 6) + 1);
create or replace temp macro x12_cas_keep(e, i) as
    i = 1 or coalesce(e[3 * i], '') <> '' or coalesce(e[3 * i + 1], '') <> '';

-- Is a value given but unreadable or implausible? (true / false, or NULL counted as false). The problems
-- queries of x12_835.sql / x12_837.sql filter on these first, so the problem records below
-- are only built for the few rows that have a problem.
create or replace temp macro x12_given(v) as coalesce(trim(v), '') <> '';
create or replace temp macro x12_amount_bad(v) as x12_given(v) and x12_amount(v) is null;
create or replace temp macro x12_number_bad(v) as x12_given(v) and x12_number(v) is null;
create or replace temp macro x12_units_bad(v) as x12_given(v) and x12_units(v) is null;
create or replace temp macro x12_units_paid_bad(v) as x12_given(v) and x12_units_paid(v) is null;

-- Problem records (NULL when the value is fine or absent); x12_problems drops the NULLs. The reader turns
-- each into a message (pipelines/ingest/x12.py `_describe`, through pipelines/messages.py): the place
-- (segment number and element), what is wrong, and the value only when it cannot be PHI. `v` is cut to
-- 64 characters here: a 100 KB element never leaves the database engine whole.
--   el = the element ('CLP03'), what = amount | number | units | units_paid (dates: checked in Python,
--   pipelines/ingest/x12.py `_date_issues`, with the same record shape: date | range | date6 | date_format),
--   v = the value, q = the segment's qualifier when it says what the value is (DTM*472, AMT*B6)
create or replace temp macro x12_problem(el, what, v, q) as
    {'el': el::varchar, 'what': what::varchar, 'v': left(v::varchar, 64), 'q': q::varchar};
create or replace temp macro x12_bad_amount(el, v) as
    case when x12_amount_bad(v) then x12_problem(el, 'amount', v, null::varchar) end;
create or replace temp macro x12_bad_amount_q(el, v, q) as
    case when x12_amount_bad(v) then x12_problem(el, 'amount', v, q) end;
create or replace temp macro x12_bad_number(el, v) as
    case when x12_number_bad(v) then x12_problem(el, 'number', v, null::varchar) end;
create or replace temp macro x12_bad_units(el, v) as
    case when x12_units_bad(v) then x12_problem(el, 'units', v, null::varchar) end;
create or replace temp macro x12_bad_units_paid(el, v) as
    case when x12_units_paid_bad(v) then x12_problem(el, 'units_paid', v, null::varchar) end;
create or replace temp macro x12_problems(l) as list_filter(l, lambda p: p is not null);

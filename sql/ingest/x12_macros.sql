-- Helpers shared by x12_837.sql and x12_835.sql.
--
-- The reader stores every segment with canonical delimiters, whatever the file declared: elements are
-- separated by chr(31) and components by chr(30). So for a segment text `seg`:
--   x12_el(seg, 1)      = element 01 (x12_el(clp, 1) = CLP01); x12_el(seg, 0) = the segment id
--   x12_part(value, 2)  = component 2 of a composite element (CLM05-3 = x12_part(x12_el(clm, 5), 3))
-- A missing element or component is NULL (DuckDB list indexing is 1-based and NULL past the end).

create or replace temp macro x12_el(seg, n) as string_split(seg, chr(31))[n + 1];
create or replace temp macro x12_part(v, n) as string_split(v, chr(30))[n];

-- A procedure composite (SV101, SVC01, SVC06): qualifier, code, up to four modifiers. Some payers write
-- it with another separator than ISA16 (e.g. 'HC>97110' while ISA16 is ':'): when the value holds no
-- component separator but starts with a 2-letter qualifier followed by one of : > ^ <, split on that.
create or replace temp macro x12_composite(v) as
    case
        when v is null or v = '' then null
        when contains(v, chr(30)) or not regexp_matches(v, '^[A-Za-z]{2}[:>^<]') then string_split(v, chr(30))
        else string_split(v, v[3])
    end;

-- Modifiers 1-4 of a split procedure composite, ';'-joined, '' when none.
create or replace temp macro x12_modifiers(c) as
    coalesce(array_to_string(list_filter(c[3:6], lambda m: coalesce(m, '') <> ''), ';'), '');

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

-- Problem descriptions (NULL when the value is fine or absent); x12_problems drops the NULLs.
create or replace temp macro x12_bad_amount(label, v) as
    case when coalesce(trim(v), '') <> '' and x12_amount(v) is null
         then label || ' ''' || v || ''' is not an amount' end;
create or replace temp macro x12_bad_number(label, v) as
    case when coalesce(trim(v), '') <> '' and x12_number(v) is null
         then label || ' ''' || v || ''' is not a number' end;
create or replace temp macro x12_bad_date(label, v) as
    case when coalesce(v, '') <> '' and x12_date(v) is null
         then label || ' ''' || v || ''' is not a valid CCYYMMDD date' end;
create or replace temp macro x12_bad_dtp(label, dtp) as
    case when dtp is not null and coalesce(x12_el(dtp, 3), '') <> ''
              and (x12_dtp_from(dtp) is null or (x12_el(dtp, 2) = 'RD8' and x12_dtp_to(dtp) is null))
         then label || ' ''' || x12_el(dtp, 3) || ''' is not a valid ' || coalesce(x12_el(dtp, 2), '') || ' date' end;
create or replace temp macro x12_problems(l) as list_filter(l, lambda p: p is not null);

-- worklist_xml: the worklist's data cells as SpreadsheetML, built in bulk (pipelines/report/worklist.py
-- splices the rows into the sheets XlsxWriter wrote with their header only). TEMPORARY macros: they write
-- nothing to the audit database. Each cell is written as XlsxWriter writes it in constant_memory mode, so
-- that the file reads back the same (tests/test_worklist.py compares them):
--
--   xl_value(s)                    the text Excel keeps of s: cut to Excel's 32,767 UTF-16 units (a character
--                                  above U+FFFF counts two and is never split), a literal _xHHHH_ written
--                                  _x005F_xHHHH_ and each control character XML 1.0 forbids (and U+FFFE,
--                                  U+FFFF) written _xHHHH_: Excel's escapes, read back as the character.
--   xl_text(col, row, v)           the inline-string cell at column col (A, B ...), row row of a value of
--                                  xl_value: & < > as entities, white space at either end kept
--                                  (xml:space="preserve"); '' (no cell) for null or ''. Unlike XlsxWriter, a
--                                  text shaped like rich text (<r>...</r>) is escaped too (XlsxWriter writes it
--                                  raw: it reads back empty, or breaks the file).
--   xl_number(col, row, x, style)  a number cell (printf %.16G, as XlsxWriter) with the cell format `style`
--                                  (an XlsxWriter xf index; 0 = none); '' for null.

-- Characters above U+FFFF are two UTF-16 units: mark each with U+FDD0 (a noncharacter) so that a cut
-- counts them twice; a character whose mark was cut off is dropped; then the marks are taken out.
create or replace temp macro xl_cut(s) as
    case when strlen(s) <= 32767 then s  -- fewer bytes, so fewer units: nothing to cut
    else regexp_replace(
             regexp_replace(
                 left(regexp_replace(s, '([\x{10000}-\x{10FFFF}])', '\1' || chr(64976), 'g'), 32767),
                 '[\x{10000}-\x{10FFFF}]$', ''),
             '([\x{10000}-\x{10FFFF}])\x{FDD0}', '\1', 'g') end;

-- In XlsxWriter's order: the literal escapes first, then the characters (one replace() each).
create or replace temp macro xl_escapes(s) as
    case when not regexp_matches(s, '_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\x{FFFE}\x{FFFF}]') then s
    else list_reduce([chr(i::integer) for i in range(0, 9) || range(11, 32) || [65534, 65535]],
                     lambda t, c: replace(t, c, printf('_x%04X_', unicode(c))),
                     regexp_replace(s, '(_x[0-9a-fA-F]{4}_)', '_x005F\1', 'g')) end;

create or replace temp macro xl_value(s) as xl_escapes(xl_cut(s));

-- White space as XlsxWriter tests it for xml:space="preserve" (Python's \s), less the control characters,
-- which xl_value has escaped.
create or replace temp macro xl_space() as
    '[\t\n \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]';

create or replace temp macro xl_text(col, row, v) as
    case when v is null or v = '' then ''
    else concat('<c r="', col, row, '" t="inlineStr"><is><t',
                case when regexp_matches(v, '^' || xl_space() || '|' || xl_space() || '$')
                     then ' xml:space="preserve">' else '>' end,
                replace(replace(replace(v, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '</t></is></c>') end;

create or replace temp macro xl_number(col, row, x, style) as
    case when x is null then ''
    else concat('<c r="', col, row, '"', case when style > 0 then concat(' s="', style, '"') end,
                '><v>', printf('%.16G', x::double), '</v></c>') end;

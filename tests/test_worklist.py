"""worklist.xlsx written in bulk (pipelines/report/worklist.py, sql/report/worklist_xml.sql): every cell of every
sheet read back with openpyxl equals what the rows of sql/report/worklist_*.sql say it should be (value and
number format, blanks where the row has nothing), with the sheets' layout; hostile text survives; and each
text cell is written exactly as XlsxWriter itself writes it."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import warnings
import zipfile

import duckdb
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pipelines.report import data, write_worklist
from pipelines.report.worklist import (ABOUT, CLOSED_COLUMNS, DATE_FMT, KIND_LABEL, MONEY_FMT, OPEN_COLUMNS,
                                       UNBILLED_COLUMNS)
from pipelines.report.playbook import closed_action, play
from pipelines.resources import read_sql

FINDING_TAIL = ["Rule", "Payer", "Claim ID", "Payer claim ID", "Patient ref", "DOS", "CPT", "Modifiers",
                "Units billed", "Units expected", "Detail", "Source file", "Who", "When", "Outcome"]
HEADERS = {
    "Open items": ["Priority", "Days left", "Fix by", "Amount", "Type", "Action", "Owner"] + FINDING_TAIL,
    "Write-off review": ["Priority", "Days past", "Deadline was", "Amount", "Type", "Action", "Owner"] + FINDING_TAIL,
    "Unbilled visits": ["Priority", "Status", "Days left", "File by", "Rule", "Payer", "Patient ref", "DOS", "CPT",
                        "Modifiers", "Units", "Minutes", "Rendering NPI", "Visit amount", "Export file", "Sheet", "Row",
                        "Who", "When", "Outcome"],
}
SHEETS = [("Open items", "worklist_open", OPEN_COLUMNS), ("Write-off review", "worklist_closed", CLOSED_COLUMNS),
          ("Unbilled visits", "worklist_unbilled", UNBILLED_COLUMNS)]
# What the cell of each label column holds, from the row (and the patient names of --show-phi).
LABELS = {"type_label": lambda r, names: KIND_LABEL.get(r["amount_kind"]),
          "action": lambda r, names: play(r["rule_id"]).action,
          "closed_action": lambda r, names: closed_action(r["rule_id"], r["amount_kind"]),
          "owner": lambda r, names: play(r["rule_id"]).owner,
          "patient_name": lambda r, names: names.get(r["patient_ref"])}

HOSTILE = ["& < > \" ' &amp; <![CDATA[x]]>", "  leading and trailing  ", "line one\nline two\r\nthree", "tab\there",
           "".join(map(chr, range(32))) + "after the controls", "a literal _x0041_ and _x005F_ and _XABCD_",
           "emoji 😀 and 𝄞 outside the BMP", "\u3000ideographic space\u2028", "\ufffe\uffff nonchars",
           "<r>rich?</r>",
           "x" * 40_000, "y" * 32_766 + "😀" + "z", "_x0041_" * 6_000, "😀" * 20_000]
HOSTILE_FILE = "837/we<ird> & 'odd' \"name\"\t_x0009_ 😀.837"


def excel_text(value: str | None) -> str | None:
    """A text cell as Excel shows it: its _xHHHH_ escapes read back as the characters."""
    return None if value is None else re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)


def excel_kept(text: str) -> str:
    """What Excel keeps of a text: 32,767 UTF-16 units, never half a character."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > 32_767:
            return text[:i]
    return text


def load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # openpyxl warns about anything it had to repair
        return load_workbook(path)


def expected_sheets(con, show_phi: bool) -> dict[str, tuple[list, list[list]]]:
    """Each big sheet's columns and the cells its SQL rows call for, computed in Python one row at a time."""
    names = {r["patient_ref"]: r["patient_name"] for r in data.query(con, "patient_names")} if show_phi else {}
    out = {}
    for title, name, columns in SHEETS:
        cols = list(columns)
        if show_phi:
            at = [c[0] for c in cols].index("Patient ref") + 1
            cols.insert(at, ("Patient name (PHI)", 22, "text", "patient_name"))
        rows = []
        for r in data.query(con, name):
            rows.append([None if src is None else LABELS[src](r, names) if src in LABELS else r[src]
                         for _, _, _, src in cols])
        out[title] = (cols, rows)
    return out


def assert_reads_back(con, path, show_phi: bool) -> None:
    wb = load(path)
    assert wb.sheetnames == ["Open items", "Write-off review", "Unbilled visits", "About"]
    counts = []
    for title, (cols, rows) in expected_sheets(con, show_phi).items():
        ws = wb[title]
        header = list(HEADERS[title])
        if show_phi:
            header.insert(header.index("Patient ref") + 1, "Patient name (PHI)")
        got = list(ws.iter_rows(values_only=True))
        assert list(got[0]) == header
        last = ws.cell(1, len(cols)).column_letter
        assert ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1"
        assert ws.auto_filter.ref == ws.dimensions == f"A1:{last}{len(rows) + 1}"
        for i, (name, width, kind, _) in enumerate(cols, start=1):
            head = ws.cell(1, i)
            assert head.font.b and head.fill.fgColor.rgb == "FF37474F" and head.alignment.wrap_text
            # XlsxWriter's width in characters plus its padding; neighbours of one width share a <col>
            got_width = next(d.width for d in ws.column_dimensions.values() if d.min <= i <= d.max)
            assert got_width == pytest.approx(width + 0.7109375)
        assert len(got) == len(rows) + 1
        for r, want_row in enumerate(rows, start=2):
            for c, ((_, _, kind, _), want) in enumerate(zip(cols, want_row), start=1):
                cell = ws.cell(r, c)
                if want is None or want == "":
                    assert (cell.value, cell.number_format) == (None, "General"), (title, cell.coordinate)
                elif kind == "text":
                    assert excel_text(cell.value) == excel_kept(want), (title, cell.coordinate)
                    assert cell.number_format == "General"
                elif kind == "date":
                    want = want.date() if isinstance(want, dt.datetime) else want
                    assert (cell.value.date(), cell.number_format) == (want, DATE_FMT), (title, cell.coordinate)
                else:
                    fmt = MONEY_FMT if kind == "money" else "General"
                    assert (cell.value, cell.number_format) == (want, fmt), (title, cell.coordinate)
        counts.append(len(rows))
    as_of = data.one(con, "params")["as_of"]
    about = [list(r) for r in wb["About"].iter_rows(values_only=True)]
    assert about == [["As of", as_of.isoformat()[:10]], ["Open items", counts[0]],
                     ["Write-off review items", counts[1]], ["Unbilled visit codes", counts[2]]] + \
        [list(a) for a in ABOUT]


@pytest.fixture(scope="module")
def sample_db(sample_day0_audit, tmp_path_factory):
    """A copy of the bundled sample's checked audit database (the session's audit folder is only read)."""
    path = tmp_path_factory.mktemp("worklist") / "audit.duckdb"
    shutil.copy(sample_day0_audit / "audit.duckdb", path)
    return path


@pytest.mark.parametrize("show_phi", [False, True])
def test_every_cell_reads_back_as_its_sql_row(sample_db, tmp_path, show_phi):
    with duckdb.connect(str(sample_db)) as con:
        n_open = write_worklist(con, tmp_path / "w.xlsx", show_phi=show_phi)
        assert n_open == len(data.query(con, "worklist_open")) > 20
        assert len(data.query(con, "worklist_closed")) > 5 and len(data.query(con, "worklist_unbilled")) > 0
        assert_reads_back(con, tmp_path / "w.xlsx", show_phi)


def test_hostile_text_reads_back_and_opens(sample_db, tmp_path):
    """Text no practice should send, in the details, payers, claim ids and the source file name of findings
    on every sheet: read back as written (Excel's escapes undone, cut to Excel's 32,767 units), and the file
    opens without openpyxl having to repair anything."""
    path = tmp_path / "hostile.duckdb"
    shutil.copy(sample_db, path)
    with duckdb.connect(str(path)) as con:
        # finding k gets hostile text k mod len(HOSTILE) (an unbilled visit keeps its null claim id)
        con.execute("""update findings f set detail = h.text, payer = h.text, claim_id = f.claim_id || h.text,
                              source_file = $file
                       from (select rowid as id, row_number() over (order by rowid) % len($texts) + 1 as i
                             from findings) k,
                            (select unnest($texts) as text, unnest(range(1, len($texts) + 1)) as i) h
                       where f.rowid = k.id and h.i = k.i""", {"texts": HOSTILE, "file": HOSTILE_FILE})
        write_worklist(con, tmp_path / "w.xlsx")
        cells = {c.value for ws in load(tmp_path / "w.xlsx").worksheets for row in ws.iter_rows() for c in row}
        assert {excel_kept(h) for h in HOSTILE} | {HOSTILE_FILE} <= {excel_text(v) for v in cells if isinstance(v, str)}
        assert_reads_back(con, tmp_path / "w.xlsx", show_phi=False)


def xlsxwriter_cell(value: str | float) -> str:
    """The <c> element XlsxWriter itself writes for a text or a number in cell A1 (constant_memory: a text is an
    inline string)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_string(0, 0, value) if isinstance(value, str) else ws.write_number(0, 0, value)
    wb.close()
    sheet = zipfile.ZipFile(buf).read("xl/worksheets/sheet1.xml").decode("utf-8")
    return re.search(r'<c r="A1".*?</c>', sheet, re.S).group(0)


@pytest.fixture(scope="module")
def cell():
    """The <c> element sql/report/worklist_xml.sql writes in cell A1 for a text or a number (no format)."""
    con = duckdb.connect()
    con.execute(read_sql("report/worklist_xml.sql"))
    yield lambda value: con.execute("select xl_text('A', '1', xl_value($v))" if isinstance(value, str)
                                    else "select xl_number('A', '1', $v, 0)", {"v": value}).fetchall()[0][0]
    con.close()


WHITE = [chr(i) for i in range(0x3001) if re.match(r"\s", chr(i))]


@pytest.mark.parametrize("text", HOSTILE[:9] + HOSTILE[10:] + [w + "x" for w in WHITE] + ["x" + w for w in WHITE]
                         + ["a" * 32_765 + "😀b", "\x00" * 33_000, "_x12_", "_x00411_"])
def test_a_text_cell_is_written_as_xlsxwriter_writes_it(cell, text):
    assert cell(text) == xlsxwriter_cell(text)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1))          # the worklist writes no cell for ""
def test_any_text_is_written_as_xlsxwriter_writes_it(cell, text):
    if not (text.startswith("<r>") and text.endswith("</r>")):
        assert cell(text) == xlsxwriter_cell(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(-10**15, 10**15), st.floats(allow_nan=False, allow_infinity=False),
                 st.decimals(-10**9, 10**9, places=2).map(float)))
def test_any_number_is_written_as_xlsxwriter_writes_it(cell, number):
    assert cell(number) == xlsxwriter_cell(number)


def test_text_shaped_like_rich_text_is_escaped(cell):
    """XlsxWriter writes a string shaped like rich text (<r>...</r>) into the XML unescaped (so "<r>a & b</r>"
    would break the file); the worklist writes it as the text it is."""
    assert cell("<r>a & b</r>") == '<c r="A1" t="inlineStr"><is><t>&lt;r&gt;a &amp; b&lt;/r&gt;</t></is></c>'

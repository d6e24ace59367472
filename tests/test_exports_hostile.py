"""Hostile exports (issue 12): whatever the bytes, read_export raises nothing, loses no row (rows read =
loaded + rejected + skipped, broken quoting rejects its own rows with their numbers), lets no
implausible value through (units, minutes, amounts, dates), and quotes no PHI in any message."""
from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import warehouse
from pipelines.ingest.export_grid import split_line
from pipelines.ingest.exports import read_export, read_export_detailed

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
SAMPLE = Path(__file__).parent.parent / "sample_data"

# Planted PHI: distinctive names, birth dates and member ids that must never leave the database.
PHI = {"names": ["Zebulon", "Quixotica", "Marisabel", "Thistlewood"], "dobs": ["1937-07-19", "07/19/1937"],
       "members": ["QXJ9Z8Y7W6V5", "MBI7K4T2P9X3"]}
PHI_STRINGS = [s for group in PHI.values() for s in group]
HEADER = ["Patient ID", "Last Name", "First Name", "DOB", "Member ID", "DOS", "CPT", "Mod 1", "Units",
          "Minutes", "Charge", "Payer"]


def phi_visits(n: int = 8) -> str:
    """A visits export whose name, birth date and member id columns hold the planted PHI."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for i in range(n):
        w.writerow([f"P{i}", PHI["names"][i % 2 + 1] + (", Jr" if i % 3 == 0 else ""), PHI["names"][i % 4],
                    PHI["dobs"][i % 2], PHI["members"][i % 2], f"03/{i + 3:02d}/2025", "97110", "GO", "2", "30",
                    "90.00", "Medicare Part B (NGS J-K)"])
    return out.getvalue()


def messages(results) -> str:
    return "\n".join([r.message for r in results] + [f"{i.place} {i.reason}" for r in results for i in r.issues])


def assert_no_phi(results):
    text = messages(results)
    leaked = [s for s in PHI_STRINGS if s in text]
    assert leaked == [], f"PHI in messages: {leaked}"


def rows_read(data: bytes, header_row: int, delimiter: str) -> int:
    """The oracle for 'rows read': non-blank physical lines below the header (a line whose quoting is
    broken counts: it is a row, rejected)."""
    text = data.decode("utf-8", errors="replace").replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    n = 0
    for line in text.split("\n")[header_row:]:
        if not line.strip():
            continue
        cells = split_line(line, delimiter)
        if cells is None or any(c.strip() for c in cells):
            n += 1
    return n


def check_reconciles(con, path: Path, name: str, data: bytes):
    reports = read_export_detailed(con, path, name)
    for t in reports:
        r = t.result
        assert r.lines_loaded >= 0 and r.lines_rejected >= 0 and r.lines_skipped >= 0
        rec = t.recognition
        if rec is not None and rec.ok and t.delimiter is not None:
            assert r.lines_loaded + r.lines_rejected + r.lines_skipped == rows_read(data, rec.header_row,
                                                                                     t.delimiter), r.message
            for table in ("visits", "plans_of_care", "authorizations"):
                if r.kind == table:
                    loaded = con.execute(f"select count(distinct row_number) from {table} where source_file = ?",
                                         [name]).fetchall()[0][0]
                    assert loaded == r.lines_loaded
        if r.status == "loaded":
            assert r.lines_rejected == 0
    return [t.result for t in reports]


# --- broken quoting -----------------------------------------------------------------------------------

@pytest.mark.parametrize("where,bad_rows", [("start", [2]), ("middle", [5]), ("end", [9])])
def test_a_stray_quote_rejects_its_own_row_only(con, tmp_path, where, bad_rows):
    lines = phi_visits(8).split("\n")
    i = bad_rows[0] - 1
    lines[i] = lines[i].replace(",03/", ',"03/', 1)            # an unterminated quote in the DOS cell
    data = "\n".join(lines).encode()
    (tmp_path / "v.csv").write_bytes(data)
    results = check_reconciles(con, tmp_path / "v.csv", "v.csv", data)
    [r] = results
    assert (r.status, r.lines_loaded, r.lines_rejected, r.lines_skipped) == ("partial", 7, 1, 0)
    assert [(i.place, i.severity) for i in r.issues if i.severity == "error"] == [(f"row {bad_rows[0]}", "error")]
    assert "broken quoting" in r.issues[-1].reason or any("broken quoting" in i.reason for i in r.issues)
    assert_no_phi(results)


def test_a_quote_opened_on_one_row_and_closed_rows_later_absorbs_nothing(con, tmp_path):
    lines = phi_visits(8).split("\n")
    lines[2] = lines[2].replace(",97110,", ',"97110,', 1)
    lines[5] = lines[5].replace(",97110,", ',97110",', 1)
    data = "\n".join(lines).encode()
    (tmp_path / "v.csv").write_bytes(data)
    [r] = check_reconciles(con, tmp_path / "v.csv", "v.csv", data)
    # row 3's quote never closes on its line: rejected; row 6's quote sits inside a value: read as text
    assert (r.status, r.lines_loaded, r.lines_rejected) == ("partial", 7, 1)
    assert [i.place for i in r.issues if i.severity == "error"] == ["row 3"]
    assert con.execute("select list(row_number order by row_number) from visits").fetchall() == [([2, 4, 5, 6, 7, 8, 9],)]


def test_unterminated_quote_on_the_last_row_is_not_silently_loaded(con, tmp_path):
    data = (phi_visits(3).rstrip("\n") + '\nP9,"Thistlewood,Ann,1937-07-19,QXJ9Z8Y7W6V5,03/09/2025,97110,GO,1,15,45,Aetna\n'
            ).encode()
    (tmp_path / "v.csv").write_bytes(data)
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert (r.status, r.lines_loaded, r.lines_rejected) == ("partial", 3, 1)
    assert [i.place for i in r.issues if i.severity == "error"] == ["row 5"]
    assert_no_phi([r])


def test_a_row_missing_a_delimiter_is_rejected_without_quoting_its_shifted_values(con, tmp_path):
    lines = phi_visits(4).split("\n")
    lines[2] = lines[2].replace(",", "", 1)                   # 'P1Quixotica,...': every value shifts left
    data = "\n".join(lines).encode()
    (tmp_path / "v.csv").write_bytes(data)
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert (r.status, r.lines_loaded, r.lines_rejected) == ("partial", 3, 1)
    err = [i for i in r.issues if i.severity == "error"]
    assert [(i.place, i.reason) for i in err] == [
        ("row 3", "the row has 11 values, the header has 12 (a missing delimiter or quote?); not loaded")]
    assert_no_phi([r])


# --- values with limits ------------------------------------------------------------------------------

@pytest.mark.parametrize("units,reason", [
    ("inf", "units 'inf' is not a number"), ("NaN", "units 'NaN' is not a number"),
    ("Infinity", "units (text, not shown) is not a number"), ("1e400", "units '1e400' is not a number"),
    ("-inf", "units '-inf' is not a number"), ("1e9", "units '1e9' is not a number"),
    ("1000000000", "units '1000000000' is out of range (0-99 per line)"),
    ("150", "units '150' is out of range (0-99 per line)"),
    ("-1", "units '-1' is negative (a reversal or credit line?)"),
])
def test_units_must_be_finite_and_plausible(con, tmp_path, units, reason):
    (tmp_path / "v.csv").write_text(f"MRN,DOS,CPT,Units\nP1,2025-03-04,97110,1\nP1,2025-03-05,97110,{units}\n")
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert (r.status, r.lines_loaded, r.lines_rejected) == ("partial", 1, 1)
    assert [(i.place, i.reason) for i in r.issues if i.severity == "error"] == [("row 3", reason)]
    assert con.execute("select max(units) from visits").fetchall() == [(1.0,)]


@pytest.mark.parametrize("column,value,reason", [
    ("Minutes", "2000", "minutes '2000' is out of range (0-1440); loaded as empty"),
    ("Minutes", "NaN", "minutes 'NaN' is not a number; loaded as empty"),
    ("Minutes", "-5", "minutes '-5' is negative; loaded as empty"),
    ("Charge", "1e9", "charge '1e9' is not an amount; loaded as empty"),
    ("Charge", "$1,000,000.00", "charge '$1,000,000.00' is out of range (below $1,000,000); loaded as empty"),
    ("Charge", "-Infinity", "charge (text, not shown) is not an amount; loaded as empty"),
])
def test_optional_values_out_of_bounds_load_empty_with_a_warning(con, tmp_path, column, value, reason):
    (tmp_path / "v.csv").write_text(f'MRN,DOS,CPT,Units,{column}\nP1,2025-03-04,97110,1,"{value}"\n')
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert (r.status, r.lines_loaded) == ("loaded", 1)
    assert [(i.place, i.reason) for i in r.issues if i.severity == "warning"] == [("row 2", reason)]
    assert con.execute(f"select {column.lower()} from visits").fetchall() == [(None,)]


@pytest.mark.parametrize("dos", ["2025-02-30", "20251340", "2025-13-01", "02/30/2025", "NOTADATE", "1850-01-01"])
def test_dates_are_real_calendar_dates(con, tmp_path, dos):
    (tmp_path / "v.csv").write_text(f"MRN,DOS,CPT,Units\nP1,{dos},97110,1\n")
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert (r.status, r.lines_rejected) == ("rejected", 1)
    assert r.issues[-1].reason.startswith(f"dos '{dos}' is not a") or (
        dos == "NOTADATE" and r.issues[-1].reason == "dos (text, not shown) is not a date")


def test_a_bad_birth_date_is_never_quoted(con, tmp_path):
    (tmp_path / "v.csv").write_text("MRN,DOS,CPT,Units,DOB\nP1,2025-03-04,97110,1,1937-19-07\n")
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert [(i.place, i.reason) for i in r.issues if i.severity == "warning"] == [
        ("row 2", "patient_dob (not shown: PHI) is not a date; loaded as empty")]
    assert "1937" not in messages([r])


def test_a_huge_cell_is_never_echoed_whole(con, tmp_path):
    huge = "9" * 5 + "X" * 100_000
    (tmp_path / "v.csv").write_text(f"MRN,DOS,CPT,Units\nP1,2025-03-04,{huge},1\nP2,2025-03-04,97110,1\n")
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert (r.status, r.lines_loaded, r.lines_rejected) == ("partial", 1, 1)
    assert max(len(i.reason) for i in r.issues) < 200


def test_no_row_is_ever_quoted_whole(con, tmp_path):
    data = phi_visits(6)
    broken = data.replace("\n", "\n\"", 3)                     # quotes at the start of rows 2-4
    (tmp_path / "v.csv").write_text(broken)
    results = read_export(con, tmp_path / "v.csv", "v.csv")
    assert_no_phi(results)
    assert sum(r.lines_loaded + r.lines_rejected + r.lines_skipped for r in results) == 6


# --- the property: mutate real exports ---------------------------------------------------------------

def _sample_head(path: Path, lines: int = 40) -> bytes:
    return b"".join(path.read_bytes().splitlines(keepends=True)[:lines])


BASES = {
    "phi_visits.csv": phi_visits(12).encode(),
    "sample_visits.csv": _sample_head(SAMPLE / "visits.csv"),
    "sample_plans.csv": _sample_head(SAMPLE / "plans_of_care.csv"),
    **{p.name: p.read_bytes() for p in sorted(FIXTURES.glob("*")) if p.suffix in (".csv", ".tsv", ".txt")},
}
ODD_VALUES = [b"inf", b"NaN", b"-Infinity", b"1e400", b"1e9", b"99999999999", b"", b'"', b'""', b"\x00",
              b"\xff\xfe", b"0:99", b"13/45/2025", b"2025-02-30", b"=cmd|' /C calc'!A0", b"\xe2\x80\xae",
              b"Total", b"Page 3 of 9", b",,,,", b"\r", b"\t", b"Zz Top 99", b"A1B2C3D4"]


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    data = bytearray(BASES[name])
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["truncate", "stray_byte", "stray_quote", "huge_cell", "odd_value",
                                     "drop_newline", "dup_line", "delete_delimiter"]))
        if not data:
            break
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "stray_byte":
            data[at:at] = bytes([draw(st.integers(0, 255))])
        elif kind == "stray_quote":
            data[at:at] = b'"'
        elif kind == "huge_cell":
            data[at:at] = b"A" * draw(st.integers(1000, 60_000))
        elif kind == "odd_value":
            data[at:at] = draw(st.sampled_from(ODD_VALUES))
        elif kind == "drop_newline":
            nl = data.find(b"\n", at)
            if nl >= 0:
                del data[nl]
        elif kind == "dup_line":
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            line = bytes(data[start:end if end >= 0 else len(data)])
            data[start:start] = line + b"\n"
        elif kind == "delete_delimiter":
            for d in (b",", b";", b"\t", b"|"):
                k = data.find(d, at)
                if k >= 0:
                    del data[k]
                    break
    return name, bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(mutated())
def test_mutated_exports_never_raise_lose_rows_or_leak_phi(tmp_path, case):
    name, data = case
    c = warehouse.connect(":memory:")
    try:
        path = tmp_path / name
        path.write_bytes(data)
        results = check_reconciles(c, path, name, data)
        assert results and all(r.status in ("loaded", "partial", "rejected", "skipped") for r in results)
        assert_no_phi(results)
        text = messages(results)
        assert max((len(line) for line in text.split("\n")), default=0) < 2000
    finally:
        c.close()


def test_seeded_random_corruption_of_the_whole_sample_visits(con, tmp_path):
    """One bigger case, deterministic: 200 random byte-level corruptions spread over sample visits."""
    data = bytearray((SAMPLE / "visits.csv").read_bytes())
    rnd = random.Random(12)
    for _ in range(200):
        at = rnd.randrange(len(data))
        data[at:at] = rnd.choice([b'"', b",", b"\n", b"\x00", b"inf", b"9e9"])
    (tmp_path / "visits.csv").write_bytes(bytes(data))
    results = check_reconciles(con, tmp_path / "visits.csv", "visits.csv", bytes(data))
    [r] = results
    assert r.status == "partial" and r.lines_loaded > 3500 and r.lines_rejected > 80
    assert "7W00R00DE00" not in messages(results)           # a sample member id


def test_no_phi_reaches_the_ingest_log_or_issue_tables(con, tmp_path):
    """Broken exports full of planted PHI, ingested: ingest_log and ingest_issues (what the terminal,
    ingest-log.csv and the PDF appendix show) carry places and reasons, never the PHI."""
    from pipelines.ingest import ingest_paths

    folder = tmp_path / "in"
    folder.mkdir()
    good = phi_visits(6)
    (folder / "quotes.csv").write_text(good.replace("\n", '\n"', 2))
    lines = good.split("\n")
    lines[3] = lines[3].replace(",", "", 1)
    (folder / "shifted.csv").write_text("\n".join(lines))
    (folder / "dob.csv").write_text(good.replace("1937-07-19", "1937-19-07"))
    (folder / "noheader.csv").write_text("\n".join(good.split("\n")[1:]))
    results = ingest_paths(con, [folder])
    assert {r.source_file: r.status for r in results} == {
        "dob.csv": "loaded", "noheader.csv": "rejected", "quotes.csv": "partial", "shifted.csv": "partial"}
    logged = con.execute("select string_agg(message, ' ') from ingest_log").fetchall()[0][0]
    issues = con.execute("select string_agg(place || ' ' || reason, ' ') from ingest_issues").fetchall()[0][0]
    for s in PHI_STRINGS:
        assert s not in logged and s not in issues
    assert con.execute("select sum(lines_loaded + lines_rejected + lines_skipped) from ingest_log "
                       "where source_file <> 'noheader.csv'").fetchall() == [(18,)]

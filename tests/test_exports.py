"""The export reader: recognition by header aliases, value parsing, row rejection, CSV dialects, XLSX."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pipelines.ingest import aliases
from pipelines.ingest.export_grid import cell_text
from pipelines.ingest.export_values import date as parse_date
from pipelines.ingest.exports import is_export, read_export

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
DOCS = Path(__file__).parent.parent / "docs" / "input_layouts.md"


def write(tmp_path: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return p


def _date(value, field: str):
    """A cell (as a spreadsheet would hold it) read as a date."""
    return parse_date(cell_text(value), field)


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def reconcile(result, seen: int):
    assert result.lines_loaded + result.lines_rejected == seen


# --- alias table -----------------------------------------------------------------------------------

@pytest.mark.parametrize("header,canonical", [
    ("Patient ID", "patient_id"), ("patient_id", "patient_id"), ("MRN", "patient_id"),
    ("Account #", "patient_id"), ("Acct No", "patient_id"), ("Chart Number", "patient_id"),
    ("Patient Account", "patient_id"), ("PATIENT-ID", "patient_id"),
    ("DOS", "dos"), ("Date of Service", "dos"), ("Visit Date", "dos"), ("Service Date", "dos"),
    ("date_of_service", "dos"),
    ("CPT", "cpt"), ("CPT Code", "cpt"), ("Procedure", "cpt"), ("Procedure Code", "cpt"), ("HCPCS", "cpt"),
    ("Code", "cpt"),
    ("Units", "units"), ("Billed Units", "units"), ("Qty", "units"),
    ("Minutes", "minutes"), ("Treatment Minutes", "minutes"), ("Timed Minutes", "minutes"),
    ("Total Timed Minutes", "minutes"), ("Mins", "minutes"),
    ("Modifiers", "modifiers"), ("Mods", "modifiers"), ("Modifier", "modifiers"),
    ("Mod 1", "modifier_1"), ("Modifier 1", "modifier_1"), ("Mod1", "modifier_1"), ("Modifier 2", "modifier_2"),
    ("Mod 3", "modifier_3"), ("MOD_4", "modifier_4"),
    ("Payer", "payer"), ("Insurance", "payer"), ("Primary Insurance", "payer"), ("Carrier", "payer"),
    ("Plan", "payer"),
    ("Member ID", "member_id"), ("Subscriber ID", "member_id"), ("Policy #", "member_id"),
    ("Insurance ID", "member_id"),
    ("First Name", "patient_first"), ("Last Name", "patient_last"), ("DOB", "patient_dob"),
    ("Birth Date", "patient_dob"), ("Date of Birth", "patient_dob"),
    ("Rendering NPI", "provider_npi"), ("Provider NPI", "provider_npi"), ("Therapist NPI", "provider_npi"),
    ("Role", "provider_role"), ("Provider Type", "provider_role"), ("Credential", "provider_role"),
    ("Discipline", "provider_role"),
    ("OTA Minutes", "ota_minutes"), ("Assistant Minutes", "ota_minutes"), ("COTA Minutes", "ota_minutes"),
    ("Claim ID", "claim_id"), ("Claim #", "claim_id"), ("Claim Number", "claim_id"),
    ("Patient Control Number", "claim_id"),
    ("Note Type", "note_type"), ("Visit Type", "note_type"), ("Document Type", "note_type"),
    ("Start Date", "start_date"), ("Cert Start", "start_date"), ("From", "start_date"),
    ("Plan Start", "start_date"), ("Effective Date", "start_date"),
    ("End Date", "end_date"), ("Cert End", "end_date"), ("Through", "end_date"), ("To", "end_date"),
    ("Plan End", "end_date"), ("Expiration Date", "end_date"),
    ("Signed Date", "signed_date"), ("Signature Date", "signed_date"), ("Physician Signed", "signed_date"),
    ("Date Signed", "signed_date"),
    ("Type", "kind"), ("Cert Type", "kind"), ("Plan Type", "kind"),
    ("Certifying NPI", "certifying_npi"), ("Physician NPI", "certifying_npi"), ("Referring NPI", "certifying_npi"),
    ("Auth #", "auth_number"), ("Authorization Number", "auth_number"), ("Auth Number", "auth_number"),
    ("PA Number", "auth_number"), ("Prior Auth", "auth_number"),
    ("Visits Authorized", "visits_authorized"), ("Approved Visits", "visits_authorized"),
    ("Authorized Visits", "visits_authorized"), ("# Visits", "visits_authorized"),
    ("Time In", "start_time"), ("Time Out", "end_time"), ("Order Date", "order_date"),
    ("Date Sent", "transmitted_date"),
    ("Comments", None), ("Patient Name", None),
])
def test_header_alias(header, canonical):
    assert aliases.canonical_column(header) == canonical


@pytest.mark.parametrize("doc", [DOCS, DOCS.parent.parent / "README.md"], ids=["input_layouts.md", "README.md"])
def test_every_alias_is_documented(doc):
    docs = doc.read_text()
    missing = [a for spellings in aliases.ALIASES.values() for a in spellings if f"`{a}`" not in docs]
    missing += [c for c in aliases.ALIASES if f"`{c}`" not in docs]
    assert missing == []
    assert aliases.alias_markdown() in docs       # the generated tables are pasted verbatim


def test_every_layout_column_has_aliases():
    for layout in aliases.LAYOUTS.values():
        for col in layout["required"] + layout["optional"]:
            assert aliases.ALIASES[col], col


# --- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("2025-03-04", dt.date(2025, 3, 4)),
    ("03/04/2025", dt.date(2025, 3, 4)),
    ("3/4/2025", dt.date(2025, 3, 4)),
    ("3/4/25", dt.date(2025, 3, 4)),
    ("03-04-2025", dt.date(2025, 3, 4)),
    ("20250304", dt.date(2025, 3, 4)),
    (20250304, dt.date(2025, 3, 4)),
    ("45720", dt.date(2025, 3, 4)),
    (45720, dt.date(2025, 3, 4)),
    (45720.0, dt.date(2025, 3, 4)),
    (45720.5625, dt.date(2025, 3, 4)),
    ("2025-03-04 13:30:00", dt.date(2025, 3, 4)),
    ("2025-03-04T13:30:00", dt.date(2025, 3, 4)),
    ("03/04/2025 1:30 PM", dt.date(2025, 3, 4)),
    ("04-Mar-2025", dt.date(2025, 3, 4)),
    ("Mar 4, 2025", dt.date(2025, 3, 4)),
    (dt.datetime(2025, 3, 4, 9, 15), dt.date(2025, 3, 4)),
    (dt.date(2025, 3, 4), dt.date(2025, 3, 4)),
])
def test_date_formats(value, expected):
    assert _date(value, "dos") == expected


def test_two_digit_birth_year_is_in_the_past():
    assert _date("3/4/52", "patient_dob") == dt.date(1952, 3, 4)
    assert _date("3/4/15", "patient_dob") == dt.date(2015, 3, 4)


@pytest.mark.parametrize("value", ["13/45/2025", "2025-02-30", "yesterday", "1/2", "99999999"])
def test_bad_dates_are_rejected(value):
    with pytest.raises(ValueError, match="is not a date"):
        _date(value, "dos")


def test_each_date_format_end_to_end(con, tmp_path):
    text = ("patient_id,dos,cpt,units\n"
            "A,2025-03-04,97110,1\nA,03/04/2025,97110,1\nA,3/4/25,97110,1\nA,20250304,97110,1\n"
            "A,45720,97110,1\nA,2025-03-04 08:00:00,97110,1\n")
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected) == ("visits", "loaded", 6, 0)
    assert rows(con, "select distinct dos from visits") == [(dt.date(2025, 3, 4),)]


# --- a realistic export (fixture): BOM, title rows, ';', split modifier columns ------------------------

def test_fixture_visits_with_title_rows(con):
    path = FIXTURES / "visits_title_rows_semicolon.csv"
    assert is_export(path)
    [r] = read_export(con, path, "exports/visits.csv")
    assert r.kind == "visits" and r.status == "partial"
    assert (r.lines_loaded, r.lines_rejected) == (3, 1)
    reconcile(r, 4)
    errors = [i for i in r.issues if i.severity == "error"]
    assert [(i.place, i.reason) for i in errors] == [("row 8", "units 'x' is not a number")]
    got = rows(con, """select row_number, patient_id, dos, cpt, modifiers, units, minutes, ota_minutes,
                              provider_role, note_type, place_of_service, charge, patient_dob, claim_id,
                              member_id, payer, source_file
                       from visits order by row_number""")
    assert got == [
        (5, "1001", dt.date(2025, 3, 3), "97165", "GO", 1.0, None, None, "OT", "eval", "11", Decimal("250.00"),
         dt.date(1952, 3, 4), "C1001", "1EG4TE5MK73", "Medicare", "exports/visits.csv"),
        (6, "1001", dt.date(2025, 3, 5), "97110", "GO", 2.0, 30.0, None, "OT", "daily", "11", Decimal("90.00"),
         dt.date(1952, 3, 4), "C1002", "1EG4TE5MK73", "Medicare", "exports/visits.csv"),
        (7, "1001", dt.date(2025, 3, 5), "97530", "GO;CO", 1.0, 23.0, 23.0, "OTA", "daily", "11",
         Decimal("55.00"), dt.date(1952, 3, 4), "C1002", "1EG4TE5MK73", "Medicare", "exports/visits.csv"),
    ]


def test_fixture_plans_of_care_tsv(con):
    [r] = read_export(con, FIXTURES / "plans_of_care.tsv", "poc.tsv")
    assert (r.kind, r.status, r.lines_loaded) == ("plans_of_care", "loaded", 2)
    assert rows(con, """select row_number, patient_id, start_date, end_date, signed_date, kind, certifying_npi,
                               order_date, transmitted_date from plans_of_care order by row_number""") == [
        (2, "1001", dt.date(2025, 3, 3), dt.date(2025, 5, 31), dt.date(2025, 3, 20), "initial", "1987654321",
         dt.date(2025, 2, 28), dt.date(2025, 3, 4)),
        (3, "1001", dt.date(2025, 6, 1), dt.date(2025, 8, 29), None, "recert", "1987654321", None, None),
    ]


def test_fixture_authorizations_pipe(con):
    path = FIXTURES / "authorizations_pipe.txt"
    [r] = read_export(con, path, "auth.txt")
    # has everything a plan of care needs too, but auth_number makes it an authorizations export
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected) == ("authorizations", "loaded", 2, 0)
    assert rows(con, "select patient_id, auth_number, start_date, end_date, payer, visits_authorized "
                     "from authorizations order by row_number") == [
        ("1002", "PA-778899", dt.date(2025, 3, 1), dt.date(2025, 8, 31), "MassHealth", 24),
        ("1003", "PA-1", dt.date(2025, 3, 1), dt.date(2025, 2, 1), "Tufts", 12),
    ]
    assert [(i.place, i.severity) for i in r.issues] == [("row 3", "warning")]
    assert "before start_date" in r.issues[0].reason
    assert rows(con, "select count(*) from plans_of_care") == [(0,)]


# --- modifiers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("header,cells,expected", [
    ("Modifiers", ["GO;59", "\"go, kx\"", "GO KX", "GO:CO", "", "gp"], ["GO;59", "GO;KX", "GO;KX", "GO;CO", "", "GP"]),
    ("Mods", ['"GO,59"', "GO|KX", "GO-CO", " ", "GO  59", "59"], ["GO;59", "GO;KX", "GO;CO", "", "GO;59", "59"]),
])
def test_modifiers_in_one_column(con, tmp_path, header, cells, expected):
    body = "".join(f"P1,2025-03-04,97110,1,{c}\n" for c in cells)
    [r] = read_export(con, write(tmp_path, "m.csv", f"patient_id,dos,cpt,units,{header}\n{body}"), "m.csv")
    assert r.lines_loaded == len(cells)
    assert [m for (m,) in rows(con, "select modifiers from visits order by row_number")] == expected


def test_modifiers_in_separate_columns(con, tmp_path):
    text = ("MRN,DOS,CPT,Units,Mod 1,Modifier 2,Mod3,Modifier4\n"
            "P1,2025-03-04,97110,1,go,59,,\n"
            "P1,2025-03-04,97530,1,GO,CO,KX,XU\n"
            "P1,2025-03-04,97535,1,,,,\n")
    [r] = read_export(con, write(tmp_path, "m.csv", text), "m.csv")
    assert r.lines_loaded == 3
    assert rows(con, "select cpt, modifiers from visits order by row_number") == [
        ("97110", "GO;59"), ("97530", "GO;CO;KX;XU"), ("97535", "")]


def test_no_modifier_column_means_null_and_cpt_suffix_is_split(con, tmp_path):
    text = "MRN,DOS,CPT,Units\nP1,2025-03-04,97110-GO,1\nP1,2025-03-04, 97530.0 ,1\nP1,2025-03-04,97535 - Self care,1\n"
    [r] = read_export(con, write(tmp_path, "m.csv", text), "m.csv")
    assert r.lines_loaded == 3
    assert rows(con, "select cpt, modifiers from visits order by row_number") == [
        ("97110", "GO"), ("97530", None), ("97535", None)]


# --- values ----------------------------------------------------------------------------------------

def test_numbers_minutes_charge(con, tmp_path):
    text = ("Patient ID,DOS,CPT,Units,Minutes,Charge,Place of Service,Start Time,End Time\n"
            'P1,2025-03-04,97110,2,38,"$1,234.50",11,9:00 AM,09:38\n'
            "P1,2025-03-04,97530,1.0,,12,2,1:15 pm,1330\n")
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.lines_loaded, r.lines_rejected) == (2, 0)
    assert rows(con, "select units, minutes, charge, place_of_service, start_time, end_time "
                     "from visits order by row_number") == [
        (2.0, 38.0, Decimal("1234.50"), "11", dt.time(9, 0), dt.time(9, 38)),
        (1.0, None, Decimal("12.00"), "02", dt.time(13, 15), dt.time(13, 30)),
    ]


def test_bad_optional_value_loads_row_with_warning(con, tmp_path):
    text = "Patient ID,DOS,CPT,Units,Minutes,Role,Note Type\nP1,2025-03-04,97110,1,lots,COTA,Progress Report\n"
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.status, r.lines_loaded, r.lines_rejected) == ("loaded", 1, 0)
    assert [(i.place, i.severity, i.reason) for i in r.issues] == [
        ("row 2", "warning", "minutes (text, not shown) is not a number; loaded as empty")]
    assert rows(con, "select minutes, provider_role, note_type from visits") == [(None, "OTA", "progress")]


@pytest.mark.parametrize("raw,stored", [
    ("Evaluation", "eval"), ("Initial Eval", "eval"), ("Daily Note", "daily"), ("Treatment", "daily"),
    ("Progress Note", "progress"), ("Progress Report", "progress"), ("Recertification", "recert"),
    ("Discharge", "discharge"), ("DISCHARGE SUMMARY", "discharge"),
])
def test_note_type_values(con, tmp_path, raw, stored):
    text = f"Patient ID,DOS,CPT,Units,Note Type\nP1,2025-03-04,97110,1,{raw}\n"
    read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert rows(con, "select note_type from visits") == [(stored,)]


@pytest.mark.parametrize("raw,stored", [("OT", "OT"), ("OTR", "OT"), ("OTR/L", "OT"), ("OTA", "OTA"),
                                        ("COTA", "OTA"), ("COTA/L", "OTA"), ("cota/l", "OTA")])
def test_provider_role_values(con, tmp_path, raw, stored):
    text = f"Patient ID,DOS,CPT,Units,Credential\nP1,2025-03-04,97110,1,{raw}\n"
    read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert rows(con, "select provider_role from visits") == [(stored,)]


# --- CSV dialects ------------------------------------------------------------------------------------

@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiters(con, tmp_path, delim):
    lines = [["Patient ID", "Date of Service", "CPT", "Units", "Minutes", "Payer"],
             ["P1", "03/04/2025", "97110", "2", "30", "Blue Cross Blue Shield"],
             ["P2", "03/05/2025", "97530", "1", "15", "Tufts Health Plan"]]
    text = "\n".join(delim.join(l) for l in lines) + "\n"
    [r] = read_export(con, write(tmp_path, "v.txt", text), "v.txt")
    assert (r.kind, r.lines_loaded, r.lines_rejected) == ("visits", 2, 0)
    assert rows(con, "select patient_id, dos, cpt, units, payer from visits order by row_number") == [
        ("P1", dt.date(2025, 3, 4), "97110", 2.0, "Blue Cross Blue Shield"),
        ("P2", dt.date(2025, 3, 5), "97530", 1.0, "Tufts Health Plan")]


def test_bom_and_crlf(con, tmp_path):
    text = "\ufeffPatient ID,DOS,CPT,Units\r\nP1,2025-03-04,97110,1\r\n\r\n\r\n"
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.kind, r.lines_loaded) == ("visits", 1)
    assert rows(con, "select patient_id, row_number from visits") == [("P1", 2)]


def test_latin1_fallback(con, tmp_path):
    text = "Patient ID,DOS,CPT,Units,Last Name\nP1,2025-03-04,97110,1,Peña\n"
    [r] = read_export(con, write(tmp_path, "v.csv", text, encoding="latin-1"), "v.csv")
    assert r.lines_loaded == 1
    assert rows(con, "select patient_last from visits") == [("Peña",)]


def test_utf16_tab_text_from_excel(con, tmp_path):
    text = "Patient ID\tDOS\tCPT\tUnits\nP1\t3/4/2025\t97110\t1\n"
    [r] = read_export(con, write(tmp_path, "v.txt", text, encoding="utf-16"), "v.txt")
    assert (r.kind, r.lines_loaded) == ("visits", 1)


def test_title_rows_before_header(con, tmp_path):
    text = ("Sunrise OT - Visit Report\nPeriod: 01/01/2025 - 03/31/2025\n\n"
            "Patient ID,DOS,CPT,Units\nP1,2025-03-04,97110,1\nP2,2025-03-04,97110,2\n")
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.kind, r.lines_loaded) == ("visits", 2)
    assert rows(con, "select row_number from visits order by 1") == [(5,), (6,)]


def test_repeated_page_header_is_skipped(con, tmp_path):
    text = "Patient ID,DOS,CPT,Units\nP1,2025-03-04,97110,1\nPatient ID,DOS,CPT,Units\nP2,2025-03-05,97110,1\n"
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.lines_loaded, r.lines_rejected) == (2, 0)
    assert rows(con, "select row_number from visits order by 1") == [(2,), (4,)]


# --- rejection -----------------------------------------------------------------------------------------

def test_missing_required_column(con, tmp_path):
    text = "Patient ID,Units,Minutes\nP1,1,15\n"
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.kind, r.status) == ("visits", "rejected")
    assert r.message.startswith("missing required column(s) dos, cpt; found: Patient ID, Units, Minutes; ")
    assert "practice.toml" in r.message
    assert r.lines_loaded == 0
    assert rows(con, "select count(*) from visits") == [(0,)]


def test_unrecognised_csv(con, tmp_path):
    text = "Name,Phone\nAnn,555-1234\n"
    [r] = read_export(con, write(tmp_path, "contacts.csv", text), "contacts.csv")
    assert (r.kind, r.status) == ("unknown", "rejected")
    assert "found: Name, Phone" in r.message and "patient_id" in r.message


def test_bad_rows_listed_others_load(con, tmp_path):
    text = ("Patient ID,DOS,CPT,Units,Minutes\n"
            "P1,2025-03-04,97110,2,30\n"
            "P1,13/45/2025,97110,1,15\n"
            ",2025-03-04,97110,1,15\n"
            "P1,2025-03-04,,1,15\n"
            "P1,2025-03-04,97110,abc,15\n"
            "\n"
            "P2,2025-03-05,97530,1,\n"
            "P3,2025-03-05,Ther Ex,1,10\n")
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected) == ("visits", "partial", 2, 5)
    reconcile(r, 7)
    assert [(i.place, i.reason) for i in r.issues if i.severity == "error"] == [
        ("row 3", "dos '13/45/2025' is not a date"),
        ("row 4", "patient_id is empty"),
        ("row 5", "cpt is empty"),
        ("row 6", "units 'abc' is not a number"),
        ("row 9", "cpt (text, not shown) is not a CPT/HCPCS code"),
    ]
    assert rows(con, "select row_number, patient_id, minutes from visits order by 1") == [
        (2, "P1", 30.0), (8, "P2", None)]


def test_all_rows_bad_is_rejected(con, tmp_path):
    text = "Patient ID,DOS,CPT,Units\nP1,never,97110,1\n"
    [r] = read_export(con, write(tmp_path, "v.csv", text), "v.csv")
    assert (r.status, r.lines_loaded, r.lines_rejected) == ("rejected", 0, 1)
    assert r.message == "row 2: dos (text, not shown) is not a date"


def test_header_only(con, tmp_path):
    [r] = read_export(con, write(tmp_path, "v.csv", "Patient ID,DOS,CPT,Units\n"), "v.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected) == ("visits", "loaded", 0, 0)
    assert "0 rows" in r.message


@pytest.mark.parametrize("name,data,phrase", [
    ("empty.csv", b"", "empty file"),
    ("blank.csv", b"\n\n  \r\n", "empty file"),
    ("binary.csv", bytes(range(256)) * 8, "binary file"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "Excel 97-2003"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100, "not a readable XLSX"),
    ("page.xls", b"<html><table><tr><td>MRN</td></tr></table></html>", "HTML"),
])
def test_unreadable_files_are_rejected_not_raised(con, tmp_path, name, data, phrase):
    [r] = read_export(con, write(tmp_path, name, data), name)
    assert (r.kind, r.status) == ("unknown", "rejected")
    assert phrase in r.message
    assert r.lines_loaded == 0


def test_xls_that_is_really_tab_text(con, tmp_path):
    text = "Patient ID\tDOS\tCPT\tUnits\nP1\t3/4/2025\t97110\t1\n"
    [r] = read_export(con, write(tmp_path, "export.xls", text), "export.xls")
    assert (r.kind, r.lines_loaded) == ("visits", 1)


def test_is_export(tmp_path):
    assert is_export(write(tmp_path, "a.csv", "x"))
    assert is_export(write(tmp_path, "a.TSV", "x"))
    assert is_export(write(tmp_path, "a.xlsx", b"PK\x03\x04"))
    assert is_export(write(tmp_path, "a.xlsm", b"PK\x03\x04"))
    assert is_export(write(tmp_path, "a.txt", "MRN\tDOS"))
    assert not is_export(write(tmp_path, "claims.txt", "ISA*00*          *00*"))
    assert not is_export(write(tmp_path, "claims.837", "ISA*00*"))
    assert not is_export(write(tmp_path, "report.pdf", "%PDF"))


# --- XLSX --------------------------------------------------------------------------------------------

def make_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["Exported from ClinicSoft on 2025-04-01"])
    notes.append(["Do not edit"])
    v = wb.create_sheet("Visits")
    v.append(["Visit export"])                                   # title row
    v.append(["Chart Number", "Service Date", "Procedure Code", "Qty", "Treatment Minutes", "Modifier 1",
              "Modifier 2", "Discipline", "Charge"])
    v.append([1001, dt.datetime(2025, 3, 4, 10, 30), 97110.0, 2, 30, "GO", None, "OTR/L", 180.5])
    v.append([1001, 45720, 97530, 1, None, "GO", "CO", "COTA", "$60.00"])
    v.append([1002, "13/45/2025", "97110", 1, 15, "GO", None, "OT", None])
    v.append([None] * 9)
    v.append([1003, "03/05/2025", "97535", 1, 8, None, None, "OT", 40])
    a = wb.create_sheet("Authorizations")
    a.append(["Acct No", "Authorization Number", "From", "Through", "Carrier", "Approved Visits"])
    a.append([1002, "PA123", dt.date(2025, 3, 1), dt.date(2025, 6, 30), "MassHealth", 20])
    a.append([1003, "PA456", "2025-03-01", "2025-09-30", "Tufts", "12"])
    wb.create_sheet("Empty")
    wb.save(path)
    return path


def test_xlsx_several_sheets(con, tmp_path):
    path = make_workbook(tmp_path / "export.xlsx")
    assert is_export(path)
    results = read_export(con, path, "export.xlsx")
    by_kind = {r.kind: r for r in results}
    assert [r.kind for r in results] == ["unknown", "visits", "authorizations", "unknown"]
    notes = results[0]
    assert notes.status == "skipped" and "sheet Notes" in notes.message and "patient_id" in notes.message
    assert results[3].status == "skipped" and "sheet Empty is empty" in results[3].message

    visits = by_kind["visits"]
    assert (visits.status, visits.lines_loaded, visits.lines_rejected) == ("partial", 3, 1)
    assert [(i.place, i.reason) for i in visits.issues if i.severity == "error"] == [
        ("sheet Visits row 5", "dos '13/45/2025' is not a date")]
    assert rows(con, """select row_number, source_sheet, patient_id, dos, cpt, units, minutes, modifiers,
                               provider_role, charge from visits order by row_number""") == [
        (3, "Visits", "1001", dt.date(2025, 3, 4), "97110", 2.0, 30.0, "GO", "OT", Decimal("180.50")),
        (4, "Visits", "1001", dt.date(2025, 3, 4), "97530", 1.0, None, "GO;CO", "OTA", Decimal("60.00")),
        (7, "Visits", "1003", dt.date(2025, 3, 5), "97535", 1.0, 8.0, "", "OT", Decimal("40.00")),
    ]

    auths = by_kind["authorizations"]
    assert (auths.status, auths.lines_loaded, auths.lines_rejected) == ("loaded", 2, 0)
    assert rows(con, """select row_number, patient_id, auth_number, start_date, end_date, payer, visits_authorized
                        from authorizations order by row_number""") == [
        (2, "1002", "PA123", dt.date(2025, 3, 1), dt.date(2025, 6, 30), "MassHealth", 20),
        (3, "1003", "PA456", dt.date(2025, 3, 1), dt.date(2025, 9, 30), "Tufts", 12),
    ]
    assert rows(con, "select distinct source_file from visits") == [("export.xlsx",)]


def test_xlsx_sheet_missing_required_column_and_workbook_with_nothing(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Visits"
    ws.append(["MRN", "DOS", "Units"])
    ws.append(["P1", "2025-03-04", 1])
    wb.save(tmp_path / "bad.xlsx")
    [r] = read_export(con, tmp_path / "bad.xlsx", "bad.xlsx")
    assert (r.kind, r.status) == ("visits", "rejected")
    assert r.message.startswith("sheet Visits: missing required column(s) cpt; found: MRN, DOS, Units; ")

    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.active.append(["Hello"])
    wb.save(tmp_path / "cover.xlsx")
    [r] = read_export(con, tmp_path / "cover.xlsx", "cover.xlsx")
    assert (r.kind, r.status) == ("unknown", "rejected")
    assert r.message.startswith("no sheet matches an export layout: sheet Cover matches no export layout")


def test_bulk_load_reconciles(con, tmp_path):
    n = 5000
    body = "".join(f"P{i % 97},2025-{1 + i % 12:02d}-{1 + i % 28:02d},97110,{1 + i % 3},{15 * (1 + i % 3)}\n"
                   for i in range(n))
    body += "PX,not a date,97110,1,15\n"
    [r] = read_export(con, write(tmp_path, "big.csv", "MRN,DOS,CPT,Units,Minutes\n" + body), "big.csv")
    reconcile(r, n + 1)
    assert (r.lines_loaded, r.lines_rejected) == (n, 1)
    assert rows(con, "select count(*), sum(units) from visits") == [(n, float(sum(1 + i % 3 for i in range(n))))]
    assert re.match(r"row \d+", r.issues[0].place)

"""Exports as real systems write them (docs/input_layouts.md): one fixture per documented layout loads
exactly; recognition by evidence (a procedure-code column is never a plan of care or an authorization;
ambiguous or thin files are rejected naming the candidates and the mapping); header rules; the
practice.toml mapping; the shapes of real reports (title rows, totals, page headers, footers, merged
header cells, several codes in one cell, minutes as 0:43 or from times)."""
from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pipelines.errors import InputError
from pipelines.ingest import aliases, ingest_paths
from pipelines.ingest.exports import read_export
from pipelines.ingest.mapping import ExportMapping, mapping_for, parse_mappings

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
D = dt.date


def load(con, name: str, mappings=None):
    return read_export(con, FIXTURES / name, name, mappings)


def visits(con, cols="patient_id, dos, cpt, modifiers, units, minutes, charge, note_type, row_number"):
    return con.execute(f"select {cols} from visits order by row_number, cpt").fetchall()


def infos(r) -> list[str]:
    return [i.reason for i in r.issues if i.severity == "info"]


def reconcile(r, rows_read: int):
    assert r.lines_loaded + r.lines_rejected + r.lines_skipped == rows_read


def mapping(text: str) -> list[ExportMapping]:
    return parse_mappings(tomllib.loads(text), "practice.toml")


# --- one fixture per documented layout -------------------------------------------------------------

def test_webpt_documented_units_report(con):
    """WebPT Analytics 'Documented Units': title and date-range rows, 'EMR Patient ID' (hidden column),
    a singular 'CPT Modifier', Visit Type names, 'Patient' holding the name (not an id)."""
    [r] = load(con, "webpt_documented_units.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected, r.lines_skipped) == ("visits", "loaded", 6, 0, 0)
    assert "'EMR Patient ID' read as patient_id" in infos(r)
    assert visits(con, "patient_id, dos, cpt, modifiers, units, note_type, payer, place_of_service, row_number") == [
        ("20417", D(2025, 3, 3), "97166", "GO", 1.0, "eval", "Medicare Part B (NGS J-K)", "11", 4),
        ("20417", D(2025, 3, 5), "97110", "GO;CQ", 2.0, "daily", "Medicare Part B (NGS J-K)", "11", 5),
        ("20417", D(2025, 3, 5), "97530", "GO", 1.0, "daily", "Medicare Part B (NGS J-K)", "11", 6),
        ("20533", D(2025, 3, 12), "97535", "GO;59", 1.0, "progress", "Tufts Health Plan", "11", 7),
        ("20533", D(2025, 3, 19), "97168", "GO", 1.0, "progress", "Tufts Health Plan", "02", 8),
        ("20533", D(2025, 3, 26), "97110", "", 2.0, "discharge", "Tufts Health Plan", "11", 9),
    ]


def test_webpt_charges_standard_extract(con):
    """WebPT standard extract, Charges table: snake_case, note types as DN/IE/PN/DS, export_flag 3 =
    removed (skipped, counted)."""
    [r] = load(con, "webpt_charges_extract.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected, r.lines_skipped) == ("visits", "loaded", 5, 0, 1)
    reconcile(r, 6)
    assert "1 void, deleted or cancelled row(s) skipped (rows 6)" in infos(r)
    assert "'PrimaryIns' read as payer" in infos(r)          # an id there: the docs say to map payer values
    assert visits(con, "patient_id, dos, cpt, modifiers, units, charge, note_type, row_number") == [
        ("30117", D(2025, 3, 3), "97165", "GO", 1.0, Decimal("245.00"), "eval", 2),
        ("30117", D(2025, 3, 6), "97530", "GO", 2.0, Decimal("118.00"), "daily", 3),
        ("30117", D(2025, 3, 6), "97140", "GO", 1.0, Decimal("52.50"), "daily", 4),
        ("30117", D(2025, 3, 14), "97110", "GO", 3.0, Decimal("141.00"), "progress", 5),
        ("30117", D(2025, 3, 28), "97535", "GO", 2.0, Decimal("96.00"), "discharge", 7),
    ]


def test_webpt_authorizations_standard_extract(con):
    [r] = load(con, "webpt_authorizations_extract.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected) == ("authorizations", "loaded", 3, 0)
    assert con.execute("""select patient_id, auth_number, start_date, end_date, payer, visits_authorized, row_number
                          from authorizations order by row_number""").fetchall() == [
        ("30117", "BC7700123", D(2025, 3, 1), D(2025, 5, 31), "Blue Cross Blue Shield of Massachusetts", 12, 2),
        ("30121", "PA0099871", D(2025, 2, 15), D(2025, 8, 14), "MassHealth (fee-for-service)", 24, 3),
        ("30125", "TF55-0031", D(2025, 4, 1), D(2025, 3, 1), "Tufts Health Plan", 8, 4),
    ]
    assert [(i.place, i.reason) for i in r.issues if i.severity == "warning" and "before" in i.reason] == [
        ("row 4", "end_date 2025-03-01 is before start_date 2025-04-01")]


def test_webpt_revflow_my_activity_charges(con):
    """RevFlow 'My Activity Report: Charges': title rows, 'Acct', 'Amount', an inactive charge
    (skipped), a malformed amount (loaded without it, warned) and the 'Active Totals' block (skipped)."""
    [r] = load(con, "webpt_revflow_my_activity_charges.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected, r.lines_skipped) == ("visits", "loaded", 4, 0, 7)
    reconcile(r, 11)
    assert [(i.place, i.reason) for i in r.issues if i.severity == "warning"] == [
        ("row 7", "charge '$1,41.00' is not an amount; loaded as empty")]
    assert visits(con, "patient_id, dos, cpt, units, charge, payer, row_number") == [
        ("4410", D(2025, 3, 4), "97110", 2.0, Decimal("94.00"), "Harvard Pilgrim Health Care", 5),
        ("4410", D(2025, 3, 4), "97140", 1.0, Decimal("47.00"), "Harvard Pilgrim Health Care", 6),
        ("4412", D(2025, 3, 7), "97530", 3.0, None, "Aetna", 7),
        ("4415", D(2025, 3, 18), "97165", 1.0, Decimal("210.00"), "Cigna", 9),
    ]


def test_tebra_charges_from_to_are_visits_never_plans_of_care(con):
    """Tebra/Kareo procedure lines: From/To service dates, Procedure, Mod 1-2, Units, Unit Charge, Total
    Charge, Start/End Time, Minutes ('0:15'), patient subtotals and a grand total (skipped)."""
    [r] = load(con, "tebra_charges_from_to.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected, r.lines_skipped) == ("visits", "loaded", 5, 0, 3)
    assert con.execute("select count(*) from plans_of_care").fetchall() == [(0,)]
    assert "3 total/subtotal row(s) skipped (rows 7, 10, 11)" in infos(r)
    assert visits(con, "patient_id, dos, cpt, modifiers, units, minutes, charge, start_time, row_number") == [
        ("1187", D(2025, 3, 3), "97166", "GO", 1.0, 50.0, Decimal("215.00"), dt.time(9, 0), 4),
        ("1187", D(2025, 3, 10), "97530", "GO;KX", 2.0, 38.0, Decimal("94.00"), dt.time(10, 0), 5),
        ("1187", D(2025, 3, 10), "97110", "GO", 1.0, 15.0, Decimal("45.00"), dt.time(10, 0), 6),
        ("1190", D(2025, 3, 12), "97535", "GO", 2.0, 30.0, Decimal("92.00"), dt.time(13, 15), 8),
        ("1190", D(2025, 3, 19), "97535", "GO", 1.0, 15.0, Decimal("46.00"), dt.time(13, 15), 9),
    ]
    assert any("run to 2025-03-20" in i.reason and i.place == "row 9" for i in r.issues)


def test_from_to_charge_export_without_units_is_rejected_not_read_as_plans_of_care(con, tmp_path):
    text = (FIXTURES / "tebra_charges_from_to.csv").read_text().replace(",Units,", ",Qty Plan,")
    (tmp_path / "charges.csv").write_text(text)
    [r] = read_export(con, tmp_path / "charges.csv", "charges.csv")
    assert (r.kind, r.status) == ("visits", "rejected")
    assert r.message.startswith("missing required column(s) units;")
    assert con.execute("select (select count(*) from plans_of_care) + (select count(*) from visits)").fetchall() == [(0,)]


def test_officeemr_authorizations_export_needs_a_mapping(con):
    """OfficeEMR's Authorizations Export lists the authorized CPT codes ('procedures'): a procedure-code
    column is never read as an authorization without the analyst saying so."""
    [r] = load(con, "officeemr_authorizations_export.csv")
    assert (r.kind, r.status) == ("unknown", "rejected")
    assert "it could be authorizations or visits" in r.message
    assert 'layout = "authorizations"' in r.message and "practice.toml" in r.message
    assert con.execute("select count(*) from authorizations").fetchall() == [(0,)]

    maps = mapping('[[exports]]\nfile = "officeemr_*.csv"\nlayout = "authorizations"\n'
                   '[exports.columns]\nauth_number = "auth_referral_number"\n')
    [r] = load(con, "officeemr_authorizations_export.csv", maps)
    assert (r.kind, r.status, r.lines_loaded) == ("authorizations", "loaded", 2)
    assert con.execute("""select patient_id, auth_number, start_date, end_date, payer, visits_authorized
                          from authorizations order by row_number""").fetchall() == [
        ("OE-3301", "AUTH-55012", D(2025, 3, 1), D(2025, 5, 30), "Blue Cross Blue Shield of Massachusetts", 12),
        ("OE-3302", "AUTH-55013", D(2025, 2, 20), D(2025, 6, 20), "WellSense Health Plan", 20),
    ]
    assert "'date_end' read as end_date" in infos(r)


def test_my_best_practice_export_billing(con):
    [r] = load(con, "mybestpractice_export_billing.csv")
    assert (r.kind, r.status, r.lines_loaded) == ("visits", "loaded", 4)
    assert "'Date of Service (DOS)' read as dos" in infos(r)
    assert visits(con, "patient_id, dos, cpt, units, charge, row_number") == [
        ("MBP-0107", D(2025, 3, 4), "97165", 1.0, Decimal("210.00"), 2),
        ("MBP-0107", D(2025, 3, 11), "97530", 2.0, Decimal("94.00"), 3),
        ("MBP-0107", D(2025, 3, 11), "97535", 1.0, Decimal("46.00"), 4),
        ("MBP-0112", D(2025, 3, 13), "97110", 3.0, Decimal("135.00"), 5),
    ]


def test_therabill_session_balance_lacks_patient_id_and_units(con):
    [r] = load(con, "therabill_session_balance.csv")
    assert (r.kind, r.status) == ("visits", "rejected")
    assert r.message.startswith("missing required column(s) patient_id, units; found: DOS, Session Class, "
                                "Service/CPT Code, Client,")


# --- shapes ------------------------------------------------------------------------------------------

def test_one_visit_per_row_with_several_codes_in_one_cell(con):
    """'97530 x2, 97110', '97110(2)', '97530-GO x2; 97535' -> one line per code; minutes '0:43', '30 min',
    '0.75 hr', '1 hr 5 min' shared over the timed codes by units; a visit with an untimed code loads its
    timed codes without minutes (warned); a cancelled appointment and a footer are skipped."""
    [r] = load(con, "visit_per_row_codes_in_one_cell.csv")
    assert (r.kind, r.status, r.lines_loaded, r.lines_rejected, r.lines_skipped) == ("visits", "loaded", 5, 0, 2)
    assert "5 rows loaded as 8 visit lines (several codes in one cell)" in infos(r)
    assert visits(con, "dos, cpt, modifiers, units, minutes, row_number") == [
        (D(2025, 3, 3), "97166", None, 1.0, 50.0, 4),
        (D(2025, 3, 5), "97110", None, 1.0, 14.3333, 5),
        (D(2025, 3, 5), "97530", None, 2.0, 28.6667, 5),
        (D(2025, 3, 7), "97110", None, 2.0, 30.0, 6),
        (D(2025, 3, 10), "97530", "GO", 2.0, 30.0, 7),
        (D(2025, 3, 10), "97535", None, 1.0, 15.0, 7),
        (D(2025, 3, 12), "97168", None, 1.0, None, 8),
        (D(2025, 3, 12), "97530", None, 1.0, None, 8),
    ]
    assert [i.place for i in r.issues if i.severity == "warning"] == ["row 8"]


def test_minutes_from_start_and_end_times(con):
    [r] = load(con, "times_per_line.csv")
    assert (r.status, r.lines_loaded) == ("loaded", 5)
    assert visits(con, "patient_id, cpt, units, minutes, provider_role") == [
        ("5501", "97530", 2.0, 30.0, "OT"), ("5501", "97110", 1.0, 15.0, "OT"),
        ("5502", "97165", 1.0, None, "OT"), ("5502", "97530", 1.0, None, "OT"),
        ("5503", "97535", 2.0, 30.0, "OTA"),
    ]


@pytest.mark.parametrize("cell,expected", [
    ("97530 x2, 97110", [("97530", "", 2.0), ("97110", "", 1.0)]),
    ("97110(2)", [("97110", "", 2.0)]),
    ("97530-GO x2", [("97530", "GO", 2.0)]),
    ("97530-GO-59 x 3 / 97140", [("97530", "GO;59", 3.0), ("97140", "", 1.0)]),
    ("97110 2 units; G0283", [("97110", "", 2.0), ("G0283", "", 1.0)]),
])
def test_code_cells(con, tmp_path, cell, expected):
    (tmp_path / "v.csv").write_text(f'Patient ID,DOS,Codes,Modifier\nP1,2025-03-04,"{cell}",\n')
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert r.status == "loaded"
    assert con.execute("select cpt, modifiers, units from visits order by rowid").fetchall() == expected


@pytest.mark.parametrize("minutes,expected", [("43", 43.0), ("0:43", 43.0), ("43 min", 43.0), ("0.75 hr", 45.0),
                                              ("1:05:30", 65.5), ("1 hr 5 min", 65.0), ("0:43:00", 43.0)])
def test_minutes_forms(con, tmp_path, minutes, expected):
    (tmp_path / "v.csv").write_text(f"MRN,DOS,CPT,Units,Minutes\nP1,2025-03-04,97110,3,{minutes}\n")
    read_export(con, tmp_path / "v.csv", "v.csv")
    assert con.execute("select minutes from visits").fetchall() == [(expected,)]


def test_charge_from_unit_charge_times_units(con, tmp_path):
    (tmp_path / "v.csv").write_text("MRN,DOS,CPT,Units,Unit Charge\nP1,2025-03-04,97110,3,45.50\n")
    read_export(con, tmp_path / "v.csv", "v.csv")
    assert con.execute("select charge from visits").fetchall() == [(Decimal("136.50"),)]


def test_repeated_page_headers_titles_and_footers_are_skipped_and_counted(con, tmp_path):
    text = ("Visit Detail Report\nPrinted 04/01/2025\n"
            "MRN,DOS,CPT,Units\nP1,2025-03-04,97110,1\nP1,2025-03-04,97530,2\n"
            "Page 1 of 2\nVisit Detail Report\nMRN,DOS,CPT,Units\nP2,2025-03-05,97110,1\n"
            "Subtotal,,,4\nGrand Total,,,4\nPage 2 of 2\n")
    (tmp_path / "v.csv").write_text(text)
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert (r.status, r.lines_loaded, r.lines_rejected, r.lines_skipped) == ("loaded", 3, 0, 6)
    reconcile(r, 9)
    assert sorted(infos(r)) == ["1 repeated header row(s) skipped (rows 8)",
                                "2 total/subtotal row(s) skipped (rows 10, 11)",
                                "3 title, footer or note row(s) skipped (rows 6, 7, 12)"]
    assert "skipped" in r.message


def test_xlsx_merged_header_cells_and_merged_patient_cells(con, tmp_path):
    """A grouped workbook: 'Patient' merged over 'ID' and 'Name', 'Service' over 'Date', 'Code', 'Units';
    the patient id merged down over the patient's visit rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Charges"
    ws.append(["Charges by patient"])
    ws.append(["Patient", None, "Service", None, None, "Minutes"])
    ws.append(["ID", "Name", "Date", "Code", "Units", None])
    ws.append(["P7", "Rook, Ama", dt.datetime(2025, 3, 4), "97110", 2, 30])
    ws.append([None, None, dt.datetime(2025, 3, 4), "97530", 1, dt.time(0, 15)])
    ws.append(["P8", "Lin, Bo", dt.datetime(2025, 3, 5), "97535", 1, 12])
    ws.merge_cells("A2:B2")
    ws.merge_cells("C2:E2")
    ws.merge_cells("F2:F3")
    ws.merge_cells("A4:A5")
    ws.merge_cells("B4:B5")
    wb.save(tmp_path / "charges.xlsx")
    [r] = read_export(con, tmp_path / "charges.xlsx", "charges.xlsx")
    assert (r.kind, r.status, r.lines_loaded) == ("visits", "loaded", 3)
    assert visits(con, "patient_id, dos, cpt, units, minutes, row_number, source_sheet") == [
        ("P7", D(2025, 3, 4), "97110", 2.0, 30.0, 4, "Charges"),
        ("P7", D(2025, 3, 4), "97530", 1.0, 15.0, 5, "Charges"),
        ("P8", D(2025, 3, 5), "97535", 1.0, 12.0, 6, "Charges"),
    ]


# --- recognition by evidence -------------------------------------------------------------------------

def test_patient_start_end_only_is_thin_evidence(con, tmp_path):
    (tmp_path / "periods.csv").write_text("Patient ID,Start Date,End Date\nP1,2025-03-01,2025-05-31\n")
    [r] = read_export(con, tmp_path / "periods.csv", "periods.csv")
    assert (r.kind, r.status) == ("unknown", "rejected")
    assert "it could be plans_of_care or authorizations" in r.message
    assert '[[exports]] file = "periods.csv" layout = "plans_of_care"' in r.message
    assert con.execute("select (select count(*) from plans_of_care) + (select count(*) from authorizations)"
                       ).fetchall() == [(0,)]


def test_authorization_number_with_as_much_plan_of_care_evidence_is_ambiguous(con, tmp_path):
    (tmp_path / "a.csv").write_text("MRN,Auth #,Cert Start,Cert End,Physician Signed\nP1,A1,2025-03-01,2025-05-31,2025-03-03\n")
    [r] = read_export(con, tmp_path / "a.csv", "a.csv")
    assert (r.kind, r.status) == ("unknown", "rejected")
    assert "it could be authorizations or plans_of_care" in r.message


def test_plan_of_care_with_its_own_evidence_loads(con, tmp_path):
    (tmp_path / "p.csv").write_text("Patient ID,Start Date,End Date,Signature Date\nP1,2025-03-01,2025-05-31,2025-03-04\n")
    [r] = read_export(con, tmp_path / "p.csv", "p.csv")
    assert (r.kind, r.status, r.lines_loaded) == ("plans_of_care", "loaded", 1)


def test_a_code_column_that_holds_no_codes_is_not_a_visit_export(con, tmp_path):
    body = "".join(f"P{i},2025-03-0{i},M62.8{i},1\n" for i in range(1, 6))
    (tmp_path / "dx.csv").write_text("Patient ID,DOS,Code,Units\n" + body)
    [r] = read_export(con, tmp_path / "dx.csv", "dx.csv")
    assert r.status == "rejected" and "does not hold CPT/HCPCS codes" in r.message


@pytest.mark.parametrize("header,field,rule", [
    ("EMR Patient ID", "patient_id", "prefix 'emr' ignored"),
    ("Pt. DOB", "patient_dob", "words in another order or form"),
    ("Patient MRN", "patient_id", "prefix 'patient' ignored"),
    ("Date of Service (DOS)", "dos", "text in parentheses ignored"),
    ("Service Date (MM/DD/YYYY)", "dos", "text in parentheses ignored"),
    ("date, service", "dos", "words in another order or form"),
    ("serviceDate", "dos", None),
    ("CPT Codes", "cpt", None),
    ("Procedure Modifier", "modifiers", None),
    ("Modifier", "modifiers", None),
    ("Units (Billed)", "units", None),
    ("Minutes - Timed", "minutes", "words in another order or form"),
    ("Svc Dt", "dos", "words in another order or form"),
    ("Patient Name", None, None), ("Patient", None, None), ("Primary Insurance Type", None, None),
])
def test_header_rules(header, field, rule):
    assert aliases.match_header(header, "visits") == (field, rule)


@pytest.mark.parametrize("header,kind,field", [
    ("From", "visits", "dos"), ("To", "visits", "dos_end"), ("From", "plans_of_care", "start_date"),
    ("To", "authorizations", "end_date"), ("auth_start_date", "authorizations", "start_date"),
    ("date_end", "authorizations", "end_date"), ("visit_authorized_for", "authorizations", "visits_authorized"),
])
def test_headers_mean_what_the_layout_means(header, kind, field):
    assert aliases.match_header(header, kind)[0] == field


@pytest.mark.parametrize("raw,field,stored", [
    ("DN", "note_type", "daily"), ("IE", "note_type", "eval"), ("PN", "note_type", "progress"),
    ("DS", "note_type", "discharge"), ("Initial Evaluation - Certification", "note_type", "eval"),
    ("OT Re-Evaluation", "note_type", "progress"), ("OT Daily Note", "note_type", "daily"),
    ("Progress Note / Recertification", "note_type", "recert"),
    ("Occupational Therapy Assistant - Licensed", "provider_role", "OTA"), ("OTR-L", "provider_role", "OT"),
    ("PT", "provider_role", None),
])
def test_value_codes(raw, field, stored):
    assert aliases.match_value(raw, field)[0] == stored


def test_a_value_read_by_rule_is_said(con, tmp_path):
    (tmp_path / "v.csv").write_text("MRN,DOS,CPT,Units,Visit Type\nP1,2025-03-04,97110,1,OT Re-Evaluation Visit\n")
    [r] = read_export(con, tmp_path / "v.csv", "v.csv")
    assert "note_type 'OT Re-Evaluation Visit' read as progress" in infos(r)


# --- practice.toml mappings --------------------------------------------------------------------------

def test_mapping_loads_a_file_no_rule_recognises(con, tmp_path):
    (tmp_path / "export.csv").write_text("Kunde;Datum;Leistung;Anzahl;Art\n"
                                         "K-1;04.03.2025;97110;2;Beh\nK-1;05.03.2025;97530;1;Erst\n")
    [r] = read_export(con, tmp_path / "export.csv", "export.csv")
    assert (r.status, r.kind) == ("rejected", "unknown")
    maps = mapping('[[exports]]\nfile = "export.csv"\nlayout = "visits"\nday_first = true\n'
                   '[exports.columns]\npatient_id = "Kunde"\ndos = "Datum"\ncpt = "Leistung"\nunits = "Anzahl"\n'
                   'note_type = "Art"\n[exports.values.note_type]\nBeh = "daily"\nErst = "eval"\n')
    [r] = read_export(con, tmp_path / "export.csv", "export.csv", maps)
    assert (r.kind, r.status, r.lines_loaded) == ("visits", "loaded", 2)
    assert visits(con, "patient_id, dos, cpt, units, note_type") == [
        ("K-1", D(2025, 3, 4), "97110", 2.0, "daily"), ("K-1", D(2025, 3, 5), "97530", 1.0, "eval")]


def test_mapping_wins_over_recognition_and_maps_payers(con, tmp_path):
    (tmp_path / "v.csv").write_text("MRN,DOS,CPT,Units,Payer,Chart No\nP1,2025-03-04,97110,1,MCR,C-9\n")
    maps = mapping('[[exports]]\nfile = "*.csv"\nlayout = "visits"\n[exports.columns]\npatient_id = "Chart No"\n'
                   '[exports.values.payer]\nMCR = "Medicare Part B (NGS J-K)"\n')
    [r] = read_export(con, tmp_path / "v.csv", "v.csv", maps)
    assert r.status == "loaded"
    assert visits(con, "patient_id, payer") == [("C-9", "Medicare Part B (NGS J-K)")]


def test_mapped_column_missing_from_the_file_is_an_error_naming_file_and_column(con, tmp_path):
    (tmp_path / "v.csv").write_text("MRN,DOS,CPT,Units\nP1,2025-03-04,97110,1\n")
    maps = mapping('[[exports]]\nfile = "v.csv"\nlayout = "visits"\n[exports.columns]\ncpt = "Proc Code X"\n')
    [r] = read_export(con, tmp_path / "v.csv", "v.csv", maps)
    assert r.status == "rejected"
    assert 'file = "v.csv"' in r.message and "'Proc Code X' (for cpt)" in r.message
    assert con.execute("select count(*) from visits").fetchall() == [(0,)]


def test_mapping_by_sheet_and_through_ingest_paths(con, tmp_path):
    folder = tmp_path / "in"
    (folder / "emr").mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Periods"
    wb.active.append(["Patient ID", "Start Date", "End Date"])
    wb.active.append(["P1", dt.date(2025, 3, 1), dt.date(2025, 5, 31)])
    wb.save(folder / "emr" / "book.xlsx")
    maps = mapping('[[exports]]\nfile = "emr/*.xlsx"\nsheet = "Periods"\nlayout = "plans_of_care"\n')
    [r] = ingest_paths(con, [folder], mappings=maps)
    assert (r.source_file, r.kind, r.status, r.lines_loaded) == ("emr/book.xlsx", "plans_of_care", "loaded", 1)


@pytest.mark.parametrize("toml,key", [
    ('[[exports]]\nlayout = "visits"\n', "exports[1].file"),
    ('[[exports]]\nfile = "a.csv"\nlayout = "charges"\n', "exports[1].layout"),
    ('[[exports]]\nfile = "a.csv"\nlayout = "visits"\n[exports.columns]\nprocedure = "Proc"\n', "exports[1].columns.procedure"),
    ('[[exports]]\nfile = "a.csv"\nlayout = "visits"\n[exports.values.note_type]\nTX = "treatment"\n',
     "exports[1].values.note_type.TX"),
    ('[[exports]]\nfile = "a.csv"\nlayout = "visits"\nday_first = "yes"\n', "exports[1].day_first"),
    ('[[exports]]\nfile = "a.csv"\nlayout = "visits"\nheader_row = 0\n', "exports[1].header_row"),
    ('[[exports]]\nfile = "a.csv"\nlayout = "visits"\ncolumn = {}\n', "exports[1].column"),
    ('exports = "a.csv"\n', "exports"),
])
def test_invalid_mappings_name_the_file_and_the_key(toml, key):
    with pytest.raises(InputError) as e:
        parse_mappings(tomllib.loads(toml), "in/practice.toml")
    assert str(e.value).startswith(f"in/practice.toml: {key}")


def test_mapping_for_matches_names_globs_and_sheets():
    maps = mapping('[[exports]]\nfile = "billing/**/*.csv"\nlayout = "visits"\n'
                   '[[exports]]\nfile = "auths.xlsx"\nsheet = "Auth Log"\nlayout = "authorizations"\n'
                   '[[exports]]\nfile = "visits.csv"\nlayout = "visits"\n')
    assert mapping_for(maps, "billing/2025/march.csv").file == "billing/**/*.csv"
    assert mapping_for(maps, "billing/march.csv").file == "billing/**/*.csv"
    assert mapping_for(maps, "sub/auths.xlsx", "auth log").layout == "authorizations"
    assert mapping_for(maps, "auths.xlsx", "Notes") is None
    assert mapping_for(maps, "other/visits.csv").file == "visits.csv"
    assert mapping_for(maps, "march.csv") is None
    assert mapping_for(None, "x.csv") is None

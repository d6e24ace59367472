"""`rcm-audit reference import/list` and the reference store (pipelines/reference): CMS's own files, in the
layouts CMS publishes (tests/fixtures/cms, made by make_fixtures.py), give exactly their values; files that
are not what they claim are refused whole; imports are atomic; effective dates chain across quarters."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.reference.importer import import_files
from pipelines.reference.store import ReferenceStore, default_location, open_store

from conftest import CMS, cms_fixtures as fx

RVU_ZIP = CMS / "RVU26C.zip"
PPRRVU = CMS / "PPRRVU2026_Jul_nonQPP.csv"
GPCI = CMS / "GPCI2026.csv"
PTP = CMS / "ccipra-v322r0-f1.txt"
PTP_ZIP = CMS / "medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f1.zip"
MUE = CMS / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def tables(store: ReferenceStore) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    assert store.register(con) == ["ref_releases", "ref_rvu", "ref_gpci", "ref_ptp", "ref_mue"]
    return con


def rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def one_result(store, path):
    [r] = import_files([path], store)
    return r


# --- the fixtures are what make_fixtures.py writes ---------------------------------------------------------

@pytest.mark.parametrize("name,make", [
    ("PPRRVU2026_Jul_nonQPP.csv", lambda: fx.pprrvu_csv()),
    ("GPCI2026.csv", lambda: fx.gpci_csv()),
    ("ccipra-v322r0-f1.txt", lambda: fx.ptp_txt()),
    ("MCR_MUE_PractitionerServices_Eff_04-01-2026.csv", lambda: fx.mue_csv()),
    ("RVU26C.zip", lambda: fx.zip_bytes({"PPRRVU2026_Jul_nonQPP.csv": fx.pprrvu_csv(),
                                         "PPRRVU2026_Jul_QPP.csv": fx.pprrvu_csv(qpp=True),
                                         "GPCI2026.csv": fx.gpci_csv()})),
])
def test_committed_fixtures_are_reproducible(name, make):
    assert (CMS / name).read_bytes() == make()


# --- values ------------------------------------------------------------------------------------------------

def test_rvu_zip_gives_the_july_2026_values_non_qpp_and_qpp_and_the_gpcis(store):
    r = one_result(store, RVU_ZIP)
    assert r.status == "imported", r.message
    assert sorted((o.unit.kind, o.unit.part, o.unit.rows_kept) for o in r.outcomes) == [
        ("gpci", "", 5), ("rvu", "QPP", 51), ("rvu", "nonQPP", 51)]
    con = tables(store)
    assert rows(con, """select status, work_rvu, nf_pe_rvu, mp_rvu, mppr_ind, conversion_factor, release,
                               effective_from, effective_to
                        from ref_rvu where cpt = '97530' and modifier = '' and not qpp""") == [
        ("A", 0.44, 0.60, 0.01, "5", 33.4009, "RVU26C", dt.date(2026, 7, 1), dt.date(2026, 12, 31))]
    assert rows(con, "select conversion_factor, work_rvu from ref_rvu where cpt = '97530' and qpp") == [(33.5675, 0.44)]
    assert rows(con, "select status, mppr_ind from ref_rvu where cpt in ('97010', '97129') and not qpp order by cpt") == [
        ("B", "9"), ("A", "0")]
    assert rows(con, """select carrier, locality, locality_name, work_gpci, pe_gpci, mp_gpci, release, effective_from
                        from ref_gpci where state = 'MA' order by locality""") == [
        ("14212", "01", "METROPOLITAN BOSTON", 1.041, 1.188, 0.623, "RVU26C", dt.date(2026, 7, 1)),
        ("14212", "99", "REST OF MASSACHUSETTS", 1.020, 1.122, 0.623, "RVU26C", dt.date(2026, 7, 1))]
    # RULEBOOK §11.4 worked example from the imported tables: 97530, 2026, locality 01 = $39.32, 99 = $37.68
    assert rows(con, """select g.locality, round((work_rvu * work_gpci + nf_pe_rvu * pe_gpci + mp_rvu * mp_gpci)
                                                 * conversion_factor, 2)
                        from ref_rvu r, ref_gpci g
                        where r.cpt = '97530' and not r.qpp and g.state = 'MA' order by 1""") == [
        ("01", 39.32), ("99", 37.68)]


def test_bare_pprrvu_and_gpci_csvs(store):
    [a, b] = import_files([PPRRVU, GPCI], store)
    assert (a.status, b.status) == ("imported", "imported")
    con = tables(store)
    assert rows(con, "select release, count(*), bool_or(qpp) from ref_rvu group by 1") == [("RVU26C", 51, False)]
    assert rows(con, "select work_rvu, nf_pe_rvu, mp_rvu from ref_rvu where cpt = '97110'") == [(0.45, 0.41, 0.01)]
    # a GPCI file alone is the calendar year's (Addendum E names the year, not the quarter)
    assert rows(con, "select distinct release, effective_from, effective_to from ref_gpci") == [
        ("GPCI2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31))]
    assert rows(con, "select work_gpci from ref_gpci where state = 'AK'") == [(1.5,)]


def test_practitioner_ptp_file(store):
    r = one_result(store, PTP)
    assert r.status == "imported", r.message
    [o] = r.outcomes
    assert (o.unit.release, o.unit.part, o.unit.rows_read, o.unit.rows_kept) == ("PTP-2026Q3", "f1", 11, 10)
    con = tables(store)
    got = {(c1, c2): rest for c1, c2, *rest in rows(con, """
        select column1, column2, effective_from, deletion_date, modifier_indicator, release, release_from, release_to
        from ref_ptp""")}
    assert got[("97530", "97168")] == [dt.date(2020, 1, 1), None, 1, "PTP-2026Q3", dt.date(2026, 7, 1), None]
    assert got[("97530", "97750")][2] == 0
    assert got[("97140", "97018")][:3] == [dt.date(2015, 1, 1), dt.date(2026, 1, 1), 1]
    assert got[("97112", "97116")][2] == 9
    assert ("20610", "97140") in got             # one OT-range code is enough to keep an edit
    assert ("27447", "20610") not in got         # neither code is: not kept
    assert len(got) == 10


def test_ptp_header_on_one_line_and_in_its_cms_zip_read_the_same(store, tmp_path):
    single = write(tmp_path, "ccipra-v322r0-f1.txt", fx.ptp_txt(single_line_header=True))
    a = open_store(tmp_path / "a")
    import_files([single], a)
    import_files([PTP_ZIP], store)
    assert rows(tables(a), "select * from ref_ptp order by 1, 2") == \
        rows(tables(store), "select * from ref_ptp order by 1, 2")
    assert store.releases()[0].files[0].container == PTP_ZIP.name


def test_practitioner_mue_table(store):
    r = one_result(store, MUE)
    assert r.status == "imported", r.message
    con = tables(store)
    assert rows(con, "select mue_value, mai, mai_text, release, effective_from, effective_to from ref_mue where cpt = '97110'") == [
        (6, 3, "3 Date of Service Edit: Clinical", "MUE-2026Q2", dt.date(2026, 4, 1), None)]
    assert rows(con, "select cpt, mue_value, mai from ref_mue where cpt in ('97010', '97129', '97530', 'G0283') order by 1") == [
        ("97010", 0, 3), ("97129", 1, 1), ("97530", 6, 3), ("G0283", 1, 3)]
    assert rows(con, "select count(*) from ref_mue")[0][0] == 43


def test_mue_from_an_excel_workbook_in_a_zip(store, tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for row in fx.mue_csv().decode("cp1252").splitlines():
        ws.append(next(iter(__import__("csv").reader([row]))))
    buf = io.BytesIO()
    wb.save(buf)
    z = write(tmp_path, "medicare-ncci-2026-q3-practitioner-services-mue-table.zip",
              fx.zip_bytes({"MCR_MUE_PractitionerServices_Eff_07-01-2026.xlsx": buf.getvalue()}))
    r = one_result(store, z)
    assert r.status == "imported", r.message
    con = tables(store)
    assert rows(con, "select release, effective_from, count(*) from ref_mue group by all") == [
        ("MUE-2026Q3", dt.date(2026, 7, 1), 43)]
    assert rows(con, "select mue_value, mai from ref_mue where cpt = '97535'") == [(8, 3)]


# --- the command line --------------------------------------------------------------------------------------

def test_cli_import_then_list(tmp_path):
    ref = tmp_path / "ref"
    runner = CliRunner()
    res = runner.invoke(app, ["reference", "import", str(RVU_ZIP), str(PTP), str(MUE), "--reference", str(ref)])
    assert res.exit_code == 0, res.output
    assert "PPRRVU2026_Jul_nonQPP.csv: PFS relative values (PPRRVU), non-QPP, CF 33.4009; RVU26C nonQPP from 2026-07-01; 51 rows kept" in res.output
    assert "PTP-2026Q3 f1 from 2026-07-01; 10 rows kept of 11" in res.output
    res = runner.invoke(app, ["reference", "list", "--reference", str(ref)])
    assert res.exit_code == 0, res.output
    sha = ReferenceStore(ref).releases()
    lines = res.output.splitlines()
    rvu = next(line for line in lines if "RVU26C nonQPP" in line)
    assert "2026-07-01 .. 2026-12-31" in rvu and "PPRRVU2026_Jul_nonQPP.csv in RVU26C.zip" in rvu
    assert next(r for r in sha if r.label == "RVU26C nonQPP").sha256[:12] in rvu
    assert any("MUE-2026Q2" in line and "2026-04-01 .. open" in line for line in lines)
    assert any("PTP-2026Q3 f1" in line and "ccipra-v322r0-f1.txt" in line for line in lines)


def test_cli_second_import_of_the_same_release_changes_nothing(tmp_path):
    ref = tmp_path / "ref"
    runner = CliRunner()
    assert runner.invoke(app, ["reference", "import", str(RVU_ZIP), "--reference", str(ref)]).exit_code == 0
    before = (ref / "manifest.json").read_bytes()
    res = runner.invoke(app, ["reference", "import", str(RVU_ZIP), "--reference", str(ref)])
    assert res.exit_code == 0
    assert "already loaded: RVU26C nonQPP" in res.output and "nothing changed" in res.output
    assert (ref / "manifest.json").read_bytes() == before
    # the bare CSV that is in the zip is the same release too
    res = runner.invoke(app, ["reference", "import", str(PPRRVU), "--reference", str(ref)])
    assert res.exit_code == 0 and "already loaded: RVU26C nonQPP" in res.output


def test_cli_refused_files_exit_2_and_the_others_are_imported(tmp_path):
    ref = tmp_path / "ref"
    bad = write(tmp_path, "RVU26D.zip", RVU_ZIP.read_bytes()[:1500])
    res = CliRunner().invoke(app, ["reference", "import", str(bad), str(MUE), "--reference", str(ref)])
    assert res.exit_code == 2
    assert "refused" in res.output and "RVU26D.zip" in res.output
    assert [r.release for r in ReferenceStore(ref).releases()] == ["MUE-2026Q2"]


def test_cli_list_on_an_empty_store(tmp_path):
    res = CliRunner().invoke(app, ["reference", "list", "--reference", str(tmp_path / "none")])
    assert res.exit_code == 0 and "no CMS release loaded" in res.output
    assert not (tmp_path / "none").exists()


# --- refusals: nothing of a refused file is stored ---------------------------------------------------------

def _corrupt_member(data: bytes) -> bytes:
    """Flip bytes inside the first member's compressed data (the CRC check then fails)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 40
    return data[:start] + bytes(b ^ 0xFF for b in data[start:start + 16]) + data[start + 16:]


@pytest.mark.parametrize("name,data,reason", [
    ("RVU26C.zip", lambda: RVU_ZIP.read_bytes()[:1200], "not a readable zip file"),
    ("RVU26C.zip", lambda: _corrupt_member(RVU_ZIP.read_bytes()), "the zip is damaged"),
    ("RVU26C.zip", lambda: fx.zip_bytes({"RVUPUF26.pdf": b"%PDF-1.4", "ANES2026.csv": b"a,b\n1,2\n"}),
     "none of its 2 files is a CMS PPRRVU, GPCI, NCCI PTP or MUE file"),
    ("PPRRVU2026_Jul_nonQPP.csv", lambda: fx.pprrvu_csv().replace(b"WORK,", b"LABOR,", 1),
     "its header has no 'WORK RVU' column"),
    ("visits.csv", lambda: b"patient_id,dos,cpt,units\nP1,2026-07-01,97530,2\n",
     "not a CMS PPRRVU, GPCI, NCCI PTP or MUE file"),
    ("PPRRVU2026_Jul_nonQPP.csv", lambda: fx.pprrvu_csv()[:-60],
     "line 61 ('29280'): no MULT PROC indicator; the file is truncated or not the CMS layout"),
    ("PPRRVU2026_Jul_nonQPP.csv", lambda: fx.pprrvu_csv(rows=[r for r in fx.RVU_ROWS_2026_JUL
                                                              if r[0].startswith("29")]),
     "none of the OT codes 97110, 97140, 97530"),
    ("PPRRVU2026_Jul_nonQPP.csv", lambda: fx.pprrvu_csv().replace(b"0.44,0.60,,0.60,NA,0.01,1.05",
                                                                  b"0.44,0.60,,0.60,NA,0.01,1.15"),
     "do not add up to CMS's NON-FACILITY TOTAL"),
    ("PPRRVU2026_Oct_nonQPP.csv", lambda: fx.pprrvu_csv(),
     "its title says CY2026 July release but its file name says CY2026 October"),
    ("PPRRVU2026_Jul_nonQPP.csv", lambda: fx.pprrvu_csv(qpp=True),
     "it is named non-QPP but its PRIC IND column says QPP (1)"),
    ("ccipra-v322r0-f1.txt", lambda: fx.ptp_txt()[:-50], "line 17 ('27447'): the effective date is not YYYYMMDD"),
    ("ccioph-v322r0-f1.txt", lambda: fx.ptp_txt(), "hospital outpatient"),
    ("ptp_edits.txt", lambda: fx.ptp_txt(), "cannot tell which quarter it is for"),
    ("MCR_MUE_PractitionerServices_Eff_04-01-2026.csv", lambda: fx.mue_csv().replace(
        b"97530,6,", b"97530,six,"), "the MUE value is not a whole number"),
    ("MCR_MUE_OutpatientHospitalServices_Eff_04-01-2026.csv", lambda: fx.mue_csv().replace(
        b"Practitioner Services MUE Values", b"Outpatient Hospital Services MUE Values"),
     "only the practitioner services MUE table"),
    ("MCR_MUE_PractitionerServices_Eff_04-01-2026.csv", lambda: fx.mue_csv().replace(
        b"97530,6,3 Date of Service Edit: Clinical,", b"97530,6,3 Date of Service Edit: Clinical,,extra,cells"),
     "has more fields than the 4 columns of its header"),
    ("GPCI2026.csv", lambda: fx.gpci_csv().replace(b"1.041", b""), "a GPCI cell is empty or not a number"),
    ("PPRRVU2026_Jul_nonQPP.txt", lambda: b"HDR 2026 fixed-width\n97530     0.44\n", "fixed-width text copy"),
    ("empty.csv", lambda: b"", "the file is empty"),
])
def test_files_that_are_not_what_they_claim_are_refused_whole(store, tmp_path, name, data, reason):
    import_files([MUE], store)                        # something already loaded stays as it was
    before = (store.path / "manifest.json").read_bytes()
    r = one_result(store, write(tmp_path, name, data()))
    assert r.status == "refused"
    assert reason in r.message, r.message
    assert r.message.startswith("refused, nothing stored: ")
    assert (store.path / "manifest.json").read_bytes() == before
    assert [p.name for p in (store.path / "data").iterdir()] == [store.releases()[0].data.split("/")[1]]


def test_refusal_messages_quote_file_values_safely(store, tmp_path):
    data = fx.pprrvu_csv().replace(b"97530,,", b"9\x1b[2J7530 and then a very long text indeed,,", 1)
    r = one_result(store, write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", data))
    assert r.status == "refused" and "not a 5-character code" in r.message
    assert "\x1b" not in r.message and "very long text indeed" not in r.message


# --- replacing, atomicity ----------------------------------------------------------------------------------

def test_a_different_file_for_a_loaded_release_replaces_it_whole(store, tmp_path):
    import_files([RVU_ZIP], store)
    changed = fx.pprrvu_csv().replace(b"97530,,(descriptor omitted),A,,0.44,0.60,,0.60,NA,0.01,1.05,1.05",
                                      b"97530,,(descriptor omitted),A,,0.45,0.60,,0.60,NA,0.01,1.06,1.06")
    r = one_result(store, write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", changed))
    assert r.status == "imported" and r.message == "replaced RVU26C"
    assert "replaces the copy imported" in r.outcomes[0].describe()
    con = tables(store)
    assert rows(con, "select work_rvu, count(*) over () from ref_rvu where cpt = '97530' and not qpp") == [(0.45, 1)]
    assert rows(con, "select count(*) from ref_rvu where not qpp") == [(51,)]
    assert len([r for r in store.releases() if r.kind == "rvu"]) == 2          # nonQPP (new) + QPP (kept)
    assert len(list((store.path / "data").iterdir())) == 3                    # the old parquet is gone


@pytest.mark.parametrize("fail_in", ["write_table", "write_manifest"])
def test_a_failure_mid_import_leaves_the_old_release_intact(store, tmp_path, monkeypatch, fail_in):
    import_files([RVU_ZIP], store)
    before = (store.path / "manifest.json").read_bytes()
    files_before = sorted(p.name for p in (store.path / "data").iterdir())
    real = getattr(ReferenceStore, fail_in)
    calls = {"n": 0}

    def failing(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == 2 or fail_in == "write_manifest":
            raise OSError(28, "No space left on device (simulated)")
        return real(self, *args, **kw)

    monkeypatch.setattr(ReferenceStore, fail_in, failing)
    new = fx.zip_bytes({"PPRRVU2026_Jul_nonQPP.csv": fx.pprrvu_csv(cf="33.5000"),
                        "PPRRVU2026_Jul_QPP.csv": fx.pprrvu_csv(qpp=True, cf="33.6000"),
                        "GPCI2026.csv": fx.gpci_csv()})
    r = one_result(store, write(tmp_path, "RVU26C.zip", new))
    assert r.status == "refused" and "the store is as it was" in r.message and "No space left" in r.message
    assert (store.path / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in (store.path / "data").iterdir()) == files_before
    assert rows(tables(store), "select distinct conversion_factor from ref_rvu order by 1") == [(33.4009,), (33.5675,)]


def test_leftovers_of_a_crash_are_removed_and_never_read(store, tmp_path):
    import_files([MUE], store)
    (store.path / "data" / ".tmp-abc.parquet").write_bytes(b"partial")
    (store.path / "data" / "mue-orphan.parquet").write_bytes(b"orphan")
    assert rows(tables(store), "select count(*) from ref_mue") == [(43,)]
    import_files([PTP], store)
    assert sorted(p.name for p in (store.path / "data").iterdir()) == sorted(
        r.data.split("/")[1] for r in store.releases())


# --- effective dates ---------------------------------------------------------------------------------------

def test_effective_to_chains_across_quarters(store, tmp_path):
    october = [r[:3] + ("0.46",) + r[4:9] + ("1.07", "1.07") + r[11:] if r[0] == "97530" else r
               for r in fx.RVU_ROWS_2026_JUL]
    files = [RVU_ZIP,
             write(tmp_path, "PPRRVU2026_Oct_nonQPP.csv", fx.pprrvu_csv(month="Oct", released="09/30/2026",
                                                                          rows=october)),
             MUE, write(tmp_path, "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv", fx.mue_csv()),
             PTP, write(tmp_path, "ccipra-v323r0-f1.txt", fx.ptp_txt())]
    assert [r.status for r in import_files(files, store)] == ["imported"] * 6
    got = {(r.kind, r.label): (r.effective_from, r.effective_to) for r in store.releases()}
    d = dt.date
    assert got == {
        ("rvu", "RVU26C nonQPP"): (d(2026, 7, 1), d(2026, 9, 30)),
        ("rvu", "RVU26D nonQPP"): (d(2026, 10, 1), d(2026, 12, 31)),
        ("rvu", "RVU26C QPP"): (d(2026, 7, 1), d(2026, 12, 31)),        # no October QPP file loaded
        ("gpci", "RVU26C"): (d(2026, 7, 1), d(2026, 12, 31)),
        ("mue", "MUE-2026Q2"): (d(2026, 4, 1), d(2026, 6, 30)),
        ("mue", "MUE-2026Q3"): (d(2026, 7, 1), None),
        ("ptp", "PTP-2026Q3 f1"): (d(2026, 7, 1), d(2026, 9, 30)),
        ("ptp", "PTP-2026Q4 f1"): (d(2026, 10, 1), None),
    }
    con = tables(store)
    assert rows(con, """select work_rvu from ref_rvu where cpt = '97530' and not qpp
                        and date '2026-11-15' between effective_from and effective_to""") == [(0.46,)]
    assert rows(con, """select work_rvu from ref_rvu where cpt = '97530' and not qpp
                        and date '2026-08-15' between effective_from and effective_to""") == [(0.44,)]
    assert rows(con, "select kind, release, part, effective_to from ref_releases where kind = 'mue' order by 2") == [
        ("mue", "MUE-2026Q2", "", d(2026, 6, 30)), ("mue", "MUE-2026Q3", "", None)]


# --- the read API on an empty store ------------------------------------------------------------------------

def test_register_on_a_missing_store_gives_empty_typed_tables(tmp_path):
    con = duckdb.connect(":memory:")
    names = open_store(tmp_path / "nothing-here").register(con)
    assert names == ["ref_releases", "ref_rvu", "ref_gpci", "ref_ptp", "ref_mue"]
    for name in names:
        assert rows(con, f"select count(*) from {name}") == [(0,)]
    types = dict(rows(con, """select table_name || '.' || column_name, data_type from information_schema.columns
                              where table_name like 'ref_%'"""))
    assert types["ref_rvu.work_rvu"] == "DOUBLE" and types["ref_rvu.qpp"] == "BOOLEAN"
    assert types["ref_rvu.effective_from"] == "DATE" and types["ref_gpci.locality"] == "VARCHAR"
    assert types["ref_ptp.deletion_date"] == "DATE" and types["ref_ptp.modifier_indicator"] == "INTEGER"
    assert types["ref_mue.mai"] == "INTEGER" and types["ref_mue.effective_to"] == "DATE"
    assert types["ref_releases.imported_at"] == "TIMESTAMP"
    # a loaded store gives the same columns in the same order
    s = open_store(tmp_path / "loaded")
    import_files([RVU_ZIP, PTP, MUE], s)
    con2 = duckdb.connect(":memory:")
    s.register(con2)
    for name in names:
        assert [c[0] for c in con.execute(f"describe {name}").fetchall()] == \
            [c[0] for c in con2.execute(f"describe {name}").fetchall()]


def test_store_location(monkeypatch, tmp_path):
    monkeypatch.setenv("RCM_AUDIT_REFERENCE", str(tmp_path / "env"))
    assert default_location() == tmp_path / "env"
    assert open_store(None).path == tmp_path / "env"
    assert open_store(tmp_path / "given").path == tmp_path / "given"
    monkeypatch.delenv("RCM_AUDIT_REFERENCE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_location() == tmp_path / "xdg" / "rcm-audit" / "reference"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_location() == tmp_path / "home" / ".local" / "share" / "rcm-audit" / "reference"


def test_release_source_names_the_file_and_its_hash(store):
    import_files([RVU_ZIP], store)
    rel = next(r for r in store.releases() if r.label == "RVU26C nonQPP")
    assert rel.source.startswith("CMS RVU26C nonQPP (PPRRVU2026_Jul_nonQPP.csv in RVU26C.zip, sha256 ")
    assert rel.files[0].container_sha256 is not None and len(rel.files[0].container_sha256) == 64


def test_a_damaged_manifest_is_an_error_the_analyst_can_act_on(store, tmp_path):
    from pipelines.reference.store import StoreError
    import_files([MUE], store)
    (store.path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="manifest cannot be read"):
        store.register(duckdb.connect(":memory:"))
    res = CliRunner().invoke(app, ["reference", "list", "--reference", str(store.path)])
    assert res.exit_code == 2 and "import the CMS files again into a new folder" in res.output
    assert "Traceback" not in res.output
    assert one_result(store, PTP).status == "refused"

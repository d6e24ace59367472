"""The X12 reader on small hand-written files: one per delimiter / layout / envelope edge case
(tests/fixtures/x12/, written by make_fixtures.py from base.837 and base.835), with assertions on real
values, plus bad input that must be rejected without an exception."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.ingest.x12 import looks_like_x12, read_x12
from pipelines.warehouse import connect

FIX = Path(__file__).resolve().parent / "fixtures" / "x12"

SAME_AS_BASE_837 = ["base.837", "bom.837", "utf16.837", "crlf.837", "newline_terminator.837",
                    "indented_blank_lines.837", "tilde_element.837", "repetition_caret.837", "wrong_counts.837",
                    "starts_at_gs.837"]
SAME_AS_BASE_835 = ["base.835", "cr_only.835", "single_line.835", "pipe.835", "utf16le_nobom.835",
                    "no_envelope.835", "garbage_after_iea.835", "unknown_version.835"]


@pytest.fixture
def con():
    """A fresh in-memory audit database with the raw tables."""
    c = connect(":memory:")
    yield c
    c.close()


def load(con, name):
    return read_x12(con, FIX / name, name)


def rows(con, sql):
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# --- 837P -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAME_AS_BASE_837)
def test_837_layouts_read_the_same_claims(con, name):
    res = load(con, name)
    assert res.kind == "837P"
    assert res.status == "loaded", res.message
    assert (res.claims_loaded, res.lines_loaded, res.claims_rejected, res.lines_rejected) == (2, 3, 0, 0)
    claims = rows(con, "select * from claims order by segment_pos")
    c1, c2 = claims
    assert c1["claim_id"] == "CLM001" and c1["total_charge"] == Decimal("300.00")
    assert (c1["place_of_service"], c1["frequency_code"]) == ("11", "1")
    assert c1["prior_auth"] == "AUTH77" and c1["payer_claim_ref"] is None
    assert (c1["billing_npi"], c1["billing_name"], c1["billing_zip"]) == ("1234567893", "BAYSTATE OT", "01608")
    assert (c1["subscriber_member_id"], c1["subscriber_last"], c1["subscriber_first"]) == ("1EG4TE5MK72", "SMITH", "JANE")
    assert c1["subscriber_dob"] == dt.date(1948, 5, 12) and c1["subscriber_gender"] == "F"
    assert c1["patient_is_subscriber"] is True and c1["patient_last"] == "SMITH"
    assert c1["patient_dob"] == dt.date(1948, 5, 12)
    assert (c1["payer_name"], c1["payer_id"], c1["claim_filing_code"]) == ("NGS MEDICARE", "14212", "MB")
    assert c1["rendering_npi"] == "1588667788" and c1["referring_npi"] == "1098765432"
    assert c1["diagnosis_codes"] == "M6281;R262"
    assert c1["submission_date"] == dt.date(2025, 3, 1)
    assert c1["st_control"] == "0001"
    assert c1["source_file"] == name
    # claim 2 sits in a 2000C patient loop under the second subscriber
    assert c2["claim_id"] == "CLM002" and c2["frequency_code"] == "7" and c2["payer_claim_ref"] == "PAYERREF9"
    assert (c2["subscriber_member_id"], c2["subscriber_last"]) == ("W123456", "DOE")
    assert c2["patient_is_subscriber"] is False
    assert (c2["patient_last"], c2["patient_first"], c2["patient_dob"]) == ("DOE", "JIMMY", dt.date(2015, 6, 15))
    assert (c2["payer_name"], c2["payer_id"], c2["claim_filing_code"]) == ("BCBSMA", "BCBS1", "CI")
    assert c2["rendering_npi"] is None and c2["diagnosis_codes"] == "F802"

    lines = rows(con, "select * from claim_lines order by segment_pos")
    l1, l2, l3 = lines
    assert (l1["claim_id"], l1["line_number"], l1["proc_qualifier"], l1["cpt"]) == ("CLM001", 1, "HC", "97530")
    assert (l1["modifiers"], l1["modifier_1"], l1["modifier_2"], l1["modifier_3"]) == ("GO;KX", "GO", "KX", None)
    assert (l1["charge"], l1["unit_basis"], l1["units"]) == (Decimal("150.00"), "UN", 2.0)
    assert (l1["dos"], l1["dos_end"], l1["line_control_number"]) == (dt.date(2025, 2, 10), None, "CLM001-1")
    assert l1["rendering_npi"] is None                     # the line says nothing; staging falls back
    assert l1["claim_pos"] == c1["segment_pos"]
    # decimal units, RD8 range, 2420A rendering provider
    assert (l2["cpt"], l2["modifiers"], l2["units"]) == ("97110", "GO", 1.5)
    assert (l2["dos"], l2["dos_end"]) == (dt.date(2025, 2, 10), dt.date(2025, 2, 14))
    assert l2["rendering_npi"] == "1999999999"
    assert (l3["claim_id"], l3["cpt"], l3["modifiers"], l3["modifier_1"]) == ("CLM002", "92507", "", None)


def test_837_segment_positions_count_every_segment(con):
    res = load(con, "indented_blank_lines.837")
    assert res.segments == 52                               # blank lines are not segments
    assert rows(con, "select segment_pos from claims order by 1") == [{"segment_pos": 22}, {"segment_pos": 44}]


def test_wrong_envelope_counts_are_warnings(con):
    res = load(con, "wrong_counts.837")
    warnings = {(i.place, i.severity) for i in res.issues}
    assert ("segment 50 (SE)", "warning") in warnings
    assert ("segment 51 (GE)", "warning") in warnings
    assert ("segment 52 (IEA)", "warning") in warnings
    assert any(i.reason.startswith("SE01 '99' does not match the 48 segments") for i in res.issues)
    assert res.claims_loaded == 2


def test_multiple_interchanges_groups_transactions(con):
    res = load(con, "multi_st_isa.837")
    assert res.status == "loaded", res.message
    assert (res.claims_loaded, res.lines_loaded) == (6, 9)
    got = rows(con, "select claim_id, st_control, interchange_control from claims order by segment_pos")
    assert [(r["claim_id"], r["st_control"], r["interchange_control"]) for r in got] == [
        ("CLM001", "0001", "000000101"), ("CLM002", "0001", "000000101"),
        ("CLM101", "0002", "000000101"), ("CLM102", "0002", "000000101"),
        ("CLM201", "0001", "000000102"), ("CLM202", "0001", "000000102")]
    # the second interchange uses '|' and '>' (and newline terminators): same values
    mods = rows(con, "select modifiers from claim_lines where claim_id = 'CLM201' order by segment_pos")
    assert [m["modifiers"] for m in mods] == ["GO;KX", "GO"]


def test_truncated_file_loads_complete_transactions(con):
    res = load(con, "truncated.837")
    assert res.status == "partial"
    assert (res.claims_loaded, res.lines_loaded) == (2, 3)
    assert (res.claims_rejected, res.lines_rejected) == (2, 3)     # seen = loaded + rejected
    errors = [i for i in res.issues if i.severity == "error"]
    assert [e.place for e in errors] == ["segment 51 (ST)"]           # the place, not the control number
    assert "truncated" in errors[0].reason
    assert [r["claim_id"] for r in rows(con, "select claim_id from claims order by 1")] == ["CLM001", "CLM002"]


def test_4010_is_refused_with_the_version(con):
    res = load(con, "v4010.837")
    assert res.status == "rejected"
    assert "004010X098A1" in res.message and "5010" in res.message
    assert con.execute("select count(*) from claims").fetchone()[0] == 0
    assert res.claims_rejected == 2


def test_unknown_version_is_read_with_a_warning(con):
    res = load(con, "unknown_version.835")
    assert res.status == "loaded" and res.claims_loaded == 3
    assert any("999999X999X9" in i.reason and i.severity == "warning" for i in res.issues)


def test_no_envelope_and_gs_start(con):
    res = load(con, "no_envelope.835")
    assert (res.kind, res.claims_loaded, res.lines_loaded) == ("835", 3, 2)
    assert any("no ISA" in i.reason for i in res.issues)
    res = load(con, "starts_at_gs.837")
    assert (res.kind, res.claims_loaded, res.lines_loaded) == ("837P", 2, 3)


def test_garbage_after_iea_is_a_warning(con):
    res = load(con, "garbage_after_iea.835")
    assert res.status == "loaded" and res.claims_loaded == 3
    garbage = [i for i in res.issues if "after the last IEA" in i.reason]
    assert garbage and garbage[0].severity == "warning"


def test_mixed_file_takes_the_majority_kind(con):
    res = load(con, "mixed.x12")
    assert res.kind == "835"                     # 3 CLP vs 2 CLM
    assert "837P" in res.message
    assert con.execute("select count(*) from claims").fetchone()[0] == 2
    assert con.execute("select count(*) from remit_claims").fetchone()[0] == 3


# --- 835 --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAME_AS_BASE_835)
def test_835_layouts_read_the_same_remits(con, name):
    res = load(con, name)
    assert res.kind == "835"
    assert (res.claims_loaded, res.lines_loaded, res.claims_rejected, res.lines_rejected) == (3, 2, 0, 0), res.message
    (pay,) = rows(con, "select * from remit_payments")
    assert (pay["amount"], pay["credit_debit"], pay["method"]) == (Decimal("225.50"), "C", "ACH")
    assert (pay["payment_date"], pay["trace_number"]) == (dt.date(2025, 3, 15), "EFT0315")
    assert (pay["payer_name"], pay["payer_id"]) == ("NGS MEDICARE", "14212")      # REF*2U (N1*PR has no N104)
    assert (pay["payee_name"], pay["payee_id"]) == ("BAYSTATE OT", "1234567893")

    claims = rows(con, "select * from remit_claims order by segment_pos")
    rev, corr, den = claims
    # reversal kept as its own row, negative amounts
    assert (rev["claim_id"], rev["status_code"], rev["charge"], rev["paid"]) == (
        "CLM001", "22", Decimal("-300.00"), Decimal("-200.00"))
    assert rev["payer_claim_id"] == "PCN1" and rev["statement_from"] == dt.date(2025, 2, 10)
    assert (corr["status_code"], corr["paid"], corr["patient_responsibility"]) == ("1", Decimal("220.00"), Decimal("10.00"))
    assert (corr["filing_indicator"], corr["payer_claim_id"], corr["facility_type"], corr["frequency_code"]) == (
        "MB", "PCN2", "11", "1")
    assert (corr["patient_last"], corr["patient_first"], corr["patient_member_id"]) == ("SMITH", "JANE", "1EG4TE5MK72")
    assert corr["rendering_npi"] == "1588667788"
    assert (corr["statement_from"], corr["statement_to"], corr["received_date"]) == (
        dt.date(2025, 2, 10), dt.date(2025, 2, 14), dt.date(2025, 3, 1))
    assert (corr["payment_date"], corr["trace_number"], corr["payer_name"], corr["payer_id"]) == (
        dt.date(2025, 3, 15), "EFT0315", "NGS MEDICARE", "14212")
    assert (den["status_code"], den["subscriber_member_id"], den["frequency_code"]) == ("4", "W123456", "7")

    l1, l2 = rows(con, "select * from remit_lines order by segment_pos")
    assert (l1["claim_id"], l1["claim_pos"], l1["cpt"], l1["modifiers"]) == ("CLM001", corr["segment_pos"], "97530", "GO;KX")
    assert (l1["charge"], l1["paid"], l1["units_paid"], l1["allowed"]) == (
        Decimal("150.00"), Decimal("110.00"), 2.0, Decimal("130.00"))
    assert (l1["dos"], l1["line_control_number"], l1["remark_codes"]) == (dt.date(2025, 2, 10), "CLM001-1", "N130;M15")
    # SVC06 original procedure, SVC07 original units, DTM*150/151 range, no AMT
    assert (l2["cpt"], l2["original_cpt"], l2["original_modifiers"], l2["original_units"]) == ("97110", "97112", "GO", 1.0)
    assert (l2["dos"], l2["dos_end"], l2["allowed"], l2["units_paid"]) == (
        dt.date(2025, 2, 10), dt.date(2025, 2, 14), None, 1.0)

    adj = rows(con, "select * from remit_adjustments order by segment_pos, triple_index")
    assert con.execute("select count(distinct segment_pos) from remit_adjustments").fetchone()[0] == 6
    first = adj[0]
    assert (first["claim_id"], first["level"], first["group_code"], first["reason_code"], first["amount"]) == (
        "CLM001", "claim", "CO", "45", Decimal("-100.00"))
    six = [a for a in adj if a["segment_pos"] == l1["segment_pos"] + 2]
    assert [(a["triple_index"], a["reason_code"], a["amount"], a["quantity"]) for a in six] == [
        (1, "45", Decimal("20.00"), 1.0), (2, "253", Decimal("2.20"), None), (3, "59", Decimal("5.00"), 1.0),
        (4, "94", Decimal("1.00"), None), (5, "A1", Decimal("0.50"), None), (6, "B1", Decimal("1.30"), None)]
    assert {a["level"] for a in six} == {"line"} and {a["line_pos"] for a in six} == {l1["segment_pos"]}
    denied = [a for a in adj if a["claim_id"] == "CLM002"]
    assert [(a["level"], a["group_code"], a["reason_code"], a["amount"]) for a in denied] == [
        ("claim", "CO", "16", Decimal("95.50"))]

    plb = rows(con, "select * from provider_adjustments order by pair_index")
    assert [(p["provider_id"], p["fiscal_date"], p["reason_code"], p["reference"], p["amount"], p["pair_index"])
            for p in plb] == [
        ("1234567893", dt.date(2025, 12, 31), "WO", "CLM000", Decimal("-5.25"), 1),
        ("1234567893", dt.date(2025, 12, 31), "L6", None, Decimal("2.00"), 2)]
    assert plb[0]["payer_name"] == "NGS MEDICARE"


def test_unparsable_values_are_null_with_a_warning(con):
    res = load(con, "bad_values.835")
    assert res.status == "loaded" and res.claims_loaded == 3
    paid = con.execute("select paid from remit_claims where status_code = '1'").fetchone()[0]
    dos = con.execute("select dos from remit_lines order by segment_pos limit 1").fetchone()[0]
    assert paid is None and dos is None
    by_place = {i.place: i.reason for i in res.issues if i.severity == "warning"}
    # the place names the segment and the element; an 8-digit non-date is quoted (it cannot be a birth
    # date), '2X0.00' is not (an amount's place could hold a name or id glued in from a damaged segment)
    assert by_place["segment 17 (CLP), CLP04"] == "CLP04 is not an amount; stored as empty"
    assert by_place["segment 25 (DTM), DTM02"].startswith("DTM*472 '20251345' is not a real calendar date")


# --- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("content,reason", [
    (b"", "empty"),
    (b"   \r\n\n  ", "empty"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    (bytes(range(256)) * 8, "not an X12"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image"),
    (b"patient_id,dos,cpt,units\nP1,2025-01-02,97110,2\n", "not an X12"),
    (b"ISA*00*   ", "ISA"),
    (b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *250101*1200*^*00501*000000001*0*P*:~"
     b"GS*HC*A*B*20250101*1200*1*X*005010X222A1~", "no ST"),
])
def test_bad_input_is_rejected_without_exception(con, tmp_path, content, reason):
    p = tmp_path / "claims.835"
    p.write_bytes(content)
    res = read_x12(con, p, "claims.835")
    assert res.status == "rejected"
    assert reason.lower() in res.message.lower()
    assert any(i.severity == "error" for i in res.issues)


def test_missing_file_is_rejected(con, tmp_path):
    res = read_x12(con, tmp_path / "nope.835", "nope.835")
    assert res.status == "rejected" and "cannot read" in res.message


@pytest.mark.parametrize("head,expected", [
    (b"ISA*00*          *00*", True),
    (b"\xef\xbb\xbf  ISA|00|", True),
    ("ISA*00*".encode("utf-16"), True),
    (b"GS*HC*SENDER*RECEIVER*2025", True),
    (b"ST*835*1234~BPR*I", True),
    (b"%PDF-1.4", False),
    (b"STATUS,CODE\n", False),
    (b"", False),
    (b"ISAAC,NEWTON", False),
])
def test_looks_like_x12(head, expected):
    assert looks_like_x12(head) is expected


def test_other_transaction_sets_are_refused(con, tmp_path):
    p = tmp_path / "ack.999"
    p.write_text("ISA*00*          *00*          *ZZ*A              *ZZ*B              *250101*1200*^*00501*000000001*0*P*:~"
                 "GS*FA*A*B*20250101*1200*1*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*1*005010X222A1~"
                 "AK9*A*1*1*1~SE*4*0001~GE*1*1~IEA*1*000000001~")
    res = read_x12(con, p, "ack.999")
    assert res.status == "rejected" and "999" in res.message

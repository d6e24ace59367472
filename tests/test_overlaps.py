"""One dollar counted once (DESIGN §5 "Overlaps"): on a line the final 835 denied, the denial finding carries the
line's value, so MINUTES_MISSING reports $0; and a denied line was never paid, so the refund rules
(UNITS_OVERBILLED, UNTIMED_MULTIPLE_UNITS, CO_MODIFIER_MISSING) have nothing to refund and report $0 too. Each
detail says why."""
from __future__ import annotations

from builders import MiniPractice

AS_OF = "2025-06-30"
DENIED = [("CO", "16", 100.0)]


def finding(f, rule_id):
    rows = f[f.rule_id == rule_id]
    assert len(rows) == 1, rule_id
    return rows.iloc[0]


def test_minutes_missing_on_a_denied_line_is_zero():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2), ("97535", "GO", 1)])
    p.remit("C1", "2025-03-20", [("97530", "GO", 0.0, 0.0, DENIED), ("97535", "GO", 20.0, 25.72)])
    p.visit("2025-03-04", "97535", minutes=15)                  # no row for 97530: undocumented
    f = p.run(as_of=AS_OF)
    row = finding(f, "MINUTES_MISSING")
    assert (row.cpt, float(row.amount_usd)) == ("97530", 0.0)
    assert "reported at $0 because the final 835 denied this line (CO-16)" in row.detail
    assert float(finding(f, "DENIAL_RECOVERABLE").amount_usd) == 66.25      # 39.13 + 27.12: counted there


def test_overbilled_units_on_a_denied_code_day_have_nothing_to_refund():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 3)])
    p.remit("C1", "2025-03-20", [("97530", "GO", 0.0, 0.0, DENIED)])
    p.visit("2025-03-04", "97530", minutes=25)                   # supports 2 units
    row = finding(p.run(as_of=AS_OF), "UNITS_OVERBILLED")
    assert (row.units_billed, row.units_expected, float(row.amount_usd)) == (3.0, 2.0, 0.0)
    assert "excess 1 unit(s) are worth $27.12" in row.detail and "nothing was paid to refund" in row.detail


def test_untimed_excess_on_a_denied_line_has_nothing_to_refund():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97150", "GO", 2)])
    p.remit("C1", "2025-03-20", [("97150", "GO", 0.0, 0.0, DENIED)])
    row = finding(p.run(as_of=AS_OF), "UNTIMED_MULTIPLE_UNITS")
    assert float(row.amount_usd) == 0.0 and "denied the line (CO-16): nothing was paid to refund" in row.detail


def test_co_missing_on_a_denied_line_has_nothing_to_recoup():
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)])
    p.remit("C1", "2025-03-20", [("97530", "GO", 0.0, 0.0, DENIED)])
    p.visit("2025-03-04", "97530", minutes=30, role="OTA")
    row = finding(p.run(as_of=AS_OF), "CO_MODIFIER_MISSING")
    assert float(row.amount_usd) == 0.0 and "nothing was paid to recoup" in row.detail


def test_a_claim_submitted_before_its_service_is_not_judged_recoverable():
    """Files that do not belong together: a claim 'submitted' years before its date of service. No filing-limit
    finding may rest on that date (it once read: submitted nine years before, 'so it can still be recovered')."""
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 1)], submitted="2016-03-10")
    p.claim("C2", "2025-03-04", [("97530", "GO", 1)], submitted="2025-03-10", member_id="OTHER2")
    p.paid_control_claim()
    f = p.run(as_of="2026-05-31", rules=["TIMELY_FILING_RISK", "CLAIM_UNPAID"])
    assert list(f.claim_id) == ["C2"]                  # the plausible claim, past its deadline: TIMELY_FILING_RISK


DAYS = [f"2025-03-{d:02d}" for d in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)]


def _practice_with_two_exports(second):
    """Ten billed visits (97530 x2 each) documented with 30 minutes in visits_oct.csv; the second export as given."""
    p = MiniPractice()
    for i, dos in enumerate(DAYS):
        p.claim(f"C{i}", dos, [("97530", "GO", 2)])
        p.visit(dos, "97530", minutes=30, units=2, source_file="visits_oct.csv")
    second(p)
    p.run(as_of="2025-06-30")
    return p


def test_a_refreshed_export_beside_the_old_one_does_not_count_visits_twice():
    # the newer export repeats the ten rows (one with corrected minutes: 9 of 10 the same) and adds a week
    def refreshed(p):
        for dos in DAYS:
            p.visit(dos, "97530", minutes=40 if dos == "2025-03-11" else 30, units=2, source_file="visits_nov.csv")
        p.visit("2025-03-17", "97530", minutes=30, units=2, source_file="visits_nov.csv")
    p = _practice_with_two_exports(refreshed)
    got = dict(p.con.execute("select dos::varchar, minutes from stg_visit_codes").fetchall())
    assert len(got) == 11 and got["2025-03-11"] == 40.0 and got["2025-03-04"] == 30.0      # the newer file's rows
    assert p.con.execute("""select superseded_by from stg_export_files
                            where source_file = 'visits_oct.csv'""").fetchone()[0] == "visits_nov.csv"
    # the corrected 40 minutes support 3 units (not 70 minutes = 5 units, as the two files read together would)
    assert p.con.execute("""select rule_id, dos::varchar, units_billed, units_expected from findings
                            where rule_id like 'UNITS_%'""").fetchall() == [("UNITS_UNDERBILLED", "2025-03-11", 2.0, 3.0)]


def test_exports_split_by_clinician_are_both_read_and_exact_repeats_once():
    def split(p):
        p.visit("2025-03-04", "97535", minutes=15, units=1, source_file="visits_ota.csv")
        p.visit("2025-03-04", "97530", minutes=30, units=2, source_file="visits_ota.csv")   # an exact repeat
    p = _practice_with_two_exports(split)
    got = p.con.execute("select cpt, minutes, rows from stg_visit_codes where dos = '2025-03-04' order by cpt").fetchall()
    assert got == [("97530", 30.0, 1), ("97535", 15.0, 1)]
    assert p.con.execute("select count(*) from stg_export_files where superseded_by is not null").fetchone()[0] == 0


def test_the_ingest_log_names_the_export_that_supersedes_another(tmp_path):
    from typer.testing import CliRunner
    from pipelines.cli import app
    folder = tmp_path / "in"
    folder.mkdir()
    head = "Patient ID,Date of Service,CPT Code,Units,Minutes\n"
    rows = "".join(f"MRN1,{d},97530,2,30\n" for d in DAYS)
    (folder / "visits_oct.csv").write_text(head + rows)
    (folder / "visits_nov.csv").write_text(head + rows + "MRN1,2025-03-17,97530,2,30\n")
    result = CliRunner().invoke(app, ["audit", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    log = (tmp_path / "out" / "ingest-log.csv").read_text()
    assert "superseded by visits_nov.csv, a newer export of the same rows" in log

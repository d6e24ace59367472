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

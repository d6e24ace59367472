"""Reliability: linear cost. Many lines of the same patient, day and code — 20,000 evaluation lines (an
untimed once-a-day code: CODING_EDIT's second-evaluation edit, UNTIMED_MULTIPLE_UNITS), 20,000 97110 lines
above the Medicare MUE (MUE_EXCEEDED) and 10,000 single-line claims half of which the 835 denies as
duplicates (CARC 18) — go through ingest, staging and every rule, and the results are exactly right. Each of
these was quadratic (a list of the day's codes per line; a price scenario per excess line copying every line
of the day; a self-join of the day's lines): minutes and 10-20 GB. Timings and peak memory are measured by
benchmarks/bench_hostile.py, not asserted here."""
from __future__ import annotations

from decimal import Decimal

import pytest

from hostile_inputs import duplicates_835, many_lines_837
from pipelines.config import PracticeConfig
from pipelines.ingest import ingest_paths
from pipelines.pipeline import check, stage_data
from pipelines.warehouse import connect


def _audit_db(folder):
    con = connect(":memory:")
    results = ingest_paths(con, [folder])
    stage_data(con, PracticeConfig())
    check(con)
    return con, results


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """The audit database of the three many-line files (ingested, staged, checked)."""
    folder = tmp_path_factory.mktemp("many")
    (folder / "evals.837").write_text(many_lines_837(20_000, "97165", per_claim=6, claim_prefix="E", member_id="AAA111"))
    (folder / "mue.837").write_text(many_lines_837(20_000, "97110", per_claim=6, claim_prefix="M", member_id="CCC333",
                                                   dos="20260410"))
    (folder / "dups.837").write_text(many_lines_837(10_000, "97110", per_claim=1, claim_prefix="D", member_id="BBB222"))
    (folder / "dups.835").write_text(duplicates_835(10_000, claim_prefix="D"))
    con, results = _audit_db(folder)
    yield con, results
    con.close()


@pytest.fixture(scope="module")
def few(tmp_path_factory):
    """The same evaluation and MUE days with 10 lines each: priced line by line (the reference amounts)."""
    folder = tmp_path_factory.mktemp("few")
    (folder / "evals.837").write_text(many_lines_837(10, "97165", per_claim=6, claim_prefix="E", member_id="AAA111"))
    (folder / "mue.837").write_text(many_lines_837(16, "97110", per_claim=6, claim_prefix="M", member_id="CCC333",
                                                   dos="20260410"))
    con, _ = _audit_db(folder)
    yield con
    con.close()


def findings(con, rule_id, prefix):
    return con.execute("select count(*), list(distinct amount_usd) from findings where rule_id = ? and claim_id like ?",
                       [rule_id, prefix + "%"]).fetchone()


def test_every_line_is_loaded(many):
    _, results = many
    assert {r.source_file: (r.status, r.claims_loaded, r.lines_loaded) for r in results} == {
        "evals.837": ("loaded", 3334, 20_000), "mue.837": ("loaded", 3334, 20_000),
        "dups.837": ("loaded", 10_000, 10_000), "dups.835": ("loaded", 10_000, 10_000)}


def test_one_evaluation_a_day_and_the_rest_reported(many, few):
    con, _ = many
    # the first line of the day is the one evaluation; each of the 19,999 others is a second evaluation
    count, amounts = findings(con, "CODING_EDIT", "E")
    assert count == 19_999
    count, amounts = findings(con, "UNTIMED_MULTIPLE_UNITS", "E")
    _, reference = findings(few, "UNTIMED_MULTIPLE_UNITS", "E")         # priced one scenario per line
    assert count == 19_999 and amounts == reference and amounts[0] > Decimal("0")


def test_units_above_the_mue_on_every_line_after_the_sixth(many, few):
    con, _ = many
    count, amounts = findings(con, "MUE_EXCEEDED", "M")
    _, reference = findings(few, "MUE_EXCEEDED", "M")
    assert count == 20_000 - 6 and amounts == reference and amounts[0] > Decimal("0")


def test_duplicates_point_to_the_first_paid_line(many):
    con, _ = many
    n, originals, first = con.execute("""select count(*), count(distinct original_line_key), min(original_line_key)
                                         from stg_duplicate_lines""").fetchone()
    assert (n, originals, first) == (5_000, 1, "D0000001#1")      # claims 0, 2, 4 ... denied; claim 1 the first paid
    # the duplicates are out of the rule inputs: none of them is reported as a lost denial
    lost = con.execute("""select count(*) from findings where rule_id like 'DENIAL_%' and claim_id like 'D%'""").fetchone()[0]
    assert lost == 0

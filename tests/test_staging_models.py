"""The staging models (pipelines/stage/models.py): one object per file, created by that file and written by no
other, run in the order their references require, with declared invariants asserted after staging."""
from __future__ import annotations

import re

import pytest

from builders import MiniPractice
from pipelines.stage import InvariantError, ModelError, load_models
from pipelines.stage.models import _ordered, Model, assert_invariants


def test_every_model_creates_the_one_object_it_is_named_after_and_writes_nothing_else():
    models = load_models()
    assert len(models) >= 50
    for m in models:
        code = re.sub(r"--[^\n]*", "", m.sql)
        assert re.findall(r"create\s+or\s+replace\s+(?:table|view)\s+(\w+)", code, re.I) == [m.name]
        assert not re.search(r"^\s*(insert|update|delete)\b", code, re.I | re.M), m.name


def test_a_model_runs_after_every_model_it_reads():
    order = [m.name for m in load_models()]
    for i, m in enumerate(load_models()):
        assert all(order.index(dep) < i for dep in m.depends), m.name
    # the chains the old numbered files hid: duplicates before the lines every rule reads, every priced
    # scenario before the engine, the engine before the prices the rules report
    for before, after in [("stg_duplicate_lines", "stg_claim_lines"), ("stg_line_match_filed", "stg_duplicate_lines"),
                          ("stg_units_scenarios", "pricing_input"), ("stg_unbilled_codes", "pricing_input"),
                          ("pricing_output", "stg_units_prices"), ("fee_schedule", "pricing_output")]:
        assert order.index(before) < order.index(after)


def test_a_cycle_is_refused():
    a = Model("a", "staging", None, "create or replace table a as select * from b", "table", {"b"})
    b = Model("b", "staging", None, "create or replace table b as select * from a", "table", {"a"})
    with pytest.raises(ModelError, match="cycle"):
        _ordered({"a": a, "b": b})


def test_invariants_are_declared_and_hold_on_a_small_practice():
    declared = sum(len(m.invariants) for m in load_models())
    assert declared >= 60
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2), ("97535", "GO", 1)])
    p.remit("C1", "2025-04-01", [("97530", "GO", 52.0, 66.25), ("97535", "GO", 20.0, 25.72)])
    p.run(as_of="2025-06-30")
    assert assert_invariants(p.con) == declared


@pytest.mark.parametrize("breakage,message", [
    ("insert into stg_claims select * from stg_claims", "stg_claims: (claim_id) is not unique"),
    ("update stg_line_status set disposition = 'maybe'", "stg_line_status.disposition has a value outside"),
    ("delete from stg_claims", "stg_claim_lines.claim_id has values missing from stg_claims.claim_id"),
    ("update stg_claim_lines set payer_key = null", "stg_claim_lines: null in line_key, claim_id, payer_key"),
])
def test_a_broken_invariant_stops_the_audit_naming_it(breakage, message):
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2)])
    p.run(as_of="2025-06-30")
    p.con.execute(breakage)
    with pytest.raises(InvariantError, match=re.escape(message)):
        assert_invariants(p.con)


def test_a_model_is_checked_against_its_own_invariants_as_soon_as_it_is_made():
    """run_models checks each model's unique / not-null / accepted invariants on its own cursor right after
    creating it (beside the other models being made): _run_model returns every violation, named."""
    import duckdb
    from pipelines.stage.models import _run_model
    con = duckdb.connect()
    m = Model("stg_x", "staging", None,
              "create or replace table stg_x as select * from (values (1, 'a'), (1, 'z'), (null, 'a')) t(k, v)",
              "table", set(), [("unique", "k"), ("not_null", "k"), ("accepted", "v in ('a', 'b')")])
    timings: dict[str, float] = {}
    problems = _run_model(con, m, timings)
    assert problems == ["stg_x: (k) is not unique (1 row(s))", "stg_x: null in k (1 row(s))",
                        "stg_x.v has a value outside ('a', 'b') (1 row(s))"]
    assert set(timings) == {"model stg_x", "invariants stg_x"}
    con.execute("delete from stg_x where k is null or v = 'z'")
    assert _run_model(con, Model("stg_y", "staging", None, "create or replace table stg_y as select * from stg_x",
                                 "table", {"stg_x"}, [("unique", "k"), ("not_null", "k")]), None) == []

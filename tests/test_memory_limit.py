"""DuckDB's memory limit (RCM_AUDIT_MEMORY_LIMIT, 600MB): two staging models or two rules share it, so one of
them can run out of memory only because the other holds some (the 20,000-patient practice did, about one
staging in three). That model or rule is run again alone. A limit too small for the files themselves is
answered in one line that says what to change, never blamed on a file."""
from __future__ import annotations

import threading
import time

import duckdb
import pytest
from typer.testing import CliRunner

from builders import MiniPractice
from pipelines.checks import run_rules
from pipelines.cli import app
from pipelines.ingest import ingest_paths
from pipelines.stage import models as stage_models
from pipelines.stage.models import Model, _run_parallel
from pipelines.warehouse import connect
from test_ingest import CLAIM_837

# a real out-of-memory: one string of 3 million numbers in a 30 MB limit (an aggregate that cannot spill)
TOO_BIG = "select string_agg(range::varchar || repeat('x', 50), ',') as s from range(3000000)"


def _model(name: str, sql: str, depends: set[str] = frozenset()) -> Model:
    return Model(name, "staging", None, f"create or replace table {name} as {sql}", "table", set(depends))


def test_a_model_out_of_memory_beside_another_runs_again_alone(monkeypatch):
    """stg_a runs out of memory while stg_b runs: it is run again once stg_b is done, with nothing beside it
    (stg_d, ready all along, waits), and every table is made."""
    con = duckdb.connect()
    order = (_model("stg_a", "select 1 as k"), _model("stg_b", "select 2 as k"), _model("stg_d", "select 4 as k"),
             _model("stg_c", "select * from stg_a union all select * from stg_b", {"stg_a", "stg_b"}))
    real = stage_models._run_model
    lock = threading.Lock()
    running: set[str] = set()
    log: list[tuple[str, str, frozenset]] = []       # (event, model, the others running at that moment)
    b_started, a_failing = threading.Event(), threading.Event()

    def spy(cur, m, timings):
        with lock:
            log.append(("start", m.name, frozenset(running)))
            running.add(m.name)
        try:
            if m.name == "stg_b":
                b_started.set()
                assert a_failing.wait(5)
                time.sleep(0.2)                       # still running when the scheduler hears of stg_a
            if m.name == "stg_a" and not a_failing.is_set():
                assert b_started.wait(5)
                a_failing.set()
                raise duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block (test)")
            return real(cur, m, timings)
        finally:
            with lock:
                running.discard(m.name)
                log.append(("end", m.name, frozenset(running)))

    monkeypatch.setattr(stage_models, "_run_model", spy)
    done, problems = _run_parallel(con, order, {}, workers=2)
    assert problems == []
    assert sorted(done) == ["stg_a", "stg_b", "stg_c", "stg_d"]
    starts = [(n, others) for e, n, others in log if e == "start"]
    assert [n for n, _ in starts].count("stg_a") == 2
    assert {n for n, _ in starts[:2]} == {"stg_a", "stg_b"}                 # the two started together
    second_a = [i for i, (e, n, _) in enumerate(log) if (e, n) == ("start", "stg_a")][1]
    assert log[second_a][2] == frozenset()                        # alone when it starts again ...
    end_a = next(i for i, (e, n, _) in enumerate(log) if i > second_a and (e, n) == ("end", "stg_a"))
    assert all(e != "start" for e, _, _ in log[second_a + 1:end_a])     # ... and nothing starts beside it
    start_d = next(i for i, (e, n, _) in enumerate(log) if (e, n) == ("start", "stg_d"))
    assert start_d > end_a                                        # stg_d, ready all along, waited
    assert con.execute("select list(k order by k) from stg_c").fetchone()[0] == [1, 2]
    assert con.execute("select k from stg_d").fetchone()[0] == 4


def test_a_model_out_of_memory_alone_too_stops_staging_with_the_error(monkeypatch):
    """A real out-of-memory (30 MB, an aggregate that cannot spill): run twice — beside the other model, then
    alone — then raised; nothing of it is left behind. A model that ran alone from the start is not tried again."""
    con = duckdb.connect()
    con.execute("set memory_limit = '30MB'; set threads = 1")
    runs = []
    real = stage_models._run_model
    monkeypatch.setattr(stage_models, "_run_model", lambda cur, m, t: runs.append(m.name) or real(cur, m, t))
    with pytest.raises(duckdb.OutOfMemoryException):
        _run_parallel(con, (_model("stg_big", TOO_BIG), _model("stg_small", "select 1 as k")), {}, workers=2)
    assert runs.count("stg_big") == 2 and runs.count("stg_small") == 1
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'stg_big'").fetchone()[0] == 0
    runs.clear()                                  # alone from the start: no second try
    with pytest.raises(duckdb.OutOfMemoryException):
        _run_parallel(con, (_model("stg_big", TOO_BIG),), {}, workers=2)
    assert runs == ["stg_big"]


def test_a_rule_out_of_memory_beside_another_runs_again_alone(monkeypatch):
    """A rule failing out of memory on its worker's cursor is run again on the audit's own connection once the
    others are done: the findings are those of an undisturbed run, in the same order."""
    import pipelines.checks as checks
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "", 2), ("97535", "GO", 1)])       # GO missing on a Medicare line
    p.visit("2025-03-04", "97530", 45)
    p.visit("2025-03-04", "97535", 20)
    expected = p.run(as_of="2025-06-30")
    assert len(expected) >= 2
    target = expected["rule_id"].iloc[0]
    real = checks._run_rule
    calls = []

    def flaky(cur, rule):
        calls.append((rule.rule_id, cur is p.con))
        if rule.rule_id == target and cur is not p.con:
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block (test)")
        return real(cur, rule)

    monkeypatch.setattr(checks, "_run_rule", flaky)
    run_rules(p.con)
    assert calls.count((target, False)) == 1 and calls.count((target, True)) == 1
    again = p.con.execute("select * from findings order by rule_id, claim_id, dos, cpt").df()
    assert again.equals(expected)


def test_a_failed_batch_is_reloaded_file_by_file_even_on_a_new_connection(tmp_path, monkeypatch):
    """The first mapping pass of a new connection fails after it made the X12 macros: the rollback takes the
    macros, so the files read one by one must make them again (they were rejected as CatalogException)."""
    import pipelines.ingest.x12 as x12
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(1, 4):
        (folder / f"c{i}.837").write_text(CLAIM_837.replace("CR25-000001", f"CR25-00000{i}"))
    real = x12._finish
    failed = []

    def fail_once(prep):
        if not failed:
            failed.append(prep.res.source_file)
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block (test)")
        return real(prep)

    monkeypatch.setattr(x12, "_finish", fail_once)
    con = connect(tmp_path / "a.duckdb")
    results = ingest_paths(con, [folder])
    assert failed == ["c1.837"]
    assert [(r.source_file, r.status, r.claims_loaded) for r in results] == [
        ("c1.837", "loaded", 1), ("c2.837", "loaded", 1), ("c3.837", "loaded", 1)]
    assert con.execute("select count(distinct claim_id) from claims").fetchone()[0] == 3


def test_a_limit_too_small_is_one_line_that_says_what_to_change(tmp_path, monkeypatch):
    """4 MB cannot hold even one claim file: the file is listed as not loaded for that reason (not as
    unreadable), and the audit stops with one line naming RCM_AUDIT_MEMORY_LIMIT, exit 2, no traceback."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "c1.837").write_text(CLAIM_837)
    monkeypatch.setenv("RCM_AUDIT_MEMORY_LIMIT", "4MB")
    result = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    advice = ("the audit database ran out of its memory limit (4MB); "
              "run again with a larger one in RCM_AUDIT_MEMORY_LIMIT")
    assert f"c1.837: not loaded: {advice}" in result.output
    assert f"error: {advice}" in result.output
    assert "could not read" not in result.output

"""The staging models: one SQL file per table or view (sql/staging: clean entities; sql/intermediate:
calculations over them), each created by its own file and written by no other — as dbt models are.

The order is not in the file names: a model runs after every model whose name appears in its SQL
(comments and string literals aside), so a new model needs no number and an order cannot matter silently.
A cycle, a file that creates an object other than the one it is named after, or a file that writes to a
table (insert / update / delete) is refused when the models are loaded.

Each file declares the invariants of its object in its header, as dbt's schema tests do:
    -- @unique: col[, col...]              no two rows share the key (nulls included)
    -- @not_null: col[, col...]            none of the columns is null
    -- @references: col -> table.col       every non-null value exists in the other table
    -- @accepted: col in ('a', 'b')        every non-null value is one of the list
`run_models` asserts each model's own invariants on its cursor as soon as it is made (beside the other models
being made), the references once every model exists; `assert_invariants` checks them all again on demand. A
violation is a bug, so the audit stops with every violated invariant named.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb

from ..errors import AuditError
from ..resources import sql_dir

LAYERS = ("staging", "intermediate")

_CREATE = re.compile(r"^\s*create\s+or\s+replace\s+(?:temp\s+)?(table|view)\s+(\w+)", re.I | re.M)
_WRITE = re.compile(r"^\s*(insert\s+into|update|delete\s+from)\s+(\w+)", re.I | re.M)
_COMMENT = re.compile(r"--[^\n]*")
_STRING = re.compile(r"'(?:[^']|'')*'")
_WORD = re.compile(r"\b[a-z_][a-z0-9_]*\b")
_INVARIANT = re.compile(r"^--\s*@(unique|not_null|references|accepted):\s*(.+?)\s*$", re.M)


class ModelError(AuditError):
    """The staging SQL itself is malformed (a developer's error, reported before any data is touched)."""


class InvariantError(AuditError):
    """Staged data breaks a declared invariant: a bug, the audit must not go on."""


@dataclass
class Model:
    name: str
    layer: str
    path: Path
    sql: str
    kind: str                                       # table | view
    depends: set[str] = field(default_factory=set)
    invariants: list[tuple[str, str]] = field(default_factory=list)   # (kind, spec)


def _code_words(sql: str) -> set[str]:
    return set(_WORD.findall(_STRING.sub("''", _COMMENT.sub("", sql)).lower()))


@lru_cache(maxsize=1)
def load_models() -> tuple[Model, ...]:
    """Every model file, in the order they must run."""
    models: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((sql_dir() / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            created = _CREATE.findall(_COMMENT.sub("", sql))
            if len(created) != 1 or created[0][1].lower() != path.stem:
                raise ModelError(f"{layer}/{path.name} must create exactly one table or view named "
                                 f"{path.stem} (it creates {[c[1] for c in created]})")
            writes = _WRITE.findall(_COMMENT.sub("", sql))
            if writes:
                raise ModelError(f"{layer}/{path.name} writes to {writes[0][1]}: a model only creates its own object")
            if path.stem in models:
                raise ModelError(f"{path.stem} is defined twice ({models[path.stem].path} and {path})")
            models[path.stem] = Model(path.stem, layer, path, sql, created[0][0].lower(),
                                      invariants=_INVARIANT.findall(sql))
    names = set(models)
    for m in models.values():
        m.depends = (_code_words(m.sql) & names) - {m.name}
    return tuple(_ordered(models))


def _ordered(models: dict[str, Model]) -> list[Model]:
    """Topological order; among models ready at the same time, staging before intermediate, then by name."""
    done: list[Model] = []
    placed: set[str] = set()
    pending = dict(models)
    while pending:
        ready = sorted((m for m in pending.values() if m.depends <= placed),
                       key=lambda m: (LAYERS.index(m.layer), m.name))
        if not ready:
            cycle = ", ".join(sorted(f"{m.name} <- {sorted(m.depends - placed)}" for m in pending.values()))
            raise ModelError(f"staging models depend on each other in a cycle: {cycle}")
        m = ready[0]
        done.append(m)
        placed.add(m.name)
        del pending[m.name]
    return done


def needed(targets: list[str] | tuple[str, ...] | None) -> tuple[Model, ...]:
    """The models to create for `targets` (they and every model they depend on, in order); all when None."""
    order = load_models()
    if targets is None:
        return order
    by_name = {m.name: m for m in order}
    unknown = [t for t in targets if t not in by_name]
    if unknown:
        raise ModelError(f"no staging model named {', '.join(unknown)}")
    keep: set[str] = set()
    todo = list(targets)
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo += by_name[name].depends
    return tuple(m for m in order if m.name in keep)


def run_models(con: duckdb.DuckDBPyConnection, timings: dict[str, float] | None = None,
               workers: int | None = None, targets: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Create every staging model in dependency order (only `targets` and what they depend on, when given);
    returns their names in the order they finished. `timings`, when given, gets the seconds of each model
    under 'model <name>'.

    With `workers` > 1 (default: RCM_AUDIT_MODEL_WORKERS, else 2), models whose inputs are all created run at
    the same time, each on its own cursor (a connection to the same database, committing on its own): a
    model starts only after every model it names has committed, so it reads exactly what it would read in
    the sequential order. One query rarely keeps both cores of a small machine busy; two models do."""
    order = needed(targets)
    if workers is None:
        workers = int(os.environ.get("RCM_AUDIT_MODEL_WORKERS", "2"))
    if workers <= 1 or len(order) < 2:
        problems = [p for m in order for p in _run_model(con, m, timings)]
        done = [m.name for m in order]
    else:
        done, problems = _run_parallel(con, order, timings, workers)
    problems += _problems(con, order, ("references",))      # the other table may be made after this one
    if problems:
        raise InvariantError("staged data breaks its declared invariants (a bug; please report it): "
                             + "; ".join(problems))
    return done


def _run_model(con: duckdb.DuckDBPyConnection, m: Model, timings: dict[str, float] | None) -> list[str]:
    """Create one model, then check its own invariants on the same cursor (so they run beside other models);
    returns the violations found."""
    t = time.perf_counter()
    con.execute(m.sql)
    t_model = time.perf_counter()
    problems = _problems(con, (m,), ("unique", "not_null", "accepted"))
    if timings is not None:
        timings[f"model {m.name}"] = t_model - t
        timings[f"invariants {m.name}"] = time.perf_counter() - t_model
    return problems


def _problems(con: duckdb.DuckDBPyConnection, models, kinds: tuple[str, ...]) -> list[str]:
    """The violations of the invariants of `kinds` declared by `models`, one description each."""
    problems = []
    for m in models:
        for kind, spec in m.invariants:
            if kind in kinds:
                bad, what = _violations(con, m, kind, spec)
                if bad:
                    problems.append(f"{what} ({bad} row(s))")
    return problems


def _run_parallel(con: duckdb.DuckDBPyConnection, order: tuple[Model, ...], timings: dict[str, float] | None,
                  workers: int) -> tuple[list[str], list[str]]:
    """The models on `workers` cursors: a model is started when all its dependencies are done, the longest
    chain first (the order of load_models among equals). The first error stops the scheduling and is raised
    once the running models have finished.

    Two models share the one memory limit, so a big one can run out of memory only because the other holds
    some (seen in 2 of 15 stagings at 20,000 patients, DuckDB's 600 MB). A model that ran beside another
    and runs out of memory is run again alone: nothing else starts until it has finished; it failed as a whole
    (`create or replace` in one statement), so nothing of it is left behind. Out of memory alone is an error
    like any other."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    rank = {m.name: i for i, m in enumerate(order)}
    pending = {m.name: m for m in order}
    done: list[str] = []
    problems: list[str] = []
    cursors = [con.cursor() for _ in range(workers)]
    free = list(range(workers))
    running: dict = {}
    alone: list[Model] = []         # ran out of memory beside another model: to run again by itself
    shared: set[str] = set()        # ran beside another model for a while
    error: BaseException | None = None
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while pending or running or alone:
                if error is None and alone and not running:
                    m = alone.pop(0)
                    slot = free.pop()
                    running[pool.submit(_run_model, cursors[slot], m, timings)] = (m, slot)
                elif error is None and not alone:
                    ready = sorted((m for m in pending.values() if m.depends <= set(done)), key=lambda m: rank[m.name])
                    for m in ready:
                        if not free:
                            break
                        slot = free.pop()
                        del pending[m.name]
                        running[pool.submit(_run_model, cursors[slot], m, timings)] = (m, slot)
                    if len(running) > 1:
                        shared.update(r.name for r, _ in running.values())
                if not running:
                    break
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in finished:
                    m, slot = running.pop(fut)
                    free.append(slot)
                    exc = fut.exception()
                    if isinstance(exc, duckdb.OutOfMemoryException) and m.name in shared:
                        alone.append(m)
                        shared.discard(m.name)
                    elif exc is not None:
                        error = error or exc
                    else:
                        done.append(m.name)
                        problems += fut.result()
    finally:
        for c in cursors:
            c.close()
    if error is not None:
        raise error
    return done, problems


def _cols(spec: str) -> list[str]:
    return [c.strip() for c in spec.split(",") if c.strip()]


def _violations(con: duckdb.DuckDBPyConnection, m: Model, kind: str, spec: str) -> tuple[int, str]:
    """(number of offending rows, description) of one declared invariant."""
    t = m.name
    if kind == "unique":
        cols = ", ".join(_cols(spec))
        sql = f"select count(*) from (select {cols} from {t} group by all having count(*) > 1)"
        what = f"{t}: ({cols}) is not unique"
    elif kind == "not_null":
        cond = " or ".join(f"{c} is null" for c in _cols(spec))
        sql = f"select count(*) from {t} where {cond}"
        what = f"{t}: null in {', '.join(_cols(spec))}"
    elif kind == "references":
        m2 = re.fullmatch(r"(\w+)\s*->\s*(\w+)\.(\w+)", spec)
        if not m2:
            raise ModelError(f"{m.path.name}: cannot read '@references: {spec}' (col -> table.col)")
        col, other, other_col = m2.groups()
        sql = f"""select count(*) from {t} x where x.{col} is not null
                  and not exists (select 1 from {other} o where o.{other_col} = x.{col})"""
        what = f"{t}.{col} has values missing from {other}.{other_col}"
    elif kind == "accepted":
        m2 = re.fullmatch(r"(\w+)\s+in\s+(\(.*\))", spec)
        if not m2:
            raise ModelError(f"{m.path.name}: cannot read '@accepted: {spec}' (col in ('a', 'b'))")
        col, values = m2.groups()
        sql = f"select count(*) from {t} where {col} is not null and {col} not in {values}"
        what = f"{t}.{col} has a value outside {values}"
    else:  # pragma: no cover - the regex admits only the four kinds
        raise ModelError(f"unknown invariant {kind}")
    return con.execute(sql).fetchall()[0][0], what


def assert_invariants(con: duckdb.DuckDBPyConnection, targets: list[str] | tuple[str, ...] | None = None) -> int:
    """Check every declared invariant of every model (of the models `needed` for `targets`, when given);
    raises InvariantError naming each violation. Returns the number of invariants checked."""
    models = needed(targets)
    problems = _problems(con, models, ("unique", "not_null", "accepted", "references"))
    n = sum(len(m.invariants) for m in models)
    if problems:
        raise InvariantError("staged data breaks its declared invariants (a bug; please report it): "
                             + "; ".join(problems))
    return n

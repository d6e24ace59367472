"""Benchmark of worklist.xlsx: `write_worklist` on a checked audit database (after `check` and `prioritize`,
e.g. the audit.duckdb of `rcm-audit audit` or bench_audit's practice), the bulk writer against the cell-by-cell
writer it replaced (issue 16), each in a fresh subprocess on its own copy of the database.

    python benchmarks/bench_worklist.py DB                 # the current writer, best of 3
    python benchmarks/bench_worklist.py DB --before        # also the writer of commit BEFORE_REF
    python benchmarks/bench_worklist.py DB --runs 1 --show-phi

Prints wall seconds, process CPU seconds (all threads), the peak RSS of the subprocess and its growth over the
RSS before the writer started (getrusage maxrss), the open items and the file's size. The goal: ~2 s for the
20,000-patient practice (101,242 findings), within the whole audit's 30 s. `--before` extracts
pipelines/report/worklist.py of BEFORE_REF into a module beside the current package (it imports the same
report helpers) and times it the same way.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE_REF = "95939ad"          # main before the worklist was written in bulk (issue 16)


def _child(db: str, out: str, before: str | None, show_phi: bool) -> None:
    sys.path.insert(0, str(ROOT))
    import duckdb
    if before:       # the old module's relative imports resolve in pipelines.report
        spec = importlib.util.spec_from_file_location("pipelines.report.worklist_before", before)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        write_worklist = module.write_worklist
    else:
        from pipelines.report import write_worklist
    con = duckdb.connect(db)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t, c = time.perf_counter(), time.process_time()
    n_open = write_worklist(con, Path(out), show_phi=show_phi)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak, "growth_mb": peak - base, "open": n_open,
                      "size_mb": Path(out).stat().st_size / 2**20}))


def run(db: Path, tmp: Path, runs: int, before: str | None, show_phi: bool) -> dict:
    best = None
    for k in range(runs):
        copy = tmp / f"run{k}.duckdb"
        shutil.copy(db, copy)          # never the caller's file: the writer's connection may touch it
        args = [sys.executable, __file__, "--child", str(copy), str(tmp / f"run{k}.xlsx")]
        args += (["--module", before] if before else []) + (["--show-phi"] if show_phi else [])
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        got = json.loads(out.strip().splitlines()[-1])
        copy.unlink()
        if best is None or got["wall"] < best["wall"]:
            best = got
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", nargs="?", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--before", action="store_true", help=f"also time the writer of {BEFORE_REF}")
    ap.add_argument("--show-phi", action="store_true")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--module", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(*a.child, a.module, a.show_phi)
        return
    if a.db is None or not a.db.is_file():
        ap.error("give a checked audit database (audit.duckdb)")
    with tempfile.TemporaryDirectory(prefix="bench_worklist_") as d:
        tmp = Path(d)
        writers = {"bulk (current)": None}
        if a.before:
            old = tmp / "worklist_before.py"
            git = ["git", "-C", str(ROOT), "show", f"{BEFORE_REF}:pipelines/report/worklist.py"]
            old.write_text(subprocess.run(git, check=True, capture_output=True, text=True).stdout)
            writers[f"cell by cell ({BEFORE_REF})"] = str(old)
        print(f"{a.db} ({a.db.stat().st_size / 2**20:.0f} MB), best of {a.runs}{', --show-phi' if a.show_phi else ''}")
        for name, module in writers.items():
            r = run(a.db, tmp, a.runs, module, a.show_phi)
            print(f"  {name:28} {r['wall']:6.2f} s wall {r['cpu']:6.2f} s CPU  peak {r['peak_mb']:5.0f} MB "
                  f"(+{r['growth_mb']:.0f} MB)  {r['open']:,} open items  {r['size_mb']:.1f} MB")


if __name__ == "__main__":
    main()

"""Benchmark of hostile sizes (issue 12): many lines of one patient, day and code, and a 50 MB X12 file.

    python benchmarks/bench_hostile.py                    # all three measurements below
    python benchmarks/bench_hostile.py --lines 20000 --mb 50 --audit-mb 5

1. `many`: 20,000 evaluation lines (97165, untimed once a day), 20,000 97110 lines above the Medicare MUE and
   10,000 single-line claims half denied as duplicates (CO-18), all of one patient-day each (the files of
   tests/test_hostile_scale.py): ingest, staging and every rule into an in-memory database.
2. `big`: one 837P of about `--mb` MB of lines of one patient, day and code, ingested (ingest_paths) into a
   fresh database file, then checkpointed: wall and CPU seconds, peak RSS, and peak RSS over the file size.
3. `audit`: `rcm-audit audit` on a `--audit-mb` MB file of that kind (the 5 MB file of the issue): every
   phase, report included.

Each measurement runs in a fresh subprocess, so its peak RSS (getrusage maxrss) is its own; the baseline RSS
of the subprocess (Python, DuckDB, pyarrow imported, database opened) is printed too. Files are written to
benchmarks/out/hostile/ (gitignored). Timings are for reading, never asserted in tests.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "hostile"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _rss_mb() -> int:
    with open("/proc/self/status") as fh:
        return int(fh.read().split("VmRSS:")[1].split()[0]) // 1024


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def child_many(lines: int) -> dict:
    from hostile_inputs import duplicates_835, many_lines_837
    from pipelines.config import PracticeConfig
    from pipelines.ingest import ingest_paths
    from pipelines.pipeline import check, stage_data
    from pipelines.warehouse import connect

    folder = OUT / f"many-{lines}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evals.837").write_text(many_lines_837(lines, "97165", claim_prefix="E", member_id="AAA111"))
    (folder / "mue.837").write_text(many_lines_837(lines, "97110", claim_prefix="M", member_id="CCC333", dos="20260410"))
    (folder / "dups.837").write_text(many_lines_837(lines // 2, "97110", per_claim=1, claim_prefix="D",
                                                    member_id="BBB222"))
    (folder / "dups.835").write_text(duplicates_835(lines // 2, claim_prefix="D"))
    con = connect(":memory:")
    base = _rss_mb()
    out = {"baseline_rss_mb": base}
    for phase, work in (("ingest", lambda: ingest_paths(con, [folder])),
                        ("stage", lambda: stage_data(con, PracticeConfig())),
                        ("rules", lambda: check(con))):
        t, c = time.perf_counter(), time.process_time()
        work()
        out[phase] = {"wall_s": round(time.perf_counter() - t, 2), "cpu_s": round(time.process_time() - c, 2),
                      "peak_rss_mb": _peak_mb()}
    out["findings"] = dict(con.execute("select rule_id, count(*) from findings group by 1 order by 1").fetchall())
    return out


def write_big(path: Path, mb: float) -> None:
    from hostile_inputs import many_lines_837
    per_line = len(many_lines_837(6000, "97110")) / 6000
    path.write_text(many_lines_837(int(mb * 1_000_000 / per_line), "97110"))


def child_big(mb: float) -> dict:
    from pipelines.ingest import ingest_paths
    from pipelines.warehouse import connect

    folder = OUT / f"big-{mb:g}"
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "big.837"
    if not f.exists():
        write_big(f, mb)
    db = OUT / f"big-{mb:g}.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    con = connect(db)
    base = _rss_mb()
    t, c = time.perf_counter(), time.process_time()
    [r] = ingest_paths(con, [folder])
    con.execute("checkpoint")
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    size_mb = f.stat().st_size / 1e6
    peak = _peak_mb()
    con.close()
    db.unlink(missing_ok=True)
    return {"file_mb": round(size_mb, 1), "claims": r.claims_loaded, "lines": r.lines_loaded, "segments": r.segments,
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "baseline_rss_mb": base, "peak_rss_mb": peak,
            "peak_over_file": round(peak / size_mb, 1), "growth_over_file": round((peak - base) / size_mb, 1)}


def child_audit(mb: float) -> dict:
    from pipelines.pipeline import run_audit

    folder = OUT / f"audit-{mb:g}"
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "many.837"
    if not f.exists():
        write_big(f, mb)
    t = time.perf_counter()
    info = run_audit(folder, OUT / f"audit-{mb:g}-out")
    return {"file_mb": round(f.stat().st_size / 1e6, 1), "wall_s": round(time.perf_counter() - t, 2),
            "phases_s": {k: round(v, 2) for k, v in info["timings"].items()}, "findings": info["findings"],
            "peak_rss_mb": _peak_mb()}


def run_child(task: str, arg: float) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", task, str(arg)], capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=20_000)
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--audit-mb", type=float, default=5)
    ap.add_argument("--only", choices=["many", "big", "audit"])
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        task, arg = a.child
        fn = {"many": lambda: child_many(int(arg)), "big": lambda: child_big(float(arg)),
              "audit": lambda: child_audit(float(arg))}[task]
        print(json.dumps(fn()))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    if a.only in (None, "many"):
        print(f"many lines of one patient-day ({a.lines:,} per pattern): {json.dumps(run_child('many', a.lines))}")
    if a.only in (None, "big"):
        print(f"{a.mb:g} MB X12 file, ingest: {json.dumps(run_child('big', a.mb))}")
    if a.only in (None, "audit"):
        print(f"{a.audit_mb:g} MB X12 file, whole audit: {json.dumps(run_child('audit', a.audit_mb))}")


if __name__ == "__main__":
    main()

"""Benchmark of the export reader: a deterministic visits export of N rows (default 650,000; the columns
and values of sample_data/visits.csv, repeated with varied patients and dates) is written to
benchmarks/out/ and read with `read_export` into a fresh DuckDB file, in a fresh subprocess per run.

    python benchmarks/bench_exports.py                 # 650,000 rows, the current reader, best of 3
    python benchmarks/bench_exports.py --before        # also the reader before the rewrite (git ref below)
    python benchmarks/bench_exports.py --rows 100000 --runs 1

Prints wall seconds, process CPU seconds and peak RSS (getrusage maxrss) per run. The goal (issue 11):
650,000 visit rows in <= 3 s on the 2-core development machine. `--before` extracts the row-by-row
reader of commit BEFORE_REF (pipelines/ingest/exports.py, aliases.py, result.py) into a temporary
package and times it the same way.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
BEFORE_REF = "b6e3c71"          # main before the export reader was rewritten (issue 11)


def write_visits(path: Path, n: int) -> None:
    lines = (ROOT / "sample_data" / "visits.csv").read_text().splitlines()
    header, body = lines[0], lines[1:]
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(header + "\n")
        for i in range(n):
            cells = body[i % len(body)].split(",")
            cells[0] = str(100000 + (i * 7) % 20000)                      # MRN
            cells[1] = f"{1 + i % 12:02d}/{1 + (i // 12) % 28:02d}/2025"   # Date of Service
            fh.write(",".join(cells) + "\n")


def _child(csv_path: str, db_path: str, before_pkg: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    if before_pkg:
        sys.path.insert(0, before_pkg)
        from oldexports.exports import read_export                          # type: ignore
    else:
        from pipelines.ingest.exports import read_export
    from pipelines.warehouse import connect
    con = connect(db_path)
    t, c = time.perf_counter(), time.process_time()
    results = read_export(con, Path(csv_path), "visits.csv")
    con.execute("checkpoint")
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    rows = con.execute("select count(*) from visits").fetchone()[0]
    print(json.dumps({"wall": wall, "cpu": cpu, "rows": rows, "status": results[0].status,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def _extract_before(dest: Path) -> str:
    pkg = dest / "oldexports"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for name in ("exports.py", "aliases.py", "result.py"):
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE_REF}:pipelines/ingest/{name}"],
                              check=True, capture_output=True, text=True).stdout
        (pkg / name).write_text(text)
    return str(dest)


def run(csv_path: Path, runs: int, before_pkg: str | None) -> dict:
    best = None
    for k in range(runs):
        db = OUT / f"bench_exports_{k}.duckdb"
        for p in (db, Path(str(db) + ".wal")):
            p.unlink(missing_ok=True)
        args = [sys.executable, __file__, "--child", str(csv_path), str(db)] + (["--pkg", before_pkg] if before_pkg else [])
        got = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        if best is None or got["wall"] < best["wall"]:
            best = got
        db.unlink(missing_ok=True)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=650_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--before", action="store_true", help=f"also time the reader of {BEFORE_REF}")
    ap.add_argument("--child", nargs=2)
    ap.add_argument("--pkg")
    a = ap.parse_args()
    if a.child:
        _child(a.child[0], a.child[1], a.pkg)
        return
    OUT.mkdir(exist_ok=True)
    csv_path = OUT / f"visits_{a.rows}.csv"
    if not csv_path.exists():
        write_visits(csv_path, a.rows)
    size = csv_path.stat().st_size / 1e6
    print(f"{csv_path.name}: {a.rows:,} rows, {size:.1f} MB; load average {os.getloadavg()[0]:.1f}")
    readers = [("after", None)]
    tmp = None
    if a.before:
        tmp = tempfile.TemporaryDirectory()
        readers.insert(0, ("before", _extract_before(Path(tmp.name))))
    for label, pkg in readers:
        r = run(csv_path, 1 if label == "before" else a.runs, pkg)
        print(f"{label:6}  wall {r['wall']:6.2f} s  cpu {r['cpu']:6.2f} s  peak {r['peak_mb']:6.0f} MB  "
              f"{r['rows']:,} visit rows loaded ({r['status']})")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()

"""Reference import throughput: a synthetic practitioner PTP file of CMS's size (default 1,200,000 edits,
tab-delimited, CMS header block) and a PPRRVU of 19,000 rows, imported into a fresh store.

    python benchmarks/bench_reference.py [--rows 1200000]

Writes into benchmarks/out/ (gitignored) and prints wall seconds, rows per second and rows kept.
"""
from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "cms"))

import make_fixtures as fx  # noqa: E402

from pipelines.reference.importer import import_files  # noqa: E402
from pipelines.reference.store import open_store  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def codes(rng: random.Random, n: int) -> list[str]:
    pool = [f"{rng.randint(10000, 99999)}" for _ in range(n)]
    return pool + [f"G{rng.randint(0, 9999):04d}" for _ in range(n // 20)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_200_000)
    a = ap.parse_args()
    rng = random.Random(2026)
    OUT.mkdir(parents=True, exist_ok=True)
    pool = codes(rng, 9000)
    rows = [(rng.choice(pool), rng.choice(pool), "", f"20{rng.randint(10, 26)}0{rng.randint(1, 9)}01",
             rng.choice(["*", "*", "*", "20250101"]), rng.choice("019")) for _ in range(a.rows)]
    ptp = OUT / "ccipra-v322r0-f1.txt"
    ptp.write_bytes(fx.ptp_txt(rows=rows))
    rvu_rows = [fx.RVU_ROWS_2026_JUL[i % len(fx.RVU_ROWS_2026_JUL)] for i in range(19_000)]
    rvu_rows = [(f"{10000 + i}" if i >= len(fx.RVU_ROWS_2026_JUL) else r[0],) + r[1:] for i, r in enumerate(rvu_rows)]
    rvu = OUT / "PPRRVU2026_Jul_nonQPP.csv"
    rvu.write_bytes(fx.pprrvu_csv(rows=rvu_rows))
    for path in (ptp, rvu):
        store_dir = OUT / "reference"
        shutil.rmtree(store_dir, ignore_errors=True)
        t = time.perf_counter()
        [r] = import_files([path], open_store(store_dir))
        wall = time.perf_counter() - t
        [o] = r.outcomes
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB, {o.unit.rows_read:,} rows read, "
              f"{o.unit.rows_kept:,} kept, {wall:.2f} s wall, {o.unit.rows_read / wall:,.0f} rows/s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

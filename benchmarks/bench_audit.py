"""End-to-end figures on a large synthetic practice: generation, ingest, staging, every rule, report.

    python benchmarks/bench_audit.py [--patients 20000]

Prints seconds per stage and per rule (goal: all checks under 30 s on a 2-core machine; the PDF the
same size in pages and seconds as for the small sample). Figures only: nothing here is a test.
"""
from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from pipelines.checks import run_rules, write_findings_csv
from pipelines.config import PracticeConfig, find_config, load_config
from pipelines.ingest import ingest_paths
from pipelines.prioritize import prioritize
from pipelines.report import render_pdf, write_worklist
from pipelines.sample import generate
from pipelines.stage import stage
from pipelines.warehouse import connect

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args()
    practice = OUT / f"practice-{args.patients}"
    figures: list[tuple[str, float]] = []

    t = time.perf_counter()
    if not (practice / "expected_findings.csv").exists():
        generate(practice, patients=args.patients, seed=args.seed)
        figures.append(("generate", time.perf_counter() - t))
    db = OUT / f"audit-{args.patients}.duckdb"
    db.unlink(missing_ok=True)
    con = connect(db)

    t = time.perf_counter()
    ingest_paths(con, [practice])
    figures.append(("ingest", time.perf_counter() - t))
    cfg_path = find_config(practice)
    cfg = load_config(cfg_path) if cfg_path else PracticeConfig()
    t = time.perf_counter()
    stage(con, cfg)
    figures.append(("stage", time.perf_counter() - t))
    t = time.perf_counter()
    timings = run_rules(con)
    prioritize(con)
    checks = time.perf_counter() - t
    t = time.perf_counter()
    write_findings_csv(con, OUT / "findings.csv")
    write_worklist(con, OUT / "worklist.xlsx")
    info = render_pdf(con, OUT / "audit-report.pdf")
    figures.append(("report (csv, worklist, pdf)", time.perf_counter() - t))

    lines = con.execute("select count(*) from claim_lines").fetchone()[0]
    findings = con.execute("select count(*) from findings").fetchone()[0]
    print(f"practice: {args.patients} patients, {lines:,} service lines, {findings:,} findings")
    for name, seconds in figures:
        print(f"{name:28} {seconds:8.2f} s")
    print(f"{'checks (all rules + rank)':28} {checks:8.2f} s   (goal < 30 s)")
    for rule_id, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"    {rule_id:24} {seconds:8.3f} s")
    print(f"PDF: {info.get('pages')} pages in {info.get('seconds', 0):.2f} s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

"""The whole audit of a large synthetic practice, from process start to exit, with its peak memory.

    python benchmarks/bench_audit.py [--patients 20000]     # one audit + the scaling table of the runs so far
    python benchmarks/bench_audit.py --scaling              # audits at 1,000, 5,000, 20,000 and 50,000 patients
    python benchmarks/bench_audit.py --patients 20000 --runs 3

The practice is generated once (`rcm-audit sample --patients N --seed 2025`) into benchmarks/out/practice-N.
Each audit runs in a fresh subprocess doing what `rcm-audit audit` does (pipelines.pipeline: ingest_files,
stage_data, match_rates, check, then findings.csv, assumptions.csv, worklist.xlsx and the PDF), into a fresh
database; the subprocess times each step and the parent measures the process's wall time; the peak RSS is the subprocess's own (getrusage maxrss).
Then findings.csv is compared with the practice's expected_findings.csv rule by rule and amount by amount
(benchmarks/compare_findings.py). Goals (issue 16): < 30 s and <= 1 GB on an idle 2-core machine, >= 20,000
findings. Staging and the checks must grow linearly with the service lines: the scaling table shows seconds per
100,000 lines for each size audited so far (their figures are kept in benchmarks/out/audit-N.json).
Figures only: nothing here is a test.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SIZES = (1000, 5000, 20000, 50000)


def _child(practice: str, out_dir: str) -> None:
    """Runs in the subprocess: the audit of `practice` into `out_dir`, step by step; prints a JSON line."""
    t_start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from pipelines.pipeline import check, ingest_files, resolve_config, stage_data, write_ingest_log
    from pipelines.stage import match_rates
    from pipelines.warehouse import connect
    steps: dict[str, float] = {"imports": time.perf_counter() - t_start}

    import resource
    peaks: dict[str, float] = {}    # the process's peak RSS (MB) at the end of each step: which step sets it

    def step(name, fn, *args, **kwargs):
        t = time.perf_counter()
        got = fn(*args, **kwargs)
        steps[name] = time.perf_counter() - t
        peaks[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return got

    practice_dir, out = Path(practice), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "audit.duckdb"
    for stale in (db, Path(str(db) + ".wal")):
        stale.unlink(missing_ok=True)
    con = connect(db)
    cfg = resolve_config(None, [practice_dir])
    step("ingest", ingest_files, con, [practice_dir], cfg, "audit")
    write_ingest_log(con, out / "ingest-log.csv")
    stage_steps: dict[str, float] = {}
    step("stage", stage_data, con, cfg, None, timings=stage_steps)
    step("match rates", match_rates, con)
    rules = step("check", check, con)
    t = time.perf_counter()
    from pipelines.checks import write_findings_csv
    from pipelines.report import render_pdf, write_assumptions_csv, write_worklist
    steps["report imports"] = time.perf_counter() - t
    n = step("findings.csv", write_findings_csv, con, out / "findings.csv")
    step("assumptions.csv", write_assumptions_csv, con, out / "assumptions.csv")
    step("worklist.xlsx", write_worklist, con, out / "worklist.xlsx")
    pdf = step("audit-report.pdf", render_pdf, con, out / "audit-report.pdf")
    lines = con.execute("select count(*) from claim_lines").fetchone()[0]
    visit_rows = con.execute("select count(*) from visits").fetchone()[0]
    t = time.perf_counter()
    con.close()
    steps["close"] = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_mb": peak_mb, "peaks": peaks, "steps": steps, "stage_steps": stage_steps, "rules": rules, "findings": n, "lines": lines,
                      "visit_rows": visit_rows, "pdf_pages": pdf.get("pages"), "in_process": time.perf_counter() - t_start}))


def _generate(patients: int, seed: int) -> Path:
    practice = OUT / f"practice-{patients}"
    if not (practice / "expected_findings.csv").exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipelines.cli", "sample", str(practice), "--patients", str(patients),
                        "--seed", str(seed)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"generated {practice.name} in {time.perf_counter() - t:.0f} s")
    return practice


def audit(patients: int, seed: int, runs: int = 1) -> dict:
    """Audit the practice `runs` times (fresh subprocess and database each); the fastest run's figures."""
    practice = _generate(patients, seed)
    out_dir = OUT / f"audit-out-{patients}"
    best = None
    for _ in range(runs):
        load_before = os.getloadavg()[0]
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(practice), str(out_dir)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True)
        stdout, stderr = proc.communicate()
        wall = time.perf_counter() - t
        if proc.returncode:
            print(stderr)
            raise SystemExit(f"the audit of {practice.name} failed")
        r = json.loads(stdout.strip().splitlines()[-1])
        r.update(wall=wall, load_before=load_before, load_after=os.getloadavg()[0], patients=patients)
        if best is None or r["wall"] < best["wall"]:
            best = r
    from compare_findings import compare
    lines: list[str] = []
    best["matches_expected"] = compare(out_dir / "findings.csv", practice / "expected_findings.csv", lines.append)
    best["comparison"] = lines
    (OUT / f"audit-{patients}.json").write_text(json.dumps(best, indent=1))
    return best


def show(r: dict) -> None:
    steps = r["steps"]
    print(f"practice: {r['patients']:,} patients, {r['lines']:,} service lines, {r['visit_rows']:,} visit rows, "
          f"{r['findings']:,} findings (load average {r['load_before']:.1f} before, {r['load_after']:.1f} after, "
          f"{os.cpu_count()} CPUs)")
    peaks = r.get("peaks", {})
    for name, seconds in steps.items():
        print(f"  {name:24} {seconds:8.2f} s" + (f"   (peak RSS so far {peaks[name]:,.0f} MB)" if name in peaks else ""))
        if name == "stage":
            for sub, s in r["stage_steps"].items():
                if not sub.startswith(("model ", "invariants ")):
                    print(f"      {sub:20} {s:8.2f} s")
            checks = sum(s for k, s in r["stage_steps"].items() if k.startswith("invariants "))
            print(f"      {'(of which invariants, beside other models)':20} {checks:8.2f} s")
            models = sorted(((s, k[6:]) for k, s in r["stage_steps"].items() if k.startswith("model ")), reverse=True)
            print("      slowest models: " + ", ".join(f"{n} {s:.2f}" for s, n in models[:6]))
        if name == "check":
            slow = sorted(r["rules"].items(), key=lambda kv: -kv[1])[:5]
            print("      slowest rules: " + ", ".join(f"{k} {v:.2f}" for k, v in slow))
    print(f"  {'whole audit (process)':24} {r['wall']:8.2f} s   (goal < 30 s on an idle 2-core machine)")
    print(f"  {'peak memory (RSS)':24} {r['peak_mb']:8.0f} MB  (goal <= 1,024 MB)")
    print(f"  PDF: {r['pdf_pages']} pages in {steps['audit-report.pdf']:.2f} s")
    print("\n".join("  " + line for line in r["comparison"][-1:]))


def scaling_table() -> None:
    rows = []
    for n in SIZES:
        f = OUT / f"audit-{n}.json"
        if f.exists():
            rows.append(json.loads(f.read_text()))
    if not rows:
        return
    print("\nscaling (seconds per 100,000 service lines; run with --scaling to fill every size)")
    print(f"{'patients':>9} {'lines':>9} {'findings':>9} {'ingest':>8} {'stage':>8} {'checks':>8} {'report':>8} "
          f"{'whole':>8} {'peak MB':>8} {'load':>5}")
    for r in rows:
        per = 100_000 / r["lines"]
        s = r["steps"]
        report = sum(s[k] for k in ("findings.csv", "assumptions.csv", "worklist.xlsx", "audit-report.pdf"))
        print(f"{r['patients']:>9,} {r['lines']:>9,} {r['findings']:>9,} {s['ingest'] * per:>8.2f} "
              f"{(s['stage'] + s['match rates']) * per:>8.2f} {s['check'] * per:>8.2f} {report * per:>8.2f} "
              f"{r['wall'] * per:>8.2f} {r['peak_mb']:>8.0f} {r['load_before']:>5.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--runs", type=int, default=1, help="audit this many times, report the fastest")
    ap.add_argument("--scaling", action="store_true", help="audit at 1,000, 5,000, 20,000 and 50,000 patients")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for n in (SIZES if args.scaling else (args.patients,)):
        r = audit(n, args.seed, args.runs)
        show(r)
        print()
    scaling_table()


if __name__ == "__main__":
    main()

"""Benchmark of the X12 reader: a deterministic 50,000-claim 835 (~870,000 segments) and a 50,000-claim
837P are written to benchmarks/out/ and each is ingested into a fresh DuckDB file with
pipelines.warehouse.connect + pipelines.ingest.x12.read_x12. Prints wall seconds, segments per second
and peak memory for each. Goal (docs/DESIGN.md): >= 1,000,000 segments/s end to end, < 600 MB.

    python benchmarks/bench_ingest.py [--claims N] [--runs R]
    python benchmarks/bench_ingest.py --small [--runs R]    # many small files: sample_data/ (378 X12 files)
    python benchmarks/bench_ingest.py --vs-oxedi [--runs R] # `rcm-audit ingest` of the 835, process start to
                                                            # exit, side by side with oxedi's parse of it

Each ingest runs in a fresh subprocess so its peak RSS (getrusage maxrss) is its own.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

CPTS = ["97110", "97112", "97530", "97535", "97140", "97165", "97166", "97168", "97750", "97763"]
MODS = ["GO", "GO:KX", "GO:CQ", "GO:59", "", "GO:KX:59"]


def _services(i: int) -> int:
    """2 or 3 service lines per claim, deterministic (about 2.7 on average)."""
    return 2 + (((i * 17) % 25) < 17)


def write_835(path: Path, n_claims: int) -> int:
    seg = []
    a = seg.append
    a("ISA*00*          *00*          *ZZ*PAYER14212     *ZZ*OTPRACTICE     *250630*1200*^*00501*000000001*0*P*:")
    a("GS*HP*PAYER14212*OTPRACTICE*20250630*1200*1*X*005010X221A1")
    a("ST*835*0001*005010X221A1")
    a("BPR*I*123456.78*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*011000028*DA*987654321*20250630")
    a("TRN*1*EFT20250630001*1512345678")
    a("DTM*405*20250629")
    a("N1*PR*NATIONAL GOVERNMENT SERVICES")
    a("N3*PO BOX 7108")
    a("N4*INDIANAPOLIS*IN*46207")
    a("REF*2U*14212")
    a("N1*PE*BAYSTATE OT ASSOCIATES*XX*1234567893")
    a("N3*100 MAIN ST")
    a("N4*WORCESTER*MA*01608")
    for i in range(n_claims):
        if i % 1000 == 0:
            a(f"LX*{i // 1000 + 1}")
        k = _services(i)
        cid = f"OT{i:08d}"
        day = f"2025{(i % 6) + 1:02d}{(i % 28) + 1:02d}"
        status = "22" if i % 97 == 0 else ("4" if i % 41 == 0 else "1")
        sign = "-" if status == "22" else ""
        charge = 125 * k
        a(f"CLP*{cid}*{status}*{sign}{charge}.00*{sign}{charge - 40 * k}.50*{sign}12.00*MB*PCN{i:011d}*11*1")
        a(f"CAS*PR*2*{sign}12.00")
        a(f"NM1*QC*1*PATIENT{i % 2003}*ALEX*Q***MI*1EG4TE5MK{i % 7919:02d}")
        a(f"DTM*232*{day}")
        for j in range(k):
            cpt = CPTS[(i + j) % len(CPTS)]
            mods = MODS[(i * 3 + j) % len(MODS)]
            comp = f"HC:{cpt}" + (f":{mods}" if mods else "")
            units = 1 + (i + j) % 4
            a(f"SVC*{comp}*125.00*{84 + j}.50**{units}")
            a(f"DTM*472*{day}")
            a(f"CAS*CO*45*{28 + j}.50*{units}")
            a(f"AMT*B6*{96 + j}.50")
            a(f"REF*6R*{cid}-{j + 1}")
            if (i + j) % 23 == 0:
                a("LQ*HE*N130")
    a("PLB*1234567893*20251231*WO:OT00000001*-15.00*L6*2.37")
    a(f"SE*{len(seg) - 1}*0001")
    a("GE*1*1")
    a("IEA*1*000000001")
    path.write_text("~\n".join(seg) + "~\n", encoding="ascii")
    return len(seg)


def write_837(path: Path, n_claims: int) -> int:
    seg = []
    a = seg.append
    a("ISA*00*          *00*          *ZZ*OTPRACTICE     *ZZ*CLEARINGHOUSE  *250630*1200*^*00501*000000002*0*P*:")
    a("GS*HC*OTPRACTICE*CLEARINGHOUSE*20250630*1200*2*X*005010X222A1")
    a("ST*837*0001*005010X222A1")
    a("BHT*0019*00*BATCH0001*20250630*1200*CH")
    a("NM1*41*2*BAYSTATE OT ASSOCIATES*****46*1234567893")
    a("PER*IC*BILLING*TE*5085551212")
    a("NM1*40*2*CLEARINGHOUSE*****46*CH0001")
    a("HL*1**20*1")
    a("NM1*85*2*BAYSTATE OT ASSOCIATES*****XX*1234567893")
    a("N3*100 MAIN ST")
    a("N4*WORCESTER*MA*016081234")
    a("REF*EI*041234567")
    hl = 1
    for i in range(n_claims):
        hl += 1
        sub_hl = hl
        dependent = i % 5 == 0
        k = _services(i)
        day = f"2025{(i % 6) + 1:02d}{(i % 28) + 1:02d}"
        a(f"HL*{sub_hl}*1*22*{1 if dependent else 0}")
        a(f"SBR*P*{'' if dependent else '18'}*******MB")
        a(f"NM1*IL*1*PATIENT{i % 2003}*ALEX*Q***MI*1EG4TE5MK{i % 7919:02d}")
        a(f"DMG*D8*19{40 + i % 50}0{1 + i % 9}1{i % 10}*{'F' if i % 2 else 'M'}")
        a("NM1*PR*2*NATIONAL GOVERNMENT SERVICES*****PI*14212")
        if dependent:
            hl += 1
            a(f"HL*{hl}*{sub_hl}*23*0")
            a("PAT*19")
            a(f"NM1*QC*1*CHILD{i % 301}*SAM")
            a(f"DMG*D8*20{10 + i % 10}0{1 + i % 9}15*F")
        a(f"CLM*OT{i:08d}*{125 * k}.00***11:B:1*Y*A*Y*Y")
        a(f"HI*ABK:M6281*ABF:R262")
        if i % 3 == 0:
            a(f"REF*G1*AUTH{i:07d}")
        a("NM1*DN*1*REFERRER*PAT****XX*1098765432")
        a("NM1*82*1*THERAPIST*OT****XX*1588667788")
        for j in range(k):
            cpt = CPTS[(i + j) % len(CPTS)]
            mods = MODS[(i * 3 + j) % len(MODS)]
            comp = f"HC:{cpt}" + (f":{mods}" if mods else "")
            a(f"LX*{j + 1}")
            a(f"SV1*{comp}*125.00*UN*{1 + (i + j) % 4}***1")
            a(f"DTP*472*D8*{day}")
            a(f"REF*6R*OT{i:08d}-{j + 1}")
    a(f"SE*{len(seg) - 1}*0001")
    a("GE*1*2")
    a("IEA*1*000000002")
    path.write_text("~\n".join(seg) + "~\n", encoding="ascii")
    return len(seg)


def _ingest_child(path: str, db: str) -> None:
    """Runs in a subprocess: ingest one file into a fresh database, print a JSON line."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from pipelines.ingest.x12 import read_x12
    from pipelines.warehouse import connect

    for p in (Path(db), Path(db + ".wal")):
        if p.exists():
            p.unlink()
    con = connect(db)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    res = read_x12(con, Path(path), Path(path).name)
    con.execute("checkpoint")
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    con.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "segments": res.segments, "claims": res.claims_loaded,
                      "lines": res.lines_loaded, "status": res.status, "peak_mb": peak_mb,
                      "issues": len(res.issues)}))


def _small_child(folder: str, db: str) -> None:
    """Runs in a subprocess: ingest a whole folder (pipelines.ingest.ingest_paths, as `rcm-audit ingest`)
    into a fresh database, print a JSON line."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from pipelines.ingest import ingest_paths
    from pipelines.warehouse import connect

    for p in (Path(db), Path(db + ".wal")):
        if p.exists():
            p.unlink()
    con = connect(db)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    results = ingest_paths(con, [Path(folder)])
    con.execute("checkpoint")
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    x12 = [r for r in results if r.kind in ("835", "837P")]
    print(json.dumps({"wall": wall, "cpu": cpu, "files": len(results), "x12_files": len(x12),
                      "segments": sum(r.segments for r in x12), "claims": sum(r.claims_loaded for r in x12)}))


def small(runs: int) -> None:
    folder = Path(__file__).resolve().parents[1] / "sample_data"
    OUT.mkdir(parents=True, exist_ok=True)
    best = None
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--small-child", str(folder), str(OUT / "small.duckdb")],
                             capture_output=True, text=True, env={**os.environ})
        if out.returncode != 0:
            print(out.stderr)
            raise SystemExit(1)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or r["wall"] < best["wall"]:
            best = r
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"sample_data/: {best['files']} files ({best['x12_files']} X12, {best['segments']:,} segments, "
          f"{best['claims']:,} claims) in {best['wall']:.2f} s wall, {best['cpu']:.2f} cpu s "
          f"= {1000 * best['wall'] / best['files']:.1f} ms per file")


OXEDI = "oxedi==0.6.0"
_OXEDI_CHILD = """
import sys, time
t0 = time.perf_counter()
import oxedi
t1 = time.perf_counter()
result = oxedi.parse_file(sys.argv[1])
t2 = time.perf_counter()
print(result.count_claims(), t1 - t0, t2 - t1)
"""


def _oxedi_python() -> Path:
    """A venv of its own for oxedi (benchmarks/out/oxedi-venv, made on first use): the comparison's tool is
    never a dependency of the product."""
    venv = OUT / "oxedi-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", OXEDI], check=True)
    return py


def _timed_process(cmd: list[str]) -> tuple[float, float, float, str]:
    """(wall s, cpu s of the process and its threads, peak MB, stdout) of one process, start to exit."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[1])
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        print(err)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, out


def vs_oxedi(claims: int, runs: int) -> None:
    """`rcm-audit ingest FILE --db NEW` (what an analyst runs: Python start, imports, hashing, reading, mapping,
    the checkpoint, exit) against oxedi parsing the same file (Python start, import, parse_file, exit),
    alternating, best of `runs` each."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bench_{claims}.835"
    if not path.exists():
        write_835(path, claims)
    ox_py = _oxedi_python()
    cli = str(Path(sys.executable).with_name("rcm-audit"))
    db = OUT / "vs-oxedi.duckdb"
    ours, theirs = [], []
    for _ in range(runs):
        for p in (db, Path(str(db) + ".wal")):
            p.unlink(missing_ok=True)
        ours.append(_timed_process([cli, "ingest", str(path), "--db", str(db)]))
        wall, cpu, mb, out = _timed_process([str(ox_py), "-c", _OXEDI_CHILD, str(path)])
        n, t_import, t_parse = out.split()
        theirs.append((wall, cpu, mb, int(n), float(t_parse)))
    o = min(ours)
    t = min(theirs)
    loaded = [line for line in o[3].splitlines() if line.startswith("loaded")]
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; best of {runs}, alternating)")
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.1f} MB; ours: {loaded[0].split(':', 1)[1].strip() if loaded else '?'};"
          f" oxedi: {t[3]:,} claims")
    print(f"{'':34} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    print(f"{'rcm-audit ingest (start to exit)':34} {o[0]:>8.2f} {o[1]:>8.2f} {o[2]:>8.0f}")
    print(f"{'oxedi (python start to exit)':34} {t[0]:>8.2f} {t[1]:>8.2f} {t[2]:>8.0f}")
    print(f"{'oxedi parse_file only':34} {t[4]:>8.2f}")
    print(f"ratio ours / oxedi process: {o[0] / t[0]:.2f};  ours / oxedi parse_file alone: {o[0] / t[4]:.2f}  (goal <= 1.0)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3, help="ingest each file this many times, report the best")
    ap.add_argument("--small", action="store_true", help="time the ingest of sample_data/ (many small files)")
    ap.add_argument("--vs-oxedi", action="store_true",
                    help="`rcm-audit ingest` of the 835 against oxedi's parse of it, side by side")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--small-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _ingest_child(*args.child)
        return
    if args.small_child:
        _small_child(*args.small_child)
        return
    if args.small:
        small(args.runs)
        return
    if args.vs_oxedi:
        vs_oxedi(args.claims, args.runs)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    files = []
    for kind, writer in (("835", write_835), ("837P", write_837)):
        path = OUT / f"bench_{args.claims}.{kind.lower()}"
        t = time.perf_counter()
        n = writer(path, args.claims)
        print(f"wrote {path.name}: {n:,} segments, {path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - t:.1f} s")
        files.append((kind, path))
    print()
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} CPUs: wall times are only meaningful on an idle machine;"
          f" cpu s = process CPU time, all threads)")
    print(f"{'file':<8} {'segments':>10} {'claims':>8} {'lines':>8} {'wall s':>8} {'segments/s':>12} "
          f"{'cpu s':>7} {'seg/cpu-s':>11} {'peak MB':>8}")
    ok = True
    for kind, path in files:
        best = None
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, __file__, "--child", str(path), str(OUT / "bench.duckdb")],
                                 capture_output=True, text=True, env={**os.environ})
            if out.returncode != 0:
                print(out.stderr)
                raise SystemExit(1)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            if best is None or r["wall"] < best["wall"]:
                best = r
        rate = best["segments"] / best["wall"]
        ok &= rate >= 1_000_000 and best["peak_mb"] < 600
        print(f"{kind:<8} {best['segments']:>10,} {best['claims']:>8,} {best['lines']:>8,} {best['wall']:>8.3f} "
              f"{rate:>12,.0f} {best['cpu']:>7.3f} {best['segments'] / best['cpu']:>11,.0f} {best['peak_mb']:>8.0f}")
    print()
    print("goal (>= 1,000,000 segments/s, < 600 MB): " + ("met" if ok else "NOT met"))


if __name__ == "__main__":
    main()

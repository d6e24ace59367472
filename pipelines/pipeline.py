"""`rcm-audit audit`: the whole pipeline, ingest -> stage -> check -> prioritize -> report."""
from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from .checks import run_rules, write_findings_csv
from .config import PracticeConfig, find_config, load_config
from .errors import InputError
from .ingest import ingest_paths
from .stage import match_rates, stage
from .warehouse import connect

INGEST_LOG_COLUMNS = ["source_file", "kind", "status", "claims_loaded", "lines_loaded", "claims_rejected",
                      "lines_rejected", "message"]


def write_ingest_log(con, path: Path) -> None:
    rows = con.execute(f"select {', '.join(INGEST_LOG_COLUMNS)} from ingest_log order by source_file, kind").fetchall()
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(INGEST_LOG_COLUMNS)
        w.writerows(rows)


def ingest_summary(con) -> str:
    """One line that reconciles what was read: seen = loaded + rejected, for claims and for lines/rows."""
    f, cs, cl, cr, ls, ll, lr, rej = con.execute("""
        select count(distinct source_file), coalesce(sum(claims_loaded + claims_rejected), 0), coalesce(sum(claims_loaded), 0),
               coalesce(sum(claims_rejected), 0), coalesce(sum(lines_loaded + lines_rejected), 0),
               coalesce(sum(lines_loaded), 0), coalesce(sum(lines_rejected), 0),
               count(distinct source_file) filter (where status = 'rejected')
        from ingest_log""").fetchone()
    return (f"{f} files ({rej} rejected); claims seen {cs} = loaded {cl} + rejected {cr}; "
            f"lines/rows seen {ls} = loaded {ll} + rejected {lr}")


def run_audit(input_dir: Path, out_dir: Path, config: Path | None = None, as_of: dt.date | None = None,
              show_phi: bool = False, console: Console | None = None,
              on_file: Callable | None = None) -> dict:
    """Run the audit and write audit-report.pdf, findings.csv, worklist.xlsx, ingest-log.csv and
    audit.duckdb into out_dir. Raises InputError only when nothing could be audited."""
    from .prioritize import prioritize
    from .report import render_pdf, write_worklist

    console = console or Console(quiet=True)
    if not input_dir.is_dir():
        raise InputError("input folder not found", str(input_dir))
    cfg_path = config or find_config(input_dir)
    cfg = load_config(cfg_path) if cfg_path else PracticeConfig()
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "audit.duckdb"
    for stale in (db_path, Path(str(db_path) + ".wal")):
        stale.unlink(missing_ok=True)          # an audit is a fresh database every run
    con = connect(db_path)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    ingest_paths(con, [input_dir], on_file=on_file)
    timings["ingest"] = time.perf_counter() - t
    write_ingest_log(con, out_dir / "ingest-log.csv")
    console.print(ingest_summary(con))
    loaded = con.execute("select count(*) from claims").fetchone()[0] + con.execute("select count(*) from visits").fetchone()[0]
    if loaded == 0:
        raise InputError("no claims or visits could be read; see ingest-log.csv for each file's reason", str(input_dir))

    t = time.perf_counter()
    params = stage(con, cfg, as_of)
    rates = match_rates(con)
    timings["stage"] = time.perf_counter() - t
    for label, rate, num, den in rates:
        console.print(f"  {label}: {num}/{den}" + (f" ({rate:.1%})" if den else ""))

    t = time.perf_counter()
    run_rules(con)
    prioritize(con)
    timings["check"] = time.perf_counter() - t
    n = write_findings_csv(con, out_dir / "findings.csv")

    t = time.perf_counter()
    write_worklist(con, out_dir / "worklist.xlsx", show_phi=show_phi)
    info = render_pdf(con, out_dir / "audit-report.pdf", show_phi=show_phi)
    timings["report"] = time.perf_counter() - t
    con.close()
    db_path.chmod(0o600)
    console.print(f"{n} findings as of {params['as_of']}; wrote {out_dir}/audit-report.pdf "
                  f"({info.get('pages')} pages), findings.csv, worklist.xlsx, ingest-log.csv, audit.duckdb")
    return {"findings": n, "as_of": params["as_of"], "timings": timings, "pdf": info}

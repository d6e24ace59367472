"""The pipeline, one function per stage, in order: ingest -> stage -> check -> prioritize -> report.

    resolve_config(explicit, inputs)             the practice.toml of an audit: --config, else the one in the input
    ingest_files(con, paths, cfg, stored_by)     files -> raw tables; the configuration stored with them
    stage_data(con, cfg, as_of)                  seeds, reference data, parameters, staged tables
    check(con)                                   rules -> findings, coverage; prioritize -> recommendations
    write_outputs(con, out_dir, show_phi)        findings.csv, worklist.xlsx, audit-report.pdf
    run_audit(input_dir, out_dir, ...)           all of them: `rcm-audit audit`

`rcm-audit ingest`, `check` and `report` call the same functions as `audit`, with the configuration stored in
the database at ingest, so both roads give the same findings.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
from rich.console import Console

from .checks import run_rules, write_findings_csv
from .config import PracticeConfig, describe, find_config, load_config, store_config
from .errors import InputError
from .followup import check_same_practice, resolve_baseline, run_follow_up, set_aside_billed_in_baseline
from .ingest import ingest_paths
from .outputs import write_csv
from .prioritize import prioritize
from .stage import match_rates, stage
from .stage.models import needed
from .warehouse import connect

# The report stack (WeasyPrint, matplotlib, XlsxWriter: over a second to import) is imported only when
# rendering, and pandas only when ranking: `rcm-audit ingest` needs neither, and its process start is part
# of what the analyst waits for.

INGEST_LOG_COLUMNS = ["source_file", "kind", "status", "claims_loaded", "lines_loaded", "claims_rejected",
                      "lines_rejected", "lines_skipped", "message"]


def resolve_config(explicit: Path | None, inputs: Iterable[Path]) -> PracticeConfig:
    """The one configuration of an audit: `--config` when given, else the practice.toml found in the input
    folder (top level first), else the built-in defaults."""
    if explicit is not None:
        return load_config(explicit)
    for p in inputs:
        p = Path(p)
        found = find_config(p) if p.is_dir() else (p if p.name == "practice.toml" and p.is_file() else None)
        if found:
            return load_config(found)
    return PracticeConfig()


def _note_config_files(con: duckdb.DuckDBPyConnection, roots: list[Path], cfg: PracticeConfig) -> None:
    """Say in the ingest log whether each practice.toml read from the input is the one in force."""
    used = Path(cfg.source).resolve() if cfg.source else None
    rows = con.execute("select source_file from ingest_log where kind = 'configuration'").fetchall()
    for (source_file,) in rows:
        here = [(r if r.is_dir() else r.parent) / source_file for r in roots]
        if used is not None and any(h.resolve() == used for h in here if h.exists()):
            message = "configuration file: in force for this audit (stored in the audit database)"
        elif used is not None:
            message = f"configuration file: NOT used; the configuration in force is {cfg.source}"
        else:
            message = "configuration file: not used"
        con.execute("update ingest_log set message = ? where kind = 'configuration' and source_file = ?",
                    [message, source_file])


def ingest_files(con: duckdb.DuckDBPyConnection, paths: list[Path], cfg: PracticeConfig, stored_by: str,
                 on_file: Callable | None = None) -> list:
    """Load every file under `paths` into the raw tables and store the configuration with them."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise InputError(f"not found: {', '.join(missing)}")
    store_config(con, cfg, stored_by)
    results = ingest_paths(con, paths, on_file=on_file, mappings=cfg.export_mappings)
    _note_config_files(con, [Path(p) for p in paths], cfg)
    return results


def stage_data(con: duckdb.DuckDBPyConnection, cfg: PracticeConfig, as_of: dt.date | None = None,
               timings: dict[str, float] | None = None, targets: tuple[str, ...] | None = None) -> dict:
    """Seeds, reference data, parameters and every staged table (pipelines.stage); `timings` gets the
    seconds of each step and model when given; `targets`: only those models and what they depend on. When
    stg_export_files is built, the ingest log then says which exports a newer export of the same rows
    superseded."""
    params = stage(con, cfg, as_of, timings=timings, targets=targets)
    if targets is None or any(m.name == "stg_export_files" for m in needed(targets)):
        con.execute("""
            update ingest_log l set message = l.message || '; superseded by ' || f.superseded_by
                                              || coalesce(' sheet ' || f.superseded_by_sheet, '')
                                              || ', a newer export of the same rows: its rows are read from there'
            from stg_export_files f
            where f.superseded_by is not null and f.source_file = l.source_file and l.kind = f.kind
              and l.status in ('loaded', 'partial') and not contains(l.message, '; superseded by ')""")
    return params


def check(con: duckdb.DuckDBPyConnection, baseline: Path | None = None) -> dict[str, float]:
    """Every rule -> findings and coverage, then the recommendations and each finding's rank. With the baseline
    of a day-30 audit, the visits its day-0 claims bill are not reported as unbilled before the ranking."""
    timings = run_rules(con)
    if baseline is not None:
        set_aside_billed_in_baseline(con, baseline)
    prioritize(con)
    return timings


def write_ingest_log(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    write_csv(con, f"select {', '.join(INGEST_LOG_COLUMNS)} from ingest_log order by source_file, kind", path)


def print_match_rates(console: Console, rates: list[tuple[str, float | None, int, int]]) -> None:
    """The match rates (pipelines.stage.match_rates), one line each; 0/0 is "nothing to match", never 0%."""
    for label, rate, num, den in rates:
        console.print(f"  {label}: {num}/{den}" + (f" ({rate:.1%})" if den else " (nothing to match)"))


def ingest_summary(con: duckdb.DuckDBPyConnection) -> str:
    """One line that reconciles what was read: seen = loaded + rejected, for claims and for lines/rows."""
    f, cs, cl, cr, ls, ll, lr, sk, rej = con.execute("""
        select count(distinct source_file), coalesce(sum(claims_loaded + claims_rejected), 0), coalesce(sum(claims_loaded), 0),
               coalesce(sum(claims_rejected), 0),
               coalesce(sum(lines_loaded + lines_rejected + coalesce(lines_skipped, 0)), 0),
               coalesce(sum(lines_loaded), 0), coalesce(sum(lines_rejected), 0), coalesce(sum(lines_skipped), 0),
               count(distinct source_file) filter (where status = 'rejected')
        from ingest_log""").fetchone()
    skipped = f" + skipped {sk} (totals, repeated headers, notes)" if sk else ""
    return (f"{f} files ({rej} rejected); claims seen {cs} = loaded {cl} + rejected {cr}; "
            f"lines/rows seen {ls} = loaded {ll} + rejected {lr}{skipped}")


def write_outputs(con: duckdb.DuckDBPyConnection, out_dir: Path, show_phi: bool = False) -> dict:
    """findings.csv, assumptions.csv, worklist.xlsx and audit-report.pdf of a checked database."""
    from .report import render_pdf, write_assumptions_csv, write_worklist   # the report stack only when rendering

    n = write_findings_csv(con, out_dir / "findings.csv")
    write_assumptions_csv(con, out_dir / "assumptions.csv")
    write_worklist(con, out_dir / "worklist.xlsx", show_phi=show_phi)
    info = render_pdf(con, out_dir / "audit-report.pdf", show_phi=show_phi)
    return {"findings": n, "pdf": info}


def run_audit(input_dir: Path, out_dir: Path, config: Path | None = None, as_of: dt.date | None = None,
              show_phi: bool = False, console: Console | None = None, on_file: Callable | None = None,
              reference: Path | None = None, baseline: Path | None = None) -> dict:
    """Run the audit and write audit-report.pdf, findings.csv, worklist.xlsx, ingest-log.csv and
    audit.duckdb into out_dir. Raises InputError only when nothing could be audited. With `baseline` (an
    earlier audit's output folder or audit.duckdb) also the day-30 follow-up: follow-up.csv and
    follow-up-report.pdf (pipelines.followup); a baseline that cannot be one is refused before any output."""
    console = console or Console(quiet=True)
    if not input_dir.is_dir():
        raise InputError("input folder not found", str(input_dir))
    cfg = resolve_config(config, [input_dir])
    cfg.reference_dir = reference
    base_db = None
    if baseline is not None:
        base_db = resolve_baseline(baseline, out_dir, as_of=as_of or cfg.as_of, npi=cfg.npi)
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "audit.duckdb"
    for stale in (db_path, Path(str(db_path) + ".wal")):
        stale.unlink(missing_ok=True)          # an audit is a fresh database every run
    con = connect(db_path)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    ingest_files(con, [input_dir], cfg, "audit", on_file=on_file)
    timings["ingest"] = time.perf_counter() - t
    write_ingest_log(con, out_dir / "ingest-log.csv")
    console.print(ingest_summary(con))
    console.print(f"configuration: {describe(cfg)}")
    loaded = con.execute("select count(*) from claims").fetchone()[0] + con.execute("select count(*) from visits").fetchone()[0]
    if loaded == 0:
        raise InputError("no claims or visits could be read; see ingest-log.csv for each file's reason", str(input_dir))

    t = time.perf_counter()
    params = stage_data(con, cfg, as_of)
    write_ingest_log(con, out_dir / "ingest-log.csv")        # again: superseded exports are now known
    if base_db is not None:
        check_same_practice(con, base_db)
    rates = match_rates(con)
    timings["stage"] = time.perf_counter() - t
    print_match_rates(console, rates)

    t = time.perf_counter()
    check(con, base_db)
    timings["check"] = time.perf_counter() - t
    if base_db is not None:
        aside = con.execute("select coalesce(sum(findings), 0) from follow_up_set_aside").fetchone()[0]
        if aside:
            console.print(f"  {aside} visits of the exports are billed by claims of the day-0 files, which this folder "
                          "does not repeat: not reported as unbilled")

    t = time.perf_counter()
    written = write_outputs(con, out_dir, show_phi=show_phi)
    timings["report"] = time.perf_counter() - t
    follow_up = None
    if base_db is not None:
        t = time.perf_counter()
        follow_up = run_follow_up(con, base_db, out_dir, show_phi=show_phi)
        timings["follow_up"] = time.perf_counter() - t
    con.close()
    db_path.chmod(0o600)
    console.print(f"{written['findings']} findings as of {params['as_of']}; wrote {out_dir}/audit-report.pdf "
                  f"({written['pdf'].get('pages')} pages), findings.csv, worklist.xlsx, ingest-log.csv, audit.duckdb")
    if follow_up is not None:
        by = follow_up["by_status"]
        console.print(f"follow-up of {follow_up['findings']} baseline findings (day 0 {follow_up['base_as_of']}): "
                      f"recovered {by['recovered']} (${follow_up['recovered_usd']:,.2f}), corrected {by['corrected']}, "
                      f"open {by['open']} (${follow_up['recoverable_usd']:,.2f} still recoverable), lost {by['lost']} "
                      f"(${follow_up['lost_since_usd']:,.2f} since day 0), withdrawn {by['withdrawn']}; wrote "
                      f"follow-up-report.pdf ({follow_up['pdf'].get('pages')} pages), follow-up.csv")
    return {"findings": written["findings"], "as_of": params["as_of"], "timings": timings, "pdf": written["pdf"],
            "follow_up": follow_up}

"""The `rcm-audit` command line. Thin: parse arguments, call the pipeline's stage functions, print results.

Every command goes through the same functions (pipelines.pipeline) with the configuration stored in the
audit database at ingest, so `ingest` -> `check` -> `report` gives what `audit` gives. A problem the user
can cause (AuditError) is printed as one line with exit status 2; anything else is a bug, also printed as one
line (exit 1; RCM_AUDIT_DEBUG=1 shows the traceback). Progress shows on a terminal (rich) and stays quiet
when output is redirected.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from pathlib import Path
from typing import Optional

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from . import __version__
from .checks import load_rules, write_findings_csv
from .config import PracticeConfig, describe, load_config, store_config, stored_config
from .errors import AuditError, InputError
from .followup import resolve_baseline
from .ingest import discover
from .inspect import inspect_folder, render
from .outputs import prepare_output_dir, writing_outputs
from .pipeline import check as run_check
from .pipeline import ingest_files, ingest_summary, print_match_rates, resolve_config, run_audit, stage_data
from .reference.cli import reference_app
from .stage import RATE_MODELS, match_rates
from .warehouse import connect, out_of_memory_advice

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Revenue-cycle audit of an occupational therapy practice's 837P, 835 and EMR exports.")
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
app.add_typer(reference_app, name="reference")

REFERENCE_OPTION = typer.Option(None, "--reference", help="The CMS reference store (default: RCM_AUDIT_REFERENCE, "
                                                          "else ~/.local/share/rcm-audit/reference).")


def _version(value: bool) -> None:
    if value:
        console.print(f"rcm-audit {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """rcm-audit: ingest -> stage -> check -> prioritize -> report."""


def answers_errors(command):
    """One line and an exit status for every error, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except AuditError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False)
            raise typer.Exit(2) from None
        except duckdb.OutOfMemoryException:  # the files are fine: the limit is too small for them
            err.print(f"[bold red]error:[/] {escape(out_of_memory_advice())}", markup=True, highlight=False)
            raise typer.Exit(2) from None
        except Exception as exc:  # a bug: say so in one line
            if os.environ.get("RCM_AUDIT_DEBUG"):
                raise
            err.print(f"[bold red]internal error:[/] {type(exc).__name__} (a bug in rcm-audit, not in your files; "
                      "run again with RCM_AUDIT_DEBUG=1 for the details)")
            raise typer.Exit(1) from None
    return wrapper


def _as_of(value: Optional[str]) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of '{value}' is not a date (YYYY-MM-DD)") from None


def _print_file(r) -> None:
    colour = {"loaded": "green", "partial": "yellow", "rejected": "red"}.get(r.status, "dim")
    console.print(f"[{colour}]{r.status:9}[/] {escape(f'{r.kind:15} {r.source_file}: {r.message}')}", markup=True, highlight=False)


def _open_db(db: Path):
    if not db.is_file():
        raise InputError("audit database not found; run `rcm-audit ingest` first", str(db))
    return connect(db)


@app.command()
@answers_errors
def ingest(paths: list[Path] = typer.Argument(..., help="Files or folders (read recursively)."),
           db: Path = typer.Option(..., "--db", help="The audit database (created mode 0600)."),
           config: Optional[Path] = typer.Option(None, "--config", help="practice.toml (default: the one in the input)."),
           reference: Optional[Path] = REFERENCE_OPTION) -> None:
    """Load 837P, 835 and CSV/XLSX exports into the audit database; one line per file."""

    cfg = resolve_config(config, paths)
    cfg.reference_dir = reference
    prepare_output_dir(db.parent)                  # a folder we can write the database into (else one line)
    con = connect(db)
    ingest_files(con, paths, cfg, "ingest", on_file=_print_file)
    console.print(ingest_summary(con))
    console.print(f"configuration stored for `check` and `report`: {describe(cfg)}")
    if con.execute("select count(*) from claims").fetchone()[0] + con.execute("select count(*) from visits").fetchone()[0]:
        stage_data(con, cfg, targets=RATE_MODELS)   # only the models the rates read; `check` stages everything
        console.print("match rates:")
        print_match_rates(console, match_rates(con))


@app.command()
@answers_errors
def check(db: Path = typer.Option(..., "--db", help="An audit database filled by `ingest`."),
          config: Optional[Path] = typer.Option(None, "--config", help="practice.toml, replacing the one stored at ingest."),
          as_of: Optional[str] = typer.Option(None, "--as-of", help="Judge deadlines as of this date (YYYY-MM-DD)."),
          out: Optional[Path] = typer.Option(None, "-o", "--out", help="Also write findings.csv here."),
          reference: Optional[Path] = REFERENCE_OPTION) -> None:
    """Run every rule and (re)write the findings table."""

    con = _open_db(db)
    when = _as_of(as_of)
    if config is not None:
        cfg = load_config(config)
        store_config(con, cfg, "check --config")
        console.print(f"configuration: {describe(cfg)} (given with --config; it replaces the one stored at ingest)")
    else:
        cfg = stored_config(con) or PracticeConfig()
        console.print(f"configuration: {describe(cfg)} (stored at ingest)")
    cfg.reference_dir = reference
    params = stage_data(con, cfg, when)
    run_check(con)
    n = con.execute("select count(*) from findings").fetchone()[0]
    console.print(f"{n} findings as of {params['as_of']}")
    for rule_id, evaluated, missing, k, amount in con.execute("""
            select c.rule_id, c.evaluated, c.missing_input, c.findings, coalesce(sum(f.amount_usd), 0)
            from coverage c left join findings f using (rule_id) group by all order by 1""").fetchall():
        if evaluated:
            console.print(f"  {rule_id:24} {k:6}  ${amount:,.2f}")
        else:
            console.print(f"  {rule_id:24} not evaluated: {missing}")
    if out:
        write_findings_csv(con, out)


@app.command()
@answers_errors
def report(db: Path = typer.Option(..., "--db", help="A checked audit database."),
           out: Path = typer.Option(..., "-o", "--out", help="The PDF to write."),
           show_phi: bool = typer.Option(False, "--show-phi", help="Show patient names (never by default).")) -> None:
    """Render the PDF from a checked database."""
    from .report import render_pdf      # the report stack (WeasyPrint, matplotlib) only when rendering

    con = _open_db(db)
    prepare_output_dir(out.parent)
    if not con.execute("select count(*) from information_schema.tables where table_name = 'findings'").fetchone()[0]:
        raise InputError("no findings table; run `rcm-audit check` first", str(db))
    with writing_outputs(out.parent, show_phi):
        info = render_pdf(con, out, show_phi=show_phi)
    console.print(f"wrote {out} ({info.get('pages')} pages)")


@app.command()
@answers_errors
def audit(input_dir: Path = typer.Argument(..., help="The folder the practice sent (read recursively)."),
          out_dir: Path = typer.Option(Path("audit-out"), "-o", "--out", help="Where to write the outputs."),
          config: Optional[Path] = typer.Option(None, "--config", help="practice.toml (default: the one in INPUT_DIR)."),
          as_of: Optional[str] = typer.Option(None, "--as-of", help="Judge deadlines as of this date (YYYY-MM-DD)."),
          show_phi: bool = typer.Option(False, "--show-phi", help="Show patient names in the outputs."),
          reference: Optional[Path] = REFERENCE_OPTION,
          baseline: Optional[Path] = typer.Option(None, "--baseline", help="The day-0 audit (its output folder or "
                                                  "audit.duckdb): also write follow-up-report.pdf and follow-up.csv.")
          ) -> None:
    """The main job: ingest -> stage -> check -> prioritize -> report, writing every output (with --baseline,
    the day-30 follow-up of an earlier audit too)."""


    if not input_dir.is_dir():
        raise InputError("input folder not found", str(input_dir))
    when = _as_of(as_of)
    if baseline is not None:                       # a baseline that cannot be one: one line, before any output
        resolve_baseline(baseline, out_dir, as_of=when)
    out_dir = prepare_output_dir(out_dir)          # a folder we can write to, before any work (else one line)
    # a progress bar on a terminal; the per-file lines are in ingest-log.csv, so only files that were not
    # fully read are printed
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("reading files", total=len(discover([input_dir])))

        def on_file(r) -> None:
            progress.update(task, advance=1)
            if r.status in ("rejected", "partial"):
                _print_file(r)

        with writing_outputs(out_dir, show_phi):   # 0600 with --show-phi; a full disk is one line
            run_audit(input_dir, out_dir, config=config, as_of=when, show_phi=show_phi, console=console,
                      on_file=on_file, reference=reference, baseline=baseline)


@app.command()
@answers_errors
def sample(out_dir: Path = typer.Argument(..., help="Folder to write the synthetic practice into."),
           patients: int = typer.Option(150, "--patients", min=1, help="Number of patients."),
           months: int = typer.Option(12, "--months", min=1, max=21,
                                      help="Months of service, ending September 2026 (the as-of date is mid-November 2026)."),
           seed: int = typer.Option(2025, "--seed", help="Random seed (same seed, same bytes)."),
           follow_up: bool = typer.Option(False, "--follow-up",
                                          help="The same practice 30 days later: the day-0 sample plus, in "
                                               "OUT_DIR/new_files, the files written since, each folder with its "
                                               "expected_follow_up.csv.")) -> None:
    """Write a synthetic Massachusetts OT practice with planted problems and its ground truth."""
    from .sample import generate                       # the demo-data generator is not part of an audit:
    from .sample.followup import generate_follow_up    # loaded only for this command

    if follow_up:
        s = generate_follow_up(out_dir, patients=patients, months=months, seed=seed)
        console.print(f"wrote {out_dir}: the day-0 sample and {len(s['new_files'])} files written since day 0 "
                      f"(new_files/); day 30 = {s['as_of_day30']}; {s['findings_day0']} day-0 findings: "
                      + ", ".join(f"{n} {k}" for k, n in sorted(s['all']['by_status'].items()))
                      + f"; ${s['all']['recovered_usd']} recovered", markup=False)
        return
    summary = generate(out_dir, patients=patients, months=months, seed=seed)
    console.print(f"wrote {out_dir}: " + ", ".join(f"{k} {v}" for k, v in summary.items() if not isinstance(v, (dict, list))))


@app.command()
@answers_errors
def rules() -> None:
    """List every rule id with title, category and citation."""
    for r in load_rules():
        console.print(f"[bold]{r.rule_id}[/] ({r.category}, {r.severity}, per {r.grain.replace('_', '-')}): "
                      f"{escape(r.title)}\n    {escape(r.citation)} — {escape(r.provenance)}", markup=True, highlight=False)


@app.command("inspect")
@answers_errors
def inspect_command(input_dir: Path = typer.Argument(..., help="The folder the practice sent (read recursively)."),
                    config: Optional[Path] = typer.Option(None, "--config",
                                                          help="practice.toml (default: the one in INPUT_DIR).")
                    ) -> None:
    """What each file and sheet would be read as, column by column, the rows that would load or be
    rejected, and a practice.toml mapping for what is not recognised. Writes nothing; run it first."""
    if not input_dir.is_dir():
        raise InputError("input folder not found", str(input_dir))
    cfg = resolve_config(config, [input_dir])
    mappings = cfg.export_mappings
    if cfg.source:
        console.print(f"configuration: {describe(cfg)}" + (f" ({len(mappings)} export mapping(s))" if mappings else ""),
                      markup=False)
    console.print(render(inspect_folder(input_dir, mappings)), markup=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

"""The `rcm-audit` command line. Thin: parse arguments, call the stage functions, print results.

Errors a user can cause (InputError) are printed as one line without a traceback. Progress shows on
a terminal (rich) and stays quiet when output is redirected.
"""
from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from . import __version__
from .errors import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Revenue-cycle audit of an occupational therapy practice's 837P, 835 and EMR exports.")
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _version(value: bool) -> None:
    if value:
        console.print(f"rcm-audit {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Show the version and exit.")) -> None:
    """rcm-audit: ingest -> stage -> check -> prioritize -> report."""


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(2)


def _as_of(value: Optional[str]) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of '{value}' is not a date (YYYY-MM-DD)") from None


def _print_file(r) -> None:
    colour = {"loaded": "green", "partial": "yellow", "rejected": "red"}.get(r.status, "dim")
    console.print(f"[{colour}]{r.status:9}[/] {r.kind:15} {r.source_file}: {r.message}")


def _ingest(db, paths: list[Path]):
    from .ingest import ingest_paths
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(f"not found: {', '.join(missing)}")
    return ingest_paths(db, paths, on_file=_print_file)


def _match_summary(con) -> None:
    from .stage import match_rates
    for label, rate, num, den in match_rates(con):
        console.print(f"  {label}: {num}/{den}" + (f" ({rate:.1%})" if den else ""))


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., help="Files or folders (read recursively)."),
           db: Path = typer.Option(..., "--db", help="The audit database (created mode 0600).")) -> None:
    """Load 837P, 835 and CSV/XLSX exports into the audit database; one line per file."""
    from .config import PracticeConfig, find_config, load_config
    from .stage import stage
    from .warehouse import connect
    try:
        con = connect(db)
        _ingest(con, paths)
        from .pipeline import ingest_summary
        console.print(ingest_summary(con))
        cfg_path = next((find_config(p) for p in paths if p.is_dir() and find_config(p)), None)
        stage(con, load_config(cfg_path) if cfg_path else PracticeConfig())
        console.print("match rates:")
        _match_summary(con)
    except InputError as exc:
        _fail(exc)


@app.command()
def check(db: Path = typer.Option(..., "--db", help="An audit database filled by `ingest`."),
          config: Optional[Path] = typer.Option(None, "--config", help="practice.toml"),
          as_of: Optional[str] = typer.Option(None, "--as-of", help="Judge deadlines as of this date (YYYY-MM-DD)."),
          out: Optional[Path] = typer.Option(None, "-o", "--out", help="Also write findings.csv here.")) -> None:
    """Run every rule and (re)write the findings table."""
    from .checks import run_checks, write_findings_csv
    from .config import load_config
    from .prioritize import prioritize
    from .warehouse import connect
    try:
        if not db.exists():
            raise InputError("database not found; run `rcm-audit ingest` first", str(db))
        con = connect(db)
        result = run_checks(con, load_config(config), _as_of(as_of))
        prioritize(con)
        console.print(f"{result['findings']} findings as of {result['params']['as_of']}")
        for rule_id, n, amount in con.execute("""select rule_id, count(*), sum(amount_usd) from findings
                                                 group by 1 order by 1""").fetchall():
            console.print(f"  {rule_id:24} {n:6}  ${amount:,.2f}")
        if out:
            write_findings_csv(con, out)
    except InputError as exc:
        _fail(exc)


@app.command()
def report(db: Path = typer.Option(..., "--db", help="A checked audit database."),
           out: Path = typer.Option(..., "-o", "--out", help="The PDF to write."),
           show_phi: bool = typer.Option(False, "--show-phi", help="Show patient names (never by default).")) -> None:
    """Render the PDF from a checked database."""
    from .report import render_pdf
    from .warehouse import connect
    try:
        if not db.exists():
            raise InputError("database not found", str(db))
        con = connect(db)
        if not con.execute("select count(*) from information_schema.tables where table_name = 'findings'").fetchone()[0]:
            raise InputError("no findings table; run `rcm-audit check` first", str(db))
        info = render_pdf(con, out, show_phi=show_phi)
        console.print(f"wrote {out} ({info.get('pages')} pages)")
    except InputError as exc:
        _fail(exc)


@app.command()
def audit(input_dir: Path = typer.Argument(..., help="The folder the practice sent (read recursively)."),
          out_dir: Path = typer.Option(Path("audit-out"), "-o", "--out", help="Where to write the outputs."),
          config: Optional[Path] = typer.Option(None, "--config", help="practice.toml (default: the one in INPUT_DIR)."),
          as_of: Optional[str] = typer.Option(None, "--as-of", help="Judge deadlines as of this date (YYYY-MM-DD)."),
          show_phi: bool = typer.Option(False, "--show-phi", help="Show patient names in the outputs.")) -> None:
    """The main job: ingest -> stage -> check -> prioritize -> report, writing every output."""
    from rich.progress import Progress

    from .ingest import discover
    from .pipeline import run_audit
    try:
        if not input_dir.is_dir():
            raise InputError("input folder not found", str(input_dir))
        # a progress bar on a terminal; the per-file lines are in ingest-log.csv, so only files that
        # were not fully read are printed
        with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task("reading files", total=len(discover([input_dir])))

            def on_file(r) -> None:
                progress.update(task, advance=1)
                if r.status in ("rejected", "partial"):
                    _print_file(r)

            run_audit(input_dir, out_dir, config=config, as_of=_as_of(as_of), show_phi=show_phi,
                      console=console, on_file=on_file)
    except InputError as exc:
        _fail(exc)


@app.command()
def sample(out_dir: Path = typer.Argument(..., help="Folder to write the synthetic practice into."),
           patients: int = typer.Option(150, "--patients", min=1, help="Number of patients."),
           months: int = typer.Option(12, "--months", min=1, max=21,
                                      help="Months of service, ending September 2026 (the as-of date is mid-November 2026)."),
           seed: int = typer.Option(2025, "--seed", help="Random seed (same seed, same bytes).")) -> None:
    """Write a synthetic Massachusetts OT practice with planted problems and its ground truth."""
    from .sample import generate
    summary = generate(out_dir, patients=patients, months=months, seed=seed)
    console.print(f"wrote {out_dir}: " + ", ".join(f"{k} {v}" for k, v in summary.items() if not isinstance(v, (dict, list))))


@app.command()
def rules() -> None:
    """List every rule id with title, category and citation."""
    from .resources import sql_dir
    with (sql_dir() / "seeds" / "rule_catalog.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            console.print(f"[bold]{row['rule_id']}[/] ({row['category']}, {row['severity']}): {row['title']}\n"
                          f"    {row['citation']} — {row['source']}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())

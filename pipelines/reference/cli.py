"""`rcm-audit reference import FILE... [--reference DIR]` and `rcm-audit reference list [--reference DIR]`.

Thin: the work is in importer.py (reading, checking, storing) and store.py (the store and its read API).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

reference_app = typer.Typer(add_completion=False, no_args_is_help=True,
                            help="Load CMS's own quarterly files (PFS RVU zip or its PPRRVU/GPCI CSVs, "
                                 "practitioner NCCI PTP, practitioner MUE) into the reference store.")
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_REFERENCE = typer.Option(None, "--reference", help="The reference store folder (default: $RCM_AUDIT_REFERENCE, "
                                                    "else $XDG_DATA_HOME/rcm-audit/reference).")


@reference_app.command("import")
def import_(files: list[Path] = typer.Argument(..., help="CMS files or their zips, as CMS publishes them."),
            reference: Optional[Path] = _REFERENCE) -> None:
    """Import each file (one line each: what it was recognised as, release, rows kept); exit 2 when any
    file was refused (the others are still imported)."""
    from .importer import import_files
    from .store import open_store
    store = open_store(reference)
    results = import_files(files, store)
    refused = 0
    for r in results:
        name = escape(r.path)
        if r.status == "refused":
            refused += 1
            err.print(f"[red]refused[/]   {name}: {escape(r.message)}")
            continue
        colour = "green" if r.status == "imported" else "dim"
        if r.status == "unchanged":
            console.print(f"[{colour}]unchanged[/] {name}: {escape(r.message)}")
            continue
        if len(r.outcomes) == 1 and not r.skipped and r.outcomes[0].unit.source.container is None:
            console.print(f"[{colour}]imported[/]  {name}: {escape(r.outcomes[0].describe(with_name=False))}")
            continue
        console.print(f"[{colour}]imported[/]  {name}: {escape(r.message)}")
        for o in r.outcomes:
            console.print(f"            {escape(o.describe())}")
        if r.skipped:
            console.print(f"            [dim]not read: {escape(', '.join(r.skipped))}[/]")
    console.print(f"[dim]reference store: {escape(str(store.path))}[/]")
    if refused:
        raise typer.Exit(2)


@reference_app.command("list")
def list_(reference: Optional[Path] = _REFERENCE) -> None:
    """Each loaded release: kind, effective dates, file names, sha256 (short), rows."""
    from .layouts import KIND_LABEL
    from .store import StoreError, open_store
    store = open_store(reference)
    try:
        releases = store.releases()
    except StoreError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2)
    if not releases:
        console.print(f"no CMS release loaded in {escape(str(store.path))}; the bundled seeds are used "
                      "(load files with `rcm-audit reference import`)")
        return
    console.print(f"reference store {escape(str(store.path))}:")
    for r in releases:
        to = r.effective_to.isoformat() if r.effective_to else "open"
        files = "; ".join(f.name + (f" in {f.container}" if f.container else "") for f in r.files)
        console.print(f"  {r.kind:5} {escape(r.label):16} {r.effective_from.isoformat()} .. {to:10}  "
                      f"{r.rows:>9,} rows  sha256 {r.sha256[:12]}  {escape(files)}"
                      + (f"  [dim]({escape(KIND_LABEL[r.kind])}; imported "
                         f"{r.imported_at.date().isoformat()})[/]"))

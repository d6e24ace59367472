"""CMS reference files loaded by the analyst: `rcm-audit reference import` / `reference list`.

CMS publishes the fee schedule (PFS relative value zip RVUyyA..D: PPRRVU non-QPP and QPP, GPCI), the
practitioner NCCI procedure-to-procedure edits (ccipra-vNNNrN-f1..f4) and the practitioner MUE table every
quarter. The analyst imports them as downloaded; every later audit reads them for the dates they cover,
ahead of the bundled seeds.

- layouts.py  — recognising each file by its header (never its name), identifying its release (year,
                quarter, QPP or not) and reading its rows with DuckDB into normalised Arrow tables;
- importer.py — files and zips, all-or-nothing per file, same-sha256 re-imports change nothing;
- store.py    — the store folder (manifest.json + one parquet per release entry) and the read API:

      from pipelines.reference.store import open_store
      store = open_store(None)            # --reference DIR, $RCM_AUDIT_REFERENCE, $XDG_DATA_HOME/...
      store.releases()                    # list[Release]: kind, release, part, effective_from/_to, files…
      store.register(con)                 # ref_rvu, ref_gpci, ref_ptp, ref_mue, ref_releases tables

  (table columns in store.py's docstring and docs/reference_files.md);
- cli.py      — the Typer sub-app `reference_app`.
"""

"""The reference store: CMS releases imported by `rcm-audit reference import`, read by every later audit.

Layout of the store folder (`--reference DIR`, else $RCM_AUDIT_REFERENCE, else
$XDG_DATA_HOME/rcm-audit/reference, else ~/.local/share/rcm-audit/reference):

    manifest.json            the loaded releases (below); replaced atomically, the one source of truth
    data/<kind>-<release>-<part>-<yyyymmdd>-<sha12>.parquet   one normalised table per release entry
    .lock                    held while an import runs

A release entry is one (kind, effective_from, part): kind `rvu` (part `nonQPP` or `QPP`), `gpci`, `ptp`
(part `f1`..`f4`, CMS's split of each quarter) or `mue`. Importing a file whose entry is already loaded
with the same sha256 changes nothing; a different file for the same entry replaces that entry whole.
`effective_to` is derived, never stored: the day before the next loaded entry of the same kind and part
starts, else 31 December of its year for rvu/gpci, else open (None) for ptp/mue.

Read API (for staging/pricing):

    store = open_store(path_or_None)          # never fails on a missing or empty store
    store.releases() -> list[Release]         # sorted by kind, effective_from, part
    store.register(con) -> list[str]          # creates ref_releases, ref_rvu, ref_gpci, ref_ptp, ref_mue

The tables register() creates (always, empty and typed when nothing is loaded):

    ref_rvu(cpt, modifier ('' = none), status, work_rvu, nf_pe_rvu, f_pe_rvu, mp_rvu, nf_total, pctc_ind,
            glob_days, mppr_ind, conversion_factor, qpp bool, release, effective_from date, effective_to date)
    ref_gpci(carrier, state, locality, locality_name, work_gpci (with the 1.0 floor), pe_gpci, mp_gpci,
             release, effective_from, effective_to)
    ref_ptp(column1, column2, effective_from, deletion_date (NULL = not deleted), modifier_indicator int,
            rationale, release, release_from date, release_to date)
            -- effective_from/deletion_date are the edit's own dates; release_from/_to the file's period
    ref_mue(cpt, mue_value int, mai int, mai_text, rationale, release, effective_from, effective_to)
    ref_releases(kind, release, part, effective_from, effective_to, files, sha256, imported_at timestamp,
                 rows bigint, title, source)
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from .layouts import SCHEMAS

MANIFEST = "manifest.json"
FORMAT = 1
TABLES = ("ref_releases", "ref_rvu", "ref_gpci", "ref_ptp", "ref_mue")


class StoreError(InputError):
    """The store folder cannot be read (a damaged manifest.json): the message says what to do."""


def default_location() -> Path:
    """$RCM_AUDIT_REFERENCE, else $XDG_DATA_HOME/rcm-audit/reference, else ~/.local/share/rcm-audit/reference."""
    env = os.environ.get("RCM_AUDIT_REFERENCE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "rcm-audit" / "reference"


@dataclass(frozen=True)
class FileRef:
    """One file an entry was read from: its name, sha256, and the zip it was in (with that zip's sha256)."""
    name: str
    sha256: str
    container: str | None = None
    container_sha256: str | None = None

    def as_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Release:
    """One loaded release entry (see the module docstring)."""
    kind: str
    release: str
    part: str
    effective_from: dt.date
    effective_to: dt.date | None
    files: tuple[FileRef, ...]
    imported_at: dt.datetime
    rows: int
    rows_read: int
    data: str                       # parquet path, relative to the store
    title: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        return "/".join((self.kind, self.effective_from.isoformat(), self.part or "-"))

    @property
    def sha256(self) -> str:
        return self.files[0].sha256 if self.files else ""

    @property
    def label(self) -> str:
        return self.release + (f" {self.part}" if self.part else "")

    @property
    def source(self) -> str:
        """What a `source` column should say about a value taken from this entry."""
        f = self.files[0]
        where = f"{f.name}" + (f" in {f.container}" if f.container else "")
        return (f"CMS {self.label} ({where}, sha256 {f.sha256[:12]}, imported "
                f"{self.imported_at.date().isoformat()})")

    def as_json(self) -> dict:
        return {"key": self.key, "kind": self.kind, "release": self.release, "part": self.part,
                "effective_from": self.effective_from.isoformat(),
                "effective_to": self.effective_to.isoformat() if self.effective_to else None,
                "files": [f.as_json() for f in self.files], "imported_at": self.imported_at.isoformat(),
                "rows": self.rows, "rows_read": self.rows_read, "data": self.data, "title": self.title,
                "notes": list(self.notes)}

    @classmethod
    def from_json(cls, d: dict) -> "Release":
        return cls(kind=d["kind"], release=d["release"], part=d.get("part", ""),
                   effective_from=dt.date.fromisoformat(d["effective_from"]),
                   effective_to=dt.date.fromisoformat(d["effective_to"]) if d.get("effective_to") else None,
                   files=tuple(FileRef(**f) for f in d["files"]),
                   imported_at=dt.datetime.fromisoformat(d["imported_at"]), rows=int(d["rows"]),
                   rows_read=int(d.get("rows_read", d["rows"])), data=d["data"], title=d.get("title", ""),
                   notes=tuple(d.get("notes", ())))


def derive_effective_to(releases: list[Release]) -> list[Release]:
    """effective_to = the day before the next entry of the same kind and part starts; else 31 December of
    its year (rvu, gpci: a fee schedule is for one calendar year); else None (ptp, mue: in force until
    replaced)."""
    out = []
    for r in releases:
        later = [o.effective_from for o in releases
                 if o.kind == r.kind and o.part == r.part and o.effective_from > r.effective_from]
        if later:
            to = min(later) - dt.timedelta(days=1)
        elif r.kind in ("rvu", "gpci"):
            to = dt.date(r.effective_from.year, 12, 31)
        else:
            to = None
        out.append(Release(**{**r.__dict__, "effective_to": to}))
    return sorted(out, key=lambda r: (r.kind, r.effective_from, r.part))


class ReferenceStore:
    """A store folder; reading never creates it. Imports go through pipelines.reference.importer."""

    def __init__(self, path: Path):
        self.path = Path(path)

    # -- reading -----------------------------------------------------------------------------------
    def releases(self) -> list[Release]:
        m = self.path / MANIFEST
        if not m.is_file():
            return []
        try:
            doc = json.loads(m.read_text(encoding="utf-8"))
            return derive_effective_to([Release.from_json(d) for d in doc.get("releases", [])])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"the reference store's manifest cannot be read ({type(exc).__name__}); import the "
                             "CMS files again into a new folder (--reference DIR) or remove this one",
                             str(m)) from None

    def table(self, release: Release) -> pa.Table:
        return pq.read_table(self.path / release.data, schema=SCHEMAS[release.kind])

    def register(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """Create ref_releases, ref_rvu, ref_gpci, ref_ptp and ref_mue in `con` (replacing earlier ones)
        from the loaded releases, with each entry's effective_from/effective_to; empty typed tables when
        the store is empty or missing. Returns the table names."""
        releases = self.releases()
        con.execute(f"create or replace table ref_releases ({_RELEASES_DDL})")
        if releases:
            con.executemany("insert into ref_releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                [r.kind, r.release, r.part, r.effective_from, r.effective_to,
                 "; ".join(f.name + (f" (in {f.container})" if f.container else "") for f in r.files),
                 r.sha256, r.imported_at.replace(tzinfo=None), r.rows, r.title, r.source] for r in releases])
        for kind, schema in SCHEMAS.items():
            name = f"ref_{kind}"
            dates = (("release_from", "release_to") if kind == "ptp" else ("effective_from", "effective_to"))
            parts = [(r, str(self.path / r.data)) for r in releases if r.kind == kind]
            if not parts:
                cols = ", ".join(f"{f.name} {_DUCK[f.type]}" for f in schema)
                con.execute(f"create or replace table {name} ({cols}, {dates[0]} date, {dates[1]} date)")
                continue
            selects = " union all ".join(
                f"select *, cast(? as date) as {dates[0]}, cast(? as date) as {dates[1]} from read_parquet(?)"
                for _ in parts)
            params = [p for r, path in parts for p in (r.effective_from, r.effective_to, path)]
            con.execute(f"create or replace table {name} as {selects}", params)
        return list(TABLES)

    # -- writing (used by the importer, under the lock) ---------------------------------------------
    @contextlib.contextmanager
    def locked(self):
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "data").mkdir(exist_ok=True)
        with open(self.path / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def write_table(self, name: str, table: pa.Table) -> str:
        """Write a parquet file under data/ by writing a temporary file and renaming it; returns its path
        relative to the store."""
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=self.path / "data")
        os.close(fd)
        try:
            pq.write_table(table, tmp, compression="zstd")
            final = self.path / "data" / name
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return f"data/{name}"

    def write_manifest(self, releases: list[Release]) -> None:
        """Replace manifest.json atomically (temporary file, fsync, rename): a reader sees the old list
        or the new one, never a mixture."""
        doc = {"format": FORMAT, "written_by": "rcm-audit reference import",
               "releases": [r.as_json() for r in derive_effective_to(releases)]}
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.path)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path / MANIFEST)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def collect_garbage(self) -> None:
        """Remove data files no entry of the manifest names, and temporary files left by a crash."""
        keep = {r.data for r in self.releases()}
        for p in list((self.path / "data").glob("*")) + list(self.path.glob(".tmp-*")):
            rel = f"data/{p.name}" if p.parent.name == "data" else p.name
            if rel not in keep:
                with contextlib.suppress(OSError):
                    p.unlink()


_DUCK = {pa.string(): "varchar", pa.float64(): "double", pa.bool_(): "boolean", pa.int32(): "integer",
         pa.date32(): "date"}
_RELEASES_DDL = ("kind varchar, release varchar, part varchar, effective_from date, effective_to date, "
                 "files varchar, sha256 varchar, imported_at timestamp, rows bigint, title varchar, "
                 "source varchar")


def open_store(path: Path | None = None) -> ReferenceStore:
    """The store at `path`, or at the default location (see default_location)."""
    return ReferenceStore(Path(path).expanduser() if path else default_location())

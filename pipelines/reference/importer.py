"""`rcm-audit reference import FILE...`: recognise each file (or each member of a zip) by its content,
read and check it whole, then store it in one atomic step.

One file given on the command line is one import: a zip's members are stored together or not at all.
Files are independent of one another: a refused file does not stop the others.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb

from .layouts import (KIND_LABEL, Refused, Source, Unit, _rvu_release_from_names, decode, quarter_start,
                      read_gpci, read_mue, read_ptp, read_rvu, recognise)
from .store import FileRef, Release, ReferenceStore, StoreError

# Within a zip CMS ships the same table as .csv, .txt and .xlsx: read the first of these that exists.
PREFERRED = (".csv", ".txt", ".xlsx")


@dataclass
class Outcome:
    """What happened to one recognised table."""
    unit: Unit
    change: str                     # new | replaced | unchanged
    replaced: Release | None = None

    def describe(self, with_name: bool = True) -> str:
        u = self.unit
        what = KIND_LABEL[u.kind] + "".join(f", {n}" for n in u.notes[:1])
        kept = f"{u.rows_kept:,} rows kept" + (f" of {u.rows_read:,}" if u.rows_read != u.rows_kept else "")
        if u.kind == "ptp":
            kept += " (edits with a code in 9xxxx, 29xxx or G0xxx)"
        head = (f"{u.source.name}: " if with_name else "") + \
            f"{what}; {u.release}{' ' + u.part if u.part else ''} from {u.effective_from.isoformat()}; {kept}"
        if self.change == "replaced" and self.replaced:
            head += f" (replaces the copy imported {self.replaced.imported_at.date().isoformat()}, " \
                    f"sha256 {self.replaced.sha256[:12]})"
        elif self.change == "unchanged":
            head += " (already loaded)"
        return head


@dataclass
class ImportResult:
    """One file given on the command line: `imported`, `unchanged` or `refused`."""
    path: str
    status: str
    message: str
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def import_files(paths: list[Path], store: ReferenceStore) -> list[ImportResult]:
    """Import each path; never raises for a bad file (its result says `refused` and why)."""
    results = []
    for p in paths:
        try:
            units, skipped = read_units(Path(p))
        except Refused as exc:
            results.append(ImportResult(str(p), "refused", f"refused, nothing stored: {exc}"))
            continue
        try:
            results.append(commit(store, str(p), units, skipped))
        except StoreError as exc:
            results.append(ImportResult(str(p), "refused", f"not stored: {exc}"))
        except OSError as exc:
            try:
                with store.locked():
                    store.collect_garbage()
            except OSError:
                pass
            results.append(ImportResult(str(p), "refused", f"not stored, the store is as it was: {exc}"))
    return results


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------

def read_units(path: Path) -> tuple[list[Unit], list[str]]:
    """Every table in the file (a zip: every recognised member), read and checked; Refused otherwise."""
    if not path.exists():
        raise Refused("file not found")
    if path.is_dir():
        raise Refused("a folder; give the CMS files (or their zips) themselves")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Refused(f"cannot be read ({exc.strerror})") from None
    if not data:
        raise Refused("the file is empty")
    name = path.name
    sha = hashlib.sha256(data).hexdigest()
    if data[:2] == b"PK" and not _is_xlsx(name, data):
        return _read_zip(name, data, sha)
    source = Source(name, data, None, sha)
    text = _text_of(source)
    units = _read_text(text, source, zip_release=None)
    return units, []


def _is_xlsx(name: str, data: bytes) -> bool:
    if name.lower().endswith((".xlsx", ".xlsm")):
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _read_zip(name: str, data: bytes, sha: str) -> tuple[list[Unit], list[str]]:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in z.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX")]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(f"not a readable zip file ({exc})") from None
    by_stem: dict[str, list[zipfile.ZipInfo]] = {}
    for m in members:
        p = PurePosixPath(m.filename)
        by_stem.setdefault(str(p.with_suffix("")).lower(), []).append(m)
    chosen, skipped = [], []
    for stem, group in sorted(by_stem.items()):
        ranked = sorted(group, key=lambda m: (PREFERRED.index(PurePosixPath(m.filename).suffix.lower())
                                              if PurePosixPath(m.filename).suffix.lower() in PREFERRED else 99))
        chosen.append(ranked[0])
        skipped += [PurePosixPath(m.filename).name + " (same table)" for m in ranked[1:]]
    sources = []
    for m in chosen:
        try:
            sources.append(Source(PurePosixPath(m.filename).name, z.read(m), container=name,
                                  container_sha256=sha))
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, RuntimeError, EOFError,
                NotImplementedError) as exc:
            raise Refused(f"its member {PurePosixPath(m.filename).name} cannot be read ({exc}): "
                          "the zip is damaged") from None
    # PPRRVU members first: a GPCI member belongs to the RVU release of its zip.
    texts = [(s, _text_of(s)) for s in sources]
    recognised = [(s, t, recognise(t)) for s, t in texts]
    order = {"rvu": 0, "gpci": 1, "ptp": 2, "mue": 3}
    units: list[Unit] = []
    zip_release = None
    from_name = _rvu_release_from_names(name)
    for s, t, h in sorted(recognised, key=lambda x: order.get(x[2].kind, 9) if x[2] else 9):
        if h is None:
            skipped.append(s.name)
            continue
        if h.kind == "gpci" and zip_release is None and from_name:
            zip_release = (f"RVU{from_name[0] % 100:02d}{'ABCD'[from_name[1] - 1]}",
                           quarter_start(*from_name))
        try:
            got = _read_text(t, s, zip_release=zip_release, header=h)
        except Refused as exc:
            raise Refused(f"{s.name}: {exc}") from None
        for u in got:
            if u.kind == "rvu":
                zip_release = (u.release, u.effective_from)
        units += got
    if not units:
        raise Refused(f"none of its {len(sources)} files is a CMS PPRRVU, GPCI, NCCI PTP or MUE file")
    keys = [u.key for u in units]
    dup = next((k for k in keys if keys.count(k) > 1), None)
    if dup:
        names = [u.source.name for u in units if u.key == dup]
        raise Refused(f"{' and '.join(names)} are the same release ({dup}); a zip holds one copy of each")
    return units, skipped


def _text_of(source: Source) -> str:
    if _is_xlsx(source.name, source.data) and source.data[:2] == b"PK":
        return _xlsx_to_csv(source)
    return decode(source.data)


def _xlsx_to_csv(source: Source) -> str:
    """The first sheet of a workbook holding a known header, as CSV text (openpyxl, read-only)."""
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many types for a damaged workbook
        raise Refused(f"not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        first = None
        for ws in wb.worksheets:
            out = io.StringIO()
            w = csv.writer(out, lineterminator="\n")
            for row in ws.iter_rows(values_only=True):
                w.writerow([_cell(v) for v in row])
            text = out.getvalue()
            if recognise(text):
                return text
            first = first if first is not None else text
        return first or ""
    finally:
        wb.close()


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.strftime("%Y%m%d")
    return str(v)


def _read_text(text: str, source: Source, zip_release, header=None) -> list[Unit]:
    h = header or recognise(text)
    if h is None:
        if re.match(r"HDR", text[:3]):
            raise Refused("this is the fixed-width text copy of a CMS file (lines starting HDR); import "
                          "the RVU zip itself or the .csv file in it")
        raise Refused("not a CMS PPRRVU, GPCI, NCCI PTP or MUE file: none of their headers is in its first "
                      "80 lines")
    con = duckdb.connect(":memory:")
    try:
        with tempfile.TemporaryDirectory(prefix="rcm-ref-") as work:
            w = Path(work)
            if h.kind == "rvu":
                return [read_rvu(con, text, h, source, w)]
            if h.kind == "gpci":
                return [read_gpci(con, text, h, source, w, zip_release)]
            if h.kind == "ptp":
                return [read_ptp(con, text, h, source, w)]
            return [read_mue(con, text, h, source, w)]
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------------
# Storing
# ---------------------------------------------------------------------------------------------------

def commit(store: ReferenceStore, path: str, units: list[Unit], skipped: list[str]) -> ImportResult:
    """Store the units of one file in one step: write their parquet files, then replace the manifest.
    Until the manifest is replaced no reader sees anything new; if anything fails before, the files just
    written are removed and the store is as it was."""
    with store.locked():
        store.collect_garbage()
        current = {r.key: r for r in store.releases()}
        outcomes = []
        for u in units:
            old = current.get(u.key)
            if old and old.sha256 == u.source.sha256:
                outcomes.append(Outcome(u, "unchanged", old))
            else:
                outcomes.append(Outcome(u, "replaced" if old else "new", old))
        if all(o.change == "unchanged" for o in outcomes):
            labels = "; ".join(f"{o.replaced.label} ({KIND_LABEL[o.unit.kind]}, from "
                               f"{o.replaced.effective_from.isoformat()}, {o.unit.source.name} sha256 "
                               f"{o.unit.source.sha256[:12]})" for o in outcomes)
            return ImportResult(path, "unchanged", f"already loaded: {labels}; nothing changed", outcomes, skipped)
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        written: list[str] = []
        try:
            new = dict(current)
            for o in outcomes:
                if o.change == "unchanged":
                    continue
                u = o.unit
                fname = "-".join(x for x in (u.kind, u.release, u.part, u.effective_from.strftime("%Y%m%d"),
                                             u.source.sha256[:12]) if x) + ".parquet"
                rel = store.write_table(re.sub(r"[^A-Za-z0-9._-]", "_", fname), u.table)
                written.append(rel)
                files = (FileRef(u.source.name, u.source.sha256, u.source.container,
                                 u.source.container_sha256),)
                new[u.key] = Release(kind=u.kind, release=u.release, part=u.part,
                                     effective_from=u.effective_from, effective_to=None, files=files,
                                     imported_at=now, rows=u.rows_kept, rows_read=u.rows_read, data=rel,
                                     title=u.title, notes=tuple(u.notes))
            store.write_manifest(list(new.values()))
        except BaseException:
            for rel in written:
                if rel not in {r.data for r in current.values()}:
                    try:
                        (store.path / rel).unlink()
                    except OSError:
                        pass
            raise
        store.collect_garbage()
    changed = [o for o in outcomes if o.change != "unchanged"]
    releases = sorted({o.unit.release for o in changed})
    verb = "replaced" if all(o.change == "replaced" for o in changed) else "imported"
    return ImportResult(path, "imported", f"{verb} {', '.join(releases)}", outcomes, skipped)


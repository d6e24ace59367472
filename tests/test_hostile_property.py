"""Property: whatever happens to the bytes of real X12 files — the public corpus (/work/shared/x12-corpus),
the sample practice's 837s and 835s, and the planted-PHI files of tests/hostile_inputs.py — truncations, stray
bytes, lost or wrong delimiters, huge elements, odd values (inf, NaN, 1e400, impossible dates), deleted and
repeated segments, the ingest of a folder of them:

  * raises no exception (ingest_paths answers every file);
  * gives every file its ingest-log row (a copy of another file's bytes: 'duplicate');
  * reconciles: the claims (CLM/CLP) and lines (SV1/SVC) the file holds = loaded + rejected, and the loaded
    ones are the rows of the raw tables that name the file;
  * puts no planted PHI string in any message (ingest_log, ingest_issues).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_inputs import leaks, phi_835, phi_837
from pipelines.ingest import ingest_paths
from pipelines.ingest.x12_split import X12FormatError, code, split
from pipelines.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/work/shared/x12-corpus")


def _sources() -> list[bytes]:
    files = sorted((ROOT / "sample_data" / "837").rglob("*"))[:3] + sorted((ROOT / "sample_data" / "835").rglob("*"))[:3]
    if CORPUS.is_dir():
        files += [p for p in sorted(CORPUS.rglob("*")) if p.suffix.lower() not in (".json", ".md")][::8]
    data = [p.read_bytes() for p in files if p.is_file() and p.stat().st_size < 200_000]
    return [phi_837().encode(), phi_835().encode()] * 3 + data


SOURCES = _sources()
ODD_VALUES = [b"inf", b"-inf", b"NaN", b"Infinity", b"1e400", b"1e9", b"-5", b"150", b"20251340", b"20250230",
              b"NOTADATE", b"", b"QUIXOTEVANDER", b"19470312", b"X" * 100_000, "\u00e9\u2028".encode()]


@st.composite
def mutation(draw):
    kind = draw(st.sampled_from(["truncate", "stray", "insert", "delete_byte", "value", "glue", "delimiter",
                                 "drop_segment", "repeat_segment"]))
    return kind, draw(st.floats(0, 1)), draw(st.integers(0, 255)), draw(st.sampled_from(ODD_VALUES))


def _apply(data: bytes, kind: str, where: float, byte: int, value: bytes) -> bytes:
    b = bytearray(data)
    if not b:
        return data
    i = min(int(where * len(b)), len(b) - 1)
    term = data[105:106] if data.startswith(b"ISA") and len(data) > 106 else b"~"
    if kind == "truncate":
        return bytes(b[:i])
    if kind == "stray":
        b[i] = byte
    elif kind == "insert":
        b[i:i] = bytes([byte])
    elif kind == "delete_byte":
        del b[i]
    elif kind in ("value", "drop_segment", "repeat_segment"):
        segs = bytes(b).split(term)
        k = min(int(where * len(segs)), len(segs) - 1)
        if kind == "drop_segment":
            del segs[k]
        elif kind == "repeat_segment":
            segs.insert(k, segs[k])
        else:
            els = segs[k].split(data[3:4] if data.startswith(b"ISA") else b"*")
            if len(els) > 1:
                els[1 + (byte % (len(els) - 1))] = value
            segs[k] = (data[3:4] if data.startswith(b"ISA") else b"*").join(els)
        return term.join(segs)
    elif kind == "glue":                                    # a lost terminator: two segments become one
        j = bytes(b).find(term, i)
        if j >= 0:
            b[j:j + 1] = bytes([byte]) if byte not in term else b"x"
    elif kind == "delimiter":                               # one delimiter replaced throughout the body
        if data.startswith(b"ISA") and len(b) > 110:
            old = bytes([b[[3, 104, 105][byte % 3]]])
            b[106:] = bytes(b[106:]).replace(old, bytes([byte]) if bytes([byte]) != old else b"|")
    return bytes(b)


@st.composite
def damaged_file(draw):
    data = draw(st.sampled_from(SOURCES))
    for m in draw(st.lists(mutation(), min_size=1, max_size=4)):
        data = _apply(data, *m)
    return data


def _held(data: bytes) -> tuple[int, int]:
    """Claims (CLM, CLP) and lines (SV1, SVC) a file holds, counted by segment id; 0, 0 when it cannot even
    be split (then the reader rejects it whole)."""
    try:
        segs = split(data)
    except (X12FormatError, ValueError):
        return 0, 0
    ids = segs.seg_code
    return (int(np.isin(ids, [code("CLM"), code("CLP")]).sum()), int(np.isin(ids, [code("SV1"), code("SVC")]).sum()))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(files=st.lists(damaged_file(), min_size=1, max_size=4))
def test_any_damage_is_answered_file_by_file(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("damaged")
    names = [f"file{k}.x12" for k in range(len(files))]
    for name, data in zip(names, files):
        (folder / name).write_bytes(data)
    con = connect(":memory:")
    try:
        results = ingest_paths(con, [folder])                            # no exception escapes
        log = {row[0]: row[1:] for row in con.execute(
            "select source_file, kind, status, claims_loaded, claims_rejected, lines_loaded, lines_rejected "
            "from ingest_log").fetchall()}
        assert sorted(log) == names and len(results) == len(names)      # one row per file
        first_seen: dict[bytes, str] = {}
        for name, data in zip(names, files):
            kind, status, c_loaded, c_rejected, l_loaded, l_rejected = log[name]
            if status == "duplicate":
                assert data in first_seen, name
                continue
            first_seen.setdefault(data, name)
            if kind in ("837P", "835", "unknown"):
                claims, lines = _held(data)
                assert (c_loaded + c_rejected, l_loaded + l_rejected) == (claims, lines), (name, log[name])
                rows_c = con.execute("select (select count(*) from claims where source_file = $f)"
                                     " + (select count(*) from remit_claims where source_file = $f)", {"f": name}).fetchone()[0]
                rows_l = con.execute("select (select count(*) from claim_lines where source_file = $f)"
                                     " + (select count(*) from remit_lines where source_file = $f)", {"f": name}).fetchone()[0]
                assert (rows_c, rows_l) == (c_loaded, l_loaded), name
        messages = "\n".join(map(str, con.execute("select message from ingest_log").fetchall()
                                 + con.execute("select place, reason from ingest_issues").fetchall()))
        assert leaks(messages) == []
    finally:
        con.close()

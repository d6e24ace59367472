"""X12 reader: 837P (005010X222A1) and 835 (005010X221A1) files -> raw tables.

How it works (all in bulk, no per-segment Python loop):

1. `x12_split.split` decodes the file (BOM, UTF-16), reads each interchange's delimiters from its ISA
   (or guesses them for an envelope-less ST/GS file) and finds every segment's byte range with one numpy
   comparison; delimiters are rewritten to canonical chr(31) / chr(30). Each segment gets a packed code of
   its id and of its first element (its qualifier: DTM*472, NM1*QC, REF*6R ...).
2. Here, the loop each segment belongs to is computed with running maxima over segment positions
   (`_Context.within`: "the last CLP since the last LX/SE/PLB" ...), and for every loop the segments the
   mapping needs are picked (first DTM*472 of each SVC, first NM1*QC of each CLP ...). The envelope
   (ISA/GS/ST/SE/GE/IEA, a few segments per transaction) is checked in plain Python.
3. One Arrow table per loop is registered in DuckDB (its texts are string views into the file's buffer:
   nothing is copied), and sql/ingest/x12_835.sql / x12_837.sql insert straight from them into the raw
   tables with set-based SQL; a second, cheap query per table lists the values that could not be read.
   The macros are created once per connection. `read_x12_many` maps many small files in one pass (their
   tables concatenated, positions tagged with the file number), which is most of a small file's cost.
4. Values have limits, checked here, before any staging arithmetic: units 0-99 per line, |amount| below
   1,000,000, dates real calendar dates in 1900-2099 (every DTM, DTP, DMG, BHT04, BPR16, PLB02, GS04, ISA09:
   `_date_issues`); anything else is stored as NULL with a warning at its segment and element. Messages
   name the place and quote a value only through pipelines/messages.py (`shown_like`: never a PHI element,
   never a whole segment, and only in a shape that cannot be a name, id or birth date).
"""
from __future__ import annotations

import calendar
import pathlib
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from ..messages import place as _place
from ..messages import shown_like
from ..resources import read_sql
from ..warehouse import out_of_memory_advice
from .result import FileResult, Issue
from .x12_split import ELEM, X12FormatError, Segments, arrow_of, code, decode, first_content, split, uncode

__all__ = ["looks_like_x12", "read_x12", "read_x12_many"]

_MAX_ISSUES_PER_REASON = 50

# What a value may look like to be quoted in a message (messages.shown_like). In a damaged file a lost
# segment terminator can move a name, member id or birth date into any element, so only shapes that are
# none of those are quoted; anything else is left to the place (segment number and element).
_LIKE_COUNT = r"[0-9]{1,7}"                   # SE01, GE01, IEA01 (8 digits could be a birth date)
# GS08, ST03, ISA12: 005010X222A1, 00501, 999999X999X9 (never 8 digits alone: a birth date)
_LIKE_VERSION = r"00[0-9]{3,4}(X[0-9]{3}[0-9A-Z]{0,3})?|[0-9]{6}X[0-9]{3}[0-9A-Z]{0,3}"
_LIKE_TX_TYPE = r"[0-9]{3}"                                   # ST01
_LIKE_QUALIFIER = r"[0-9A-Z]{1,3}"                            # DTM01, DTP01, DTP02, AMT01
# a number that is not a date or an id: inf / nan, exponent notation, or at most 4 integer digits
_LIKE_NUMBER = r"(?i)[-+]?(inf|infinity|nan|[0-9]*\.?[0-9]+e[-+]?[0-9]+|[0-9]{0,4}(\.[0-9]{0,4})?)"
# 8 digits that are not a calendar date (a birth date always is one); ISA09's 6 digits
_LIKE_DATE = r"[0-9]{8}"
_LIKE_DATE6 = r"[0-9]{6}"

# segment ids
ISA, IEA, GS, GE, ST, SE = (code(s) for s in ("ISA", "IEA", "GS", "GE", "ST", "SE"))
HL, CLM, LX, SV1, SBR, NM1, N4, DMG, REF, DTP, HI, BHT, PAT = (
    code(s) for s in ("HL", "CLM", "LX", "SV1", "SBR", "NM1", "N4", "DMG", "REF", "DTP", "HI", "BHT", "PAT"))
CLP, SVC, CAS, PLB, BPR, TRN, N1, DTM, AMT, LQ = (
    code(s) for s in ("CLP", "SVC", "CAS", "PLB", "BPR", "TRN", "N1", "DTM", "AMT", "LQ"))
_ENVELOPE = (ISA, IEA, GS, GE, ST, SE)


# ---------------------------------------------------------------------------------------------------
# public interface

def looks_like_x12(head: bytes) -> bool:
    """True when the first bytes of a file look like X12: an ISA header, or an envelope-less GS/ST start."""
    try:
        b, _ = decode(head[:4096])
    except Exception:
        return False
    p = first_content(b)
    b = b[p:p + 16]
    if len(b) < 4:
        return False
    sep = b[3:4]
    if b[:3] == b"ISA":
        return not sep.isalnum() and not sep.isspace()
    sep = b[2:3]
    if sep.isalnum() or sep.isspace() or not sep:
        return False
    if b[:2] == b"GS":
        return b[3:5].isalpha() and b[5:6] == sep
    if b[:2] == b"ST":
        return b[3:6].isdigit() and b[6:7] == sep
    return False


def read_x12(con: duckdb.DuckDBPyConnection, path: pathlib.Path, source_file: str) -> FileResult:
    """Read one X12 file into the raw tables. Never raises: a file that cannot be read comes back with
    status 'rejected' and the reason."""
    res = FileResult(source_file=source_file, kind="unknown")
    prep = _prepare_file(path, res)
    return res if prep is None else _load_one(con, prep)


def read_x12_many(con: duckdb.DuckDBPyConnection,
                  files: list[tuple[pathlib.Path, str]]) -> list[FileResult]:
    """Read several X12 files, (path, source_file) each, into the raw tables: the same FileResults, rows
    and issues as `read_x12` on each in turn, but the loop tables of all the files are concatenated and
    mapped in one pass (one set of SQL statements instead of one per file), in one transaction. When that
    pass fails, or when the caller has a transaction open, each file is read on its own with `read_x12`."""
    return load_many(con, files, prepare_many(files))


def prepare_many(files: list[tuple[pathlib.Path, str]]) -> "_Batch":
    """The reading half of `read_x12_many`, with no database: each file read, split and turned into its loop
    tables (numpy and Arrow). It can run on another thread while the database maps the previous batch."""
    results: list[FileResult | None] = [None] * len(files)
    preps: list[tuple[int, _Prepared]] = []
    for i, (path, source_file) in enumerate(files):
        res = FileResult(source_file=source_file, kind="unknown")
        prep = _prepare_file(path, res)
        if prep is None:
            results[i] = res
        else:
            preps.append((i, prep))
    return results, preps


def load_many(con: duckdb.DuckDBPyConnection, files: list[tuple[pathlib.Path, str]],
              batch: "_Batch") -> list[FileResult]:
    """The mapping half of `read_x12_many`: the prepared files into the raw tables, in one pass."""
    results, preps = batch
    own_tx = len(preps) > 1 and _begin(con)     # False: the caller has a transaction open, so a failed
    if own_tx:                                  # pass could not be undone: the files are mapped one by one
        try:
            _load(con, [p for _, p in preps])
            done = [(i, _finish(p)) for i, p in preps]
            con.execute("commit")
        except Exception:  # noqa: BLE001 - undo the whole pass and read the files one by one
            _rollback(con)
            done = [(i, read_x12(con, *files[i])) for i, _ in preps]
    elif len(preps) == 1:
        done = [(preps[0][0], _load_one(con, preps[0][1]))]
    else:
        done = [(i, read_x12(con, *files[i])) for i, _ in preps]
    for i, r in done:
        results[i] = r
    return results  # type: ignore[return-value]


def _load_one(con: duckdb.DuckDBPyConnection, prep: "_Prepared") -> FileResult:
    res = prep.res
    try:
        _load_own_tx(con, [prep])
        return _finish(prep)
    except Exception as e:  # noqa: BLE001 - the orchestrator must never see a traceback
        # the load was rolled back: every claim and line of the loop tables is rejected (seen = loaded + rejected)
        res.claims_rejected += sum(len(prep.tables[t]) for t in ("x12_clm", "x12_clp") if t in prep.tables)
        res.lines_rejected += sum(len(prep.tables[t]) for t in ("x12_sv1", "x12_svc") if t in prep.tables)
        res.claims_loaded = res.lines_loaded = 0
        if isinstance(e, duckdb.OutOfMemoryException):   # not the file's fault: say what to change
            return _reject(res, f"not loaded: {out_of_memory_advice()}")
        return _reject(res, f"could not read the X12 file ({type(e).__name__})")


def _prepare_file(path: pathlib.Path, res: FileResult) -> "_Prepared | None":
    """Read, split and analyse one file and build its loop tables; None when the file is already decided
    (rejected) and `res` is final."""
    try:
        raw = pathlib.Path(path).read_bytes()
    except OSError as e:
        _reject(res, f"cannot read the file: {e.strerror or e}")
        return None
    try:
        return _prepare(raw, res)
    except X12FormatError as e:
        _reject(res, str(e))
        return None
    except Exception as e:  # noqa: BLE001 - the orchestrator must never see a traceback
        _reject(res, f"could not read the X12 file ({type(e).__name__})")
        return None


def _reject(res: FileResult, reason: str, place: str = "file") -> FileResult:
    res.status = "rejected"
    res.message = reason
    res.issues.append(Issue(place, reason, "error"))
    return res


# ---------------------------------------------------------------------------------------------------
# context: which loop each segment belongs to

class _Context:
    """Per-segment arrays over positions 1..n (0 = none)."""

    def __init__(self, segs: Segments):
        self.segs = segs
        self.n = segs.n
        self.pos = np.arange(1, self.n + 1, dtype=np.int32 if self.n < 2**31 - 1 else np.int64)
        self.code = segs.seg_code
        self.qual = segs.qual_code
        self._masks: dict[int, np.ndarray] = {}

    def is_(self, *ids: int) -> np.ndarray:
        out = None
        for i in ids:
            m = self._masks.get(i)
            if m is None:
                m = self._masks[i] = self.code == i
            out = m if out is None else (out | m)
        return out if out is not None else np.zeros(self.n, bool)

    def q(self, seg_id: int, qual: str) -> np.ndarray:
        return self.is_(seg_id) & (self.qual == code(qual))

    def last(self, mask: np.ndarray) -> np.ndarray:
        return np.maximum.accumulate(np.where(mask, self.pos, 0)) if self.n else np.zeros(0, self.pos.dtype)

    def within(self, anchor: np.ndarray, reset: np.ndarray) -> np.ndarray:
        """Position of the last anchor segment when no reset segment came after it, else 0."""
        a = self.last(anchor)
        r = self.last(reset & ~anchor)
        return np.where(a > r, a, 0)


def _pick(anchor_pos: np.ndarray, owner: np.ndarray, match: np.ndarray) -> np.ndarray:
    """For each anchor (sorted positions), the 0-based index of the first segment matching `match` whose
    owner (a context array) is that anchor; -1 when none."""
    out = np.full(len(anchor_pos), -1, np.int64)
    m = np.flatnonzero(match & (owner > 0))
    if not len(m) or not len(anchor_pos):
        return out
    own = owner[m]
    first = np.ones(len(m), bool)
    first[1:] = own[1:] != own[:-1]
    m, own = m[first], own[first]
    r = np.searchsorted(anchor_pos, own)
    ok = r < len(anchor_pos)
    ok[ok] = anchor_pos[r[ok]] == own[ok]
    out[r[ok]] = m[ok]
    return out


def _pick_all(anchor_pos: np.ndarray, owner: np.ndarray, match: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every matching segment whose owner is one of the anchors: (owner positions, 0-based indexes)."""
    m = np.flatnonzero(match & (owner > 0))
    own = owner[m]
    keep = _member(own, anchor_pos, len(owner))
    return own[keep], m[keep]


def _member(values: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    """values (positions 0..n) that are in `positions`, as a boolean array (0 is never a member)."""
    flag = np.zeros(n + 1, bool)
    flag[positions] = True
    flag[0] = False
    return flag[values]


# ---------------------------------------------------------------------------------------------------
# envelope

@dataclass
class _Tx:
    st_idx: int
    control: str
    type: str
    version: str
    isa_idx: int
    gs_idx: int
    se_idx: int = -1
    status: str = "ok"            # ok | broken | rejected | ignored
    reason: str = ""


@dataclass
class _Envelope:
    txs: list[_Tx] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    last_iea_idx: int = -1


def _int(s: str) -> int | None:
    try:
        return int(s.strip())
    except (ValueError, AttributeError):
        return None


def _el(els: list[str], i: int) -> str:
    return els[i] if i < len(els) else ""


def _walk_envelope(segs: Segments, ctx: _Context) -> _Envelope:
    env = _Envelope()
    idxs = np.flatnonzero(np.isin(ctx.code, _ENVELOPE))
    isa = gs = st = None          # dicts for the open envelope levels

    def place(i):
        return _place(segment=i + 1, segment_id=uncode(int(ctx.code[i])))

    def tx_name(t):
        return f"the transaction at {_place(segment=t.st_idx + 1, segment_id='ST')}"

    def said_count(els, el):
        return shown_like(_el(els, 1), _LIKE_COUNT, el) or "(not a count)"

    def close_broken(why):
        nonlocal st
        if st is not None:
            st.status, st.reason = "broken", why
            env.txs.append(st)
            st = None

    for i in idxs.tolist():
        c = int(ctx.code[i])
        els = segs.elements(i)
        if c == ISA:
            close_broken(f"{tx_name(st)} has no SE before the next ISA" if st else "")
            if gs is not None:
                env.issues.append(Issue(place(gs["idx"]), "functional group has no GE", "warning"))
            if isa is not None:
                env.issues.append(Issue(place(isa["idx"]), "interchange has no IEA", "warning"))
            isa = {"idx": i, "gs": 0, "isa12": _el(els, 12).strip(), "isa13": _el(els, 13)}
            gs = None
        elif c == GS:
            close_broken(f"{tx_name(st)} has no SE before the next GS" if st else "")
            if gs is not None:
                env.issues.append(Issue(place(gs["idx"]), "functional group has no GE", "warning"))
            gs = {"idx": i, "st": 0, "gs08": _el(els, 8).strip(), "ctrl": _el(els, 6)}
            if isa is not None:
                isa["gs"] += 1
        elif c == ST:
            close_broken(f"{tx_name(st)} has no SE before the next ST" if st else "")
            st03 = _el(els, 3).strip()
            if gs is not None:
                version = gs["gs08"] or st03
            else:
                version = st03 or (isa["isa12"] if isa else "")
            st = _Tx(st_idx=i, control=_el(els, 2), type=_el(els, 1).strip(), version=version,
                     isa_idx=isa["idx"] if isa else -1, gs_idx=gs["idx"] if gs else -1)
            if gs is not None:
                gs["st"] += 1
        elif c == SE:
            if st is None:
                env.issues.append(Issue(place(i), "SE without a matching ST", "warning"))
                continue
            st.se_idx = i
            count = i - st.st_idx + 1
            declared = _int(_el(els, 1))
            if declared != count:
                env.issues.append(Issue(place(i), f"SE01 {said_count(els, 'SE01')} does not match the {count} "
                                                  f"segments of {tx_name(st)}; loaded anyway", "warning"))
            if _el(els, 2).strip() and _el(els, 2).strip() != st.control.strip():
                env.issues.append(Issue(place(i), f"SE02 does not match ST02 of {tx_name(st)}", "warning"))
            env.txs.append(st)
            st = None
        elif c == GE:
            close_broken(f"{tx_name(st)} has no SE before GE" if st else "")
            if gs is None:
                env.issues.append(Issue(place(i), "GE without a matching GS", "warning"))
            else:
                declared = _int(_el(els, 1))
                if declared != gs["st"]:
                    env.issues.append(Issue(place(i), f"GE01 {said_count(els, 'GE01')} does not match the "
                                                      f"{gs['st']} transactions of the group; loaded anyway", "warning"))
            gs = None
        elif c == IEA:
            close_broken(f"{tx_name(st)} has no SE before IEA" if st else "")
            if gs is not None:
                env.issues.append(Issue(place(gs["idx"]), "functional group has no GE", "warning"))
                gs = None
            if isa is None:
                env.issues.append(Issue(place(i), "IEA without a matching ISA", "warning"))
            else:
                declared = _int(_el(els, 1))
                if declared != isa["gs"]:
                    env.issues.append(Issue(place(i), f"IEA01 {said_count(els, 'IEA01')} does not match the "
                                                      f"{isa['gs']} groups of the interchange; loaded anyway", "warning"))
            isa = None
            env.last_iea_idx = i
    if st is not None:
        close_broken(f"the file ends inside {tx_name(st)} (no SE): truncated")
    if gs is not None:
        env.issues.append(Issue(place(gs["idx"]), "functional group has no GE (file truncated?)", "warning"))
    if isa is not None:
        env.issues.append(Issue(place(isa["idx"]), "interchange has no IEA (file truncated?)", "warning"))
    env.txs.sort(key=lambda t: t.st_idx)
    return env


def _not_loaded(n_claims: int, n_lines: int) -> str:
    return f" ({n_claims} claims, {n_lines} lines not loaded)" if (n_claims or n_lines) else ""


def _st_place(tx: _Tx) -> str:
    return _place(segment=tx.st_idx + 1, segment_id="ST")


def _classify(tx: _Tx) -> tuple[str, str]:
    """(status, reason) of a complete transaction from its type and version."""
    v = tx.version

    def version() -> str:
        return shown_like(v, _LIKE_VERSION, "version") or "(unreadable)"

    if tx.type not in ("835", "837"):
        kind = shown_like(tx.type, _LIKE_TX_TYPE, "ST01") or ("(none)" if not tx.type else "(unreadable)")
        return "ignored", f"transaction set {kind} is not an 837P or 835: ignored"
    if v.startswith("00401") or v.startswith("4010"):
        return "rejected", (f"X12 version {version()} (4010) is not supported: "
                            f"ask the clearinghouse for the 5010 file")
    if tx.type == "837" and ("X223" in v or "X224" in v):
        kind = "837I (institutional)" if "X223" in v else "837D (dental)"
        return "rejected", f"{kind} claims ({version()}) are not supported: only 837P professional claims are read"
    if v.startswith("00501") or "5010" in v:
        return "ok", ""
    return "ok", (f"X12 version {version()} is not 5010: read as 5010 (best effort)" if v
                  else "no X12 version given (no GS08/ST03): read as 5010 (best effort)")


# ---------------------------------------------------------------------------------------------------
# the reader

@dataclass
class _Prepared:
    """A file split and analysed, with its loop tables, waiting for the mapping SQL (`_load`)."""
    res: FileResult
    env: _Envelope
    kinds: dict[str, int]
    tables: dict[str, pa.Table]
    value_issues: dict[str, list[Issue]] = field(default_factory=dict)


_Batch = tuple[list["FileResult | None"], list[tuple[int, _Prepared]]]   # prepare_many -> load_many


def _prepare(raw: bytes, res: FileResult) -> _Prepared | None:
    if not raw[:65536].strip(b" \t\r\n\x00") and not raw.strip(b" \t\r\n\x00"):   # no 20 MB copy
        _reject(res, "the file is empty")
        return None
    segs = split(raw)
    res.segments = segs.n
    for sev, note in segs.notes:
        if sev != "info":
            res.issues.append(Issue("file", note, sev))
    ctx = _Context(segs)
    env = _walk_envelope(segs, ctx)
    res.issues.extend(env.issues)
    if not env.txs:
        res.claims_rejected = int(np.count_nonzero(ctx.is_(CLM, CLP)))      # seen = loaded + rejected
        res.lines_rejected = int(np.count_nonzero(ctx.is_(SV1, SVC)))
        _reject(res, "no ST transaction set found in the X12 file" + _not_loaded(res.claims_rejected,
                                                                                   res.lines_rejected))
        return None

    # classify transactions
    ok_st: list[int] = []
    kinds = {"835": 0, "837": 0}
    version_warned: set[str] = set()
    for tx in env.txs:
        if tx.type in kinds:
            kinds[tx.type] += 1
        if tx.status == "broken":
            continue
        tx.status, tx.reason = _classify(tx)
        if tx.status == "ok":
            ok_st.append(tx.st_idx + 1)
            if tx.reason and tx.version not in version_warned:
                version_warned.add(tx.version)
                res.issues.append(Issue(_st_place(tx), tx.reason, "warning"))
        elif tx.status == "ignored":
            res.issues.append(Issue(_st_place(tx), tx.reason, "warning"))
    n_clp = int(np.count_nonzero(ctx.is_(CLP)))
    n_clm = int(np.count_nonzero(ctx.is_(CLM)))
    if n_clp != n_clm:                      # a file holding both: the kind of the majority of its claims
        res.kind = "835" if n_clp > n_clm else "837P"
    else:
        res.kind = "835" if kinds["835"] > kinds["837"] else ("837P" if kinds["837"] else "unknown")

    c = _contexts(ctx)
    ok_st_pos = np.array(sorted(ok_st), np.int64)
    seg_ok = _member(c["st"], ok_st_pos, ctx.n)

    # what is seen vs loaded, per transaction (for counts and error issues)
    is_claim = ctx.is_(CLM, CLP)
    is_line = ctx.is_(SV1, SVC)
    claims_per_st = dict(zip(*np.unique(c["st"][is_claim], return_counts=True)))
    lines_per_st = dict(zip(*np.unique(c["st"][is_line], return_counts=True)))
    for tx in env.txs:
        if tx.status == "ok":
            continue
        n_claims = int(claims_per_st.get(tx.st_idx + 1, 0))
        n_lines = int(lines_per_st.get(tx.st_idx + 1, 0))
        if tx.status == "ignored" and not (n_claims or n_lines):
            continue                         # an acknowledgement or the like: its warning is enough
        res.claims_rejected += n_claims
        res.lines_rejected += n_lines
        res.issues.append(Issue(_st_place(tx), tx.reason + _not_loaded(n_claims, n_lines), "error"))
    # claims and lines of the other transaction type (a CLP in an 837, an SV1 in an 835) are not read
    ok_types = {tx.type for tx in env.txs if tx.status == "ok"}
    if ("835" in ok_types and ctx.is_(CLM, SV1).any()) or ("837" in ok_types and ctx.is_(CLP, SVC).any()):
        st_type = np.zeros(ctx.n + 1, np.int32)
        for tx in env.txs:
            if tx.status == "ok":
                st_type[tx.st_idx + 1] = 835 if tx.type == "835" else 837
        own_type = st_type[c["st"]]
        misplaced = (ctx.is_(CLM, SV1) & (own_type == 835)) | (ctx.is_(CLP, SVC) & (own_type == 837))
    else:
        misplaced = np.zeros(0, bool)
    if misplaced.any():
        n_claims = int(np.count_nonzero(misplaced & is_claim))
        n_lines = int(np.count_nonzero(misplaced & is_line))
        res.claims_rejected += n_claims
        res.lines_rejected += n_lines
        i = int(np.flatnonzero(misplaced)[0])
        res.issues.append(Issue(_place(segment=i + 1, segment_id=uncode(int(ctx.code[i]))),
                                f"claim or line segment(s) of the other transaction type (837 vs 835) not "
                                f"read{_not_loaded(n_claims, n_lines)}", "error"))
    orphan = (c["st"] == 0)
    n_oc = int(np.count_nonzero(orphan & is_claim))
    n_ol = int(np.count_nonzero(orphan & is_line))
    res.claims_rejected += n_oc
    res.lines_rejected += n_ol
    _report_outside(ctx, c, env, res, n_oc, n_ol)
    bad_ids = np.flatnonzero((ctx.code == 0) & seg_ok)
    if len(bad_ids):
        i = int(bad_ids[0])
        res.issues.append(Issue(_place(segment=i + 1), f"{len(bad_ids)} segment(s) with an unreadable segment "
                                f"id skipped (the first here)", "warning"))

    tables = {}
    if any(t.status == "ok" and t.type == "835" for t in env.txs):
        tables.update(_tables_835(ctx, c, seg_ok, res))
    if any(t.status == "ok" and t.type == "837" for t in env.txs):
        tables.update(_tables_837(ctx, c, seg_ok, res))
    if tables:                     # every date of the loaded transactions and of the envelope
        dated = ctx.code == DTM                      # (not ctx.is_: no cached masks for these)
        for seg_id in (DTP, DMG, BHT, BPR, PLB):
            dated |= ctx.code == seg_id
        dated = (dated & seg_ok) | ctx.is_(ISA, GS)
        res.issues.extend(_date_issues(segs, np.flatnonzero(dated)))
    # rows are inserted, counted and checked by the mapping SQL (`_load`), then `_finish` completes res
    return _Prepared(res, env, kinds, tables)


def _date_issues(segs: Segments, idx: np.ndarray) -> list[Issue]:
    """Every date the segments `idx` carry (DTM, DTP, DMG, BHT, BPR, PLB, GS, ISA) checked where it is: a
    real calendar date, CCYYMMDD in 1900-2099 (ISA09: YYMMDD), or a warning at its segment and element.
    The mapping reads dates with x12_date (sql/ingest/x12_macros.sql), which accepts exactly these, so a
    date reported here is one stored as empty, or one the raw tables do not keep (the 835 production date
    DTM*405, DTP*431 onset ...): reported all the same. The usual shapes are cleared in bulk by numpy
    (`_dates_certainly_valid`); only the rest is looked at one segment at a time."""
    issues: list[Issue] = []
    more = 0
    if len(idx) > _DATES_ONE_BY_ONE:                # numpy's fixed cost pays from about this many on
        idx = idx[~_dates_certainly_valid(segs, idx)]
    data, starts, ends = segs.data, segs.starts, segs.ends
    for i in idx.tolist():
        els = data[starts[i]:ends[i]].tobytes().decode("utf-8", "replace").split(_E)
        for el, what, value, q in _date_problems(els):
            if len(issues) >= _MAX_ISSUES_PER_REASON:
                more += 1
                continue
            issues.append(Issue(_place(segment=i + 1, segment_id=els[0], element=el),
                                _describe({"el": el, "what": what, "v": value[:64], "q": q}), "warning"))
    if more:
        issues.append(Issue("file", f"... and {more} more dates that are not real calendar dates", "warning"))
    return issues


def _date_problems(els: list[str]) -> list[tuple[str, str, str, str | None]]:
    """(element, what, value, qualifier) of each date of one segment that is not a real calendar date."""
    seg = els[0]
    out = []
    if seg == "DTM":
        if _el(els, 2) and not _real_date(_el(els, 2)):
            out.append(("DTM02", "date", _el(els, 2), "DTM*" + _el(els, 1)))
    elif seg == "DTP":
        fmt, value, q = _el(els, 2), _el(els, 3), "DTP*" + _el(els, 1)
        if not value.strip():
            pass
        elif fmt == "D8":
            if not _real_date(value):
                out.append(("DTP03", "date", value, q))
        elif fmt == "RD8":                   # the mapping reads each end on its own (x12_dtp_from / _to)
            parts = value.split("-")
            start, end = parts[0], (parts[1] if len(parts) > 1 else "")
            if not _real_date(start):
                out.append(("DTP03", "range_start", start, q))
            if not _real_date(end):
                out.append(("DTP03", "range_end", end, q))
        elif _el(els, 1) == "472":          # the date of service in a format the mapping cannot read
            out.append(("DTP02", "date_format", fmt, q))
    elif seg == "DMG":
        if _el(els, 1) == "D8" and _el(els, 2) and not _real_date(_el(els, 2)):
            out.append(("DMG02", "date", _el(els, 2), None))
    elif seg in _DATE_ELEMENT:
        n = _DATE_ELEMENT[seg]
        value = _el(els, n)
        if seg == "ISA":
            if value.strip() and not _real_date6(value.strip()):
                out.append(("ISA09", "date6", value, None))
        elif value and not _real_date(value):
            out.append((f"{seg}{n:02d}", "date", value, None))
    return out


_DATE_ELEMENT = {"BHT": 4, "BPR": 16, "PLB": 2, "GS": 4, "ISA": 9}
_DATES_ONE_BY_ONE = 64
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _real_date(v: str) -> bool:
    """CCYYMMDD, a real calendar date in 1900-2099: exactly what x12_date reads (the rest is NULL)."""
    if len(v) != 8 or not (v.isascii() and v.isdigit()) or not "1900" <= v[:4] <= "2099":
        return False
    m, d = int(v[4:6]), int(v[6:])
    if not 1 <= m <= 12 or d < 1:
        return False
    return d <= _MONTH_DAYS[m] if m != 2 else d <= (29 if calendar.isleap(int(v[:4])) else 28)


def _real_date6(v: str) -> bool:
    """YYMMDD (ISA09), a real calendar date (YY 69-99: 19YY, else 20YY)."""
    if len(v) != 6 or not (v.isascii() and v.isdigit()):
        return False
    yy, m, d = int(v[:2]), int(v[2:4]), int(v[4:])
    y = 1900 + yy if yy >= 69 else 2000 + yy
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


# The usual shapes of the date segments, in canonical delimiters (chr(31) between elements): a template of
# the whole segment, '?' any byte (a qualifier), '#' a digit of a CCYYMMDD date.
_E = chr(31)
_DATE_SHAPES = [
    ("DTM", f"DTM{_E}???{_E}########"),                                     # DTM*472*CCYYMMDD
    ("DTP", f"DTP{_E}???{_E}D8{_E}########"),                               # DTP*472*D8*CCYYMMDD
    ("DTP", f"DTP{_E}???{_E}RD8{_E}########-########"),                     # DTP*472*RD8*CCYYMMDD-CCYYMMDD
    ("DMG", f"DMG{_E}D8{_E}########"),                                      # DMG*D8*CCYYMMDD
    ("DMG", f"DMG{_E}D8{_E}########{_E}?"),                                 # DMG*D8*CCYYMMDD*F
]


def _shape(seg_id: str, template: str) -> tuple:
    """(segment code, length, offsets of the fixed bytes after the id, those bytes, offsets of the dates)."""
    fixed = [i for i, ch in enumerate(template) if ch not in "?#" and i >= len(seg_id)]
    dates = [i for i in range(len(template) - 7) if template[i:i + 8] == "#" * 8 and template[i - 1:i] != "#"]
    return (code(seg_id), len(template), np.array(fixed, np.int64),
            np.frombuffer("".join(template[i] for i in fixed).encode(), np.uint8), dates)


_SHAPES = [_shape(seg_id, template) for seg_id, template in _DATE_SHAPES]
_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0], np.int32)
_DIGIT_WEIGHTS = np.array([[1000, 0, 0], [100, 0, 0], [10, 0, 0], [1, 0, 0], [0, 10, 0], [0, 1, 0], [0, 0, 10],
                           [0, 0, 1]], np.int32)
_BYTES_AT_ONCE = 1 << 16          # below this many segment bytes of a shape, gather them in one (rows, size) take


def _dates_certainly_valid(segs: Segments, idx: np.ndarray) -> np.ndarray:
    """For the date segments `idx`: True where the segment has one of the usual shapes and its dates are
    real calendar dates in 1900-2099 (the rule of `_real_date`) — decided with a few numpy passes: a small
    file's segments in one (rows, bytes) gather per shape, a large file's column by column (less memory)."""
    ok = np.zeros(len(idx), bool)
    if not len(idx):
        return ok
    data = segs.data
    starts = segs.starts[idx]
    length = segs.ends[idx] - starts
    codes = segs.seg_code[idx]
    of_id: dict[int, np.ndarray] = {}
    for seg_code, size, fixed, fixed_bytes, date_at in _SHAPES:
        if seg_code not in of_id:
            of_id[seg_code] = np.flatnonzero(codes == seg_code)
        rows = of_id[seg_code]
        rows = rows[length[rows] == size]
        if not len(rows):
            continue
        base = starts[rows]
        if len(rows) * size <= _BYTES_AT_ONCE:
            sub = data[base[:, None] + np.arange(size)]
            fine = (sub[:, fixed] == fixed_bytes).all(axis=1)
            dates = [sub[:, at:at + 8] for at in date_at]
        else:
            fine = np.ones(len(rows), bool)
            for off, byte in zip(fixed.tolist(), fixed_bytes.tolist()):
                fine &= data[base + off] == byte
            dates = [np.stack([data[base + at + j] for j in range(8)], axis=1) for at in date_at]
        for d8 in dates:
            digits = d8 - np.uint8(48)                                # wraps around: > 9 = not a digit
            fine &= (digits <= 9).all(axis=1)
            ymd = digits.astype(np.int32) @ _DIGIT_WEIGHTS
            y, m, d = ymd[:, 0], ymd[:, 1], ymd[:, 2]
            leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
            mdays = np.where((m == 2) & ~leap, 28, _DAYS[m & 15])
            fine &= (y >= 1900) & (y <= 2099) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= mdays)
        ok[rows[fine]] = True
    return ok


def _finish(prep: _Prepared) -> FileResult:
    res, env, kinds = prep.res, prep.env, prep.kinds
    for issues in prep.value_issues.values():
        res.issues.extend(issues)
    _cap_issues(res)
    if kinds["835"] and kinds["837"]:
        other = "837P" if res.kind == "835" else "835"
        res.issues.append(Issue("file", f"the file holds both 837 and 835 transactions "
                                        f"({kinds['837']} 837, {kinds['835']} 835)", "warning"))
    if all(t.status == "ignored" for t in env.txs):
        found = ", ".join(sorted({t.type or "(none)" for t in env.txs}))
        res.status = "rejected"
        res.message = f"no 837 or 835 transaction in the X12 file (found transaction set {found})"
        res.issues.append(Issue("file", res.message, "error"))
        return res
    if all(t.status == "rejected" for t in env.txs):
        res.status = "rejected"
        res.message = env.txs[0].reason
        return res
    if res.claims_loaded == 0 and res.claims_rejected == 0:
        res.issues.append(Issue("file", "no claims (CLM/CLP) in the file: header only", "warning"))
    res.finish()
    if kinds["835"] and kinds["837"]:
        res.message += f"; mixed file: also holds {other} transactions (loaded too)"
    return res


def _cap_issues(res: FileResult, limit: int = 500) -> None:
    """Keep the issue list readable: errors first, at most `limit`, and say how many more there were."""
    if len(res.issues) <= limit:
        return
    errors = [i for i in res.issues if i.severity == "error"]
    others = [i for i in res.issues if i.severity != "error"]
    kept = (errors + others)[:limit]
    dropped = len(res.issues) - len(kept)
    res.issues = kept + [Issue("file", f"... and {dropped} more issues of the same kinds, not listed", "warning")]


def _report_outside(ctx, c, env, res, n_claims, n_lines):
    outside = (c["st"] == 0) & ~ctx.is_(*_ENVELOPE)
    idx = np.flatnonzero(outside)
    if not len(idx):
        return
    after = idx[idx > env.last_iea_idx] if env.last_iea_idx >= 0 else idx[:0]
    before = idx[idx <= env.last_iea_idx] if env.last_iea_idx >= 0 else idx
    extra = f" ({n_claims} claims, {n_lines} lines not loaded)" if (n_claims or n_lines) else ""
    if len(after):
        i = int(after[0])
        res.issues.append(Issue(f"segment {i + 1}", f"{len(after)} segment(s) of data after the last IEA "
                                f"ignored{extra}", "error" if extra else "warning"))
        extra = ""
    if len(before):
        i = int(before[0])
        res.issues.append(Issue(f"segment {i + 1} ({uncode(int(ctx.code[i]))})",
                                f"{len(before)} segment(s) outside any ST..SE transaction ignored{extra}",
                                "error" if extra else "warning"))


def _contexts(ctx: _Context) -> dict[str, np.ndarray]:
    """The loop context arrays both mappings use."""
    env_incl = ctx.is_(ISA, IEA, GS, GE)
    st_open = ctx.last(ctx.is_(ST))
    se_last = ctx.last(ctx.is_(SE))
    se_before = np.concatenate(([0], se_last[:-1])) if ctx.n else se_last   # an SE ends its own ST after itself
    st = np.where((st_open > ctx.last(env_incl)) & (st_open > se_before), st_open, 0)
    isa = ctx.within(ctx.is_(ISA), ctx.is_(IEA))
    gs = ctx.within(ctx.is_(GS), ctx.is_(GE, ISA, IEA))
    return {"st": st, "isa": isa, "gs": gs, "env": ctx.is_(*_ENVELOPE)}


def _take(segs: Segments, idx: np.ndarray) -> pa.Array:
    if not len(idx) or idx.max() < 0:        # nothing to pick
        return pa.nulls(len(idx), pa.string_view())
    return segs.take(idx)


def _tx_table(ctx, c, anchors, header_owner, picks: dict[str, np.ndarray]) -> pa.Table:
    segs = ctx.segs
    cols = {
        "st_pos": arrow_of(anchors),
        "isa": _take(segs, c["isa"][anchors - 1] - 1),
        "gs": _take(segs, c["gs"][anchors - 1] - 1),
        "st": _take(segs, anchors - 1),
    }
    for name, match in picks.items():
        cols[name] = _take(segs, _pick(anchors, header_owner, match))
    return pa.table(cols)


def _tables_835(ctx: _Context, c, seg_ok, res: FileResult) -> dict[str, pa.Table]:
    segs = ctx.segs
    env = c["env"]
    st835 = ctx.is_(ST) & (ctx.qual == code("835")) & seg_ok
    tx_pos = ctx.pos[st835]
    # header: from ST to the first LX / CLP / PLB
    body_started = ctx.last(ctx.is_(LX, CLP, PLB, SVC))
    header_owner = np.where((c["st"] > 0) & (body_started < c["st"]), c["st"], 0)
    tx = _tx_table(ctx, c, tx_pos, header_owner, {
        "bpr": ctx.is_(BPR), "trn": ctx.is_(TRN), "n1_pr": ctx.q(N1, "PR"),
        "ref_2u": ctx.q(REF, "2U"), "n1_pe": ctx.q(N1, "PE")})

    # loop 2100 (CLP) ends at the next CLP, LX, PLB or the end of the transaction; 2110 (SVC) at the next SVC
    clp_ctx = ctx.within(ctx.is_(CLP), ctx.is_(LX, PLB) | env)
    svc_ctx = ctx.within(ctx.is_(SVC), ctx.is_(CLP, LX, PLB) | env)
    in835 = _member(c["st"], tx_pos, ctx.n)
    clp_pos = ctx.pos[ctx.is_(CLP) & in835]
    claim_level = np.where(svc_ctx == 0, clp_ctx, 0)
    clp = {
        "clp_pos": arrow_of(clp_pos),
        "st_pos": arrow_of(c["st"][clp_pos - 1]),
        "clp": _take(segs, clp_pos - 1),
    }
    for name, match in {"nm1_qc": ctx.q(NM1, "QC"), "nm1_il": ctx.q(NM1, "IL"), "nm1_82": ctx.q(NM1, "82"),
                        "dtm_232": ctx.q(DTM, "232"), "dtm_233": ctx.q(DTM, "233"),
                        "dtm_050": ctx.q(DTM, "050")}.items():
        clp[name] = _take(segs, _pick(clp_pos, claim_level, match))

    orphan = np.flatnonzero(ctx.is_(SVC) & in835 & (clp_ctx == 0))
    if len(orphan):                          # a service payment before any claim payment (CLP) of its loop
        res.lines_rejected += len(orphan)
        res.issues.append(Issue(_place(segment=int(orphan[0]) + 1, segment_id="SVC"),
                                f"{len(orphan)} service line(s) (SVC) outside any claim (CLP) not loaded", "error"))
    svc_pos = ctx.pos[ctx.is_(SVC) & in835 & (clp_ctx > 0)]
    svc = {
        "svc_pos": arrow_of(svc_pos),
        "clp_pos": arrow_of(clp_ctx[svc_pos - 1]),
        "svc": _take(segs, svc_pos - 1),
    }
    for name, match in {"dtm_472": ctx.q(DTM, "472"), "dtm_150": ctx.q(DTM, "150"),
                        "dtm_151": ctx.q(DTM, "151"), "ref_6r": ctx.q(REF, "6R"),
                        "amt_b6": ctx.q(AMT, "B6")}.items():
        svc[name] = _take(segs, _pick(svc_pos, svc_ctx, match))
    lq_owner, lq_idx = _pick_all(svc_pos, svc_ctx, ctx.q(LQ, "HE"))
    lq = {"svc_pos": arrow_of(lq_owner, pa.int64()), "pos": arrow_of(lq_idx + 1, pa.int64()),
          "lq": _take(segs, lq_idx)}

    cas_pos = ctx.pos[ctx.is_(CAS) & in835]
    cas = {"cas_pos": arrow_of(cas_pos), "clp_pos": arrow_of(clp_ctx[cas_pos - 1]),
           "svc_pos": arrow_of(svc_ctx[cas_pos - 1]), "cas": _take(segs, cas_pos - 1)}
    plb_pos = ctx.pos[ctx.is_(PLB) & in835]
    plb = {"plb_pos": arrow_of(plb_pos), "st_pos": arrow_of(c["st"][plb_pos - 1]),
           "plb": _take(segs, plb_pos - 1)}
    return {"x12_tx835": tx, "x12_clp": pa.table(clp), "x12_svc": pa.table(svc), "x12_lq": pa.table(lq),
            "x12_cas": pa.table(cas), "x12_plb": pa.table(plb)}


def _lx_is_ordinal(segs: Segments, lx_idx: np.ndarray, ordinal: np.ndarray) -> np.ndarray:
    """Per service line: is its LX segment exactly 'LX' + its place in the claim (LX*1, LX*2 ...)? Those lines
    are numbered by their place without reading LX01 (x12_837.sql); only the claims of the others are looked
    at for a missing or repeated line number."""
    ok = lx_idx >= 0
    at = np.where(ok, lx_idx, 0)
    start, length = segs.starts[at] + 3, segs.ends[at] - segs.starts[at] - 3
    digits = 1 + (ordinal >= 10).astype(np.int64) + (ordinal >= 100) + (ordinal >= 1000)
    ok &= (length == digits) & (ordinal < 10000) & (segs.data[np.minimum(start - 1, len(segs.data) - 1)] == ELEM)
    for k in range(4):
        check = ok & (digits > k)
        if not check.any():
            break
        want = (ordinal // 10 ** np.maximum(digits - 1 - k, 0)) % 10 + 48
        ok[check] = segs.data[start[check] + k] == want[check]
    return ok


def _tables_837(ctx: _Context, c, seg_ok, res: FileResult) -> dict[str, pa.Table]:
    segs = ctx.segs
    env = c["env"]
    st837 = ctx.is_(ST) & (ctx.qual == code("837")) & seg_ok
    tx_pos = ctx.pos[st837]
    in837 = _member(c["st"], tx_pos, ctx.n)
    tx = _tx_table(ctx, c, tx_pos, np.where(ctx.last(ctx.is_(HL)) < c["st"], c["st"], 0),
                   {"bht": ctx.is_(BHT)})

    hl_ctx = ctx.within(ctx.is_(HL), env)
    clm_ctx = ctx.within(ctx.is_(CLM), ctx.is_(HL) | env)                  # the claim, lines included
    clm_main = ctx.within(ctx.is_(CLM), ctx.is_(HL, LX, SBR) | env)       # 2300/2310 only
    sv1_ctx = ctx.within(ctx.is_(SV1), ctx.is_(LX, CLM, HL) | env)         # 2400 after the SV1
    lx_ctx = ctx.within(ctx.is_(LX), ctx.is_(CLM, HL) | env)
    nm1_ctx = ctx.within(ctx.is_(NM1), ctx.is_(HL, CLM, LX, SBR, PAT) | env)
    nm1_qual = np.where(nm1_ctx > 0, ctx.qual[np.maximum(nm1_ctx, 1) - 1], 0)

    hl_pos = ctx.pos[ctx.is_(HL) & in837]
    hl_level = np.where(clm_ctx == 0, hl_ctx, 0)                           # HL segments before its first CLM
    hl = {"hl_pos": arrow_of(hl_pos), "st_pos": arrow_of(c["st"][hl_pos - 1]), "hl": _take(segs, hl_pos - 1)}
    for name, match in {
        "nm1_85": ctx.q(NM1, "85"), "n4_85": ctx.is_(N4) & (nm1_qual == code("85")),
        "sbr": ctx.is_(SBR), "nm1_il": ctx.q(NM1, "IL"), "dmg_il": ctx.is_(DMG) & (nm1_qual == code("IL")),
        "nm1_pr": ctx.q(NM1, "PR"), "nm1_qc": ctx.q(NM1, "QC"),
        "dmg_qc": ctx.is_(DMG) & (nm1_qual == code("QC")),
    }.items():
        hl[name] = _take(segs, _pick(hl_pos, hl_level, match))

    clm_pos = ctx.pos[ctx.is_(CLM) & in837]
    clm = {"clm_pos": arrow_of(clm_pos), "st_pos": arrow_of(c["st"][clm_pos - 1]),
           "hl_pos": arrow_of(hl_ctx[clm_pos - 1]), "clm": _take(segs, clm_pos - 1)}
    for name, match in {"ref_g1": ctx.q(REF, "G1"), "ref_f8": ctx.q(REF, "F8"), "nm1_82": ctx.q(NM1, "82"),
                        "nm1_dn": ctx.q(NM1, "DN"), "nm1_p3": ctx.q(NM1, "P3")}.items():
        clm[name] = _take(segs, _pick(clm_pos, clm_main, match))
    # every HI of the claim, in file order, as a list (owners come in claim order: a running context)
    hi_owner, hi_idx = _pick_all(clm_pos, clm_main, ctx.is_(HI))
    offsets = np.append(np.searchsorted(hi_owner, clm_pos), len(hi_owner)).astype(np.int32)
    clm["his"] = pa.ListArray.from_arrays(arrow_of(offsets), _take(segs, hi_idx))

    sv1_all = ctx.is_(SV1) & in837
    orphan = np.flatnonzero(sv1_all & (clm_ctx == 0))
    if len(orphan):
        res.lines_rejected += len(orphan)
        res.issues.append(Issue(f"segment {orphan[0] + 1} (SV1)",
                                f"{len(orphan)} service line(s) (SV1) outside any claim (CLM) not loaded", "error"))
    sv1_pos = ctx.pos[sv1_all & (clm_ctx > 0)]
    owners = clm_ctx[sv1_pos - 1]                      # non-decreasing: a claim's lines follow it
    new_claim = np.ones(len(owners), bool)
    new_claim[1:] = owners[1:] != owners[:-1]
    ordinal = np.arange(1, len(owners) + 1)
    ordinal -= np.maximum.accumulate(np.where(new_claim, ordinal - 1, 0)) if len(owners) else 0
    lx_idx = lx_ctx[sv1_pos - 1] - 1
    sv1 = {"sv1_pos": arrow_of(sv1_pos), "clm_pos": arrow_of(owners),
           "ordinal": arrow_of(ordinal.astype(np.int32)),  # the line's place in its claim: 1, 2, ...
           "lx_ok": arrow_of(_lx_is_ordinal(segs, lx_idx, ordinal)),
           "lx": _take(segs, lx_idx), "sv1": _take(segs, sv1_pos - 1)}
    for name, match in {"dtp_472": ctx.q(DTP, "472"), "ref_6r": ctx.q(REF, "6R"), "ref_g1": ctx.q(REF, "G1"),
                        "nm1_82": ctx.q(NM1, "82")}.items():
        sv1[name] = _take(segs, _pick(sv1_pos, sv1_ctx, match))
    return {"x12_tx837": tx, "x12_hl": pa.table(hl), "x12_clm": pa.table(clm), "x12_sv1": pa.table(sv1)}


# ---------------------------------------------------------------------------------------------------
# loading

_SCRIPTS = (("x12_tx835", "ingest/x12_835.sql"), ("x12_tx837", "ingest/x12_837.sql"))
# the segment a problems query's `pos` points at
_ANCHOR = {"remit_payments": "ST", "remit_claims": "CLP", "remit_lines": "SVC", "remit_adjustments": "CAS",
           "provider_adjustments": "PLB", "claims": "CLM", "claim_lines": "SV1"}
# the loop table whose rows are the claims / lines of a target table (one inserted row per row)
_COUNTED = {"remit_claims": ("x12_clp", "claims"), "claims": ("x12_clm", "claims"),
            "remit_lines": ("x12_svc", "lines"), "claim_lines": ("x12_sv1", "lines")}
_FILE_SHIFT = 32                      # position + (file number << 32) when several files are mapped at once
_BATCH_ROWS = 16_384
_sql_cache: dict[str, list[tuple[str, str, str]]] = {}


def _statements(name: str) -> list[tuple[str, str, str]]:
    """(kind, table, sql) of each statement of a mapping script; kind is the `-- @kind [table]` marker
    above it: once (run once per connection, with the macros), run, insert, problems."""
    if name not in _sql_cache:
        import re
        text = read_sql(name)
        parts = re.split(r";[ \t]*(?:--[^\n]*)?$", text, flags=re.M)
        out = []
        for part in parts:
            if not _has_sql(part):
                continue
            m = re.search(r"^-- @(once|run|insert|problems)(?:[ \t]+(\w+))?[ \t]*$", part, flags=re.M)
            if m is None:
                raise ValueError(f"{name}: a statement without a -- @kind marker: {part.strip()[:80]!r}")
            out.append((m.group(1), m.group(2) or "", part.strip()))
        _sql_cache[name] = out
    return _sql_cache[name]


def _has_sql(part: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in part.splitlines())


def _macro_statements() -> tuple[str, list[str]]:
    """The statements creating the macros (x12_macros.sql and the `@once` statements of the scripts) and a
    version string of them."""
    if "macros" not in _sql_cache:
        import hashlib
        import re
        text = read_sql("ingest/x12_macros.sql")
        stmts = [p.strip() for p in re.split(r";[ \t]*(?:--[^\n]*)?$", text, flags=re.M) if _has_sql(p)]
        for _, script in _SCRIPTS:
            stmts += [q for kind, _, q in _statements(script) if kind == "once"]
        version = hashlib.sha256("\n;\n".join(stmts).encode()).hexdigest()[:16]
        _sql_cache["macros"] = [(version, "", q) for q in stmts]
    entries = _sql_cache["macros"]
    return entries[0][0], [q for _, _, q in entries]


def _ensure_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temp macros once per connection (they and variables live in the connection)."""
    version, stmts = _macro_statements()
    if con.execute("select getvariable('x12_macros')").fetchone()[0] == version:
        return
    for q in stmts:
        con.execute(q)
    con.execute("set variable x12_macros = ?", [version])


def _load_own_tx(con: duckdb.DuckDBPyConnection, preps: list[_Prepared]) -> None:
    """`_load` in a transaction of its own, or in the caller's when one is open."""
    own_tx = _begin(con)
    try:
        _load(con, preps)
        if own_tx:
            con.execute("commit")
    except Exception:
        if own_tx:
            _rollback(con)
        raise


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    """Make the macros, then open a mapping pass's transaction; False when the caller has one open. The macros
    are made first, outside the pass: a rollback would take them but not the variable saying they exist
    (variables are not transactional), and every file read after it would fail."""
    _ensure_macros(con)
    try:
        con.execute("begin transaction")
        return True
    except duckdb.Error:
        return False


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo a failed mapping pass; a connection that cannot leaves the caller's own error to report."""
    try:
        con.execute("rollback")
    except duckdb.Error:
        pass


def _with_file_no(tbl: pa.Table, k: int) -> pa.Table:
    """Positions (the integer columns named pos or *_pos) as int64, plus k << 32 on the non-zero ones."""
    import pyarrow.compute as pc
    cols = []
    for name, col in zip(tbl.column_names, tbl.columns):
        if pa.types.is_integer(col.type) and (name == "pos" or name.endswith("_pos")):
            col = col.cast(pa.int64())
            if k:
                col = pc.if_else(pc.greater(col, 0), pc.add(col, k << _FILE_SHIFT), col)
        cols.append(col)
    return pa.table(cols, names=tbl.column_names)


def _load(con: duckdb.DuckDBPyConnection, preps: list[_Prepared]) -> None:
    """Map the loop tables of the files into the raw tables, inside the caller's transaction (`_begin` made the
    macros it uses); the counts go to each file's FileResult and the unreadable values to prep.value_issues.
    Several files are mapped in one pass: their tables are concatenated, file number k adding k << 32 to every
    position."""
    names: list[str] = []
    for p in preps:
        names += [n for n in p.tables if n not in names]
    if not names:
        return
    batch = len(preps) > 1
    registered = []
    try:
        for name in names:
            if batch:
                parts = [_with_file_no(p.tables[name], k) for k, p in enumerate(preps) if name in p.tables]
                tbl = pa.concat_tables(parts).combine_chunks() if len(parts) > 1 else parts[0]
            else:
                tbl = preps[0].tables[name]
            # several record batches, so DuckDB scans them on all its threads
            con.register(name, pa.Table.from_batches(tbl.to_batches(max_chunksize=_BATCH_ROWS), tbl.schema))
            registered.append(name)
        con.execute("set variable x12_files = ?", [[p.res.source_file for p in preps]])
        for anchor, script in _SCRIPTS:
            if anchor not in names:
                continue
            for kind, target, q in _statements(script):
                if kind == "run":
                    con.execute(q)
                elif kind == "insert":
                    n = con.execute(q).fetchone()[0]
                    _count(preps, target, n)
                elif kind == "problems":
                    _value_issues(con, q, target, preps)
    finally:
        for name in registered:
            try:
                con.unregister(name)
            except Exception:  # noqa: BLE001
                pass
        for q in ("drop table if exists x12_claim_hl", "drop table if exists x12_sv1_renumbered",
                  "drop view if exists x12_plb_pairs"):
            try:
                con.execute(q)
            except duckdb.Error:
                pass


def _count(preps: list[_Prepared], target: str, n: int) -> None:
    if target not in _COUNTED:
        return
    table, what = _COUNTED[target]
    if len(preps) == 1:
        per_file = [n]
    else:
        per_file = [len(p.tables[table]) if table in p.tables else 0 for p in preps]
        if sum(per_file) != n:      # never expected: one row per anchor; the caller reads the files one by one
            raise RuntimeError(f"{target}: {n} rows inserted for {sum(per_file)} {table} rows")
    for p, k in zip(preps, per_file):
        if what == "claims":
            p.res.claims_loaded += k
        else:
            p.res.lines_loaded += k


def _value_issues(con: duckdb.DuckDBPyConnection, query: str, target: str, preps: list[_Prepared]) -> None:
    """Issues for the rows of `target` holding values that could not be read or are implausible: the first
    50 rows of each file (by position), one issue per value, and how many more rows there were."""
    limit = _MAX_ISSUES_PER_REASON
    anchor = _ANCHOR[target]
    rows = con.execute(
        f"select pos, problems, total from ("
        f"  select q.pos, q.sub, q.problems,"
        f"         count(*) over (partition by q.pos >> {_FILE_SHIFT}) as total,"
        f"         row_number() over (partition by q.pos >> {_FILE_SHIFT} order by q.pos, q.sub) as rn"
        f"  from ({query}) q where len(q.problems) > 0) "
        f"where rn <= {limit + 1} order by pos, rn").fetchall()
    if not rows:
        return
    by_file: dict[int, list] = {}
    for row in rows:
        by_file.setdefault(row[0] >> _FILE_SHIFT, []).append(row)
    mask = (1 << _FILE_SHIFT) - 1
    for k, file_rows in by_file.items():
        issues = preps[k].value_issues.setdefault(target, [])
        total = file_rows[0][2]
        for pos, problems, _ in file_rows[:limit]:
            for p in problems:
                issues.append(Issue(_place(segment=pos & mask, segment_id=anchor, element=p["el"]),
                                    _describe(p), "warning"))
        if total > limit:
            issues.append(Issue(_place(segment=file_rows[limit][0] & mask, segment_id=anchor),
                                f"... and {total - limit} more {anchor} segments with values that could not "
                                f"be read", "warning"))


def _describe(p: dict) -> str:
    """The reason of one x12_problem record (sql/ingest/x12_macros.sql), without the place: what is wrong
    and, when its shape shows it cannot be a name, an id or a birth date, the value (messages.shown_like)."""
    el, what, v, q = p["el"], p["what"], p["v"], p["q"]
    if what == "line_number":            # q: the number given instead (x12_837.sql, x12_sv1_renumbered)
        value = shown_like(v, r"0*[1-9][0-9]{0,2}", el)          # 1-999: given, but a repeat
        why = "repeats an earlier line's number in the claim" if value else "is missing or not a line number 1-999"
        return f"LX01 {value + ' ' if value else ''}{why}: the line is numbered {q} instead"
    subject = (shown_like(q, r"[A-Z]{3}\*[0-9A-Z]{1,3}", el) or el)[1:-1] if q else el
    if what == "date_format":
        fmt = shown_like(v, _LIKE_QUALIFIER, el)
        return (f"{subject} date format {fmt or '(unreadable)'} is not D8 or RD8: the date cannot be read; "
                f"stored as empty")
    if what in ("date", "range_start", "range_end", "date6"):
        value = shown_like(v, _LIKE_DATE6 if what == "date6" else _LIKE_DATE, el)
        form = "YYMMDD" if what == "date6" else "CCYYMMDD, years 1900-2099"
        part = {"range_start": " range start", "range_end": " range end"}.get(what, "")
        return (f"{subject}{part} {value + ' ' if value else ''}is not a real calendar date ({form}); "
                f"stored as empty")
    value = shown_like(v, _LIKE_NUMBER, el)
    said = f"{subject} {value + ' ' if value else ''}"
    number = _finite(v)
    if what == "amount":
        if number is not None:
            return f"{said}is not a plausible amount (limit: below 1,000,000 in absolute value); stored as empty"
        return f"{said}is not an amount; stored as empty"
    if what in ("units", "units_paid"):
        bounds = "0 to 99" if what == "units" else "-99 to 99"
        if number is not None:
            return f"{said}is not a plausible number of units (limit: {bounds} per line); stored as empty"
        return f"{said}is not a finite number of units; stored as empty"
    if number is not None:
        return f"{said}is not a plausible number (limit: below 1e9 in absolute value); stored as empty"
    return f"{said}is not a finite number; stored as empty"


def _finite(v: str | None) -> float | None:
    """The value as a finite number when it is one (so the message can say 'implausible', not 'unreadable')."""
    try:
        x = float((v or "").strip())
    except ValueError:
        return None
    return x if x == x and abs(x) != float("inf") else None

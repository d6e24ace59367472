"""X12 bytes -> segments, in bulk.

Nothing here loops over segments in Python: the file is decoded once, each interchange's delimiters are
read from its ISA (or guessed from an envelope-less ST/GS), and the segment boundaries are found with
one numpy comparison per interchange. Inside the segments every element separator is rewritten to
chr(31) and every component separator (ISA16) to chr(30), so the mapping SQL splits every file the same
way whatever delimiters it declared (X12 data may not contain control characters, so this is lossless).

The result is a `Segments`: the canonical text buffer, the [start, end) byte range of each non-empty
segment (leading whitespace / stray terminators and trailing whitespace trimmed), and per segment a
packed segment-id code and a packed code of its first element (the qualifier: DTM*472, NM1*QC, ...).
`Segments.take` gives segment texts as an Arrow string_view array pointing into the buffer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

ELEM = 31   # canonical element separator, chr(31)
COMP = 30   # canonical component separator, chr(30)

_WS = np.zeros(257, bool)           # index = byte + 1 (so -1, "no byte", maps to index 0)
for _c in (9, 10, 11, 12, 13, 32, 0):
    _WS[_c + 1] = True
_ALNUM = np.zeros(257, bool)
for _c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
    _ALNUM[_c + 1] = True
_LEAD_JUNK = ~_ALNUM                # a segment id starts with a letter or digit: strip anything before it
_LEAD_JUNK[0] = False
_MAX_TRIM = 256                     # never loop more than this over leading/trailing junk
_LEAD_JUNK_U8 = _LEAD_JUNK[1:].copy()  # the same, indexed by the byte itself
_WS_U8 = _WS[1:].copy()


def arrow_of(values: np.ndarray, type: pa.DataType | None = None) -> pa.Array:
    """A numpy array as an Arrow array without copying it. `pa.array` would do the same but imports pandas
    (a quarter of a second) to ask whether the array is a pandas object: `rcm-audit ingest` of an X12 file
    needs no pandas (issue 16)."""
    values = np.asarray(values)
    if type is not None:
        values = values.astype(type.to_pandas_dtype(), copy=False)
    if values.dtype == bool:
        return pa.Array.from_buffers(pa.bool_(), len(values),
                                     [None, pa.py_buffer(np.packbits(values, bitorder="little"))])
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


class X12FormatError(ValueError):
    """The bytes cannot be read as X12 at all (no usable envelope or delimiters)."""


def code(seg_id: str) -> int:
    """Packed code of a segment id or a short qualifier ('CLP', 'ST', '472', '6R')."""
    b = seg_id.encode("ascii")
    return (b[0] << 16) | (b[1] << 8) | (b[2] if len(b) > 2 else 0)


def uncode(c: int) -> str:
    if c <= 0:
        return "?"
    return "".join(chr(x) for x in ((c >> 16) & 255, (c >> 8) & 255, c & 255) if x)


@dataclass
class Delimiters:
    element: int
    component: int | None
    repetition: int | None
    terminator: int
    source: str                      # 'ISA' | 'inferred'
    isa_length: int | None = None

    def key(self):
        return (self.element, self.component, self.repetition, self.terminator)

    def describe(self) -> str:
        def r(c):
            return "none" if c is None else repr(chr(c))
        return (f"element {r(self.element)}, component {r(self.component)}, "
                f"repetition {r(self.repetition)}, terminator {r(self.terminator)}")


@dataclass
class Segments:
    data: np.ndarray                 # canonical text bytes (uint8)
    starts: np.ndarray               # int64, per non-empty segment
    ends: np.ndarray
    seg_code: np.ndarray             # int32 packed segment id (0 = unreadable id)
    qual_code: np.ndarray            # int32 packed element 1 (0 = empty, -1 = longer than 3 chars)
    blocks: list = field(default_factory=list)   # (first segment index, Delimiters)
    notes: list = field(default_factory=list)    # (severity, text) about the decoding
    _interleaved: pa.Array | None = None
    _data_buffer: pa.Buffer | None = None
    _all_views: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.starts)

    def strings(self) -> pa.Array:
        """All bytes of the file as alternating gap / segment strings: segment i is string 2i+1.
        Taking from it copies only the segments asked for."""
        if self._interleaved is None:
            n = self.n
            offs = np.empty(2 * n + 1, np.int64)
            offs[0] = 0
            offs[1::2] = self.starts
            offs[2::2] = self.ends
            self._interleaved = pa.LargeStringArray.from_buffers(
                2 * n, pa.py_buffer(offs), pa.py_buffer(self.data))
        return self._interleaved

    def take(self, idx: np.ndarray) -> pa.Array:
        """Segment texts for 0-based segment indexes; -1 gives null: an Arrow string_view array whose
        views point into the file's buffer, so nothing but 16 bytes per value is copied (see `_views`)."""
        idx = np.asarray(idx, np.int64)
        m = len(idx)
        if self.n == 0 or not m:
            return pa.nulls(m, pa.string_view())
        if len(self.data) >= 2**31 - 16:        # view offsets are int32: copy the texts instead
            missing = idx < 0
            ix = pa.array(idx * 2 + 1, pa.int64(), mask=missing if missing.any() else None)
            return self.strings().take(ix).cast(pa.string_view())
        views = self._views()
        valid = idx >= 0
        if valid.all():
            validity, nulls = None, 0
            picked = np.take(views, idx, axis=0)
        else:
            missing = np.flatnonzero(~valid)
            picked = np.take(views, np.maximum(idx, 0), axis=0)
            picked[missing] = 0
            validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
            nulls = len(missing)
        return pa.Array.from_buffers(pa.string_view(), m, [validity, pa.py_buffer(picked), self._buffer()],
                                     null_count=nulls)

    def _buffer(self) -> pa.Buffer:
        if self._data_buffer is None:
            self._data_buffer = pa.py_buffer(self.data)
        return self._data_buffer

    def _views(self) -> np.ndarray:
        """The Arrow string views of all segments, (n, 4) uint32, computed once: length, then for up to 12
        bytes the bytes themselves (zero-padded), else the first 4 bytes, data buffer 0 and the offset."""
        if self._all_views is None:
            data = self.data
            if len(data) < 16:
                data = np.concatenate([data, np.zeros(16 - len(data), np.uint8)])
            words = np.ndarray((len(data) - 3,), "<u4", buffer=data, strides=(1,))
            top = len(words) - 1

            def word_at(at: np.ndarray) -> np.ndarray:
                b = np.minimum(at, top)
                w = words[b]
                near_end = at != b
                if near_end.any():              # the last bytes of the buffer: shift them into place
                    w[near_end] >>= np.minimum(8 * (at[near_end] - b[near_end]), 24).astype(np.uint32)
                return w

            length = (self.ends - self.starts).astype(np.uint32)
            views = np.empty((self.n, 4), np.uint32)
            views[:, 0] = length
            views[:, 1] = word_at(self.starts)          # a long text: its first 4 bytes,
            views[:, 2] = 0                             # data buffer 0
            views[:, 3] = self.starts                   # and its offset
            short = np.flatnonzero(length <= 12)        # a short one: its bytes, zero-padded
            if len(short):
                start, ln = self.starts[short], length[short].astype(np.int64)
                for j in range(3):
                    w = views[short, 1] if j == 0 else word_at(start + 4 * j)
                    views[short, 1 + j] = w & _KEEP[np.maximum(np.minimum(ln - 4 * j, 4), 0)]
            self._all_views = views
        return self._all_views

    def text(self, i: int) -> str:
        return bytes(self.data[self.starts[i]:self.ends[i]]).decode("utf-8", "replace")

    def elements(self, i: int) -> list[str]:
        return self.text(i).split(chr(ELEM))


# ---------------------------------------------------------------------------------------------------
# decoding

def decode(raw: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """Return UTF-8 bytes without BOM, and notes about what was done."""
    notes: list[tuple[str, str]] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(raw):
        if raw.startswith(b"\xff\xfe"):
            enc, body = "utf-16-le", raw[2:]
        elif raw.startswith(b"\xfe\xff"):
            enc, body = "utf-16-be", raw[2:]
        else:
            enc, body = ("utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be"), raw
        text = body.decode(enc, "replace")
        if len(body) % 2:
            notes.append(("warning", f"{enc.upper()} text has an odd number of bytes (truncated)"))
        return text.encode("utf-8"), notes + [("info", f"decoded from {enc.upper()}")]
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            notes.append(("warning", f"bytes that are not UTF-8 (first at byte {e.start}) were replaced"))
            raw = raw.decode("utf-8", "replace").encode("utf-8")
    return raw, notes


def _looks_utf16(raw: bytes) -> bool:
    head = raw[:8]
    if len(head) < 4:
        return False
    return (head[1] == 0 and head[3] == 0 and head[0] != 0) or (head[0] == 0 and head[2] == 0 and head[1] != 0)


def first_content(b: bytes) -> int:
    i = 0
    n = len(b)
    while i < n and b[i] in b" \t\r\n\x0b\x0c\x00":
        i += 1
    return i


# ---------------------------------------------------------------------------------------------------
# delimiters

def _is_alnum(c: int) -> bool:
    return bool(_ALNUM[c + 1])


def isa_delimiters(b: bytes, p: int) -> Delimiters:
    """Delimiters of the ISA starting at byte p: element = the byte after 'ISA', component = ISA16 (found by
    counting 16 element separators, so a short or long ISA still works), terminator = the byte after ISA16,
    repetition = ISA11 when it is a delimiter (not 'U', not alphanumeric)."""
    if p + 4 > len(b):
        raise X12FormatError("the ISA segment is incomplete")
    es = b[p + 3]
    if _is_alnum(es) or es in b" \r\n\t":
        raise X12FormatError(f"the ISA segment has no usable element separator ({_char(es)})")
    q = p + 3
    seps = [q]
    for _ in range(15):
        q = b.find(bytes([es]), q + 1, p + 400)
        if q < 0:
            raise X12FormatError("the ISA segment is incomplete (fewer than 16 elements)")
        seps.append(q)
    if q + 2 >= len(b) + 0 and q + 1 >= len(b):
        raise X12FormatError("the ISA segment is incomplete (no ISA16)")
    cs = b[q + 1]
    if q + 2 >= len(b):
        raise X12FormatError("the ISA segment is incomplete (no segment terminator after ISA16)")
    term = b[q + 2]
    if _is_alnum(term) or term == ord(" "):
        raise X12FormatError(f"the ISA segment has no usable segment terminator ({_char(term)} after ISA16)")
    if len({es, cs, term}) < 3:
        raise X12FormatError("the ISA declares the same character for two different delimiters")
    if max(es, cs, term) >= 128:      # a delimiter inside a multi-byte character would break the text
        raise X12FormatError("the ISA declares a delimiter that is not an ASCII character")
    isa11 = b[seps[10] + 1:seps[11]]
    rep = None
    if len(isa11) == 1 and not _is_alnum(isa11[0]) and isa11[0] not in (es, cs, term, 32):
        rep = isa11[0]
    return Delimiters(es, cs, rep, term, "ISA", isa_length=q + 3 - p)


def infer_delimiters(b: bytes, p: int) -> Delimiters:
    """An envelope-less file starting at GS or ST: element separator = the byte after 'GS'/'ST';
    terminator = the first byte that ends the ST segment (not alphanumeric, not the element separator),
    else '~'; component separator guessed from an SV1/SVC composite (the byte after 'HC'), else ':'."""
    es = b[p + 2]
    if es >= 128:
        raise X12FormatError("the element separator after GS/ST is not an ASCII character")
    st = p
    if b[p:p + 2] != b"ST":
        st = b.find(b"ST" + bytes([es]), p)
    term = None
    if st >= 0:
        for c in b[st + 3: st + 200]:
            if not _is_alnum(c) and c != es and c != 32 and c < 128:
                term = c
                break
    if term is None:
        term = ord("~") if b.find(b"~", p) >= 0 else ord("\n")
    import re
    m = re.search(rb"(?:SV1|SVC|SV2)" + re.escape(bytes([es])) + rb"[A-Z]{2}([!-/:-@\[-`{-~])", b[p:p + 1_000_000])
    cs = m.group(1)[0] if m else ord(":")
    if cs in (es, term):
        cs = ord(">") if ord(">") not in (es, term) else None
    return Delimiters(es, cs, None, term, "inferred")


def _is_isa_start(b: bytes, i: int, prev_term: int, block_start: int) -> bool:
    if i + 3 >= len(b) or _is_alnum(b[i + 3]) or b[i + 3] in b" \r\n\t":
        return False
    j = i - 1
    while j >= block_start and b[j] in b" \t\r\n\x0b\x0c\x00" and b[j] != prev_term:
        j -= 1
    return j < block_start or b[j] == prev_term


# ---------------------------------------------------------------------------------------------------
# splitting

def split(raw: bytes) -> Segments:
    """Decode and split a whole file. Raises X12FormatError when it is not X12 at all."""
    b, notes = decode(raw)
    p = first_content(b)
    if p >= len(b):
        raise X12FormatError("the file is empty")
    head = b[p:p + 3]
    blocks: list[tuple[int, int, Delimiters]] = []
    if head == b"ISA":
        d = isa_delimiters(b, p)
        start = p
        search = p + 3
        while True:
            i = b.find(b"ISA", search)
            if i < 0:
                break
            if _is_isa_start(b, i, d.terminator, start):
                try:
                    nd = isa_delimiters(b, i)
                except X12FormatError:
                    search = i + 3
                    continue
                if nd.key() != d.key():
                    blocks.append((start, i, d))
                    start, d = i, nd
            search = i + 3
        blocks.append((start, len(b), d))
    elif head[:2] in (b"GS", b"ST") and len(b) > p + 2 and not _is_alnum(b[p + 2]) and b[p + 2] not in b" \r\n\t":
        d = infer_delimiters(b, p)
        blocks.append((p, len(b), d))
        notes.append(("warning", f"no ISA interchange header: the file starts at {head[:2].decode()}; "
                                 f"delimiters inferred ({d.describe()})"))
    else:
        raw_p = first_content(raw)
        raise X12FormatError(_not_x12_reason(raw[raw_p:raw_p + 16] if raw[:2] not in (b"\xff\xfe", b"\xfe\xff")
                                             else b[p:p + 16]))

    # canonical delimiters, one C-speed bytes.translate per interchange block
    pieces = [b[:blocks[0][0]]]
    for bs, be, d in blocks:
        src, dst = bytes([d.element]), bytes([ELEM])
        if d.component is not None:
            src, dst = src + bytes([d.component]), dst + bytes([COMP])
        pieces.append(b[bs:be].translate(bytes.maketrans(src, dst)))
    canon = pieces[1] if len(pieces) == 2 and not pieces[0] else b"".join(pieces)
    arr = np.frombuffer(canon, np.uint8)
    all_starts, all_ends, seg_blocks = [], [], []
    for bs, be, d in blocks:
        sub = arr[bs:be]
        tpos = np.flatnonzero(sub == d.terminator).astype(np.int64) + bs
        starts = np.empty(len(tpos) + 1, np.int64)
        starts[0] = bs
        starts[1:] = tpos + 1
        ends = np.empty(len(tpos) + 1, np.int64)
        ends[:-1] = tpos
        ends[-1] = be
        _trim(arr, starts, ends)
        keep = ends > starts
        if not keep.all():
            starts, ends = starts[keep], ends[keep]
        all_starts.append(starts)
        all_ends.append(ends)
        seg_blocks.append(d)

    starts = np.concatenate(all_starts) if all_starts else np.zeros(0, np.int64)
    ends = np.concatenate(all_ends) if all_ends else np.zeros(0, np.int64)
    first_idx, acc = [], 0
    for s in all_starts:
        first_idx.append(acc)
        acc += len(s)
    seg_code, qual_code = _codes(arr, starts, ends)
    return Segments(arr, starts, ends, seg_code, qual_code,
                    blocks=list(zip(first_idx, seg_blocks)), notes=notes)


def _not_x12_reason(head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "not an X12 file: it is a PDF document"
    if head.startswith(b"PK\x03\x04"):
        return "not an X12 file: it is a ZIP/Office document"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8"):
        return "not an X12 file: it is an image"
    printable = sum(32 <= c < 127 for c in head)
    if printable < len(head) * 0.8:
        return "not an X12 file: binary content, no ISA interchange header"
    return "not an X12 file: no ISA interchange header at its start"   # its text is not quoted: it may be PHI


def _char(c: int) -> str:
    """A delimiter byte for a message: printable punctuation quoted, anything else by its code."""
    ch = chr(c)
    return repr(ch) if 33 <= c < 127 and not ch.isalnum() else f"byte {c}"


def _trim(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
    """In place: move starts past leading whitespace and stray non-alphanumeric bytes (a newline after the
    terminator, indentation, the '~' of a '\\n~' pseudo-terminator), and ends before trailing whitespace."""
    act = np.flatnonzero(starts < ends)
    for _ in range(_MAX_TRIM):
        if not len(act):
            break
        act = act[_LEAD_JUNK_U8[arr[starts[act]]]]
        starts[act] += 1
        act = act[starts[act] < ends[act]]
    act = np.flatnonzero(starts < ends)
    for _ in range(_MAX_TRIM):
        if not len(act):
            break
        act = act[_WS_U8[arr[ends[act] - 1]]]
        ends[act] -= 1
        act = act[starts[act] < ends[act]]


_ALNUM_U8 = _ALNUM[1:].copy()                      # index = byte

# keep the first l bytes of a little-endian word, fill the others with the element separator
_KEEP = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF], np.uint32)     # the first l bytes of a word
_FILL = np.array([ELEM * 0x01010101 & ~int(k) & 0xFFFFFFFF for k in _KEEP], np.uint32)


def _codes(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Packed segment id (2-3 alphanumerics before the first element separator, 0 when unreadable) and
    packed first element (0 when empty, -1 when longer than 3 characters) of every segment.

    The 4 bytes at a segment's start (and at its first element) are read with one gather from an
    unaligned uint32 view of the buffer; bytes past the segment's end read as an element separator (the
    checks below treat "end" and "separator" alike).
    """
    n = len(starts)
    if n == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    size = len(arr)
    padded = arr if size >= 4 else np.concatenate([arr, np.zeros(4 - size, np.uint8)])
    words = np.ndarray((len(padded) - 3,), "<u4", buffer=padded, strides=(1,))
    top = len(padded) - 4

    def four(base: np.ndarray) -> np.ndarray:
        """(n, 4) uint8: the bytes at base..base+3, ELEM at or past the segment's end"""
        b = np.minimum(base, top)
        w = words[b]
        near_end = base != b                     # the last bytes of the buffer: shift them into place
        if near_end.any():
            w[near_end] >>= (8 * (base[near_end] - b[near_end])).astype(np.uint32)
        avail = ends - base
        cut = np.flatnonzero(avail < 4)           # segment (or element) ends within these 4 bytes
        if len(cut):
            a = np.maximum(avail[cut], 0)
            w[cut] = (w[cut] & _KEEP[a]) | _FILL[a]
        return w.view(np.uint8).reshape(n, 4)

    c = four(starts)
    c0, c1, c2, c3 = c[:, 0], c[:, 1], c[:, 2], c[:, 3]
    a01 = _ALNUM_U8[c0] & _ALNUM_U8[c1]
    id3 = a01 & _ALNUM_U8[c2] & (c3 == ELEM)
    id2 = a01 & (c2 == ELEM)
    code2 = (c0.astype(np.int32) << 16) | (c1.astype(np.int32) << 8)
    seg = np.where(id3, code2 | c2, np.where(id2, code2, 0)).astype(np.int32)
    idlen = np.where(id3, 3, np.where(id2, 2, 0))
    has_q = (idlen > 0) & (ends - starts > idlen)
    q = four(np.where(has_q, starts + idlen + 1, ends))
    stop = q == ELEM
    # qualifier length = bytes before the next element separator (or the end), more than 3 -> -1
    qlen = np.where(stop[:, 0], 0, np.where(stop[:, 1], 1, np.where(stop[:, 2], 2, np.where(stop[:, 3], 3, 4))))
    b0 = np.where(qlen >= 1, q[:, 0], 0).astype(np.int32)
    b1 = np.where(qlen >= 2, q[:, 1], 0).astype(np.int32)
    b2 = np.where(qlen >= 3, q[:, 2], 0).astype(np.int32)
    qual = np.where(qlen > 3, -1, (b0 << 16) | (b1 << 8) | b2).astype(np.int32)
    qual[~has_q] = 0
    return seg, qual

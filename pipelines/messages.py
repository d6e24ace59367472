"""The one place where a value from an input file becomes part of a user-facing message.

Every message the analyst sees (terminal, ingest-log.csv, ingest_issues, the PDF appendix) names the
*place* (file, segment number and element, row and column) and the reason; a value from the file is
quoted only through `shown()`, which
  - never prints a value of a PHI field (names, birth dates, member/subscriber ids, addresses) —
    the field's name and the place are enough for the analyst to find it,
  - removes control characters and collapses whitespace, so a quoted value cannot forge a log line,
  - caps the quoted text at MAX_QUOTED characters (a 100 KB element is never echoed whole).
"""
from __future__ import annotations

import re

MAX_QUOTED = 24

# Export columns (CONTRACT §4) and X12 elements that hold PHI. X12 elements are named by segment id and
# position (the loops they are PHI in: 2010BA subscriber, 2010CA patient, 2100 NM1*QC/IL of the 835).
PHI_COLUMNS = frozenset({
    "patient_first", "patient_last", "patient_dob", "member_id", "patient_name", "subscriber_id",
    "address", "city", "zip", "phone", "ssn",
})
PHI_SEGMENTS = frozenset({"NM1", "N3", "N4", "DMG", "REF", "PER"})

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def is_phi(field: str | None) -> bool:
    """True when a column (CONTRACT §4 name) or an X12 element (e.g. 'NM103', 'DMG02') holds PHI."""
    if not field:
        return False
    f = field.strip()
    return f.lower() in PHI_COLUMNS or f[:3].upper() in PHI_SEGMENTS


def shown(value: object, field: str | None = None, phi: bool | None = None) -> str:
    """A file value as it may appear in a message: `'97110'`, `'a very long val…'`, or `(not shown: PHI)`.

    `field` names the column or X12 element the value came from; a PHI field (or `phi=True`) is never
    shown. Floats that are whole numbers print without '.0' (spreadsheet cells)."""
    if phi or (phi is None and is_phi(field)):
        return "(not shown: PHI)"
    if value is None:
        return "(empty)"
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")) \
            and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    text = _SPACES.sub(" ", _CONTROL.sub(" ", str(value))).strip()
    if not text:
        return "(blank)"
    if len(text) > MAX_QUOTED:
        text = text[:MAX_QUOTED - 1] + "…"
    return f"'{text}'"


def shown_like(value: object, like: str | re.Pattern, field: str | None = None) -> str | None:
    """`shown(value, field)` only when the whole value looks like `like` (a regular expression), else None.

    For a value whose field is not PHI but whose bytes could be: in a damaged X12 file a lost segment
    terminator glues two segments together, so a patient's name, member id or birth date can sit where an
    amount, a date or a control number is expected. A caller passes the shape that value may be shown in
    (digits that are not a calendar date, 'inf', '1e400', a version code ...) and leaves everything else
    out of the message: the place names it."""
    if is_phi(field) or value is None:
        return None
    text = str(value).strip()
    pattern = like if isinstance(like, re.Pattern) else re.compile(like)
    if len(text) > 4 * MAX_QUOTED or not pattern.fullmatch(text):
        return None
    return shown(text, field)


def place(segment: int | None = None, segment_id: str | None = None, element: str | None = None,
          row: int | None = None, column: str | None = None, sheet: str | None = None) -> str:
    """Where a problem is, never what the data says: 'segment 120 (CLP), CLP03' or 'sheet Visits row 7, dos'."""
    where = []
    if segment is not None:
        where.append(f"segment {segment}" + (f" ({segment_id})" if segment_id else ""))
    if row is not None:
        where.append((f"sheet {shown(sheet).strip(chr(39))} " if sheet else "") + f"row {row}")
    elif sheet:
        where.append(f"sheet {shown(sheet).strip(chr(39))}")
    tail = element or column
    if tail:
        where.append(tail)
    return ", ".join(where)

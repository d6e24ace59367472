"""Reading one export cell: dates, times, numbers with limits, minutes, money, procedure-code cells.

Each parser takes the cell's text (CSV cells as written; XLSX cells turned into text by export_grid) and
returns the value or raises BadValue with the reason shown to the analyst. The loader calls them once
per *distinct* text of a column (a 650,000-row export has a few hundred distinct dates), never per row,
and joins the results back in SQL. Every quoted value goes through `pipelines.messages.shown`, so a
PHI column (a birth date, a name) is never quoted and no quoted value is longer than a few words.

Limits (values outside are rejected, or loaded as empty with a warning for an optional column, before
anything reaches the database): units 0-99 per line, minutes 0-1440, amounts below $1,000,000, whole
numbers of authorized visits 0-9999; numbers are finite (no inf, NaN, exponents); dates are real
calendar dates (birth dates 1900-2099, every other date 2000-2099).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from ..messages import shown

EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_UNITS = 99
MAX_MINUTES = 1440
MAX_AMOUNT = Decimal("1000000")
MAX_VISITS = 9999
MIN_YEAR, MAX_YEAR = 1900, 2099       # birth dates
MIN_SERVICE_YEAR = 2000               # service, plan, authorization dates


class BadValue(ValueError):
    """A cell that cannot be read as its column's type; the message is the reason shown to the user."""


_WORD = re.compile(r"[A-Za-z]{4,}")
_MIXED = re.compile(r"(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{6,}")
_SAFE_WORDS = {"january", "february", "march", "april", "june", "july", "august", "september", "october",
               "november", "december", "sept", "mins", "minute", "minutes", "hour", "hours", "unit", "units",
               "visit", "visits", "total"}


def q(value: str, field: str) -> str:
    """The field and its value as quoted in a message: "dos '13/45/2025'", "patient_dob (not shown: PHI)".
    A value that reads like a name or an identifier (a word of four letters or more, or letters and
    digits run together) is not quoted in any column: in a damaged row a name or a member id can sit
    under 'dos' or 'cpt'."""
    text = str(value)
    if not shown(text, field).startswith("(not shown") and (
            any(w.lower() not in _SAFE_WORDS for w in _WORD.findall(text)) or _MIXED.search(text)):
        return f"{field} (text, not shown)"
    return f"{field} {shown(text, field)}"


# --- numbers ------------------------------------------------------------------------------------------
_NUMBER_RE = re.compile(r"^\(?\s*([-+]?)\s*\$?\s*([-+]?)(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)\s*\)?\s*"
                        r"(-?)\s*(?:min|mins|minutes|units?|visits?|u)?\.?$", re.I)


def number(text: str, field: str) -> float:
    """'2', '2.0', '1,234.5', '$12', '(12.00)' (negative), '12.00-', '15 min', '2 units' -> float."""
    s = text.strip()
    m = _NUMBER_RE.match(s)
    if not m:
        raise BadValue(f"{q(s, field)} is not a number")
    x = float(m.group(3).replace(",", ""))
    negative = "-" in (m.group(1), m.group(2), m.group(4)) or (s.startswith("(") and s.endswith(")"))
    return -x if negative else x


def units(text: str, field: str = "units") -> float:
    x = number(text, field)
    if x < 0:
        raise BadValue(f"{q(text, field)} is negative (a reversal or credit line?)")
    if x > MAX_UNITS:
        raise BadValue(f"{q(text, field)} is out of range (0-{MAX_UNITS} per line)")
    return x


_HM_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_HOURS_RE = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)\s*(?:h|hr|hrs|hour|hours)\.?$", re.I)
_HOURS_MIN_RE = re.compile(r"^(\d+)\s*(?:h|hr|hrs|hour|hours)\.?\s*(\d+)\s*(?:m|min|mins|minutes)\.?$", re.I)


def minutes(text: str, field: str = "minutes") -> float:
    """'43', '43 min', '0:43' (h:mm), '0:43:00', '0.75 hr', '1 hr 5 min' -> minutes (0-1440)."""
    s = text.strip()
    m = _HM_RE.match(s)
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if mi >= 60 or sec >= 60:
            raise BadValue(f"{q(s, field)} is not a duration")
        x = h * 60 + mi + sec / 60
    elif _HOURS_RE.match(s):
        x = float(_HOURS_RE.match(s).group(1)) * 60
    elif _HOURS_MIN_RE.match(s):
        mm = _HOURS_MIN_RE.match(s)
        x = int(mm.group(1)) * 60 + int(mm.group(2))
    else:
        x = number(s, field)
    if x < 0:
        raise BadValue(f"{q(s, field)} is negative")
    if x > MAX_MINUTES:
        raise BadValue(f"{q(s, field)} is out of range (0-{MAX_MINUTES})")
    return round(x, 4)


def whole(text: str, field: str) -> int:
    x = number(text, field)
    if not float(x).is_integer():
        raise BadValue(f"{q(text, field)} is not a whole number")
    if not 0 <= x <= MAX_VISITS:
        raise BadValue(f"{q(text, field)} is out of range (0-{MAX_VISITS})")
    return int(x)


def money(text: str, field: str) -> Decimal:
    """'$1,234.50', '(12.00)', '-12', '12.00-' -> Decimal with cents, |x| < 1,000,000."""
    s = text.strip()
    m = _NUMBER_RE.match(s)
    if not m or re.search(r"[a-z]", s, re.I):
        raise BadValue(f"{q(s, field)} is not an amount")
    try:
        d = Decimal(m.group(3).replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise BadValue(f"{q(s, field)} is not an amount") from None
    if d >= MAX_AMOUNT:
        raise BadValue(f"{q(s, field)} is out of range (below $1,000,000)")
    negative = "-" in (m.group(1), m.group(2), m.group(4)) or (s.startswith("(") and s.endswith(")"))
    return -d if negative else d


# --- dates and times ----------------------------------------------------------------------------------
_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$")
_SLASH_RE = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4}|\d{2})(?:[T\s].*)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.0+)?$")
_SERIAL_RE = re.compile(r"^(\d{5})(?:\.\d+)?$")
_NAMED_FORMATS = ("%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d %Y", "%B %d %Y", "%d %B %Y", "%b-%d-%Y",
                  "%a %b %d %Y", "%A %B %d %Y")


def _two_digit_year(yy: int, birth: bool) -> int:
    year = 2000 + yy
    if birth and year > dt.date.today().year:   # '3/4/52' as a birth date is 1952
        year -= 100
    return year


def _date_or_none(s: str, birth: bool, day_first: bool) -> dt.date | None:
    m = _COMPACT_RE.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _ISO_RE.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _SLASH_RE.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), m.group(3)
        mo, d = (b, a) if day_first else (a, b)
        year = int(y) if len(y) == 4 else _two_digit_year(int(y), birth)
        return dt.date(year, mo, d)
    m = _SERIAL_RE.match(s)
    if m:
        return EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
    cleaned = re.sub(r"[,\s]+", " ", s).strip()
    cleaned = re.sub(r"\s\d{1,2}:\d{2}.*$", "", cleaned)        # drop a time part
    for fmt in _NAMED_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def date(text: str, field: str, day_first: bool = False) -> dt.date:
    """ISO, MM/DD/YYYY (DD/MM/YYYY with day_first), M/D/YY, YYYYMMDD, 04-Mar-2025, Mar 4 2025, an Excel
    serial number; a time part is dropped. A real calendar date between 1900 and 2099."""
    s = text.strip()
    try:
        got = _date_or_none(s, field == "patient_dob", day_first) if len(s) <= 40 else None
    except (ValueError, OverflowError):
        got = None
    if got is None:
        raise BadValue(f"{q(s, field)} is not a date")
    low = MIN_YEAR if field == "patient_dob" else MIN_SERVICE_YEAR
    if not low <= got.year <= MAX_YEAR:
        raise BadValue(f"{q(s, field)} is not a plausible date ({low}-{MAX_YEAR})")
    return got


_TIME_RE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}[T\s]|\d{1,2}/\d{1,2}/\d{2,4}\s+)?(\d{1,2}):?(\d{2})(?::(\d{2}))?"
                      r"(?:\.\d+)?\s*([AaPp]\.?[Mm]\.?)?$")
_FRACTION_RE = re.compile(r"^0?\.\d+$|^0$")


def time(text: str, field: str) -> dt.time:
    """10:30, 10:30 AM, 1030, 2:05 pm, '2025-03-04 10:30:00', an Excel time fraction (0.4375)."""
    s = text.strip()
    if _FRACTION_RE.match(s):
        secs = round(float(s) * 86400)
        return dt.time(secs // 3600 % 24, secs // 60 % 60, secs % 60)
    m = _TIME_RE.match(s)
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        ampm = (m.group(4) or "").lower().replace(".", "")
        if ampm == "pm" and h < 12:
            h += 12
        elif ampm == "am" and h == 12:
            h = 0
        if h < 24 and mi < 60 and sec < 60:
            return dt.time(h, mi, sec)
    raise BadValue(f"{q(s, field)} is not a time")


# --- text ---------------------------------------------------------------------------------------------
_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")


def text(value: str, pad: int = 0) -> str | None:
    """An identifier or name: '1001.0' (a spreadsheet number) -> '1001'; `pad` zero-fills numeric codes."""
    s = value.strip()
    if not s:
        return None
    s = _WHOLE_FLOAT.sub(r"\1", s)
    if pad and s.isdigit():
        s = s.zfill(pad)
    return s


# --- procedure codes ----------------------------------------------------------------------------------
class CodeItem(NamedTuple):
    code: str
    modifiers: tuple[str, ...]
    units: float | None          # from the cell ('x2', '(2)', '2 units'), else None


_CODE_RE = re.compile(r"^(?:\d{5}|\d{4}[A-Z]|[A-Z]\d{4})$")
_MOD_RE = re.compile(r"^[A-Z0-9]{2}$")
_TOKEN_RE = re.compile(
    r"(?P<count>(?:[X×*]\s*(?P<n1>\d{1,3})(?![0-9A-Z]))|(?:\(\s*(?P<n2>\d{1,3})\s*(?:UNITS?|U)?\s*\))"
    r"|(?:(?<![0-9A-Z])(?P<n3>\d{1,3})\s*(?:UNITS?|U)(?![0-9A-Z])))"
    r"|(?P<word>[A-Z0-9]+)|(?P<sep>[,;|+&])|(?P<other>\S)")
_MOD_SPLIT = re.compile(r"[;,:\s|\-/]+")


def code_items(value: str, field: str = "cpt") -> list[CodeItem]:
    """A procedure-code cell -> one item per code. '97110' / '97110.0' / '97110-GO' / '97110 GO 59' /
    '97530 x2, 97110' / '97110(2)' / '97530-GO x2' / 'g0283'. Text after a code that is not a run of
    two-character modifiers or a count (a description, '97535 - Self care') is ignored, and so are that
    code's modifiers from this cell."""
    s = value.strip().upper()
    if not s:
        raise BadValue(f"{field} is empty")
    m = re.match(r"^(\d{5})\.0+$", s)
    if m:
        return [CodeItem(m.group(1), (), None)]
    if len(s) > 200:
        raise BadValue(f"{q(value, field)} is not a CPT/HCPCS code")
    items: list[dict] = []
    current: dict | None = None
    after_sep = False
    for tok in _TOKEN_RE.finditer(s):
        word = tok.group("word")
        if word and _CODE_RE.match(word):
            current = {"code": word, "mods": [], "units": None, "described": False}
            items.append(current)
            after_sep = False
        elif tok.group("count"):
            n = tok.group("n1") or tok.group("n2") or tok.group("n3")
            if current is None or current["units"] is not None:
                raise BadValue(f"{q(value, field)} has a count without its code")
            current["units"] = float(n)
        elif word and _MOD_RE.match(word) and current is not None and not current["described"]:
            current["mods"].append(word)
        elif word and current is not None and not after_sep:
            current["described"] = True                 # a description after the code
        elif tok.group("sep"):
            after_sep = True
        # anything else (punctuation between code and modifiers, a description before any code) is ignored
    if not items:
        raise BadValue(f"{q(value, field)} is not a CPT/HCPCS code")
    out = []
    for it in items:
        mods = () if it["described"] else tuple(dict.fromkeys(it["mods"]))
        u = it["units"]
        if u is not None and not 0 < u <= MAX_UNITS:
            raise BadValue(f"{q(value, field)}: count out of range (1-{MAX_UNITS})")
        out.append(CodeItem(it["code"], mods, u))
    return out


def modifier_tokens(value: str) -> list[str]:
    return [t for t in _MOD_SPLIT.split(value.strip().upper()) if t]

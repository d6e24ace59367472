"""Small X12 writer: segments as lists of elements, composites as lists, written with a clearinghouse's
delimiters. Each interchange is built per transaction so a monthly file never holds more than one
transaction set in memory."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Style:
    name: str
    element: str
    component: str
    repetition: str
    segment: str
    newline: str          # written after each segment terminator ('' = one long line)


STYLES = {
    "A": Style("A", "*", ":", "^", "~", "\n"),
    "B": Style("B", "|", ">", "^", "~", ""),
    "C": Style("C", "*", ":", "^", "~", "\r\n"),
}


_MONEY: dict = {}


def money(x: Decimal) -> str:
    """X12 decimal: no trailing zeros, no leading '+'."""
    s = _MONEY.get(x)
    if s is None:
        q = x.quantize(Decimal("0.01"))
        s = format(q, "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        if s in ("-0", ""):
            s = "0"
        if len(_MONEY) < 200_000:
            _MONEY[x] = s
    return s


class SegmentWriter:
    """Collects one transaction's segments (ST..SE) and renders them."""

    def __init__(self, style: Style):
        self.style = style
        self.segs: list[str] = []

    def add(self, *elements) -> None:
        st = self.style
        comp = st.component
        parts = [e if e.__class__ is str else
                 ("" if e is None else (comp.join(map(str, e)) if isinstance(e, (list, tuple)) else str(e)))
                 for e in elements]
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        self.segs.append(st.element.join(parts))

    def __len__(self) -> int:
        return len(self.segs)

    def render(self) -> str:
        st = self.style
        end = st.segment + st.newline
        return end.join(self.segs) + end


def isa(style: Style, sender: str, receiver: str, yymmdd: str, hhmm: str, control: int,
        usage: str = "P") -> str:
    e = style.element
    fields = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15)[:15], "ZZ",
              receiver.ljust(15)[:15], yymmdd, hhmm, style.repetition, "00501", f"{control:09d}", "0",
              usage, style.component]
    seg = e.join(fields) + style.segment
    assert len(seg) == 106, len(seg)
    return seg + style.newline

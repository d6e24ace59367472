"""Plain data holders of the synthetic practice (slots: a large group has a million lines)."""
from __future__ import annotations

from datetime import date, timedelta


class Line:
    __slots__ = ("cpt", "units", "mods", "minutes", "ota", "role", "npi", "doc", "billed", "doc_units",
                 "exp", "exp0", "value", "remit", "line_no", "plants")

    def __init__(self, cpt: str, units: int, minutes, role: str, npi: str):
        self.cpt = cpt
        self.units = units
        self.mods = ["GO"]
        self.minutes = minutes       # documented treatment minutes (None = blank in the export)
        self.ota = 0                 # OTA minutes
        self.role = role
        self.npi = npi
        self.doc = True              # a visits-export row exists
        self.billed = True           # on the claim
        self.doc_units = units       # units in the export row
        self.exp = None              # expected allowed (Decimal)
        self.exp0 = None             # expected allowed before the CO differential
        self.value = None            # line value (DESIGN §3)
        self.remit = None            # dict describing the 835 line
        self.line_no = 0
        self.plants = set()          # rules planted on this line


class Visit:
    __slots__ = ("dos", "lines", "note", "billed", "claim_id", "sub", "pay", "remit_mode", "payer_claim_id",
                 "plants", "flags", "claim_denial")

    def __init__(self, dos: date, lines: list[Line]):
        self.dos = dos
        self.lines = lines
        self.note = "Daily Note"
        self.billed = True
        self.claim_id = ""
        self.sub = None
        self.pay = None
        self.remit_mode = "paid"     # paid | pending (paid after the as-of date) | unpaid | reversal
        self.payer_claim_id = ""
        self.plants = set()          # visit plants: "UNBILLED", "UNPAID", "DENIAL", a line plant kind
        self.flags = {}
        self.claim_denial = None     # (group, reason) of a claim-level denial (CLP with no SVC lines)

    def billed_lines(self) -> list[Line]:
        return [ln for ln in self.lines if ln.billed]


class Plan:
    __slots__ = ("start", "end", "signed", "kind")

    def __init__(self, start: date, end: date, signed: date | None, kind: str):
        self.start, self.end, self.signed, self.kind = start, end, signed, kind


class Auth:
    __slots__ = ("number", "start", "end", "visits")

    def __init__(self, number: str, start: date, end: date, visits: int):
        self.number, self.start, self.end, self.visits = number, start, end, visits


def next_weekday(d: date, weekday: int) -> date:
    return d + timedelta(days=(weekday - d.weekday()) % 7)

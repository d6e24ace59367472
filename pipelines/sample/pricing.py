"""Expected allowed amounts exactly as docs/DESIGN.md §4 prices them (own implementation, for the ground
truth of the sample; the checks price in SQL).

Money is Decimal, rounded half-up to cents (DuckDB's round on DECIMAL)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ..resources import sql_dir

CENT = Decimal("0.01")
CO_SHARE = Decimal("0.12")
KX_THRESHOLD_2025 = Decimal("2410")
TMR_AMOUNT = Decimal("3000")


def r2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _read(name: str) -> list[dict]:
    with open(sql_dir() / "seeds" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Code:
    cpt: str
    is_timed: bool
    once_per_day: bool
    always_therapy: bool
    unit_rule: str
    mppr_ind: str
    pe_dollars: Decimal      # PE RVU x PE GPCI (ordering key for MPPR)
    full: Decimal
    reduced: Decimal


@dataclass(frozen=True)
class Payer:
    key: str
    name: str            # name written in the files (matches the directory patterns)
    payer_id: str
    payer_class: str
    unit_method: str | None
    timely_filing_days: int
    requires_auth: bool
    fee_pct: Decimal
    appeal_days: int
    follows_medicare: bool


@lru_cache(maxsize=None)
def seeds() -> dict:
    gp = next(r for r in _read("gpci.csv") if r["year"] == "2025" and r["locality"] == "01")
    gw, gpe, gmp = (Decimal(gp[k]) for k in ("work_gpci", "pe_gpci", "mp_gpci"))
    cf = next(Decimal(r["conversion_factor"]) for r in _read("conversion_factors.csv")
              if r["start_date"] == "2025-01-01")
    rvu = {r["cpt"]: r for r in _read("rvu.csv") if r["year"] == "2025"}
    codes = {}
    for r in _read("codes.csv"):
        v = rvu.get(r["cpt"])
        if v is None:
            continue
        w, pe, mp = Decimal(v["work_rvu"]), Decimal(v["nf_pe_rvu"]), Decimal(v["mp_rvu"])
        codes[r["cpt"]] = Code(
            cpt=r["cpt"], is_timed=r["is_timed"] == "true", once_per_day=r["once_per_day"] == "true",
            always_therapy=r["always_therapy"] == "true", unit_rule=r["unit_rule"], mppr_ind=v["mppr_ind"],
            pe_dollars=pe * gpe,
            full=r2((w * gw + pe * gpe + mp * gmp) * cf),
            reduced=r2((w * gw + Decimal("0.5") * pe * gpe + mp * gmp) * cf))
    kx = next(Decimal(r["threshold"]) for r in _read("kx_thresholds.csv")
              if r["year"] == "2025" and r["bucket"] == "OT")
    payers = {}
    for r in _read("payer_directory.csv"):
        payers[r["payer_key"]] = r
    ncci = {(r["column1"], r["column2"]) for r in _read("ncci_pairs.csv")
            if r["active_by_default"] == "true"}
    return {"codes": codes, "cf": cf, "gpci": (gw, gpe, gmp), "kx": kx, "directory": payers, "ncci": ncci}


def code(cpt: str) -> Code:
    return seeds()["codes"][cpt]


def medicare_lines(lines) -> list[Decimal]:
    """Medicare fee-schedule amount of each line of one visit, MPPR applied over the visit's units
    (DESIGN §4), before any CO differential. `lines` = sequence of (cpt, units)."""
    best = None  # (pe_dollars, full, -cpt order, -line index) -> highest wins
    for i, (cpt, units) in enumerate(lines):
        c = code(cpt)
        if c.mppr_ind == "5" and units > 0:
            key = (c.pe_dollars, c.full, _neg(cpt), -i)
            if best is None or key > best[0]:
                best = (key, i)
    out = []
    for i, (cpt, units) in enumerate(lines):
        c = code(cpt)
        if c.mppr_ind != "5" or units <= 0:
            out.append(c.full * units)
        elif best is not None and best[1] == i:
            out.append(c.full + c.reduced * (units - 1))
        else:
            out.append(c.reduced * units)
    return out


def _neg(cpt: str) -> tuple:
    # lower cpt wins a tie -> invert ordering for a max()
    return tuple(-ord(ch) for ch in cpt)


def expected_lines(lines, payer: Payer) -> list[Decimal]:
    """Expected allowed per line. `lines` = sequence of (cpt, units, has_co)."""
    med = medicare_lines([(c, u) for c, u, _ in lines])
    out = []
    for (cpt, units, has_co), m in zip(lines, med):
        if payer.payer_class == "medicare" or payer.follows_medicare:
            v = r2(m * (1 - CO_SHARE)) if has_co else m
            if payer.payer_class != "medicare":
                v = r2(payer.fee_pct * v)
            out.append(v)
        else:
            out.append(r2(payer.fee_pct * m))
    return out


def medicare_line_no_co(lines, index: int, payer: Payer) -> Decimal:
    """The 'full expected' of a line (before the CO differential) for the CO rules."""
    med = medicare_lines([(c, u) for c, u, _ in lines])[index]
    if payer.payer_class != "medicare":
        med = r2(payer.fee_pct * med)
    return med

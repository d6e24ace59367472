"""One patient's twelve months: visits, claims, remittances, plans of care, authorizations, and the problems
planted in them — at the rates of rates.py, drawn with the patient's own RNG (seed + patient index), plus
a few exemplar patients (the first ones of the practice) that carry a given problem or near-miss for sure,
so that every rule is planted at least three times even in the small default sample.

The planted keys are recorded on the patient (p.planted: rule -> {(claim_id, dos, cpt)}, p.planted_rules
for the episode rules); truth.py evaluates the rules independently and checks both agree."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from .model import Auth, Line, Visit, next_weekday
from .practice import (OTAS, SPEC, Patient, build_plans, eval_visit, make_lines, make_patient, schedule,
                       treatment_visit)
from .pricing import (D0, Payer, expected_lines, info, kx_threshold, part_b_deductible, patient_share, r2,
                      unit_charge)
from .rates import p as rate

EVALS = {"97165", "97166", "97167"}
EVAL_RE = EVALS | {"97168"}
END = date(2026, 9, 30)              # last date of service of the practice's twelve months
MUE_START = date(2026, 4, 1)         # the bundled MAI-3 MUEs take effect (sql/seeds/mue.csv)
MAX_MONTHS = 21                      # back to January 2025: the first fee schedule loaded

# Exemplar patients: name, payer, adult, caseload, kinds planted for sure, rate_free (no random problems:
# a near-miss patient whose claims must produce no finding at all).
EXEMPLARS = [
    ("KX25", "medicare_ngs", True, "neuro", {"INTENSIVE_25", "KXMISS"}, False),
    ("MUE_A", "medicare_ngs", True, "postsurg", {"MUE", "LATE_START"}, False),
    ("MHPA", "masshealth", False, "sensory", {"MHPA", "LONG_WEEKLY"}, False),
    ("NM_FOLD_MC", "medicare_ngs", True, "neuro", {"NM_FOLD", "NM_PLB"}, True),
    ("KX26", "medicare_ngs", True, "postsurg", {"INTENSIVE_26", "KXMISS"}, False),
    ("POCMISS", "medicare_ngs", True, "hand", {"POCMISS"}, False),
    ("UNTIMED", "medicare_ngs", True, "neuro", {"UNTIMED"}, False),
    ("NM_OTA10", "medicare_ngs", True, "neuro", {"NM_OTA10"}, True),
    ("MUE_B", "medicare_ngs", True, "neuro", {"MUE", "LATE_START"}, False),
    ("CERTLATE", "bcbsma_medicare_adv", True, "postsurg", {"CERTLATE"}, False),
    ("RECERT", "medicare_ngs", True, "hand", {"RECERT", "LONG"}, False),
    ("NM_MUE", "medicare_ngs", True, "postsurg", {"NM_MUE6", "NM_MUE_PRE"}, True),
    ("PROG", "medicare_ngs", True, "postsurg", {"PROG", "LONG"}, False),
    ("MHRX", "masshealth", False, "finemotor", {"MHRX", "LONG_WEEKLY"}, False),
    ("AUTH", "bcbsma", True, "hand", {"AUTH"}, False),
    ("NM_KX_OK", "medicare_ngs", True, "hand", {"KX_OK"}, True),
    ("CE", "cigna", True, "neuro", {"CE"}, False),
    ("DISC", "harvard_pilgrim", True, "postsurg", {"DISC"}, False),
    ("NCCI", "uhc", True, "hand", {"NCCI"}, False),
    ("NM_NCCI59", "aetna", True, "hand", {"NM_NCCI59"}, True),
    ("COMISS", "medicare_ngs", True, "neuro", {"COMISS"}, False),
    ("COUNN", "medicare_ngs", True, "hand", {"COUNN"}, False),
    ("MISALLOC", "bcbsma_medicare_adv", True, "neuro", {"MISALLOC"}, False),
    ("NM_AUTH_EXACT", "bcbsma", True, "postsurg", {"NM_AUTH_EXACT"}, True),
    ("NM_REVERSAL", "tufts", True, "postsurg", {"NM_REVERSAL"}, True),
    ("NM_MUE_COMM", "bcbsma", True, "neuro", {"NM_MUE_COMM", "LATE_START"}, True),
    ("TMR", "medicare_ngs", True, "neuro", {"INTENSIVE_26"}, False),
    ("NM_MH_AUTH", "masshealth", False, "sensory", {"NM_MH_AUTH", "LONG_WEEKLY"}, True),
    ("MUE_C", "medicare_ngs", True, "hand", {"MUE", "LATE_START"}, False),
]
EXEMPLAR_NAMES = [e[0] for e in EXEMPLARS]

LINE_KINDS = ["UNDER", "OVER", "MISALLOC", "UNTIMED", "MINMISS", "GOMISS", "DISC", "COMISS", "COUNN", "NCCI", "CE",
              "MUE"]
KIND_RATE = {"UNDER": "units_under", "OVER": "units_over", "MISALLOC": "units_misallocated",
             "UNTIMED": "untimed_units", "MINMISS": "minutes_missing", "GOMISS": "go_missing",
             "DISC": "discipline_wrong", "COMISS": "co_missing", "COUNN": "co_unneeded", "NCCI": "ncci",
             "CE": "coding_edit", "MUE": "mue"}
KIND_RULE = {"UNDER": "UNITS_UNDERBILLED", "OVER": "UNITS_OVERBILLED", "MISALLOC": "UNITS_MISALLOCATED",
             "UNTIMED": "UNTIMED_MULTIPLE_UNITS", "MINMISS": "MINUTES_MISSING", "GOMISS": "GO_MISSING",
             "DISC": "DISCIPLINE_MODIFIER_WRONG", "COMISS": "CO_MODIFIER_MISSING", "COUNN": "CO_MODIFIER_UNNEEDED",
             "NCCI": "NCCI_MODIFIER_MISSING", "CE": "CODING_EDIT", "MUE": "MUE_EXCEEDED"}


def exemplar_positions(n_patients: int) -> dict[int, tuple]:
    """Patient index -> exemplar, spread over the first patients (every 4th at the default size)."""
    step = max(1, min(4, n_patients // len(EXEMPLARS)))
    return {k * step: e for k, e in enumerate(EXEMPLARS) if k * step < n_patients}


@lru_cache(maxsize=65536)
def filing_deadline(d: date, days: int) -> date:
    """DOS + timely filing days; a whole number of years is added as years (365 days = same date next
    year), as the engine does."""
    if days % 365 == 0:
        y = d.year + days // 365
        try:
            return d.replace(year=y)
        except ValueError:                 # 29 February
            return date(y, 2, 28)
    return d + timedelta(days=days)


class Ctx:
    """Period, as-of date and payment calendars shared by every patient."""

    def __init__(self, seed: int, months: int, payers: dict[str, Payer]):
        if not 1 <= months <= MAX_MONTHS:
            raise ValueError(f"--months must be 1..{MAX_MONTHS} (the bundled fee schedules cover 2025 and 2026)")
        self.seed = seed
        self.months = months
        self.end = END
        m0 = END.year * 12 + END.month - 1 - (months - 1)
        self.start = date(m0 // 12, m0 % 12 + 1, 1)
        self.as_of = next_weekday(self.end + timedelta(days=42), 4)   # a Friday: the last payment run
        self.payers = payers

    def submission(self, dos: date, lag: int = 0) -> date:
        d = next_weekday(dos + timedelta(days=3 + lag), 1)   # weekly Tuesday batches
        while d > self.as_of:
            d -= timedelta(days=7)
        return d

    def payment(self, sub: date, weekly: bool) -> date:
        d = next_weekday(sub + timedelta(days=14), 4)
        if not weekly and (self.as_of - d).days % 14:
            d += timedelta(days=7)
        return d

    def deadline(self, payer: Payer, dos: date) -> date:
        return filing_deadline(dos, payer.timely_filing_days)


def _visit_lines_priced(v: Visit, payer: Payer):
    return expected_lines([(ln.cpt, ln.units, "CO" in ln.mods) for ln in v.billed_lines()], payer, v.dos)


def _visit_total(v: Visit, payer: Payer) -> Decimal:
    return sum((e for e, _ in _visit_lines_priced(v, payer)), D0)


def _set_lines(rng, v: Visit, codes, staff) -> None:
    v.lines = make_lines(rng, codes, staff)


def _timed_lines(v: Visit, pred=lambda ln: True) -> list[Line]:
    return [ln for ln in v.lines if ln.billed and ln.doc and info(ln.cpt).is_timed and pred(ln)]


# ---------------------------------------------------------------------------------------------- schedule
def _episode(rng, p: Patient, ctx: Ctx, payer: Payer, kinds: set) -> tuple[list[date], bool]:
    """Dates of service of the patient's episode and whether the evaluation day also carries treatment."""
    span_end = ctx.end
    eval_treat = False
    if p.intensive:
        n = rng.randint(30, 60)
        freq = 3
        if "INTENSIVE_25" in kinds:
            start = max(ctx.start, date(2025, 10, 1)) + timedelta(days=rng.randint(0, 5))
        elif "INTENSIVE_26" in kinds:
            start = max(ctx.start, date(2026, 2, 2)) + timedelta(days=rng.randint(0, 20))
        elif "KX_OK" in kinds:
            start = max(ctx.start, date(2026, 1, 5)) + timedelta(days=rng.randint(0, 10))
        else:
            start = ctx.start + timedelta(days=rng.randint(0, max(1, (ctx.end - ctx.start).days - 60)))
    elif "LONG_WEEKLY" in kinds:
        n, freq = rng.randint(24, 30), 1
        start = ctx.start + timedelta(days=rng.randint(0, 20))
    elif "LONG" in kinds:
        n, freq = rng.randint(20, 26), 2
        start = ctx.start + timedelta(days=rng.randint(0, 40))
    elif kinds & {"NM_MUE6", "NM_MUE_PRE"}:
        n, freq = 18, 2
        start = max(ctx.start, date(2026, 2, 9)) + timedelta(days=rng.randint(0, 7))
    elif "LATE_START" in kinds:
        n, freq = rng.randint(8, 12), 2
        start = max(ctx.start, date(2026, 4, 6)) + timedelta(days=rng.randint(0, 60))
    elif kinds & {"CERTLATE"}:
        n, freq, eval_treat = 8, 1, True
        start = ctx.start + timedelta(days=rng.randint(14, 120))
    elif kinds & {"AUTH", "NM_AUTH_EXACT"}:
        n, freq = 12, 2
        start = ctx.start + timedelta(days=rng.randint(14, 120))
    elif kinds & set(LINE_KINDS) or kinds & {"POCMISS", "NM_FOLD", "NM_OTA10", "NM_NCCI59", "NM_REVERSAL"}:
        n, freq = rng.randint(8, 12), 2
        start = ctx.start + timedelta(days=rng.randint(14, 150))
    elif p.adult:
        n = rng.randint(6, 24)
        freq = rng.choice([1, 2, 2, 2, 3])
        start = ctx.start + timedelta(days=rng.randint(0, max(1, (ctx.end - ctx.start).days - 20)))
    else:
        n = rng.randint(8, 30)
        freq = rng.choice([1, 1, 1, 2])
        start = ctx.start + timedelta(days=rng.randint(0, max(1, (ctx.end - ctx.start).days - 20)))
    dos = schedule(rng, min(start, span_end), n, freq, span_end, holes=not kinds)
    if len(dos) < 2:
        dos = schedule(rng, ctx.start + timedelta(days=rng.randint(0, 20)), n, freq, span_end, holes=not kinds)
    return dos, eval_treat


# ---------------------------------------------------------------------------------------------- patient
def build_patient(ctx: Ctx, idx: int, exemplar: tuple | None) -> Patient:
    rng = random.Random(f"{ctx.seed}:patient:{idx}")
    if exemplar:
        name, payer_key, adult, caseload, kinds, rate_free = exemplar
        p = make_patient(rng, idx, payer_key, adult, name, caseload)
        kinds = set(kinds)
        p.rate_free = rate_free
    else:
        p = make_patient(rng, idx, None, None, None)
        kinds = set()
    payer = ctx.payers[p.payer]
    rates_on = not p.rate_free
    if kinds & {"INTENSIVE_25", "INTENSIVE_26", "KX_OK"}:
        p.intensive = True
    elif (rates_on and not kinds and payer.payer_class == "medicare" and p.caseload in ("neuro", "postsurg")
          and rng.random() < 2 * rate("intensive")):
        p.intensive = True

    dos, eval_treat = _episode(rng, p, ctx, payer, kinds)
    # MA patients are seen by OTs only and stay under the KX threshold: nothing depends on whether the plan
    # is configured to follow Medicare rules (the payer directory's default says it does not)
    ota_ok = payer.payer_class != "medicare_advantage"
    visits = []
    for k, d in enumerate(dos):
        visits.append(eval_visit(rng, p, d, with_treatment=eval_treat) if k == 0
                      else treatment_visit(rng, p, d, k, payer.payer_class, ota_ok))
    for v in visits:
        if payer.medicare_rules:           # CO on every line an OTA furnished
            for ln in v.lines:
                if ln.role == "OTA" and "CO" not in ln.mods:
                    ln.mods.append("CO")
    if payer.payer_class == "medicare_advantage":
        visits = _cap_per_year(visits, payer, Decimal("2300"))
    if "KX_OK" in kinds:
        visits = _truncate_below_tmr(visits, payer)
    p.visits = visits

    _content_plants(rng, p, ctx, payer, kinds, rates_on)
    _unbilled_plants(rng, p, rates_on)

    # claims
    lag_rate = rate("charge_lag") if rates_on else 0.0
    for k, v in enumerate(p.visits):
        v.claim_id = f"CR{v.dos.year % 100:02d}-{idx + 1:05d}{k + 1:02d}"
        lag = rng.randint(14, 35) if rng.random() < lag_rate else 0
        v.sub = ctx.submission(v.dos, lag)
        n = 0
        for ln in v.lines:
            if ln.billed:
                n += 1
                ln.line_no = n
    _price(p, payer)
    if payer.medicare_rules:
        _assign_kx(rng, p, kinds, rates_on)
    _notes(rng, p, payer, kinds, rates_on)
    _plans_and_auths(rng, p, ctx, payer, kinds, rates_on)
    _remits(rng, p, ctx, payer, kinds, rates_on)
    _record_plants(p)
    return p


def _cap_per_year(visits: list[Visit], payer: Payer, cap: Decimal) -> list[Visit]:
    totals: dict[int, Decimal] = {}
    out = []
    for v in visits:
        t = _visit_total(v, payer)
        if totals.get(v.dos.year, D0) + t > cap and len(out) >= 4:
            break
        totals[v.dos.year] = totals.get(v.dos.year, D0) + t
        out.append(v)
    return out


def _truncate_below_tmr(visits: list[Visit], payer: Payer) -> list[Visit]:
    """The KX near-miss: the beneficiary passes the KX threshold (KX applied) but stays under $3,000."""
    total, out = D0, []
    for v in visits:
        t = _visit_total(v, payer)
        if total + t > Decimal("2950"):
            break
        total += t
        out.append(v)
    return out


# ---------------------------------------------------------------------------------------------- line plants
def _eligible(kind: str, v: Visit, payer: Payer, p: Patient) -> bool:
    if not v.billed or v.plants:
        return False
    timed = _timed_lines(v)
    if kind == "UNDER":
        return bool(timed)
    if kind == "OVER":
        return any(ln.units >= 2 for ln in timed)
    if kind == "MISALLOC":
        return payer.unit_method == "total_time"
    if kind == "MINMISS":
        return bool(timed) and len([ln for ln in v.lines if ln.doc]) >= 2
    if kind in ("GOMISS", "DISC"):
        return any(info(ln.cpt).always_therapy and "GO" in ln.mods for ln in v.lines if ln.billed)
    if kind == "COMISS":
        return payer.medicare_rules and any(ln.role == "OT" for ln in timed)
    if kind == "COUNN":
        return payer.medicare_rules and any(ln.role == "OT" and ln.ota == 0 for ln in timed)
    if kind == "MUE":
        return payer.payer_class == "medicare" and v.dos >= MUE_START
    return kind in ("UNTIMED", "NCCI", "CE")


def _apply(rng, kind: str, v: Visit, payer: Payer, p: Patient) -> None:
    """Plant one problem of `kind` on visit v (its rule is recorded on the line that must carry it)."""
    rule = KIND_RULE[kind]
    if kind == "UNDER":
        ln = rng.choice(_timed_lines(v))
        ln.minutes += 15                      # the notes support one more unit (both unit methods)
        if ln.role == "OTA":
            ln.ota = ln.minutes
        ln.doc_units += 1
        ln.plants.add(rule)
    elif kind == "OVER":
        ln = rng.choice([x for x in _timed_lines(v) if x.units >= 2])
        ln.minutes -= 15                      # the notes support one unit less than billed
        if ln.role == "OTA":
            ln.ota = ln.minutes
        ln.doc_units -= 1
        ln.plants.add(rule)
    elif kind == "MISALLOC":
        a, b = rng.choice([("97530", "97535"), ("97110", "97530"), ("97112", "97530"), ("97535", "97110")])
        _set_lines(rng, v, [(a, 2), (b, 1)], p.ot)
        v.lines[0].minutes, v.lines[1].minutes = 22, 24   # M = 46, T = 3: CMS gives the third unit to b
        v.lines[0].plants.add(rule)
    elif kind == "UNTIMED":
        if payer.payer_class == "medicare":
            ln = Line("G0283", 2, 15, p.ot[3], p.ot[2])
            ln.doc_units = 2
            v.lines = [x for x in v.lines if x.cpt != "G0283"] + [ln]
        else:
            _set_lines(rng, v, [("97150", 2)], p.ot)
            ln = v.lines[0]
        ln.plants.add(rule)
    elif kind == "MINMISS":
        ln = rng.choice(_timed_lines(v))
        variant = rng.randrange(3)
        if variant == 0:
            ln.doc = False                    # no visit row for the code
        elif variant == 1:
            ln.minutes = None                 # the row's minutes are blank
        else:
            ln.minutes = 0
        ln.plants.add(rule)
    elif kind == "GOMISS":
        ln = rng.choice([x for x in v.lines if x.billed and info(x.cpt).always_therapy and "GO" in x.mods])
        ln.mods = [m for m in ln.mods if m != "GO"]
        ln.plants.add(rule)
    elif kind == "DISC":
        ln = rng.choice([x for x in v.lines if x.billed and info(x.cpt).always_therapy and "GO" in x.mods])
        variant = rng.randrange(3)
        if variant == 0:
            ln.mods = ["GP" if m == "GO" else m for m in ln.mods]
        elif variant == 1:
            ln.mods = ["GN" if m == "GO" else m for m in ln.mods]
        else:
            ln.mods.insert(ln.mods.index("GO") + 1, "GP")
        ln.plants.add(rule)
    elif kind == "COMISS":
        ln = rng.choice([x for x in _timed_lines(v) if x.role == "OT"])
        ota = OTAS[rng.randrange(len(OTAS))]
        ln.role, ln.npi, ln.ota = "OTA", ota[2], ln.minutes   # furnished by the OTA, billed without CO
        ln.mods = [m for m in ln.mods if m != "CO"]
        ln.plants.add(rule)
    elif kind == "COUNN":
        ln = rng.choice([x for x in _timed_lines(v) if x.role == "OT" and x.ota == 0])
        ln.mods.append("CO")                  # the OT furnished it, CO added anyway
        ln.plants.add(rule)
    elif kind == "NCCI":
        variant = rng.randrange(3)
        if variant == 0:
            _set_lines(rng, v, [("97530", 2), ("97168", 1)], p.ot)
            v.lines[1].plants.add(rule)
        elif variant == 1:
            _set_lines(rng, v, [("97763", 1), ("97110", 2)], p.ot)
            v.lines[1].plants.add(rule)
        else:
            _set_lines(rng, v, [("97760", 2), ("29125", 1), ("97140", 1)], p.ot)
            v.lines[2].plants.add(rule)
    elif kind == "CE":
        variant = rng.randrange(4 if payer.payer_class == "medicare" else 3)
        if variant == 0:
            _set_lines(rng, v, [("97130", 2), ("97530", 1)], p.ot)
            v.lines[0].plants.add(rule)
        elif variant == 1:
            _set_lines(rng, v, [("97760", 2), ("97763", 1), ("97530", 1)], p.ot)
            v.lines[1].plants.add(rule)
        elif variant == 2:
            _set_lines(rng, v, [("97166", 1), ("97168", 1)], p.ot)
            v.lines[1].plants.add(rule)
        else:
            _set_lines(rng, v, [("97530", 2), ("97010", 1)], p.ot)   # hot/cold packs: bundled (status B)
            v.lines[1].plants.add(rule)
    elif kind == "MUE":
        codes = rng.choice([[("97530", 7)], [("97110", 7)], [("97530", 7), ("97535", 1)], [("97110", 7), ("97140", 1)]])
        _set_lines(rng, v, codes, p.ot)       # minutes support the 7 units: no UNITS_OVERBILLED
        v.lines[0].plants.add(rule)
    v.plants.add(kind)


def _content_plants(rng, p: Patient, ctx: Ctx, payer: Payer, kinds: set, rates_on: bool) -> None:
    vs = p.visits
    if len(vs) < 2:
        return
    treat = vs[1:]
    # exemplar plants first, on the visit 4 (or the last one)
    for kind in LINE_KINDS:
        if kind in kinds:
            order = treat[2:] + treat[:2]
            v = next((x for x in order if _eligible(kind, x, payer, p)), None)
            if v is not None:
                _apply(rng, kind, v, payer, p)
    _near_misses(rng, p, payer, kinds)
    if not rates_on:
        return
    for v in treat:
        if v.plants:
            continue
        u = rng.random()
        for kind in LINE_KINDS:
            pr = rate(KIND_RATE[kind])
            if u < pr:
                if _eligible(kind, v, payer, p):
                    _apply(rng, kind, v, payer, p)
                break
            u -= pr


def _near_misses(rng, p: Patient, payer: Payer, kinds: set) -> None:
    vs = p.visits
    pv = vs[3] if len(vs) > 4 else vs[-1]
    if "NM_FOLD" in kinds:
        _set_lines(rng, pv, [("97530", 3), ("97535", 1)], p.ot)
        pv.lines[0].minutes, pv.lines[1].minutes = 38, 7     # DESIGN §6 near-miss
        pv.lines[1].billed = False
        pv.lines[1].doc_units = 0
        pv.flags["near_miss"] = "97530 38 min + 97535 7 min billed 97530 x3"
    if "NM_OTA10" in kinds:
        _set_lines(rng, pv, [("97530", 2), ("G0283", 1)], p.ot)
        pv.lines[0].minutes, pv.lines[0].ota = 30, 3       # 3 of 30 OTA minutes: no CO (§7)
        pv.lines[1].minutes, pv.lines[1].ota = 20, 2       # exactly 10% OTA on an untimed code: no CO
        pv.flags["near_miss"] = "OTA share exactly 10%"
        if len(vs) > 6:
            v6 = vs[6]
            _set_lines(rng, v6, [("97530", 2), ("97168", 1)], p.ot)
            v6.lines[1].mods.append("59")
            v6.flags["near_miss"] = "Medicare re-evaluation 97168-59 with 97530 (NCCI pair, 59 on column 2)"
    if "NM_NCCI59" in kinds:
        _set_lines(rng, pv, [("97760", 1), ("97110", 2)], p.ot)
        pv.lines[1].mods.append("59")
        pv.flags["near_miss"] = "97760 + 97110-59"
    after = [v for v in vs[1:] if v.dos >= MUE_START]
    before = [v for v in vs[1:] if v.dos < MUE_START]
    if "NM_MUE6" in kinds and after:
        _set_lines(rng, after[0], [("97530", 6)], p.ot)
        after[0].flags["near_miss"] = "Medicare 97530 x6 after 2026-04-01: at the MUE (6), not above it"
    if "NM_MUE_PRE" in kinds and before:
        _set_lines(rng, before[-1], [("97530", 7)], p.ot)
        before[-1].flags["near_miss"] = "Medicare 97530 x7 before 2026-04-01: the bundled MUE is not yet in force"
    if "NM_MUE_COMM" in kinds and after:
        _set_lines(rng, after[0], [("97110", 7)], p.ot)
        after[0].flags["near_miss"] = "Commercial 97110 x7 after 2026-04-01: MUEs are Medicare edits"
    for v in vs:
        if "near_miss" in v.flags:
            v.plants.add("NEAR_MISS")


def _unbilled_plants(rng, p: Patient, rates_on: bool) -> None:
    if not rates_on:
        return
    for v in p.visits[1:]:
        if not v.plants and rng.random() < rate("unbilled"):
            v.billed = False
            for ln in v.lines:
                ln.billed = False
            v.plants.add("UNBILLED")


# ---------------------------------------------------------------------------------------------- pricing, KX
def _price(p: Patient, payer: Payer) -> None:
    for v in p.visits:
        lines = v.billed_lines() if v.billed else [ln for ln in v.lines if ln.doc and ln.doc_units > 0]
        units = (lambda ln: ln.units) if v.billed else (lambda ln: ln.doc_units)
        priced = expected_lines([(ln.cpt, units(ln), "CO" in ln.mods) for ln in lines], payer, v.dos)
        for ln, (e, e0) in zip(lines, priced):
            ln.exp, ln.exp0 = e, e0


def _go_lines(p: Patient):
    for v in sorted(p.visits, key=lambda v: (v.dos, v.claim_id)):
        if v.billed:
            for ln in v.billed_lines():
                if "GO" in ln.mods:
                    yield v, ln


def _assign_kx(rng, p: Patient, kinds: set, rates_on: bool) -> None:
    """KX on every GO line from the one whose running OT total of the calendar year passes the threshold;
    the KX_MISSING plant drops it again on one visit after the crossing."""
    by_year: dict[int, list] = {}
    for v, ln in _go_lines(p):
        by_year.setdefault(v.dos.year, []).append((v, ln))
    for year, items in sorted(by_year.items()):
        kx = kx_threshold(year)
        total = D0
        crossed: list[Visit] = []
        for v, ln in items:
            total += ln.exp
            if total > kx:
                ln.mods.append("KX")
                if not crossed or crossed[-1] is not v:
                    crossed.append(v)
        if not crossed:
            continue
        if "KX_OK" in kinds:
            crossed[0].flags["near_miss"] = (f"KX on every GO line once the {year} OT total passed "
                                             f"${kx:,.0f} (under $3,000)")
            crossed[0].plants.add("NEAR_MISS")
        drop = "KXMISS" in kinds or (rates_on and rng.random() < rate("kx_missing"))
        if drop:
            cands = [v for v in crossed[1:] if not v.plants] or [v for v in crossed if not v.plants]
            if cands:
                v = cands[min(1, len(cands) - 1)]
                for ln in v.billed_lines():
                    if "KX" in ln.mods:
                        ln.mods.remove("KX")
                        ln.plants.add("KX_MISSING")
                v.plants.add("KXMISS")


# ---------------------------------------------------------------------------------------------- notes
def _notes(rng, p: Patient, payer: Payer, kinds: set, rates_on: bool) -> None:
    vs = p.visits
    if not vs:
        return
    skip = None
    if payer.payer_class in ("medicare", "medicare_advantage"):
        n_billed = sum(1 for v in vs[1:] if v.billed)
        reeval = any(ln.cpt == "97168" for v in vs for ln in v.lines)
        if n_billed >= 12 and not reeval and ("PROG" in kinds or (rates_on and rng.random() < rate("progress_overdue"))):
            skip = 7                              # the first progress report is never written
            p.planted_rules.add("PROGRESS_REPORT_OVERDUE")
    t = 0
    for k, v in enumerate(vs):
        if k == 0:
            v.note = "Evaluation"
            continue
        if not v.billed:
            v.note = "Daily Note"
            continue
        t += 1
        if t % 7 == 0 and t != skip:
            v.note = "Progress Report"
        elif any(ln.cpt == "97168" for ln in v.lines):
            v.note = "Progress Report"
    if len(vs) > 2 and vs[-1].billed and skip is None:
        vs[-1].note = "Discharge"


# ---------------------------------------------------------------------------------------------- plans, auths
def _plans_and_auths(rng, p: Patient, ctx: Ctx, payer: Payer, kinds: set, rates_on: bool) -> None:
    vs = p.visits
    dl = [v.dos for v in vs]
    billed = [v.dos for v in vs if v.billed]
    cert = payer.payer_class in ("medicare", "medicare_advantage")
    rx = payer.payer_class == "masshealth"
    p.plans = build_plans(rng, p, dl, rx)
    if cert and p.plans:
        if "POCMISS" in kinds or (rates_on and rng.random() < rate("poc_missing")):
            if len(dl) >= 4 and vs[1].billed and rng.random() < 0.5:
                # the first plan starts at the third visit: the treatment before it has no plan
                first = p.plans[0]
                first.start = dl[2]
                first.signed = dl[2] + timedelta(days=rng.randint(1, 10))
            else:
                p.plans = []
            p.planted_rules.add("POC_MISSING")
        elif "CERTLATE" in kinds or (rates_on and rng.random() < rate("poc_cert_late")):
            first = p.plans[0]
            first.signed = dl[0] + timedelta(days=rng.randint(31, 55))
            p.planted_rules.add("POC_CERT_LATE")
        if len(p.plans) >= 2 and ("RECERT" in kinds or (rates_on and rng.random() < rate("poc_recert_late"))):
            rc = p.plans[1]
            inside = [d for d in billed if rc.start <= d <= rc.start + timedelta(days=30)]
            if inside:
                rc.signed = inside[0] + timedelta(days=rng.randint(3, 12))
                p.planted_rules.add("POC_RECERT_LATE")
    if rx and len(p.plans) >= 2 and ("MHRX" in kinds or (rates_on and rng.random() < rate("masshealth_rx"))):
        for j in range(1, len(p.plans)):
            prev, pl = p.plans[j - 1], p.plans[j]
            lapse = prev.signed + timedelta(days=61)
            late = [d for d in billed if lapse <= d <= pl.end]
            if late:
                pl.signed = late[0] + timedelta(days=rng.randint(3, 15))
                p.planted_rules.add("MASSHEALTH_RX_LAPSED")
                break
    # authorizations
    auths = []
    if payer.requires_auth and payer.payer_class != "masshealth" and billed:
        n = len(billed)
        start = billed[0] - timedelta(days=rng.randint(0, 6))
        end = billed[-1] + timedelta(days=rng.randint(14, 45))
        visits = n + rng.randint(1, 6)
        number = f"{payer.payer_id[:3]}{p.idx:06d}A"
        if "NM_AUTH_EXACT" in kinds:
            visits = n
            vs[-1].flags["near_miss"] = f"Authorization for exactly {n} visits, all used"
        elif n >= 4 and ("AUTH" in kinds or (rates_on and rng.random() < rate("auth_exceeded"))):
            variant = rng.randrange(3)
            if variant == 0:
                visits = n - rng.randint(1, 3)           # visits beyond the authorized count
            elif variant == 1:
                end = billed[-3] + timedelta(days=1)      # visits after the authorization ended
            else:
                number = None                             # no authorization on file
            p.planted_rules.add("AUTH_EXCEEDED")
        if number:
            auths.append(Auth(number, start, end, visits))
    if rx and len(billed) > 20:
        if "MHPA" in kinds or (rates_on and "NM_MH_AUTH" not in kinds and rng.random() < rate("masshealth_pa")):
            p.planted_rules.add("MASSHEALTH_PA_MISSING")
        else:
            start = billed[20] - timedelta(days=rng.randint(3, 10))
            auths.append(Auth(f"PA{p.idx:07d}", start, billed[-1] + timedelta(days=30), len(billed) - 20 + 4))
            if "NM_MH_AUTH" in kinds:
                next(v for v in vs if v.dos == billed[20]).flags["near_miss"] = \
                    "MassHealth visit 21 with a prior authorization covering visits 21+"
    p.auths = auths


# ---------------------------------------------------------------------------------------------- 835
# (group, reason, RARC, level, weight): level line = one line denied, all = every line denied (SVC lines
# kept), claim = claim-level denial (CLP status 4, no SVC lines)
DENIALS_MEDICARE = [
    ("CO", "16", "MA130", "line", 28), ("CO", "27", None, "claim", 22), ("CO", "4", None, "line", 14),
    ("CO", "50", None, "all", 16), ("CO", "96", "N362", "line", 8), ("CO", "22", None, "claim", 12),
]
DENIALS_OTHER = [
    ("CO", "27", None, "claim", 20), ("CO", "16", None, "line", 18), ("CO", "22", None, "claim", 8),
    ("CO", "4", None, "line", 10), ("CO", "50", None, "all", 12), ("CO", "197", None, "all", 12),
    ("CO", "204", None, "line", 10), ("CO", "29", None, "all", 10),
]


def _pick_weighted(rng, items):
    total = sum(i[-1] for i in items)
    x = rng.random() * total
    for it in items:
        x -= it[-1]
        if x < 0:
            return it
    return items[-1]


def _remits(rng, p: Patient, ctx: Ctx, payer: Payer, kinds: set, rates_on: bool) -> None:
    weekly = SPEC[p.payer][6]
    deductible = {}
    if payer.payer_class == "medicare":
        for y in (2025, 2026):
            x = rng.random()
            full = part_b_deductible(y)
            deductible[y] = D0 if x < 0.45 else (full if x < 0.8 else r2(full * Decimal(rng.randint(10, 90)) / 100))
    copay = Decimal(rng.choice([20, 25, 30, 40])) if payer.payer_class == "commercial" else D0
    billed = [v for v in p.visits if v.billed]
    for k, v in enumerate(billed):
        v.pay = ctx.payment(v.sub, weekly)
        v.payer_claim_id = _payer_claim_id(rng, p.payer, v)
        if v.pay > ctx.as_of:
            v.remit_mode = "pending"          # paid after the as-of date: not a finding
        elif rates_on and (ctx.as_of - v.sub).days >= 45 and not v.plants and rng.random() < rate("unpaid"):
            v.remit_mode = "unpaid"           # no 835 ever received
            v.plants.add("UNPAID")
        later = v.pay + timedelta(days=7 if weekly else 14)
        if v.remit_mode == "paid" and later <= ctx.as_of and not v.plants and (
                ("NM_REVERSAL" in kinds and k == 2) or (rates_on and rng.random() < rate("reversal"))):
            v.remit_mode = "reversal"
            v.flags["near_miss"] = "835 reversal (CLP02 22) and correction: final state paid correctly"
            v.plants.add("NEAR_MISS")
        if v.remit_mode in ("paid", "reversal") and not v.plants and (
                ("NM_PLB" in kinds and k == 1) or (rates_on and rng.random() < rate("plb_interest"))):
            v.flags["plb"] = Decimal(rng.randint(150, 900)) / 100
            v.flags["near_miss"] = f"PLB L6 interest of ${v.flags['plb']:.2f} on this claim's payment run"
            v.plants.add("NEAR_MISS")
        denial = None
        if v.remit_mode == "paid" and rates_on and rng.random() < rate("denial"):
            denial = _pick_weighted(rng, DENIALS_MEDICARE if payer.payer_class == "medicare" else DENIALS_OTHER)
            v.plants.add("DENIAL")
        bl = v.billed_lines()
        denied_lines = set()
        if denial:
            if denial[3] == "claim":
                v.claim_denial = (denial[0], denial[1])
                denied_lines = set(range(len(bl)))
            elif denial[3] == "all":
                denied_lines = set(range(len(bl)))
            else:
                denied_lines = {rng.randrange(len(bl))}
        underpay = None
        if (v.remit_mode == "paid" and not denial and rates_on and rng.random() < rate("underpayment")):
            underpay = rng.randrange(len(bl))
        first_paid = True
        for i, ln in enumerate(bl):
            charge = line_charge(ln)
            r = {"charge": charge, "allowed": None, "deny": None, "cas": [], "paid": D0}
            if i in denied_lines:
                r["deny"] = denial
                if not v.claim_denial:
                    r["cas"] = [(denial[0], denial[1], charge)]
                ln.remit = r
                continue
            allowed = ln.exp
            short = D0
            if underpay == i and allowed > Decimal("5"):
                short = (Decimal(rng.randint(150, 600)) if payer.payer_class != "medicare"
                         else Decimal(rng.randint(50, 450))) / 100
                short = min(short, allowed - Decimal("1.00"))
            allowed -= short
            cas = [("CO", "45", charge - allowed)]
            rest = allowed
            if payer.payer_class == "medicare":
                y = v.dos.year
                ded = min(deductible.get(y, D0), rest)
                if short > 0 and ded > 0:            # an underpaid line must be a paid line
                    short, allowed, rest = D0, ln.exp, ln.exp
                    cas = [("CO", "45", charge - allowed)]
                    ded = min(deductible.get(y, D0), rest)
                deductible[y] = deductible.get(y, D0) - ded
                rest -= ded
                if ded:
                    cas.append(("PR", "1", ded))
                share, paid = patient_share(payer.payer_class, rest)
                cas += share
            elif payer.payer_class == "medicare_advantage":
                share, paid = patient_share(payer.payer_class, rest)
                cas += share
            elif copay and first_paid:
                cp = min(copay, rest)
                if short > 0 and cp >= rest:          # an underpaid line must be a paid line
                    short, allowed, rest = D0, ln.exp, ln.exp
                    cas = [("CO", "45", charge - allowed)]
                    cp = min(copay, rest)
                cas.append(("PR", "3", cp))
                paid = rest - cp
            else:
                paid = rest
            first_paid = False
            if short > 0:
                ln.plants.add("UNDERPAYMENT")
                v.plants.add("UNDERPAY")
            r.update(allowed=allowed, cas=cas, paid=paid)
            ln.remit = r


def _payer_claim_id(rng, key: str, v: Visit) -> str:
    if key == "medicare_ngs":
        return f"{v.pay:%y}{v.pay.timetuple().tm_yday:03d}{rng.randint(10 ** 8, 10 ** 9 - 1)}"
    return f"{key[:2].upper()}{v.pay:%y%m%d}{rng.randint(10 ** 6, 10 ** 7 - 1)}"


def line_charge(ln: Line) -> Decimal:
    return unit_charge(ln.cpt) * ln.units


# ---------------------------------------------------------------------------------------------- keys
def _record_plants(p: Patient) -> None:
    """p.planted: rule -> keys (claim_id, dos, cpt) each plant must produce (denials: DENIAL, both rules)."""
    planted: dict[str, set] = {}
    for v in p.visits:
        for ln in v.lines:
            for rule in ln.plants:
                planted.setdefault(rule, set()).add((v.claim_id, v.dos.isoformat(), ln.cpt))
        if "UNBILLED" in v.plants:
            planted.setdefault("UNBILLED", set()).add(("", v.dos.isoformat(), ""))
        if "UNPAID" in v.plants:
            planted.setdefault("UNPAID", set()).add((v.claim_id, v.dos.isoformat(), ""))
        if "DENIAL" in v.plants:
            if v.claim_denial:
                planted.setdefault("DENIAL", set()).add((v.claim_id, v.dos.isoformat(), ""))
            else:
                for ln in v.billed_lines():
                    if ln.remit and ln.remit["deny"]:
                        planted.setdefault("DENIAL", set()).add((v.claim_id, v.dos.isoformat(), ln.cpt))
    p.planted = planted

"""One patient's year: visits, claims, remittances, plans, authorizations, planted problems and the ground
truth they produce (priced per docs/DESIGN.md §4-§10)."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from .model import Auth, Line, Plan, Visit, next_weekday
from .practice import (Patient, build_plans, eval_visit, make_lines, make_patient, schedule, schedule_ending,
                       treatment_visit)
from .pricing import CO_SHARE, TMR_AMOUNT, Payer, code, expected_lines, medicare_line_no_co, r2, seeds

D0 = Decimal("0")
EVALS = {"97165", "97166", "97167"}
EVAL_RE = {"97165", "97166", "97167", "97168"}

# scenario -> (payer key, adult, caseload, rules it plants)
SCENARIOS = [
    ("UNDER_MC", "medicare_ngs", True, "hand", {"UNITS_UNDERBILLED"}),
    ("GOMISS_AET", "aetna", True, "postsurg", {"GO_MISSING"}),
    ("POCMISS_MC1", "medicare_ngs", True, "hand", {"POC_MISSING"}),
    ("DEN_REC_MC16", "medicare_ngs", True, "postsurg", {"DENIAL_RECOVERABLE"}),
    ("KXMISS_1", "medicare_ngs", True, "neuro", {"KX_MISSING"}),
    ("MHPA_1", "masshealth", False, "sensory", {"MASSHEALTH_PA_MISSING"}),
    ("COMISS_MC1", "medicare_ngs", True, "neuro", {"CO_MODIFIER_MISSING"}),
    ("NCCI_AET", "aetna", True, "hand", {"NCCI_MODIFIER_MISSING"}),
    ("UNPAID_MC1", "medicare_ngs", True, "hand", {"CLAIM_UNPAID"}),
    ("CERTLATE_MC1", "medicare_ngs", True, "postsurg", {"POC_CERT_LATE"}),
    ("OVER_MC", "medicare_ngs", True, "postsurg", {"UNITS_OVERBILLED"}),
    ("MISALLOC_MC1", "medicare_ngs", True, "neuro", {"UNITS_MISALLOCATED"}),
    ("UNTIMED_MC", "medicare_ngs", True, "neuro", {"UNTIMED_MULTIPLE_UNITS"}),
    ("MINMISS_CIG", "cigna", True, "postsurg", {"MINUTES_MISSING"}),
    ("DISC_GP_CIG", "cigna", True, "hand", {"DISCIPLINE_MODIFIER_WRONG"}),
    ("TMR_1", "medicare_ngs", True, "neuro", {"TMR_THRESHOLD"}),
    ("COUNN_MC1", "medicare_ngs", True, "neuro", {"CO_MODIFIER_UNNEEDED"}),
    ("CE_97130_CIG", "cigna", True, "neuro", {"CODING_EDIT"}),
    ("RECERT_MC1", "medicare_ngs", True, "hand", {"POC_RECERT_LATE"}),
    ("PROG_MC1", "medicare_ngs", True, "postsurg", {"PROGRESS_REPORT_OVERDUE"}),
    ("MHRX_1", "masshealth", False, "finemotor", {"MASSHEALTH_RX_LAPSED"}),
    ("AUTH_COUNT_BCBS", "bcbsma", True, "hand", {"AUTH_EXCEEDED"}),
    ("DEN_WO_AET29", "aetna", True, "hand", {"DENIAL_WRITE_OFF"}),
    ("UNDERPAY_MC", "medicare_ngs", True, "hand", {"UNDERPAYMENT"}),
    ("UNBILLED_MC1", "medicare_ngs", True, "postsurg", {"VISIT_UNBILLED"}),
    ("TFR_UNB_CIG", "cigna", True, "hand", {"TIMELY_FILING_RISK"}),
    ("NM_FOLD_MC", "medicare_ngs", True, "neuro", set()),
    ("NM_MH_AUTH", "masshealth", False, "sensory", set()),
    ("NM_OTA10", "medicare_ngs", True, "neuro", set()),
    ("NM_KX_OK", "medicare_ngs", True, "hand", set()),
    ("UNDER_AET", "aetna", True, "hand", {"UNITS_UNDERBILLED"}),
    ("OVER_UHC", "uhc", True, "postsurg", {"UNITS_OVERBILLED"}),
    ("MISALLOC_MC2", "medicare_ngs", True, "neuro", {"UNITS_MISALLOCATED"}),
    ("UNTIMED_TUF", "tufts", False, "sensory", {"UNTIMED_MULTIPLE_UNITS"}),
    ("MINMISS_UHC", "uhc", True, "hand", {"MINUTES_MISSING"}),
    ("GOMISS_UHC", "uhc", True, "hand", {"GO_MISSING"}),
    ("DISC_GN_HP", "harvard_pilgrim", True, "postsurg", {"DISCIPLINE_MODIFIER_WRONG"}),
    ("KXMISS_2", "medicare_ngs", True, "hand", {"KX_MISSING"}),
    ("TMR_2", "medicare_ngs", True, "postsurg", {"TMR_THRESHOLD"}),
    ("COMISS_MC2", "medicare_ngs", True, "hand", {"CO_MODIFIER_MISSING"}),
    ("COUNN_MC2", "medicare_ngs", True, "hand", {"CO_MODIFIER_UNNEEDED"}),
    ("NCCI_UHC", "uhc", True, "hand", {"NCCI_MODIFIER_MISSING"}),
    ("CE_97763_UHC", "uhc", True, "hand", {"CODING_EDIT"}),
    ("POCMISS_MC2", "medicare_ngs", True, "postsurg", {"POC_MISSING"}),
    ("CERTLATE_MC2", "medicare_ngs", True, "hand", {"POC_CERT_LATE"}),
    ("RECERT_MC2", "medicare_ngs", True, "neuro", {"POC_RECERT_LATE"}),
    ("PROG_MC2", "medicare_ngs", True, "hand", {"PROGRESS_REPORT_OVERDUE"}),
    ("MHPA_2", "masshealth", False, "finemotor", {"MASSHEALTH_PA_MISSING"}),
    ("MHRX_2", "masshealth", False, "sensory", {"MASSHEALTH_RX_LAPSED"}),
    ("AUTH_DATES_MA", "bcbsma_medicare_adv", True, "postsurg", {"AUTH_EXCEEDED"}),
    ("DEN_REC_MC50", "medicare_ngs", True, "neuro", {"DENIAL_RECOVERABLE"}),
    ("DEN_WO_TUF197", "tufts", True, "hand", {"DENIAL_WRITE_OFF"}),
    ("UNDERPAY_BCBS", "bcbsma", True, "postsurg", {"UNDERPAYMENT"}),
    ("UNPAID_MC2", "medicare_ngs", True, "neuro", {"CLAIM_UNPAID"}),
    ("UNBILLED_MC2", "medicare_ngs", True, "hand", {"VISIT_UNBILLED"}),
    ("TFR_UNB_UHC", "uhc", True, "postsurg", {"TIMELY_FILING_RISK"}),
    ("NM_FOLD_BCBS", "bcbsma", True, "neuro", set()),
    ("NM_AUTH_EXACT", "bcbsma", True, "postsurg", set()),
    ("NM_NCCI59", "uhc", True, "hand", set()),
    ("REVERSAL", "tufts", True, "postsurg", set()),
    ("OVER_MH", "masshealth", False, "finemotor", {"UNITS_OVERBILLED"}),
    ("UNDER_CIG", "cigna", True, "neuro", {"UNITS_UNDERBILLED"}),
    ("MISALLOC_MA", "bcbsma_medicare_adv", True, "neuro", {"UNITS_MISALLOCATED"}),
    ("UNTIMED_MH", "masshealth", False, "sensory", {"UNTIMED_MULTIPLE_UNITS"}),
    ("MINMISS_HP", "harvard_pilgrim", True, "postsurg", {"MINUTES_MISSING"}),
    ("GOMISS_MH", "masshealth", False, "finemotor", {"GO_MISSING"}),
    ("DISC_GOGP_TUF", "tufts", True, "postsurg", {"DISCIPLINE_MODIFIER_WRONG"}),
    ("KXMISS_3", "medicare_ngs", True, "postsurg", {"KX_MISSING"}),
    ("TMR_3", "medicare_ngs", True, "hand", {"TMR_THRESHOLD"}),
    ("COMISS_MC3", "medicare_ngs", True, "neuro", {"CO_MODIFIER_MISSING"}),
    ("COUNN_MC3", "medicare_ngs", True, "hand", {"CO_MODIFIER_UNNEEDED"}),
    ("NCCI_CIG", "cigna", True, "hand", {"NCCI_MODIFIER_MISSING"}),
    ("CE_2EVAL_AET", "aetna", True, "postsurg", {"CODING_EDIT"}),
    ("POCMISS_MA", "bcbsma_medicare_adv", True, "hand", {"POC_MISSING"}),
    ("CERTLATE_MA", "bcbsma_medicare_adv", True, "neuro", {"POC_CERT_LATE"}),
    ("RECERT_MA", "bcbsma_medicare_adv", True, "postsurg", {"POC_RECERT_LATE"}),
    ("PROG_MA", "bcbsma_medicare_adv", True, "hand", {"PROGRESS_REPORT_OVERDUE"}),
    ("MHPA_3", "masshealth", False, "sensory", {"MASSHEALTH_PA_MISSING"}),
    ("MHRX_3", "masshealth", False, "feeding", {"MASSHEALTH_RX_LAPSED"}),
    ("AUTH_COUNT_WS", "masshealth_mco", False, "sensory", {"AUTH_EXCEEDED"}),
    ("DEN_REC_CIG4", "cigna", True, "postsurg", {"DENIAL_RECOVERABLE"}),
    ("DEN_WO_CIG16", "cigna", True, "hand", {"DENIAL_WRITE_OFF"}),
    ("UNDERPAY_HP", "harvard_pilgrim", True, "hand", {"UNDERPAYMENT"}),
    ("UNPAID_CIG", "cigna", True, "postsurg", {"CLAIM_UNPAID"}),
    ("UNBILLED_AET", "aetna", True, "hand", {"VISIT_UNBILLED"}),
    ("TFR_UNPAID_HP", "harvard_pilgrim", True, "neuro", {"TIMELY_FILING_RISK"}),
    ("NM_KX_OK2", "medicare_ngs", True, "postsurg", set()),
]
SCENARIO_RULES = {s[0]: s[4] for s in SCENARIOS}


def scenario_positions(n_patients: int) -> dict[int, str]:
    step = 2 if n_patients >= 2 * len(SCENARIOS) else 1
    return {k * step: s[0] for k, s in enumerate(SCENARIOS) if k * step < n_patients}


def weekday_on_or_before(d: date) -> date:
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return d


class Ctx:
    """Period, as-of and payment calendars shared by every patient."""

    def __init__(self, seed: int, months: int, payers: dict[str, Payer]):
        self.seed = seed
        self.start = date(2025, 1, 1)
        y, m = 2025 + (months) // 12, (months) % 12 + 1
        self.end = date(y, m, 1) - timedelta(days=1)
        self.as_of = next_weekday(self.end + timedelta(days=30), 4)   # a Friday: the last payment run
        self.payers = payers

    def submission(self, dos: date) -> date:
        return next_weekday(dos + timedelta(days=3), 1)   # weekly Tuesday batches

    def payment(self, payer_key: str, sub: date, weekly: bool) -> date:
        d = next_weekday(sub + timedelta(days=14), 4)
        if not weekly and (self.as_of - d).days % 14:
            d += timedelta(days=7)
        return d

    def deadline(self, payer: Payer, dos: date) -> date:
        return dos + timedelta(days=payer.timely_filing_days)


def follows_medicare(payer: Payer) -> bool:
    """KX, TMR and CO scope (DESIGN §5: medicare, + MA plans configured to follow it)."""
    return payer.payer_class == "medicare" or payer.follows_medicare


# ---------------------------------------------------------------------------------------------- visits
def _standard_visits(rng, p: Patient, ctx: Ctx, payer: Payer, dos_list: list[date], eval_treat=False,
                     ota_ok=True) -> list[Visit]:
    out = []
    for k, d in enumerate(dos_list):
        if k == 0:
            out.append(eval_visit(rng, p, d, with_treatment=eval_treat))
        else:
            out.append(treatment_visit(rng, p, d, k, payer.payer_class, ota_ok))
    return out


def _visit_total(v: Visit, payer: Payer) -> Decimal:
    lines = [(ln.cpt, ln.units, "CO" in ln.mods) for ln in v.billed_lines()]
    return sum(expected_lines(lines, payer), D0)


def _apply_co(v: Visit, payer: Payer) -> None:
    """Medicare (and payers following Medicare rules): CO on every line an OTA furnished (whole line by
    the OTA). Other payers' OTA lines carry no CO (the MA plan does not follow Medicare by default)."""
    if follows_medicare(payer):
        for ln in v.lines:
            if ln.role == "OTA" and "CO" not in ln.mods:
                ln.mods.append("CO")


def _cap_medicare(visits: list[Visit], payer: Payer, cap: Decimal) -> list[Visit]:
    if payer.payer_class not in ("medicare", "medicare_advantage"):
        return visits
    total = D0
    out = []
    for v in visits:
        t = _visit_total(v, payer)
        if total + t > cap and len(out) >= 4:
            break
        total += t
        out.append(v)
    return out


def _find_dos(lo: date, hi: date, pred) -> date | None:
    d = lo
    while d <= hi:
        if d.weekday() < 5 and pred(d):
            return d
        d += timedelta(days=1)
    return None


def build_patient(ctx: Ctx, idx: int, scenario: str | None) -> Patient | None:
    rng = random.Random(f"{ctx.seed}:patient:{idx}")
    spec = next((s for s in SCENARIOS if s[0] == scenario), None)
    if spec:
        p = make_patient(rng, idx, spec[1], spec[2], scenario, spec[3])
    else:
        p = make_patient(rng, idx, None, None, None)
    payer = ctx.payers[p.payer]
    is_mc = follows_medicare(payer)
    sc = scenario or ""
    last_day = ctx.end

    # ---- schedule
    if not sc:
        if p.adult:
            n = rng.randint(6, 24)
            freq = rng.choice([1, 2, 2, 2, 3])
        else:
            n = rng.randint(8, 30)
            freq = rng.choice([1, 1, 1, 2])
        span = max(1, (ctx.end - ctx.start).days - 20)
        start = ctx.start + timedelta(days=rng.randint(0, span))
        dos = schedule(rng, start, n, freq, last_day)
        if len(dos) < 2:
            dos = schedule(rng, ctx.start + timedelta(days=rng.randint(0, 20)), n, freq, last_day)
        # MA patients are seen by OTs only: no CO lines, so nothing depends on whether the plan is
        # configured to follow Medicare rules (the directory default says it does not)
        visits = _standard_visits(rng, p, ctx, payer, dos, ota_ok=payer.payer_class != "medicare_advantage")
    else:
        visits = _scenario_visits(rng, p, ctx, payer, sc)
        if visits is None:
            return None
    for v in visits:
        _apply_co(v, payer)
    if not sc.startswith(("TMR", "KXMISS", "NM_KX_OK")):
        visits = _cap_medicare(visits, payer, Decimal("2300"))
    p.visits = visits

    # ---- content plants (before pricing)
    _content_plants(rng, p, payer, sc)

    # ---- claims
    for k, v in enumerate(p.visits):
        v.claim_id = f"CR{25 + (v.dos.year - 2025)}-{idx + 1:05d}{k + 1:02d}"
        v.sub = ctx.submission(v.dos)
        n = 0
        for ln in v.lines:
            if ln.billed:
                n += 1
                ln.line_no = n
    _price(p, payer)
    if is_mc:
        _assign_kx(p, payer, sc)
    # ---- notes, plans, authorizations
    _notes(p, sc)
    _plans_and_auths(rng, p, ctx, payer, sc)
    # ---- remittances
    _remits(rng, p, ctx, payer, sc)
    return p


def _scenario_visits(rng, p: Patient, ctx: Ctx, payer: Payer, sc: str) -> list[Visit] | None:
    as_of = ctx.as_of
    s0 = ctx.start + timedelta(days=rng.randint(14, 60))
    room = (ctx.end - ctx.start).days

    def std(n, freq, start=None, eval_treat=False, ota_ok=False):
        st = start or s0
        dl = schedule(rng, st, n, freq, ctx.end, holes=False)
        if len(dl) < n:
            return None
        return _standard_visits(rng, p, ctx, payer, dl, eval_treat, ota_ok)

    def ending(target, n, freq=2, ota_ok=False):
        if target is None or target > ctx.end:
            return None
        dl = schedule_ending(rng, target, n, freq)
        if dl[0] < ctx.start:
            return None
        return _standard_visits(rng, p, ctx, payer, dl, False, ota_ok)

    long_tx = sc.startswith(("TMR", "KXMISS", "NM_KX_OK"))
    if long_tx:
        if room < 200:
            return None
        vs = std(80, 3, start=ctx.start + timedelta(days=rng.randint(3, 20)))
        if vs is None:
            return None
        target = {"TMR": Decimal(rng.randint(3300, 3900))}.get(sc[:3], Decimal(rng.randint(2700, 2950)))
        total, out = D0, []
        for v in vs:
            t = _visit_total(v, payer)
            if total + t > target:
                break
            total += t
            out.append(v)
        return out
    if sc.startswith("RECERT"):
        return std(24, 2)
    if sc.startswith("PROG"):
        return std(12, 2)
    if sc.startswith("POCMISS"):
        return std(4, 2)
    if sc.startswith("CERTLATE"):
        return std(7, 1, eval_treat=True)
    if sc.startswith(("MHPA", "NM_MH_AUTH")):
        n = 22 if sc.startswith("MHPA") else 26
        return std(n, 1) if room >= 7 * n + 60 else None
    if sc.startswith("MHRX"):
        return std(14, 1)
    if sc == "AUTH_COUNT_BCBS" or sc == "AUTH_DATES_MA" or sc == "NM_AUTH_EXACT":
        return std(12, 2)
    if sc == "AUTH_COUNT_WS":
        return std(10, 1)
    # date-targeted plants: the planted visit is the episode's last visit
    if sc == "DEN_REC_MC16":
        return ending(weekday_on_or_before(as_of - timedelta(days=200)), 5)
    if sc == "DEN_REC_MC50":
        return ending(weekday_on_or_before(as_of - timedelta(days=95)), 5)
    if sc == "DEN_REC_CIG4":
        return ending(weekday_on_or_before(as_of - timedelta(days=120)), 5)
    if sc == "DEN_WO_CIG16":
        return ending(weekday_on_or_before(as_of - timedelta(days=320)), 4)
    if sc in ("DEN_WO_AET29", "DEN_WO_TUF197"):
        return ending(weekday_on_or_before(as_of - timedelta(days=240 if sc.endswith("29") else 150)), 5)
    if sc == "UNPAID_MC1":
        return ending(weekday_on_or_before(as_of - timedelta(days=100)), 5)
    if sc == "UNPAID_MC2":
        return ending(weekday_on_or_before(as_of - timedelta(days=180)), 5)
    if sc == "UNPAID_CIG":
        dl = as_of - timedelta(days=payer.timely_filing_days - 31)   # deadline >= as_of + 31
        return ending(_find_dos(dl, as_of, lambda d: (as_of - ctx.submission(d)).days >= 45
                                and ctx.deadline(payer, d) > as_of + timedelta(days=30)), 5)
    if sc == "TFR_UNPAID_HP":
        return ending(_find_dos(as_of - timedelta(days=88), as_of, lambda d: as_of <= ctx.deadline(payer, d)
                                <= as_of + timedelta(days=30) and (as_of - ctx.submission(d)).days >= 45), 5)
    if sc in ("UNBILLED_MC1", "UNBILLED_MC2"):
        return ending(weekday_on_or_before(as_of - timedelta(days=150 if sc.endswith("1") else 230)), 5)
    if sc == "UNBILLED_AET":
        return ending(_find_dos(as_of - timedelta(days=payer.timely_filing_days - 31), as_of,
                                lambda d: ctx.deadline(payer, d) > as_of + timedelta(days=30)), 5)
    if sc == "TFR_UNB_CIG":
        return ending(_find_dos(as_of - timedelta(days=payer.timely_filing_days - 12), as_of,
                                lambda d: as_of <= ctx.deadline(payer, d) <= as_of + timedelta(days=30)), 5)
    if sc == "TFR_UNB_UHC":
        return ending(_find_dos(as_of - timedelta(days=payer.timely_filing_days + 20), as_of,
                                lambda d: ctx.deadline(payer, d) < as_of), 5)
    # everything else: a short clean episode, the plant goes on one of its visits
    return std(8, 2)


def _timed_line(v: Visit, skip=()) -> Line | None:
    for ln in v.lines:
        if code(ln.cpt).is_timed and ln.billed and ln.cpt not in skip:
            return ln
    return None


def _set_lines(rng, p: Patient, v: Visit, codes, staff=None) -> None:
    v.lines = make_lines(rng, codes, staff or p.ot)


def _content_plants(rng, p: Patient, payer: Payer, sc: str) -> None:
    vs = p.visits
    if not sc or not vs:
        return
    pv = vs[3] if len(vs) > 4 else vs[-1]     # the visit carrying a line plant
    if sc.startswith("UNDER_"):
        _set_lines(rng, p, pv, [("97530", 2), ("97110", 1)])
        pv.lines[0].minutes += 15            # documented minutes support one more unit (both methods)
        pv.lines[0].doc_units = 3
        pv.lines[0].plant = ("UNITS_UNDERBILLED", 3)
    elif sc.startswith("OVER_"):
        _set_lines(rng, p, pv, [("97530", 2), ("97110", 1)])
        pv.lines[0].minutes -= 15            # minutes support one unit less than billed
        pv.lines[0].doc_units = 1
        pv.lines[0].plant = ("UNITS_OVERBILLED", 1)
    elif sc.startswith("MISALLOC"):
        _set_lines(rng, p, pv, [("97530", 2), ("97535", 1)])
        pv.lines[0].minutes, pv.lines[1].minutes = 22, 24   # M=46, T=3: CMS gives the extra unit to 97535
        pv.lines[0].plant = ("UNITS_MISALLOCATED", {"97530": 1, "97535": 2})   # canonical allocation
    elif sc.startswith("UNTIMED"):
        if sc == "UNTIMED_MC":
            _set_lines(rng, p, pv, [("97112", 1), ("97530", 1), ("G0283", 2)])
            pv.lines[2].plant = ("UNTIMED_MULTIPLE_UNITS", 1)
        else:
            _set_lines(rng, p, pv, [("97150", 2)])
            pv.lines[0].plant = ("UNTIMED_MULTIPLE_UNITS", 1)
    elif sc.startswith("MINMISS"):
        _set_lines(rng, p, pv, [("97110", 2), ("97530", 1)])
        ln = pv.lines[1]
        if sc.endswith("CIG"):
            ln.doc = False                   # no visit row at all
        elif sc.endswith("UHC"):
            ln.minutes = None                # minutes blank
        else:
            ln.minutes = 0
        ln.plant = ("MINUTES_MISSING", None)
    elif sc.startswith("GOMISS"):
        ln = _timed_line(pv)
        ln.mods = []
        ln.plant = ("GO_MISSING", None)
    elif sc.startswith("DISC"):
        ln = _timed_line(pv)
        ln.mods = {"DISC_GP_CIG": ["GP"], "DISC_GN_HP": ["GN"], "DISC_GOGP_TUF": ["GO", "GP"]}[sc]
        ln.plant = ("DISCIPLINE_MODIFIER_WRONG", None)
    elif sc.startswith("COMISS") or sc.startswith("COUNN"):
        _set_lines(rng, p, pv, [("97530", 1), ("97110", 2)])
        ln = pv.lines[0]
        if sc.startswith("COMISS"):
            from .practice import OTAS
            ln.role, ln.npi, ln.ota = "OTA", OTAS[0][2], ln.minutes   # furnished by the OTA, billed without CO
            ln.plant = ("CO_MODIFIER_MISSING", None)
        else:
            ln.mods.append("CO")             # the OT furnished it, CO added anyway
            ln.plant = ("CO_MODIFIER_UNNEEDED", None)
    elif sc.startswith("NCCI_"):
        if sc == "NCCI_AET":
            _set_lines(rng, p, pv, [("97530", 2), ("97168", 1)])
            pv.lines[1].plant = ("NCCI_MODIFIER_MISSING", None)
        elif sc == "NCCI_UHC":
            _set_lines(rng, p, pv, [("97763", 1), ("97110", 2)])
            pv.lines[1].plant = ("NCCI_MODIFIER_MISSING", None)
        else:
            _set_lines(rng, p, pv, [("97760", 2), ("29125", 1), ("97140", 1)])
            pv.lines[2].plant = ("NCCI_MODIFIER_MISSING", None)
    elif sc.startswith("CE_"):
        if sc == "CE_97130_CIG":
            _set_lines(rng, p, pv, [("97130", 2), ("97530", 1)])
            pv.lines[0].plant = ("CODING_EDIT", None)
        elif sc == "CE_97763_UHC":
            _set_lines(rng, p, pv, [("97760", 2), ("97763", 1), ("97530", 1)])
            pv.lines[1].plant = ("CODING_EDIT", None)
        else:
            _set_lines(rng, p, pv, [("97166", 1), ("97168", 1)])
            pv.lines[1].plant = ("CODING_EDIT", None)
    elif sc == "NM_FOLD_MC" or sc == "NM_FOLD_BCBS":
        _set_lines(rng, p, pv, [("97530", 3), ("97535", 1)])
        pv.lines[0].minutes, pv.lines[1].minutes = 38, 7     # DESIGN §6 near-miss
        pv.lines[1].billed = False
        pv.lines[1].doc_units = 0
        pv.flags["near_miss"] = "97530 38 min + 97535 7 min billed 97530 x3"
    elif sc == "NM_OTA10":
        _set_lines(rng, p, pv, [("97530", 2), ("G0283", 1)])
        pv.lines[0].minutes, pv.lines[0].ota = 30, 3       # 3 of 30 OTA minutes: no CO (§7)
        pv.lines[1].minutes, pv.lines[1].ota = 20, 2       # exactly 10% OTA on an untimed code: no CO
        pv.flags["near_miss"] = "OTA share exactly 10%"
    if sc == "NM_OTA10" and len(vs) > 6:
        v6 = vs[6]
        _set_lines(rng, p, v6, [("97530", 2), ("97168", 1)])
        v6.lines[1].mods.append("59")
        v6.flags["near_miss"] = "Medicare re-evaluation 97168-59 with 97530 (NCCI pair, 59 on column 2)"
    if sc == "NM_NCCI59":
        _set_lines(rng, p, pv, [("97760", 1), ("97110", 2)])
        pv.lines[1].mods.append("59")
        pv.flags["near_miss"] = "97760 + 97110-59"
    if sc.startswith(("UNBILLED", "TFR_UNB")):
        v = vs[-1]
        v.billed = False
        for ln in v.lines:
            ln.billed = False
        v.plant = "VISIT_UNBILLED" if sc.startswith("UNBILLED") else "TIMELY_FILING_RISK"


def _price(p: Patient, payer: Payer) -> None:
    for v in p.visits:
        bl = v.billed_lines()
        if bl:
            ex = expected_lines([(ln.cpt, ln.units, "CO" in ln.mods) for ln in bl], payer)
            for ln, e in zip(bl, ex):
                ln.exp = e
        else:   # unbilled: the documented lines priced through §4
            docs = [ln for ln in v.lines if ln.doc and ln.doc_units > 0]
            ex = expected_lines([(ln.cpt, ln.doc_units, "CO" in ln.mods) for ln in docs], payer)
            for ln, e in zip(docs, ex):
                ln.exp = e


def _go_lines(p: Patient):
    for v in sorted(p.visits, key=lambda v: (v.dos, v.claim_id)):
        if not v.billed:
            continue
        for ln in v.billed_lines():
            if "GO" in ln.mods:
                yield v, ln


def _assign_kx(p: Patient, payer: Payer, sc: str) -> None:
    kx = seeds()["kx"]
    total = D0
    crossed_visits = []
    for v, ln in _go_lines(p):
        total += ln.exp
        if total > kx:
            ln.mods.append("KX")
            if not crossed_visits or crossed_visits[-1] is not v:
                crossed_visits.append(v)
    if sc.startswith("NM_KX_OK") and crossed_visits:
        crossed_visits[0].flags["near_miss"] = "KX on every GO line once the OT total passed $2,410 (under $3,000)"
    if sc.startswith("KXMISS") and len(crossed_visits) >= 2:
        v = crossed_visits[min(2, len(crossed_visits) - 1)]
        for ln in v.billed_lines():
            if "KX" in ln.mods:
                ln.mods.remove("KX")
                ln.plant = ("KX_MISSING", None)


def _notes(p: Patient, sc: str) -> None:
    vs = p.visits
    if not vs:
        return
    prog = sc.startswith("PROG")
    t = 0
    for k, v in enumerate(vs):
        if k == 0:
            v.note = "Evaluation"
            continue
        if not v.billed:
            v.note = "Daily Note"
            continue
        t += 1
        if not prog and (t % 7 == 0):
            v.note = "Progress Report"
        elif any(ln.cpt == "97168" for ln in v.lines):
            v.note = "Progress Report"
    if not prog and len(vs) > 2 and vs[-1].billed:
        vs[-1].note = "Discharge"


def _plans_and_auths(rng, p: Patient, ctx: Ctx, payer: Payer, sc: str) -> None:
    vs = p.visits
    dl = [v.dos for v in vs]
    billed = [v.dos for v in vs if v.billed]
    rx = payer.payer_class == "masshealth"
    if sc.startswith("POCMISS"):
        p.plans = []
    elif sc.startswith("CERTLATE"):
        first = dl[0]
        signed = first + timedelta(days=38)
        while signed in dl:
            signed += timedelta(days=1)
        p.plans = [Plan(first, first + timedelta(days=80), signed, "Initial")]
    elif sc.startswith("RECERT"):
        s = dl[0]
        e1 = s + timedelta(days=59)
        r_start = e1 + timedelta(days=1)
        signed = r_start + timedelta(days=13)
        while signed in dl:
            signed += timedelta(days=1)
        p.plans = [Plan(s, e1, s + timedelta(days=4), "Initial"),
                   Plan(r_start, r_start + timedelta(days=75), signed, "Recertification")]
    elif sc.startswith("MHRX"):
        s = dl[0]
        off = 4
        while (s - timedelta(days=off) + timedelta(days=60)) in dl or \
                (s - timedelta(days=off) + timedelta(days=61)) in dl:
            off += 1
        s1 = s - timedelta(days=off)
        e1 = s1 + timedelta(days=59)
        signed2 = s1 + timedelta(days=60 + 16)
        while signed2 in dl:
            signed2 += timedelta(days=1)
        p.plans = [Plan(s, e1, s1, "Initial"),
                   Plan(e1 + timedelta(days=1), e1 + timedelta(days=90), signed2, "Recertification")]
        if dl[-1] > signed2 + timedelta(days=59):
            p.plans.append(Plan(e1 + timedelta(days=91), e1 + timedelta(days=140),
                                signed2 + timedelta(days=55), "Recertification"))
    else:
        p.plans = build_plans(rng, p, dl, rx)
    # authorizations
    auths = []
    if payer.requires_auth and payer.payer_class != "masshealth" and billed:
        n = len(billed)
        start = billed[0] - timedelta(days=rng.randint(0, 6))
        end = billed[-1] + timedelta(days=rng.randint(14, 45))
        visits = n + rng.randint(1, 6)
        if sc == "AUTH_COUNT_BCBS":
            visits = n - 2
        elif sc == "AUTH_COUNT_WS":
            visits = n - 1
        elif sc == "NM_AUTH_EXACT":
            visits = n
        elif sc == "AUTH_DATES_MA":
            end = billed[-3] + timedelta(days=1)
        auths.append(Auth(f"{payer.payer_id[:3]}{p.idx:06d}A", start, end, visits))
    if payer.payer_class == "masshealth" and len(billed) > 20 and not sc.startswith("MHPA"):
        start = billed[20] - timedelta(days=rng.randint(3, 10))
        auths.append(Auth(f"PA{p.idx:07d}", start, billed[-1] + timedelta(days=30), len(billed) - 20 + 4))
    p.auths = auths
    if sc == "NM_AUTH_EXACT" and billed:
        vs[-1].flags["near_miss"] = f"BCBSMA authorization for exactly {len(billed)} visits, all used"
    if sc == "NM_MH_AUTH" and len(billed) > 20:
        next(v for v in vs if v.dos == billed[20]).flags["near_miss"] = \
            "MassHealth visit 21 of 26 with a prior authorization covering visits 21+"


# ---------------------------------------------------------------------------------------------- 835
def _remits(rng, p: Patient, ctx: Ctx, payer: Payer, sc: str) -> None:
    from .practice import SPEC
    weekly = SPEC[p.payer][6]
    deductible = Decimal("257") if (payer.payer_class == "medicare" and not sc and rng.random() < 0.5) else D0
    copay = Decimal(rng.choice([20, 25, 30, 40])) if payer.payer_class == "commercial" else D0
    if sc.startswith("UNDERPAY"):
        copay = D0          # the underpaid line must be a paid line (paid > 0)
    billed = [v for v in p.visits if v.billed]
    den_visit = billed[-1] if billed else None
    under_visit = billed[3] if len(billed) > 4 else (billed[-1] if billed else None)
    for k, v in enumerate(billed):
        v.pay = ctx.payment(p.payer, v.sub, weekly)
        v.payer_claim_id = _payer_claim_id(rng, p.payer, v)
        if v.pay > ctx.as_of:
            v.remit_mode = "unpaid"
        if (sc.startswith("UNPAID") or sc == "TFR_UNPAID_HP") and v is billed[-1]:
            v.remit_mode = "unpaid"
            v.plant = "CLAIM_UNPAID" if sc.startswith("UNPAID") else "TIMELY_FILING_RISK"
        if sc == "REVERSAL" and k == 2:
            v.remit_mode = "reversal"
            v.flags["near_miss"] = "835 reversal (CLP02 22) and correction: final state paid correctly"
        if sc == "NM_FOLD_MC" and k == 1:
            v.flags["plb"] = Decimal("4.37")
            v.flags["near_miss"] = "PLB L6 interest of $4.37 on this claim's payment run"
        first_paid = True
        for ln in v.billed_lines():
            allowed = ln.exp
            deny = None
            if sc.startswith("DEN_") and v is den_visit and (ln.line_no == 1 or sc == "DEN_WO_AET29"):
                deny = {"DEN_REC_MC16": ("CO", "16", "MA130"), "DEN_REC_MC50": ("CO", "50", None),
                        "DEN_REC_CIG4": ("CO", "4", None), "DEN_WO_AET29": ("CO", "29", None),
                        "DEN_WO_TUF197": ("CO", "197", None), "DEN_WO_CIG16": ("CO", "16", "M51")}[sc]
                rule = "DENIAL_RECOVERABLE" if sc.startswith("DEN_REC") else "DENIAL_WRITE_OFF"
                ln.plant = (rule, None)
            if sc.startswith("UNDERPAY") and v is under_visit and ln.line_no == 1:
                allowed = ln.exp - {"UNDERPAY_MC": Decimal("4.18"), "UNDERPAY_BCBS": Decimal("6.00"),
                                    "UNDERPAY_HP": Decimal("3.50")}[sc]
                ln.plant = ("UNDERPAYMENT", None)
            charge = line_charge(ln)
            r = {"charge": charge, "allowed": allowed, "deny": deny, "cas": [], "paid": D0}
            if deny:
                r["cas"] = [(deny[0], deny[1], charge)]
                r["allowed"] = None
            else:
                cas = [("CO", "45", charge - allowed)]
                rest = allowed
                if payer.payer_class == "medicare":
                    ded = min(deductible, rest)
                    deductible -= ded
                    rest -= ded
                    coins = r2(rest * Decimal("0.2"))
                    seq = r2((rest - coins) * Decimal("0.02"))
                    if ded:
                        cas.append(("PR", "1", ded))
                    if coins:
                        cas.append(("PR", "2", coins))
                    if seq:
                        cas.append(("CO", "253", seq))
                    paid = rest - coins - seq
                elif payer.payer_class == "medicare_advantage":
                    coins = r2(rest * Decimal("0.2"))
                    if coins:
                        cas.append(("PR", "2", coins))
                    paid = rest - coins
                elif copay and first_paid:
                    cp = min(copay, rest)
                    cas.append(("PR", "3", cp))
                    paid = rest - cp
                else:
                    paid = rest
                first_paid = False
                r["cas"] = cas
                r["paid"] = paid
            ln.remit = r
            paid_pos = r["paid"] > 0
            ln.value = r["allowed"] if (v.remit_mode != "unpaid" and paid_pos) else ln.exp
    for v in p.visits:
        if not v.billed:
            for ln in v.lines:
                ln.value = ln.exp


def _payer_claim_id(rng, key: str, v: Visit) -> str:
    if key == "medicare_ngs":
        return f"{v.pay:%y}{v.pay.timetuple().tm_yday:03d}{rng.randint(10 ** 8, 10 ** 9 - 1)}"
    return f"{key[:2].upper()}{v.pay:%y%m%d}{rng.randint(10 ** 6, 10 ** 7 - 1)}"


_CHARGE_CACHE: dict[str, Decimal] = {}


def unit_charge(cpt: str) -> Decimal:
    c = _CHARGE_CACHE.get(cpt)
    if c is None:
        full = code(cpt).full
        c = (full * Decimal("1.85")).quantize(Decimal("1"))   # charge master: whole dollars, ~1.85x Medicare
        _CHARGE_CACHE[cpt] = c
    return c


def line_charge(ln: Line) -> Decimal:
    return unit_charge(ln.cpt) * ln.units

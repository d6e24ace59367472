"""Ground truth of one patient: the findings each planted case must produce, priced per docs/DESIGN.md.

Line plants are priced from how they were planted. The visit rules (plan of care, progress reports,
MassHealth, authorizations) and the beneficiary-year rules (KX, TMR, CO) are evaluated over the patient's
generated data by small independent implementations of DESIGN §5-§9, and every finding they yield must
belong to the patient's planted scenario: a finding on a clean patient is a generator bug (raises)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from .build import D0, EVALS, SCENARIO_RULES, Ctx, follows_medicare
from .model import Line, Visit
from .pricing import CO_SHARE, TMR_AMOUNT, Payer, code, expected_lines, medicare_line_no_co, r2, seeds

UNIT_DIFF_RULES = {"UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED", "UNTIMED_MULTIPLE_UNITS"}


class GeneratorBug(AssertionError):
    pass


def _visit_price(v: Visit, payer: Payer, change: Line | None = None, units=None) -> Decimal:
    """Price of the visit's billed lines; `change` priced at `units` instead, or, when units is a dict
    {cpt: units}, every line at its canonical allocation (UNITS_MISALLOCATED)."""
    if isinstance(units, dict):
        lines = [(ln.cpt, units.get(ln.cpt, ln.units), "CO" in ln.mods) for ln in v.billed_lines()]
        return sum(expected_lines(lines, payer), D0)
    lines = [(ln.cpt, units if ln is change else ln.units, "CO" in ln.mods) for ln in v.billed_lines()]
    return sum(expected_lines(lines, payer), D0)


def _visit_value(v: Visit) -> Decimal:
    return sum((ln.value for ln in v.billed_lines()), D0)


def patient_findings(p, payer: Payer, ctx: Ctx) -> list[tuple]:
    out: list[tuple] = []
    sc = p.scenario or ""

    def add(rule, v: Visit | None, cpt: str, amount: Decimal, dos=None, claim=None):
        out.append((rule, v.claim_id if (v is not None and claim is None) else (claim or ""),
                    (dos or v.dos).isoformat(), cpt, r2(amount)))

    for v in p.visits:
        bl = v.billed_lines()
        for ln in v.lines:
            if not ln.plant:
                continue
            rule, uexp = ln.plant
            if rule in UNIT_DIFF_RULES:
                amt = abs(_visit_price(v, payer) - _visit_price(v, payer, ln, uexp))
            elif rule == "CO_MODIFIER_MISSING":
                co_units = _co_units(ln)
                full = medicare_line_no_co([(x.cpt, x.units, "CO" in x.mods) for x in bl], bl.index(ln), payer)
                amt = r2(CO_SHARE * full * co_units / ln.units)
            elif rule == "CO_MODIFIER_UNNEEDED":
                full = medicare_line_no_co([(x.cpt, x.units, "CO" in x.mods) for x in bl], bl.index(ln), payer)
                amt = r2(CO_SHARE * full)
            elif rule == "UNDERPAYMENT":
                amt = ln.exp - ln.remit["allowed"]
                if not ln.remit["paid"] > 0:
                    raise GeneratorBug(f"{v.claim_id}: underpaid line is not a paid line")
            else:
                amt = ln.value
            add(rule, v, ln.cpt, amt)
        if v.plant in ("VISIT_UNBILLED", "TIMELY_FILING_RISK") and not v.billed:
            amt = sum((ln.exp for ln in v.lines if ln.exp is not None), D0)
            add(v.plant, None, "", amt, dos=v.dos)
        elif v.plant in ("CLAIM_UNPAID", "TIMELY_FILING_RISK") and v.billed:
            add(v.plant, v, "", sum((ln.value for ln in bl), D0))

    _check_windows(p, payer, ctx, out)
    evaluated = []
    if payer.payer_class in ("medicare", "medicare_advantage"):
        evaluated += _poc(p)
        evaluated += _progress(p)
    if follows_medicare(payer):
        evaluated += _kx_tmr(p)
        evaluated += _co(p, payer)
    if payer.payer_class == "masshealth":
        evaluated += _masshealth(p)
    if payer.requires_auth and payer.payer_class != "masshealth":
        evaluated += _auth(p)
    evaluated += _units(p, payer)
    evaluated += _edits(p)
    allowed = SCENARIO_RULES.get(sc, set())
    planted_keys = {(f[0], f[1], f[2], f[3]) for f in out}
    for rule, v, cpt, amount in evaluated:
        key = (rule, v.claim_id, v.dos.isoformat(), cpt)
        if rule not in allowed:
            raise GeneratorBug(f"patient {p.idx} ({sc or 'clean'}): unplanned {rule} on {v.claim_id} {v.dos} {cpt}")
        if rule in ("POC_MISSING", "POC_CERT_LATE", "POC_RECERT_LATE", "PROGRESS_REPORT_OVERDUE",
                    "MASSHEALTH_PA_MISSING", "MASSHEALTH_RX_LAPSED", "AUTH_EXCEEDED", "TMR_THRESHOLD"):
            out.append((rule, v.claim_id, v.dos.isoformat(), cpt, r2(amount)))
        elif key not in planted_keys:
            raise GeneratorBug(f"patient {p.idx}: {rule} on {key} fires but was not planted there")
    for rule in allowed:
        if not any(f[0] == rule for f in out):
            raise GeneratorBug(f"patient {p.idx} ({sc}): planted {rule} yields no finding")
    return out


# ---------------------------------------------------------------------------------------------- §7 POC
def _billed_visits(p) -> list[Visit]:
    return sorted((v for v in p.visits if v.billed), key=lambda v: v.dos)


def _poc(p):
    res = []
    plans = p.plans
    for v in _billed_visits(p):
        d = v.dos
        only_evals = all(ln.cpt in EVALS for ln in v.billed_lines())
        if not any(pl.start <= d for pl in plans):
            if not only_evals:
                res.append(("POC_MISSING", v, "", _visit_value(v)))
            continue
        inside = False
        for pl in plans:
            hi = min(pl.end, pl.start + timedelta(days=90))
            lo = pl.start if pl.kind == "Initial" else max(pl.start, pl.signed)
            if lo <= d <= hi:
                inside = True
        if not inside:
            res.append(("POC_RECERT_LATE", v, "", _visit_value(v)))
    for pl in plans:
        if pl.kind != "Initial":
            continue
        tx = [v for v in _billed_visits(p) if v.dos >= pl.start]
        if not tx:
            continue
        first = tx[0].dos
        if (pl.signed - first).days > 30:
            hi = min(pl.end, pl.start + timedelta(days=90))
            for v in tx:
                if v.dos < pl.signed and v.dos <= hi:
                    res.append(("POC_CERT_LATE", v, "", _visit_value(v)))
    return res


def _progress(p):
    res = []
    n = 0
    notes = {v.dos: v.note for v in p.visits}
    for v in _billed_visits(p):
        note = notes.get(v.dos, "")
        if note == "Evaluation":
            n = 1
        else:
            n += 1
        if n > 10:
            res.append(("PROGRESS_REPORT_OVERDUE", v, "", _visit_value(v)))
        if note in ("Progress Report", "Recertification", "Discharge"):
            n = 0
    return res


# ---------------------------------------------------------------------------------------------- §4 KX
def _kx_tmr(p):
    res = []
    kx = seeds()["kx"]
    total = D0
    go = []
    for v in _billed_visits(p):
        for ln in v.billed_lines():
            if "GO" in ln.mods:
                go.append((v, ln))
    crossed = None
    for i, (v, ln) in enumerate(go):
        total += ln.exp
        if total > kx and not ({"KX", "GA", "GY", "GZ"} & set(ln.mods)):
            res.append(("KX_MISSING", v, ln.cpt, ln.value))
        if crossed is None and total > TMR_AMOUNT:
            crossed = i
    if crossed is not None:
        v = go[crossed][0]
        res.append(("TMR_THRESHOLD", v, "", sum((ln.exp for _, ln in go[crossed:]), D0)))
    return res


# ---------------------------------------------------------------------------------------------- §7 CO
def _co_units(ln: Line) -> int:
    m = ln.minutes or 0
    a = m if ln.role == "OTA" else ln.ota
    if not code(ln.cpt).is_timed:
        return 1 if a * 10 > m else 0
    o = m - a
    co = a // 15
    k = ln.units - o // 15 - a // 15
    o_r, a_r = o % 15, a % 15
    if k >= 2 and 9 <= o_r <= 14 and 9 <= a_r <= 14:
        co += 1
    elif k >= 1 and not (o_r >= 8 or a_r * 10 <= (o_r + a_r)):
        co += 1
    return co


def _co(p, payer):
    res = []
    for v in _billed_visits(p):
        for ln in v.billed_lines():
            if not ln.doc or not ln.minutes:
                continue
            cu = _co_units(ln)
            has = "CO" in ln.mods
            if cu > 0 and not has:
                res.append(("CO_MODIFIER_MISSING", v, ln.cpt, D0))
            if cu == 0 and has:
                res.append(("CO_MODIFIER_UNNEEDED", v, ln.cpt, D0))
    return res


# ---------------------------------------------------------------------------------------------- §9
def _masshealth(p):
    res = []
    vs = _billed_visits(p)
    if not vs:
        return res
    w_start = vs[0].dos
    num = 0
    for v in vs:
        if v.dos > w_start.replace(year=w_start.year + 1) - timedelta(days=1):
            w_start, num = v.dos, 0
        num += 1
        if num > 20 and not any(a.start <= v.dos <= a.end for a in p.auths):
            res.append(("MASSHEALTH_PA_MISSING", v, "", _visit_value(v)))
        signed = [pl.signed for pl in p.plans if pl.signed and pl.signed <= v.dos]
        if not signed or (v.dos - max(signed)).days > 60:
            res.append(("MASSHEALTH_RX_LAPSED", v, "", _visit_value(v)))
    return res


def _auth(p):
    res = []
    vs = _billed_visits(p)
    for v in vs:
        ok = False
        for a in p.auths:
            if a.start <= v.dos <= a.end:
                ordinal = sum(1 for x in vs if a.start <= x.dos <= v.dos)
                if ordinal <= a.visits:
                    ok = True
        if not ok:
            res.append(("AUTH_EXCEEDED", v, "", _visit_value(v)))
    return res


# ---------------------------------------------------------------------------------------------- §6 units
def _units(p, payer):
    """Both unit methods over each billed day (only used to prove clean days are clean)."""
    res = []
    for v in p.visits:
        if not v.billed:
            continue
        timed = [ln for ln in v.lines if code(ln.cpt).is_timed and (ln.billed or ln.doc)]
        if any(ln.billed and (not ln.doc or not ln.minutes) for ln in timed):
            continue
        mins = {}
        billed = {}
        for ln in timed:
            if ln.doc:
                mins[ln.cpt] = mins.get(ln.cpt, 0) + (ln.minutes or 0)
            billed.setdefault(ln.cpt, 0)
            if ln.billed:
                billed[ln.cpt] += ln.units
        M = sum(mins.values())
        T = (M + 7) // 15
        f = {c: m // 15 for c, m in mins.items()}
        r = {c: m % 15 for c, m in mins.items()}
        R = T - sum(f.values())
        order = sorted(mins, key=lambda c: (-r[c], -billed.get(c, 0), c))
        tt = dict(f)
        for c in order[:max(R, 0)]:
            if r[c] > 0:
                tt[c] += 1
        pc = {c: (m + 7) // 15 for c, m in mins.items()}
        sb = sum(billed.values())
        for c in billed:
            b = billed[c]
            e_tt, e_pc = tt.get(c, 0), pc.get(c, 0)
            rules = set()
            method = payer.unit_method
            if method in ("total_time", None):
                if sb < T and b < e_tt:
                    rules.add(("UNITS_UNDERBILLED", "tt"))
                if sb > T and b > e_tt:
                    rules.add(("UNITS_OVERBILLED", "tt"))
                if method == "total_time" and sb == T:
                    valid = all(b2 in (f.get(c2, 0), f.get(c2, 0) + 1) for c2, b2 in billed.items()) and not any(
                        billed.get(c1, 0) > f.get(c1, 0) and billed.get(c2, 0) <= f.get(c2, 0) and r[c2] > r[c1]
                        for c1 in mins for c2 in mins)
                    if not valid and b > e_tt:
                        rules.add(("UNITS_MISALLOCATED", "tt"))
            if method in ("per_code", None):
                if b < e_pc:
                    rules.add(("UNITS_UNDERBILLED", "pc"))
                if b > e_pc:
                    rules.add(("UNITS_OVERBILLED", "pc"))
            names = {x[0] for x in rules}
            if method is None:
                names = {n for n in names if (n, "tt") in rules and (n, "pc") in rules}
            for n in names:
                res.append((n, v, c, D0))
    return res


def _edits(p):
    res = []
    ncci = seeds()["ncci"]
    for v in p.visits:
        bl = v.billed_lines()
        cpts = {ln.cpt for ln in bl}
        seen_eval = False
        for ln in bl:
            if ln.cpt in EVALS or ln.cpt == "97168":
                if seen_eval:
                    res.append(("CODING_EDIT", v, ln.cpt, D0))
                seen_eval = True
            if ln.cpt == "97130" and "97129" not in cpts:
                res.append(("CODING_EDIT", v, ln.cpt, D0))
            if ln.cpt == "97763" and "97760" in cpts:
                res.append(("CODING_EDIT", v, ln.cpt, D0))
            if code(ln.cpt).always_therapy and not ({"GO", "GP", "GN"} & set(ln.mods)):
                res.append(("GO_MISSING", v, ln.cpt, D0))
            if len({"GO", "GP", "GN"} & set(ln.mods)) > 1 or ({"GP", "GN"} & set(ln.mods)):
                res.append(("DISCIPLINE_MODIFIER_WRONG", v, ln.cpt, D0))
            for c1 in cpts:
                if (c1, ln.cpt) in ncci and not ({"59", "XE", "XS", "XP", "XU"} & set(ln.mods)):
                    res.append(("NCCI_MODIFIER_MISSING", v, ln.cpt, D0))
                    break
        if any(ln.billed and code(ln.cpt).is_timed and (not ln.doc or not ln.minutes) for ln in bl):
            for ln in bl:
                if code(ln.cpt).is_timed and (not ln.doc or not ln.minutes):
                    res.append(("MINUTES_MISSING", v, ln.cpt, D0))
        units_by = {}
        for ln in bl:
            if code(ln.cpt).unit_rule == "per_session":
                units_by[ln.cpt] = units_by.get(ln.cpt, 0) + ln.units
        for c, u in units_by.items():
            if u > 1:
                res.append(("UNTIMED_MULTIPLE_UNITS", v, c, D0))
    return res


CARC_CLASS = {"4": "FIX", "16": "FIX", "50": "APPEAL", "29": "WRITE-OFF", "197": "WRITE-OFF"}


def _check_windows(p, payer: Payer, ctx: Ctx, out) -> None:
    """The date judgements behind each planted denial / unpaid / unbilled case hold at ctx.as_of."""
    as_of = ctx.as_of
    for v in p.visits:
        deadline = ctx.deadline(payer, v.dos)
        for ln in v.lines:
            if ln.plant and ln.plant[0].startswith("DENIAL"):
                carc = ln.remit["deny"][1]
                cls = CARC_CLASS[carc]
                if payer.payer_class == "medicare":
                    end = v.pay + timedelta(days=365 if cls == "FIX" else 120)
                else:
                    end = v.pay + timedelta(days=payer.appeal_days)
                recoverable = cls in ("FIX", "APPEAL") and end >= as_of
                want = "DENIAL_RECOVERABLE" if recoverable else "DENIAL_WRITE_OFF"
                if ln.plant[0] != want or v.pay > as_of:
                    raise GeneratorBug(f"{v.claim_id}: {ln.plant[0]} planted but the window says {want}")
        if v.plant == "CLAIM_UNPAID":
            if not ((as_of - v.sub).days >= 45 and deadline > as_of + timedelta(days=30)):
                raise GeneratorBug(f"{v.claim_id}: not a CLAIM_UNPAID case")
        if v.plant == "VISIT_UNBILLED" and not deadline > as_of + timedelta(days=30):
            raise GeneratorBug(f"{v.dos}: not a VISIT_UNBILLED case")
        if v.plant == "TIMELY_FILING_RISK":
            if not deadline <= as_of + timedelta(days=30):
                raise GeneratorBug(f"{v.dos}: not a TIMELY_FILING_RISK case")
            if v.billed and (as_of - v.sub).days < 45:
                raise GeneratorBug(f"{v.claim_id}: TFR claim submitted less than 45 days before as-of")
        if v.billed and v.remit_mode == "unpaid" and v.plant is None:
            # a claim simply not paid yet: must not look like CLAIM_UNPAID or TIMELY_FILING_RISK
            if (as_of - v.sub).days >= 45 or deadline <= as_of + timedelta(days=30):
                raise GeneratorBug(f"{v.claim_id}: unplanned unpaid claim would be reported")

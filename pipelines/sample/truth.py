"""The ground truth of one patient: every rule of docs/DESIGN.md (§3-§11) and the MUE_EXCEEDED semantics,
evaluated over the patient's generated records — claims and their lines, the 835 answers, the visit rows,
plans of care, authorizations — by this module's own small implementation (it never reads the audit's SQL
or its results). Amounts are priced with pricing.py (fee schedule of the DOS's year, MPPR per visit).

Each finding is (rule_id, claim_id, dos, cpt, amount_usd). The result is checked against what build.py
planted: a line rule must fire exactly on the planted keys, an episode rule only on a patient where it was
planted; anything else is a generator bug (raised), so a change in the generator cannot quietly add an
unplanned finding or lose a planted one."""
from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from ..resources import sql_dir
from .build import EVALS, filing_deadline
from .model import Visit
from .pricing import CO_SHARE, D0, Payer, dround, expected_lines, info, kx_threshold, mue_for, r2, seeds, tmr_amount

EVAL_RE = EVALS | {"97168"}
DISTINCT_MODS = {"59", "XE", "XS", "XP", "XU"}
LIABILITY_MODS = {"GA", "GY", "GZ"}
DISCIPLINE_MODS = ("GO", "GP", "GN")
CO_EFFECTIVE = date(2022, 1, 1)

LINE_RULES = {"UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED", "UNTIMED_MULTIPLE_UNITS",
              "MINUTES_MISSING", "GO_MISSING", "DISCIPLINE_MODIFIER_WRONG", "KX_MISSING", "CO_MODIFIER_MISSING",
              "CO_MODIFIER_UNNEEDED", "NCCI_MODIFIER_MISSING", "CODING_EDIT", "MUE_EXCEEDED", "UNDERPAYMENT"}
EPISODE_RULES = {"POC_MISSING", "POC_CERT_LATE", "POC_RECERT_LATE", "PROGRESS_REPORT_OVERDUE",
                 "MASSHEALTH_PA_MISSING", "MASSHEALTH_RX_LAPSED", "AUTH_EXCEEDED"}


class GeneratorBug(AssertionError):
    pass


@lru_cache(maxsize=None)
def settings() -> dict[str, str]:
    with open(sql_dir() / "seeds" / "settings.csv", newline="", encoding="utf-8") as fh:
        return {r["name"]: r["value"] for r in csv.DictReader(fh)}


@lru_cache(maxsize=None)
def setting(name: str) -> Decimal:
    return Decimal(settings()[name])


@lru_cache(maxsize=None)
def carc_classes() -> dict[str, str]:
    with open(sql_dir() / "seeds" / "carc_classes.csv", newline="", encoding="utf-8") as fh:
        return {r["reason_code"]: r["class"] for r in csv.DictReader(fh)}


# ---------------------------------------------------------------------------------------------- state
class LineState:
    __slots__ = ("v", "ln", "claim_id", "line_no", "dos", "cpt", "units", "mods", "exp", "exp0", "has_remit",
                 "paid", "remit_allowed", "denied", "claim_level", "denial_reason", "denial_class", "rarc",
                 "value", "deadline")

    @property
    def denial_money(self) -> Decimal:
        """The dollars of a rule predicting a denial (DESIGN §5 Overlaps): $0 when the 835 denied it."""
        return D0 if self.denied else self.value


class State:
    """The patient's final claim lines with their 835 answer and value (DESIGN §3), and the visit rows."""

    def __init__(self, p, payer: Payer, ctx):
        self.p, self.payer, self.ctx = p, payer, ctx
        self.as_of = ctx.as_of
        expected = {k for k, c in carc_classes().items() if c == "EXPECTED"}
        self.visits = sorted((v for v in p.visits if v.billed), key=lambda v: (v.dos, v.claim_id))
        self.lines: list[LineState] = []
        self.by_visit: dict[str, list[LineState]] = {}
        for v in self.visits:
            final = v.remit_mode in ("paid", "reversal")
            out = []
            bl = v.billed_lines()
            priced = expected_lines([(ln.cpt, ln.units, "CO" in ln.mods) for ln in bl], payer, v.dos)
            for ln, (exp, exp0) in zip(bl, priced):
                s = LineState()
                s.v, s.ln = v, ln
                s.claim_id, s.line_no, s.dos, s.cpt, s.units = v.claim_id, ln.line_no, v.dos, ln.cpt, ln.units
                s.mods = set(ln.mods)
                s.exp, s.exp0 = exp, exp0          # priced here, from the lines as billed
                if exp != ln.exp:
                    raise GeneratorBug(f"{v.claim_id}: the 835 was built on {ln.exp} for {ln.cpt}, the engine says {exp}")
                s.has_remit = final
                s.paid, s.remit_allowed = D0, None
                s.denied, s.claim_level, s.denial_reason, s.rarc = False, False, None, None
                if final and v.claim_denial:
                    s.denied, s.claim_level, s.denial_reason = True, True, v.claim_denial[1]
                elif final:
                    r = ln.remit
                    s.paid = r["paid"]
                    deny = [(a, c) for g, c, a in r["cas"] if g != "PR" and c not in expected and a > 0]
                    if deny:
                        s.denied = True
                        s.denial_reason = max(deny)[1]
                        s.rarc = r["deny"][2] if r["deny"] else None
                    pr = sum((a for g, c, a in r["cas"] if g == "PR"), D0)
                    seq = sum((a for g, c, a in r["cas"] if c == "253"), D0)
                    s.remit_allowed = r["allowed"] if r["allowed"] is not None else s.paid + pr + seq
                s.denial_class = (carc_classes().get(s.denial_reason, "APPEAL") if s.denied else None)
                s.value = s.remit_allowed if (s.paid > 0 and s.remit_allowed and s.remit_allowed > 0) else s.exp
                s.deadline = filing_deadline(v.dos, payer.timely_filing_days)
                out.append(s)
            self.by_visit[v.claim_id] = out
            self.lines.extend(out)
        # visit rows (every documented line of every visit, billed or not), per day and per code-day
        self.rows_by_day: dict[date, list] = {}
        for v in p.visits:
            rows = [ln for ln in v.lines if ln.doc]
            if rows:
                self.rows_by_day.setdefault(v.dos, []).extend(rows)
        self.doc: dict[tuple, tuple] = {}
        for d, rows in self.rows_by_day.items():
            by_cpt: dict[str, list] = {}
            for ln in rows:
                by_cpt.setdefault(ln.cpt, []).append(ln)
            for cpt, rs in by_cpt.items():
                mins = [ln.minutes for ln in rs if ln.minutes is not None]
                ota = sum((ln.minutes or 0) if ln.role == "OTA" else ln.ota for ln in rs)
                self.doc[(d, cpt)] = (len(rs), (sum(mins) if mins else None), ota)
        self.notes = {v.dos: v.note for v in p.visits if any(ln.doc for ln in v.lines)}
        self._billed_price: dict[str, Decimal] = {}

    def documented(self, dos: date, cpt: str) -> tuple[int, int | None, int]:
        """(rows, minutes (None when every row's minutes are blank), OTA minutes) of a code-day."""
        return self.doc.get((dos, cpt), (0, None, 0))

    def visit_value(self, claim_id: str) -> Decimal:
        return sum((s.value for s in self.by_visit[claim_id]), D0)

    def price(self, v: Visit, override: dict | None = None, added=()) -> Decimal:
        """The visit priced through the engine as billed, or with some lines' units overridden
        ({line_no: units}) and lines added [(cpt, units)] (DESIGN §4 unit-difference pricing)."""
        if not override and not added:
            p = self._billed_price.get(v.claim_id)
            if p is None:
                p = self._billed_price[v.claim_id] = sum((s.exp for s in self.by_visit[v.claim_id]), D0)
            return p
        override = override or {}
        lines = [(s.cpt, override.get(s.line_no, s.units), "CO" in s.mods) for s in self.by_visit[v.claim_id]]
        lines = [(c, u, False) for c, u in added] + lines    # '<claim>#+cpt' sorts before '<claim>#1'
        return sum((e for e, _ in expected_lines(lines, self.payer, v.dos)), D0)


def _f(rule: str, claim_id: str, dos: date, cpt: str, amount: Decimal) -> tuple:
    return (rule, claim_id, dos.isoformat(), cpt or "", r2(amount))


# ---------------------------------------------------------------------------------------------- §6 units
def units_as(codes, lines, units: dict) -> tuple[dict, list]:
    """The day's lines re-priced with `units` per code: (line_no -> units, the first line of a code taking them
    all; codes with no line, added as (code, units))."""
    ov, added = {}, []
    for c in codes:
        ls = [s for s in lines if s.cpt == c]
        if ls:
            for i, s in enumerate(ls):
                ov[s.line_no] = units[c] if i == 0 else 0
        else:
            added.append((c, units[c]))
    return ov, added


def _units(st: State) -> list[tuple]:
    out = []
    method = st.payer.unit_method
    for v in st.visits:
        lines = st.by_visit[v.claim_id]
        if v.dos not in st.rows_by_day:
            continue                                      # no visit rows that day: not judged
        billed: dict[str, int] = {}
        first_line: dict[str, int] = {}
        undocumented = False
        for s in lines:
            if info(s.cpt).is_timed:
                billed[s.cpt] = billed.get(s.cpt, 0) + s.units
                first_line.setdefault(s.cpt, s.line_no)
                _, m, _ = st.documented(v.dos, s.cpt)
                if not m or m <= 0:
                    undocumented = True
        if undocumented:
            continue                                      # MINUTES_MISSING day
        mins: dict[str, int] = {}
        for ln in st.rows_by_day[v.dos]:
            if info(ln.cpt).is_timed:
                _, m, _ = st.documented(v.dos, ln.cpt)
                if m and m > 0:
                    mins[ln.cpt] = int(m)
        codes = sorted(set(billed) | set(mins))
        if not codes:
            continue
        f = {c: mins.get(c, 0) // 15 for c in codes}
        r = {c: mins.get(c, 0) % 15 for c in codes}
        b = {c: billed.get(c, 0) for c in codes}
        M = sum(mins.values())
        T = (M + 7) // 15
        R = T - sum(f.values())
        order = sorted(codes, key=lambda c: (-r[c], -b[c], c))
        tt = dict(f)
        for i, c in enumerate(order):
            if i < R and r[c] > 0:
                tt[c] += 1
        pc = {c: (mins.get(c, 0) + 7) // 15 for c in codes}
        sb = sum(b.values())
        each_ok = all(b[c] in (f[c], f[c] + 1) for c in codes)
        without = [r[c] for c in codes if b[c] == f[c]]
        with_extra = [r[c] for c in codes if b[c] == f[c] + 1]
        valid = sb == T and each_ok and (not without or not with_extra or min(with_extra) >= max(without))
        findings = []
        for c in codes:
            ttd = "under" if (sb < T and b[c] < tt[c]) else ("over" if (sb > T and b[c] > tt[c]) else None)
            pcd = "under" if b[c] < pc[c] else ("over" if b[c] > pc[c] else None)
            rule = exp_units = None
            if method == "total_time":
                if ttd:
                    rule, exp_units = ttd, tt[c]
                elif not valid and sb == T and b[c] > tt[c]:
                    rule, exp_units = "misallocated", tt[c]
            elif method == "per_code":
                if pcd:
                    rule, exp_units = pcd, pc[c]
            elif ttd and ttd == pcd:
                rule = ttd
                exp_units = min(tt[c], pc[c]) if ttd == "under" else max(tt[c], pc[c])
            if rule:
                findings.append((c, rule, exp_units))
        mis_first = True
        for c, rule, exp_units in sorted(findings, key=lambda x: (first_line.get(x[0], 10 ** 6), x[0])):
            if rule == "misallocated":
                amount = D0
                if mis_first:
                    ov, added = units_as(codes, lines, tt)
                    amount = abs(st.price(v) - st.price(v, ov, added))
                    mis_first = False
                out.append(_f("UNITS_MISALLOCATED", v.claim_id, v.dos, c, amount))
                continue
            ls = [s for s in lines if s.cpt == c]
            if ls:
                ov = {s.line_no: (exp_units if i == 0 else 0) for i, s in enumerate(ls)}
                amount = abs(st.price(v, ov) - st.price(v))
                if rule == "over" and all(s.denied for s in ls):
                    amount = D0            # denied: nothing was paid to refund (DESIGN §5 Overlaps)
            else:
                amount = abs(st.price(v, {}, [(c, exp_units)]) - st.price(v))
            out.append(_f("UNITS_UNDERBILLED" if rule == "under" else "UNITS_OVERBILLED", v.claim_id, v.dos, c, amount))
    return out


def _untimed(st: State) -> list[tuple]:
    out = []
    for v in st.visits:
        before: dict[str, int] = {}
        lines = st.by_visit[v.claim_id]
        day = {}
        for s in lines:
            day[s.cpt] = day.get(s.cpt, 0) + s.units
        for s in lines:
            ci = info(s.cpt)
            if not ci.once_per_day or ci.is_timed or day[s.cpt] <= 1:
                continue
            ub = before.get(s.cpt, 0)
            expected = max(0, min(s.units, 1 - ub))
            before[s.cpt] = ub + s.units
            if s.units - expected > 0:
                amount = D0 if s.denied else abs(st.price(v) - st.price(v, {s.line_no: expected}))
                out.append(_f("UNTIMED_MULTIPLE_UNITS", s.claim_id, s.dos, s.cpt, amount))
    return out


def _minutes(st: State) -> list[tuple]:
    out = []
    for s in st.lines:
        if info(s.cpt).is_timed:
            n, m, _ = st.documented(s.dos, s.cpt)
            if not m or m <= 0:
                out.append(_f("MINUTES_MISSING", s.claim_id, s.dos, s.cpt, D0 if s.denied else s.value))
    return out


# ---------------------------------------------------------------------------------------------- modifiers
def _modifiers(st: State) -> list[tuple]:
    out = []
    for s in st.lines:
        ci = info(s.cpt)
        disc = [m for m in DISCIPLINE_MODS if m in s.mods]
        if ci.always_therapy and not disc:
            out.append(_f("GO_MISSING", s.claim_id, s.dos, s.cpt, s.denial_money))
        if disc:
            want = {"PT": "GP", "SLP": "GN"}.get(ci.discipline, "GO")
            if any(m != want for m in disc) or len(disc) >= 2 or ("CQ" in s.mods and "GO" in s.mods):
                out.append(_f("DISCIPLINE_MODIFIER_WRONG", s.claim_id, s.dos, s.cpt, s.denial_money))
    return out


def _kx_tmr(st: State) -> list[tuple]:
    out = []
    if not st.payer.medicare_rules:
        return out
    go = sorted((s for s in st.lines if "GO" in s.mods), key=lambda s: (s.dos, s.claim_id, s.line_no))
    years = sorted({s.dos.year for s in go})
    for year in years:
        items = [s for s in go if s.dos.year == year]
        kx, tmr = kx_threshold(year), tmr_amount(year)
        total = D0
        crossing = None
        for i, s in enumerate(items):
            total += s.exp
            if total > kx and not (s.mods & ({"KX"} | LIABILITY_MODS)):
                out.append(_f("KX_MISSING", s.claim_id, s.dos, s.cpt, s.denial_money))
            if crossing is None and total > tmr:
                crossing = i
        if crossing is not None:
            c = items[crossing]
            exposed = sum((s.exp for s in items[crossing:] if s.mods & ({"KX"} | LIABILITY_MODS)), D0)
            out.append(_f("TMR_THRESHOLD", c.claim_id, c.dos, "", exposed))
    return out


def _co_units_needed(timed: bool, m: int, a: int, units: int) -> int:
    if not timed:
        return 1 if Decimal(a) > setting("co_de_minimis_pct") / 100 * m else 0
    o = m - a
    co = a // 15
    k = units - o // 15 - a // 15
    o_r, a_r = o % 15, a % 15
    if k >= 2 and 9 <= o_r <= 14 and 9 <= a_r <= 14:
        co += 1
    elif k >= 1 and not (o_r >= 8 or Decimal(a_r) <= setting("co_de_minimis_pct") / 100 * (o_r + a_r)):
        co += 1
    return co


def _co(st: State) -> list[tuple]:
    out = []
    if not st.payer.medicare_rules:
        return out
    code_days: dict[tuple, list[LineState]] = {}
    for s in st.lines:
        if s.dos >= CO_EFFECTIVE:
            code_days.setdefault((s.dos, s.cpt), []).append(s)
    for (dos, cpt), ls in code_days.items():
        n_rows, m, ota = st.documented(dos, cpt)
        if not m or m <= 0:
            continue
        a = min(ota, m)
        units = sum(s.units for s in ls)
        co_billed = sum(s.units for s in ls if "CO" in s.mods)
        co_units = min(_co_units_needed(info(cpt).is_timed, int(m), int(a), units), units)
        for s in ls:
            if "CO" not in s.mods and co_units > co_billed and s.units > 0:
                missing, without = co_units - co_billed, units - co_billed
                x = s.exp0 * CO_SHARE * missing
                amount = r2(x) if without == 1 else dround(float(x) / without)
                out.append(_f("CO_MODIFIER_MISSING", s.claim_id, s.dos, s.cpt, D0 if s.denied else amount))
            if "CO" in s.mods and co_units == 0 and n_rows > 0:     # role documented: export has Role / OTA Minutes
                out.append(_f("CO_MODIFIER_UNNEEDED", s.claim_id, s.dos, s.cpt, r2(s.exp0 * CO_SHARE)))
    return out


def _ncci_and_edits(st: State) -> list[tuple]:
    out = []
    pairs = seeds()["ncci"]
    by_day: dict[date, list[LineState]] = {}
    for s in st.lines:
        by_day.setdefault(s.dos, []).append(s)
    for dos, ls in by_day.items():
        cpts = {s.cpt for s in ls}
        eval_seq = 0
        for s in sorted(ls, key=lambda s: (s.claim_id, s.line_no)):
            if not (s.mods & DISTINCT_MODS) and any((c1, s.cpt) in pairs for c1 in cpts):
                out.append(_f("NCCI_MODIFIER_MISSING", s.claim_id, s.dos, s.cpt, s.denial_money))
            ci = info(s.cpt)
            failed = False
            if ci.addon_primary and ci.addon_primary not in cpts:
                failed = True
            if s.cpt == "97763" and "97760" in cpts:
                failed = True
            if s.cpt in EVAL_RE:
                eval_seq += 1
                if eval_seq > 1:
                    failed = True
            if st.payer.payer_class == "medicare" and ci.medicare_status in ("B", "I"):
                failed = True
            if ci.valid_until and s.dos > ci.valid_until:
                failed = True
            if failed:
                out.append(_f("CODING_EDIT", s.claim_id, s.dos, s.cpt, s.denial_money))
    return out


def _mue(st: State, units_findings: list[tuple]) -> list[tuple]:
    """MUE_EXCEEDED: Medicare Part B lines (and plans following Medicare rules) whose DOS is inside an MUE's
    effective range; untimed once-a-day codes and status B/I codes are left to their own rules. MAI 2/3: the
    day's units of the code over its lines, counted in line order, beyond the MUE are excess; MAI 1: each
    line's units above it. One finding per line carrying excess; $ = visit price as billed - with that line
    at units_expected (MPPR engine); $0 when the 835 denied the line or the code-day is UNITS_OVERBILLED."""
    out = []
    if not st.payer.medicare_rules:
        return out
    over = {(f[2], f[3]) for f in units_findings if f[0] == "UNITS_OVERBILLED"}
    code_days: dict[tuple, list[LineState]] = {}
    for s in st.lines:
        ci = info(s.cpt)
        if (ci.once_per_day and not ci.is_timed) or ci.medicare_status in ("B", "I"):
            continue
        if mue_for(s.cpt, s.dos) is not None:
            code_days.setdefault((s.dos, s.cpt), []).append(s)
    for (dos, cpt), ls in sorted(code_days.items()):
        value, mai = mue_for(cpt, dos)
        before = 0
        for s in sorted(ls, key=lambda s: (s.claim_id, s.line_no)):
            if mai.startswith("1"):
                excess = max(0, s.units - value)
            else:
                allowed = max(0, min(s.units, value - before))
                excess = s.units - allowed
            before += s.units
            if excess <= 0:
                continue
            if s.denied or (dos.isoformat(), cpt) in over:
                amount = D0
            else:
                amount = st.price(s.v) - st.price(s.v, {s.line_no: s.units - excess})
            out.append(_f("MUE_EXCEEDED", s.claim_id, s.dos, s.cpt, amount))
    return out


# ---------------------------------------------------------------------------------------------- episodes
def _medicare_days(st: State) -> list[tuple]:
    """(dos, claim_id, eval_only) of the patient's billed Medicare / Medicare Advantage days."""
    if st.payer.payer_class not in ("medicare", "medicare_advantage"):
        return []
    return [(v.dos, v.claim_id, all(s.cpt in EVALS for s in st.by_visit[v.claim_id])) for v in st.visits]


def _poc(st: State) -> list[tuple]:
    out = []
    days = _medicare_days(st)
    plans = st.p.plans
    if not days:
        return out
    cert_days = int(setting("cert_interval_days"))
    intervals = []
    for i, pl in enumerate(sorted(plans, key=lambda pl: (pl.start, pl.end))):
        kind = "initial" if pl.kind.lower().startswith("init") else "recert"
        cert_end = min(pl.end or pl.start + timedelta(days=cert_days), pl.start + timedelta(days=cert_days))
        frm = pl.start if kind == "initial" else (max(pl.start, pl.signed) if pl.signed else None)
        first_tx = min((d for d, _, _ in days if pl.start <= d <= cert_end), default=None)
        intervals.append((pl, kind, cert_end, frm, first_tx, i))
    first_start = min((pl.start for pl in plans), default=None)
    for d, claim, eval_only in days:
        if not eval_only and not any(pl.start <= d for pl in plans):
            out.append(_f("POC_MISSING", claim, d, "", st.visit_value(claim)))
        if first_start is not None and d >= first_start and not eval_only and not any(
                frm is not None and frm <= d <= ce for _, _, ce, frm, _, _ in intervals):
            out.append(_f("POC_RECERT_LATE", claim, d, "", st.visit_value(claim)))
    late_days = {}
    sig_days = int(setting("cert_signature_days"))
    for pl, kind, cert_end, _, first_tx, seq in intervals:
        if kind != "initial" or first_tx is None:
            continue
        due = first_tx + timedelta(days=sig_days)
        if not ((pl.signed and pl.signed > due) or (pl.signed is None and st.as_of > due)):
            continue
        for d, claim, _ in days:
            if pl.start <= d <= cert_end and (pl.signed is None or d < pl.signed) and d not in late_days:
                late_days[d] = claim
    for d, claim in sorted(late_days.items()):
        out.append(_f("POC_CERT_LATE", claim, d, "", st.visit_value(claim)))
    return out


def _progress(st: State) -> list[tuple]:
    out = []
    days = _medicare_days(st)
    if not days:
        return out
    evals = sorted(d for d, n in st.notes.items() if n == "Evaluation")
    reports = sorted(d for d, n in st.notes.items() if n in ("Progress Report", "Recertification", "Discharge"))
    first = days[0][0]
    counts: dict[date, int] = {}
    limit = int(setting("progress_report_days"))
    for d, claim, _ in days:
        cands = [first]
        e = [x for x in evals if x <= d]
        if e:
            cands.append(e[-1])
        r = [x for x in reports if x < d]
        if r:
            cands.append(r[-1] + timedelta(days=1))
        start = max(cands)
        counts[start] = counts.get(start, 0) + 1
        if counts[start] > limit:
            out.append(_f("PROGRESS_REPORT_OVERDUE", claim, d, "", st.visit_value(claim)))
    return out


def _masshealth(st: State, auths_loaded: bool, plans_loaded: bool) -> list[tuple]:
    out = []
    if st.payer.payer_class != "masshealth" or not st.visits:
        return out
    w_start = st.visits[0].dos
    num = 0
    pa_limit = int(setting("masshealth_pa_visits"))
    rx_days = int(setting("masshealth_rx_days"))
    for v in st.visits:
        w_end = _plus_year(w_start) - timedelta(days=1)
        if v.dos > w_end:
            w_start, num = v.dos, 0
        num += 1
        if auths_loaded and num > pa_limit and not any(a.start <= v.dos <= (a.end or v.dos) for a in st.p.auths):
            out.append(_f("MASSHEALTH_PA_MISSING", v.claim_id, v.dos, "", st.visit_value(v.claim_id)))
        if plans_loaded:
            signed = [pl.signed for pl in st.p.plans if pl.signed and pl.signed <= v.dos]
            if not signed or (v.dos - max(signed)).days > rx_days:
                out.append(_f("MASSHEALTH_RX_LAPSED", v.claim_id, v.dos, "", st.visit_value(v.claim_id)))
    return out


def _plus_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return date(d.year + 1, 2, 28)


def _auth(st: State) -> list[tuple]:
    out = []
    if not st.payer.requires_auth or st.payer.payer_class == "masshealth":
        return out
    ok = {v.dos: False for v in st.visits}
    for a in st.p.auths:
        covered = [v for v in st.visits if a.start <= v.dos <= (a.end or v.dos)]
        for i, v in enumerate(covered, start=1):
            if a.visits is None or i <= a.visits:
                ok[v.dos] = True
    for v in st.visits:
        if not ok[v.dos]:
            out.append(_f("AUTH_EXCEEDED", v.claim_id, v.dos, "", st.visit_value(v.claim_id)))
    return out


# ---------------------------------------------------------------------------------------------- money
def _denials(st: State) -> list[tuple]:
    out = []
    payer = st.payer
    for v in st.visits:
        ls = st.by_visit[v.claim_id]
        if not ls or not ls[0].denied and not any(s.denied for s in ls):
            continue
        if ls[0].claim_level:
            groups = [(ls[0], "", sum((s.exp for s in ls), D0))]
        else:
            groups = [(s, s.cpt, s.exp) for s in ls if s.denied]
        for s, cpt, amount in groups:
            cls = s.denial_class
            if cls in ("FIX", "APPEAL"):
                if payer.payer_class == "medicare":
                    days = int(setting("medicare_reopening_days" if cls == "FIX" else "medicare_redetermination_days"))
                else:
                    days = payer.appeal_days
                end = v.pay + timedelta(days=days)
                if payer.payer_class == "medicare" and s.rarc == "MA130":
                    end = min(end, s.deadline)
                rule = "DENIAL_RECOVERABLE" if end >= st.as_of else "DENIAL_WRITE_OFF"
            else:
                rule = "DENIAL_WRITE_OFF"
            out.append(_f(rule, v.claim_id, v.dos, cpt, amount))
    return out


def _underpayment(st: State) -> list[tuple]:
    out = []
    for s in st.lines:
        if s.paid > 0 and not s.denied and s.remit_allowed is not None:
            tol = (setting("medicare_underpayment_tolerance_per_unit") * s.units
                   if st.payer.payer_class == "medicare" else setting("other_underpayment_tolerance_per_line"))
            if s.remit_allowed < s.exp - tol:
                out.append(_f("UNDERPAYMENT", s.claim_id, s.dos, s.cpt, s.exp - s.remit_allowed))
    return out


def _unpaid_unbilled(st: State) -> list[tuple]:
    out = []
    warn = st.as_of + timedelta(days=int(setting("timely_filing_warning_days")))
    for v in st.visits:
        if v.remit_mode in ("paid", "reversal"):
            continue
        if (st.as_of - v.sub).days < int(setting("unpaid_claim_days")):
            continue
        ls = st.by_visit[v.claim_id]
        amount = sum((s.value for s in ls), D0)
        rule = "CLAIM_UNPAID" if ls[0].deadline > warn else "TIMELY_FILING_RISK"
        out.append(_f(rule, v.claim_id, v.dos, "", amount))
    billed_days = {v.dos for v in st.visits}
    for v in st.p.visits:
        if v.billed or v.dos in billed_days or v.dos > st.as_of:
            continue
        rows = [ln for ln in v.lines if ln.doc]
        if not rows:
            continue
        by_cpt: dict[str, list] = {}
        for ln in rows:
            by_cpt.setdefault(ln.cpt, []).append(ln)
        lines = []
        for cpt in sorted(by_cpt):
            rs = by_cpt[cpt]
            if all(ln.doc_units is not None for ln in rs):
                units = sum(ln.doc_units for ln in rs)
            elif info(cpt).is_timed:
                units = (sum(ln.minutes or 0 for ln in rs) + 7) // 15
            else:
                units = 1
            lines.append((cpt, units, any("CO" in ln.mods for ln in rs)))
        amount = sum((e for e, _ in expected_lines(lines, st.payer, v.dos)), D0)
        deadline = filing_deadline(v.dos, st.payer.timely_filing_days)
        rule = "VISIT_UNBILLED" if deadline > warn else "TIMELY_FILING_RISK"
        out.append(_f(rule, "", v.dos, "", amount))
    return out


# ---------------------------------------------------------------------------------------------- all
def patient_findings(p, payer: Payer, ctx, auths_loaded: bool = True, plans_loaded: bool = True) -> list[tuple]:
    _, out = evaluate(p, payer, ctx, auths_loaded, plans_loaded)
    _cross_check(p, out, auths_loaded and plans_loaded)
    return out


def evaluate(p, payer: Payer, ctx, auths_loaded: bool = True, plans_loaded: bool = True) -> tuple[State, list[tuple]]:
    """Every rule over the patient's records as of ctx.as_of, with no check against the plants (the follow-up
    sample evaluates the practice again on day 30, when new records exist): (the patient's state, findings)."""
    st = State(p, payer, ctx)
    units = _units(st)
    out = units + _untimed(st) + _minutes(st) + _modifiers(st) + _kx_tmr(st) + _co(st) + _ncci_and_edits(st)
    out += _mue(st, units)
    if plans_loaded:
        out += _poc(st) + _progress(st)
    else:
        out += _progress(st)
    out += _masshealth(st, auths_loaded, plans_loaded)
    if auths_loaded:
        out += _auth(st)
    out += _denials(st) + _underpayment(st) + _unpaid_unbilled(st)
    return st, out


def _cross_check(p, out: list[tuple], complete: bool) -> None:
    """Every finding was planted, and every plant yields its finding (see the module docstring)."""
    who = f"patient {p.idx} ({p.scenario or 'random'})"
    keys = [(f[0], f[1], f[2], f[3]) for f in out]
    if len(keys) != len(set(keys)):
        raise GeneratorBug(f"{who}: two findings share rule, claim, dos and cpt")
    planted = {r: set(k) for r, k in p.planted.items()}
    found: dict[str, set] = {}
    for rule, claim, dos, cpt, _ in out:
        key = (claim, dos, cpt)
        if rule in LINE_RULES:
            group = rule
        elif rule in ("DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF"):
            group = "DENIAL"
        elif rule == "CLAIM_UNPAID" or (rule == "TIMELY_FILING_RISK" and claim):
            group = "UNPAID"
        elif rule in ("VISIT_UNBILLED", "TIMELY_FILING_RISK"):
            group = "UNBILLED"
        elif rule in EPISODE_RULES:
            if rule not in p.planted_rules:
                raise GeneratorBug(f"{who}: unplanned {rule} on {claim} {dos}")
            found.setdefault(rule, set()).add(key)
            continue
        else:                                              # TMR_THRESHOLD: a status, not a billing error
            continue
        if key not in planted.get(group, ()):
            raise GeneratorBug(f"{who}: {rule} on {key} fires but was not planted there")
        found.setdefault(group, set()).add(key)
    for group, ks in planted.items():
        missing = ks - found.get(group, set())
        if missing:
            raise GeneratorBug(f"{who}: planted {group} yields no finding on {sorted(missing)[:3]}")
    if complete:
        for rule in p.planted_rules:
            if rule not in found:
                raise GeneratorBug(f"{who}: planted {rule} yields no finding")

"""The follow-up oracle: what DESIGN §12 says each day-0 finding of the sample becomes on day 30, computed from
what followup.py planted (the day-0 and day-30 records of every patient, the 837s and 835s written after day 0)
by this module's own small implementation — it never reads the audit's SQL or its results.

    kinds(st, findings, dates, as_of) -> [Finding]   day-0 (or day-30) findings with kind, fix_by, grain, ...
    statuses(base, ctx) -> {key: (status, amount_recovered)}   the ground truth of expected_follow_up.csv

A Finding carries what §12 needs: the rule's family and item grain, the amount kind and fix_by of DESIGN §5 (with
§11's correction deadline), the patient (matching never uses the pseudonym), the line's modifiers and units as
billed (for the reasons of §12), and whether the line had been paid by day 0 (increment rules)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .build import _price, filing_deadline
from .pricing import D0, info
from .truth import State, setting, units_as

FAMILY = {"DENIAL_RECOVERABLE": "DENIAL", "DENIAL_WRITE_OFF": "DENIAL", "CLAIM_UNPAID": "UNPAID",
          "VISIT_UNBILLED": "UNPAID", "TIMELY_FILING_RISK": "UNPAID"}
VISIT_RULES = {"POC_MISSING", "POC_CERT_LATE", "POC_RECERT_LATE", "PROGRESS_REPORT_OVERDUE", "MASSHEALTH_PA_MISSING",
               "MASSHEALTH_RX_LAPSED", "AUTH_EXCEEDED", "VISIT_UNBILLED"}
INCREMENT = {"UNDERPAYMENT", "UNITS_UNDERBILLED", "UNITS_MISALLOCATED", "CO_MODIFIER_UNNEEDED"}
DISP_RULES = {"GO_MISSING", "DISCIPLINE_MODIFIER_WRONG", "KX_MISSING", "NCCI_MODIFIER_MISSING", "CODING_EDIT",
              "MUE_EXCEEDED"}
OVERBILLED = {"UNITS_OVERBILLED", "UNTIMED_MULTIPLE_UNITS", "CO_MODIFIER_MISSING"}
AT_RISK = {"TMR_THRESHOLD", "POC_MISSING", "POC_CERT_LATE", "POC_RECERT_LATE", "PROGRESS_REPORT_OVERDUE"}
PAID_OR_LOST = {"MASSHEALTH_PA_MISSING", "MASSHEALTH_RX_LAPSED", "AUTH_EXCEEDED"}
STATUS_ORDER = ("open", "corrected", "recovered", "lost", "withdrawn")


def family(rule: str) -> str:
    return FAMILY.get(rule, rule)


@dataclass
class Finding:
    rule: str
    claim_id: str
    dos: date
    cpt: str
    amount: Decimal
    patient: int                      # the patient's index (the engine's patient_key, one to one)
    kind: str = ""
    fix_by: date | None = None
    mods: tuple = ()                  # the line's modifiers as billed (first line of the code that day)
    units: int | None = None          # units billed of the code that day
    base_line_paid: bool = False      # the line's net payment by day 0 was > 0 (increment rules)
    payer_claim_id: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return (self.rule, self.claim_id, self.dos.isoformat(), self.cpt)

    @property
    def family(self) -> str:
        return family(self.rule)

    @property
    def grain(self) -> str:
        """fu_item_grain: line, claim, visit or year (DESIGN §12 Matching)."""
        if self.rule == "TMR_THRESHOLD":
            return "year"
        if self.rule in VISIT_RULES or not self.claim_id:
            return "visit"
        return "line" if self.cpt else "claim"

    @property
    def is_money(self) -> bool:
        return self.kind in ("recoverable", "lost")

    @property
    def level(self) -> int | None:
        if not self.is_money or self.grain == "year":
            return None
        if self.rule in INCREMENT:
            return 4 if self.base_line_paid else None
        return {"line": 1, "claim": 2, "visit": 3}[self.grain]

    def item_key(self, pkey: str) -> str | None:
        """The engine's item key (its string order decides which item a payment goes to); pkey is the
        patient's key as the engine normalises it (member id)."""
        lv = self.level
        if lv is None:
            return None
        if lv in (1, 4):
            return f"{lv}|{self.claim_id}|{self.dos.isoformat()}|{self.cpt}"
        if lv == 2:
            return f"2|{self.claim_id}"
        return f"3|{pkey}|{self.dos.isoformat()}"

    def match_key(self) -> tuple:
        """What a day-30 finding must share with this one to be the same problem (fu_matches; a line matched by
        claim or, replaced under another number, by patient: see matches())."""
        g = self.grain
        if g == "line":
            return (self.family, g, self.dos, self.cpt)
        if g == "claim":
            return (self.family, g, self.claim_id)
        if g == "visit":
            return (self.family, g, self.patient, self.dos)
        return (self.rule, g, self.patient, self.dos.year)


def matches(b: Finding, n: Finding) -> bool:
    if b.match_key() != n.match_key():
        return False
    if b.grain == "line":
        return n.claim_id == b.claim_id or n.patient == b.patient
    return True


# ---------------------------------------------------------------------------------------------- kinds (DESIGN §5)
@dataclass
class ClaimDates:
    """What the kinds need beyond the final state of a claim: its first submission and first payment."""
    first_sub: date | None = None
    first_pay: date | None = None


def _disp(s, as_of: date) -> str:
    """stg_line_status.disposition (DESIGN §3)."""
    if s.paid > 0 or (s.has_remit and not s.denied and s.remit_allowed is not None and s.remit_allowed > 0):
        return "at_risk"
    return "recoverable" if as_of <= s.deadline else "lost"


def _correction_deadline(st: State, claim_id: str, dates: dict) -> date:
    """DESIGN §11 Review fixes: a line of a claim with a final, non-reversed remittance is corrected, not filed."""
    lines = st.by_visit[claim_id]
    v = lines[0].v
    deadline = lines[0].deadline
    if v.remit_mode in ("paid", "reversal"):
        if st.payer.payer_class == "medicare":
            first = (dates.get(claim_id) or ClaimDates()).first_pay or v.pay
            return first + timedelta(days=int(setting("medicare_reopening_days")))
        return max(deadline, v.pay + timedelta(days=st.payer.appeal_days))
    return deadline


def _window_end(st: State, s) -> date:
    payer = st.payer
    if payer.payer_class == "medicare":
        days = int(setting("medicare_reopening_days" if s.denial_class == "FIX" else "medicare_redetermination_days"))
    else:
        days = payer.appeal_days
    end = s.v.pay + timedelta(days=days)
    if payer.payer_class == "medicare" and s.rarc == "MA130":
        end = min(end, s.deadline)
    return end


def kinds(st: State, findings: list[tuple], dates: dict, as_of: date) -> list[Finding]:
    """The patient's findings (truth tuples) with the amount kind and fix_by of DESIGN §5 as of as_of."""
    p, payer = st.p, st.payer
    first_line: dict[tuple, object] = {}
    units: dict[tuple, int] = {}
    for s in st.lines:
        first_line.setdefault((s.claim_id, s.dos, s.cpt), s)
        units[(s.claim_id, s.dos, s.cpt)] = units.get((s.claim_id, s.dos, s.cpt), 0) + s.units
    visits_all = {v.dos: v for v in p.visits}
    out = []
    for rule, claim_id, dos_s, cpt, amount in findings:
        dos = date.fromisoformat(dos_s)
        f = Finding(rule, claim_id, dos, cpt, amount, p.idx)
        s = first_line.get((claim_id, dos, cpt)) if cpt else None
        if s is not None:
            f.mods = tuple(s.ln.mods)
            f.units = units[(claim_id, dos, cpt)]
        if claim_id and claim_id in st.by_visit:
            f.payer_claim_id = st.by_visit[claim_id][0].v.payer_claim_id
        if rule in ("UNITS_UNDERBILLED", "CO_MODIFIER_UNNEEDED"):
            cd = _correction_deadline(st, claim_id, dates)
            f.kind, f.fix_by = ("recoverable" if as_of <= cd else "lost"), cd
        elif rule == "UNITS_MISALLOCATED":
            billed, canonical = misallocation_prices(st, claim_id, dos)
            if billed > canonical:
                f.kind = "overbilled"
            else:
                cd = _correction_deadline(st, claim_id, dates)
                f.kind, f.fix_by = ("recoverable" if as_of <= cd else "lost"), cd
        elif rule in OVERBILLED:
            f.kind = "overbilled"
        elif rule == "MINUTES_MISSING":
            f.kind = "at_risk" if s.paid > 0 else _disp(s, as_of)
            f.fix_by = s.deadline
        elif rule in DISP_RULES:
            f.kind, f.fix_by = _disp(s, as_of), s.deadline
        elif rule in AT_RISK:
            f.kind = "at_risk"
        elif rule in PAID_OR_LOST:
            paid = sum((x.paid for x in st.by_visit[claim_id]), D0)
            f.kind = "at_risk" if paid > 0 else "lost"
        elif rule == "DENIAL_RECOVERABLE":
            ls = st.by_visit[claim_id]
            s0 = s if s is not None else ls[0]
            f.kind, f.fix_by = "recoverable", _window_end(st, s0)
        elif rule == "DENIAL_WRITE_OFF":
            f.kind = "lost"
        elif rule == "UNDERPAYMENT":
            days = (int(setting("medicare_redetermination_days")) if payer.payer_class == "medicare"
                    else payer.appeal_days)
            end = s.v.pay + timedelta(days=days)
            f.kind, f.fix_by = ("recoverable" if end >= as_of else "lost"), end
        elif rule == "CLAIM_UNPAID":
            f.kind, f.fix_by = "recoverable", st.by_visit[claim_id][0].deadline
        elif rule == "VISIT_UNBILLED":
            f.kind, f.fix_by = "recoverable", _filing(payer, dos)
        elif rule == "TIMELY_FILING_RISK":
            if claim_id:
                deadline = st.by_visit[claim_id][0].deadline
                first = (dates.get(claim_id) or ClaimDates()).first_sub or st.by_visit[claim_id][0].v.sub
                ok = deadline >= as_of or first <= deadline
            else:
                deadline = _filing(payer, dos)
                ok = deadline >= as_of
            f.kind, f.fix_by = ("recoverable" if ok else "lost"), deadline
        else:
            raise AssertionError(f"no kind for {rule}")
        if rule in INCREMENT and cpt:
            f.base_line_paid = sum((x.paid for x in st.lines
                                    if x.claim_id == claim_id and x.dos == dos and x.cpt == cpt), D0) > 0
        f.extra["visit"] = visits_all.get(dos)
        out.append(f)
    return out


def _filing(payer, dos: date) -> date:
    return filing_deadline(dos, payer.timely_filing_days)


def misallocation_prices(st: State, claim_id: str, dos: date) -> tuple[Decimal, Decimal]:
    """The visit priced as billed and with the canonical total-time allocation (DESIGN §6)."""
    v = st.by_visit[claim_id][0].v
    lines = st.by_visit[claim_id]
    mins: dict[str, int] = {}
    for ln in st.rows_by_day.get(dos, []):
        if info(ln.cpt).is_timed:
            _, m, _ = st.documented(dos, ln.cpt)
            if m and m > 0:
                mins[ln.cpt] = int(m)
    codes = sorted({s.cpt for s in lines if info(s.cpt).is_timed} | set(mins))
    billed = {c: sum(s.units for s in lines if s.cpt == c) for c in codes}
    f = {c: mins.get(c, 0) // 15 for c in codes}
    r = {c: mins.get(c, 0) % 15 for c in codes}
    T = (sum(mins.values()) + 7) // 15
    R = T - sum(f.values())
    tt = dict(f)
    for i, c in enumerate(sorted(codes, key=lambda c: (-r[c], -billed[c], c))):
        if i < R and r[c] > 0:
            tt[c] += 1
    ov, added = units_as(codes, lines, tt)
    return st.price(v), st.price(v, ov, added)


def carc_class(reason: str) -> str:
    from .truth import carc_classes
    return carc_classes().get(reason, "APPEAL")


# ---------------------------------------------------------------------------------------------- day 30 (DESIGN §12)
@dataclass
class Payment:
    claim_id: str
    cpt: str | None
    dos: date
    paid: Decimal
    pay_date: date
    patient: int


class View:
    """The practice as the day-30 audit sees it in one mode: 'all' (the day-0 files and the new ones) or 'new'
    (only the new files): each patient's records, their findings as of day 30 with kinds, and their states."""

    def __init__(self, world, mode: str):
        self.mode = mode
        self.world = world
        sub_claims = {r[2] for r in world.subs}
        clp_claims = {r[1] for r in world.clps}
        self.patients: dict[int, object] = {}
        for p in world.now:
            if mode == "new":
                p = _only_new(p, world, sub_claims, clp_claims)
            self.patients[p.idx] = p
        for p in world.new_patients:
            self.patients[p.idx] = p
        self.dates = _dates(world, mode)
        self.evaluated = _evaluated(world, self.patients.values())
        self.states: dict[int, State] = {}
        self.findings: list[Finding] = []
        from .truth import evaluate
        for idx, p in self.patients.items():
            payer = world.pay[p.payer]
            st, fs = evaluate(p, payer, world.ctx30)
            self.states[idx] = st
            self.findings += kinds(st, [f for f in fs if f[0] in self.evaluated], self.dates, world.N)
        self.by_match: dict[tuple, list[Finding]] = {}
        for n in self.findings:
            self.by_match.setdefault(n.match_key(), []).append(n)
        # 837 claims in this input: claim id -> patient
        self.claim_patient: dict[str, int] = {r[2]: r[12] for r in world.subs}
        self.remit_claims: set[str] = {r[1] for r in world.clps}
        self.billed_days: set[tuple] = {(r[12], r[8]) for r in world.subs}
        self.base_remits: set[str] = set()
        for p in world.day0:
            for v in p.visits:
                if v.billed and v.remit_mode in ("paid", "reversal"):
                    self.base_remits.add(v.claim_id)
                if mode == "all" and v.billed:
                    self.claim_patient.setdefault(v.claim_id, p.idx)
                    self.billed_days.add((p.idx, v.dos))
                    if v.remit_mode in ("paid", "reversal"):
                        self.remit_claims.add(v.claim_id)

    def match(self, b: Finding) -> Finding | None:
        cands = [n for n in self.by_match.get(b.match_key(), []) if matches(b, n)]
        if not cands:
            return None
        same = [n for n in cands if n.rule == b.rule] or cands
        if len({(n.kind, n.fix_by) for n in same}) > 1:
            from .truth import GeneratorBug
            raise GeneratorBug(f"{b.key}: several day-30 findings match it with other kinds ({self.mode})")
        return same[0]


# the rules whose inputs include claims to some payers (the other inputs are in both day-30 folders)
NEEDS = {"AUTH_EXCEEDED": "auth_payers", "MASSHEALTH_PA_MISSING": "masshealth", "MASSHEALTH_RX_LAPSED": "masshealth",
         "CO_MODIFIER_MISSING": "medicare_rules", "CO_MODIFIER_UNNEEDED": "medicare_rules",
         "KX_MISSING": "medicare_rules", "TMR_THRESHOLD": "medicare_rules", "MUE_EXCEEDED": "mue",
         "POC_MISSING": "medicare_or_ma", "POC_CERT_LATE": "medicare_or_ma", "POC_RECERT_LATE": "medicare_or_ma",
         "PROGRESS_REPORT_OVERDUE": "medicare_or_ma"}
ALL_RULES = set(NEEDS) | {"CLAIM_UNPAID", "CODING_EDIT", "DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF",
                          "DISCIPLINE_MODIFIER_WRONG", "GO_MISSING", "MINUTES_MISSING", "NCCI_MODIFIER_MISSING",
                          "TIMELY_FILING_RISK", "UNDERPAYMENT", "UNITS_MISALLOCATED", "UNITS_OVERBILLED",
                          "UNITS_UNDERBILLED", "UNTIMED_MULTIPLE_UNITS", "VISIT_UNBILLED"}


def _evaluated(world, patients) -> set[str]:
    """The rules the day-30 audit runs (its coverage table): a rule that needs claims to some payers runs only
    when the input holds such claims (Medicare, Medicare or MA, MassHealth, plans requiring authorization, Medicare
    lines under an MUE)."""
    from .pricing import mue_for
    have = set()
    for p in patients:
        payer = world.pay[p.payer]
        for v in p.visits:
            if not v.billed or not v.billed_lines():
                continue
            if payer.medicare_rules:
                have.add("medicare_rules")
                if any(mue_for(ln.cpt, v.dos) is not None for ln in v.billed_lines()):
                    have.add("mue")
            if payer.payer_class in ("medicare", "medicare_advantage"):
                have.add("medicare_or_ma")
            if payer.payer_class == "masshealth":
                have.add("masshealth")
            if payer.requires_auth and payer.payer_class != "masshealth":
                have.add("auth_payers")
    return {r for r in ALL_RULES if r not in NEEDS or NEEDS[r] in have}


def _only_new(p, world, sub_claims: set, clp_claims: set):
    """The patient as the day-30 audit of the new files alone sees it: a claim only when an 837 after day 0
    carries it (its answer only from an 835 written on day 30); every other visit is documented, not billed."""
    import copy
    q = copy.deepcopy(p)
    for v in q.visits:
        if not v.billed:
            continue
        if v.claim_id in sub_claims:
            if v.claim_id not in clp_claims:
                v.remit_mode, v.claim_denial = "unpaid", None
                for ln in v.billed_lines():
                    ln.remit = None
        else:
            v.billed = False
            for ln in v.lines:
                ln.billed = False
            v.remit_mode = "unpaid"
    _price(q, world.pay[q.payer])
    return q


def _dates(world, mode: str) -> dict:
    """First submission and first payment of each claim id in the mode's input."""
    out: dict[str, ClaimDates] = {}
    if mode == "all":
        for p in world.day0:
            for v in p.visits:
                if v.billed:
                    out[v.claim_id] = ClaimDates(v.sub, v.pay if v.remit_mode in ("paid", "reversal") else None)
    for r in world.subs:
        d = out.setdefault(r[2], ClaimDates())
        d.first_sub = min(d.first_sub, r[1]) if d.first_sub else r[1]
    for r in world.clps:
        d = out.setdefault(r[1], ClaimDates())
        d.first_pay = min(d.first_pay, r[6]) if d.first_pay else r[6]
    return out


def _payments(world, view: View) -> list[Payment]:
    """Every 835 service payment dated after day 0 (a CLP with no SVC: one row with no code), reversals negative."""
    out = []
    for r in world.clps:
        (_, claim_id, _, _, _, dos, pdate, kind, lines, _, claim_adj) = r[:11]
        if pdate <= world.B:
            continue
        sign = Decimal(-1) if kind == "reverse" else Decimal(1)
        patient = view.claim_patient.get(claim_id, -1)
        if not lines:
            out.append(Payment(claim_id, None, dos, D0, pdate, patient))
        for ln in lines:
            out.append(Payment(claim_id, ln[0], dos, ln[3] * sign, pdate, patient))
    return out


def _minutes(p, dos: date, cpt: str):
    rows = [ln for v in p.visits if v.dos == dos for ln in v.lines if ln.doc and ln.cpt == cpt]
    mins = [ln.minutes for ln in rows if ln.minutes is not None]
    ota = [(ln.minutes if ln.role == "OTA" else ln.ota) for ln in rows]
    ota = [x for x in ota if x is not None]
    return (sum(mins) if mins else None), (sum(ota) if ota else None), len(rows)


def _intervals(p, st: State) -> list[tuple]:
    """(plan, kind, cert_end, certified_from, first treatment DOS) of the patient's plans (DESIGN §11)."""
    days = sorted(v.dos for v in st.visits) if st.payer.payer_class in ("medicare", "medicare_advantage") else []
    cert_days = int(setting("cert_interval_days"))
    out = []
    for i, pl in enumerate(sorted(p.plans, key=lambda pl: (pl.start, pl.end))):
        kind = "initial" if pl.kind.lower().startswith("init") else "recert"
        cert_end = min(pl.end or pl.start + timedelta(days=cert_days), pl.start + timedelta(days=cert_days))
        frm = pl.start if kind == "initial" else (max(pl.start, pl.signed) if pl.signed else None)
        first_tx = min((d for d in days if pl.start <= d <= cert_end), default=None)
        out.append((pl, kind, cert_end, frm, first_tx))
    return out


def _progress_days(st: State) -> dict[date, tuple]:
    """dos -> (day number, last report before it, last eval on or before it) of the billed Medicare/MA days."""
    if st.payer.payer_class not in ("medicare", "medicare_advantage") or not st.visits:
        return {}
    evals = sorted(d for d, n in st.notes.items() if n == "Evaluation")
    reports = sorted(d for d, n in st.notes.items() if n in ("Progress Report", "Recertification", "Discharge"))
    days = [v.dos for v in st.visits]
    out, counts = {}, {}
    for d in days:
        e = [x for x in evals if x <= d]
        r = [x for x in reports if x < d]
        start = max([days[0]] + e[-1:] + [x + timedelta(days=1) for x in r[-1:]])
        counts[start] = counts.get(start, 0) + 1
        out[d] = (counts[start], r[-1] if r else None, e[-1] if e else None)
    return out


def reason(b: Finding, view: View, base_state: State) -> tuple[bool, date | None]:
    """fu_reasons (DESIGN §12, 3.): whether the mode's data shows why b is no longer found, and the date of that
    evidence (None when it has none)."""
    p = view.patients[b.patient]
    st = view.states[b.patient]
    found: list[tuple] = []                    # (prio, date)
    lines = st.by_visit.get(b.claim_id, []) if b.claim_id else []
    code_lines = [s for s in lines if s.dos == b.dos and s.cpt == b.cpt]
    v = lines[0].v if lines else None
    fam = b.family
    if fam == "DENIAL" and b.grain == "line":
        found += [(1, s.v.pay) for s in code_lines if s.has_remit and not s.denied and s.paid > 0]
    if fam == "DENIAL" and b.grain == "claim" and v is not None and v.remit_mode in ("paid", "reversal"):
        if not v.claim_denial and sum((s.paid for s in lines), D0) > 0:
            found.append((1, v.pay))
    if b.rule == "UNDERPAYMENT":
        for s in code_lines:
            if s.remit_allowed is not None:
                tol = (setting("medicare_underpayment_tolerance_per_unit") * s.units
                       if st.payer.payer_class == "medicare" else setting("other_underpayment_tolerance_per_line"))
                if s.remit_allowed >= s.exp - tol:
                    found.append((1, s.v.pay))
    if fam == "UNPAID" and b.grain == "claim" and v is not None and v.remit_mode in ("paid", "reversal"):
        found.append((1, v.pay))
    if fam == "UNPAID" and b.grain == "visit":
        found += [(1, x.sub) for x in st.visits if x.dos == b.dos]
    # a plan or authorization is evidence only when it was not on file on day 0 with the same dates
    base_plans = {(pl.start, pl.end, pl.signed) for pl in base_state.p.plans}
    base_auths = {(a.number, a.start, a.end, a.visits) for a in base_state.p.auths}
    if b.rule == "POC_MISSING":
        found += [(1, pl.signed) for pl in p.plans if pl.start <= b.dos and (pl.start, pl.end, pl.signed) not in base_plans]
    if b.rule in ("POC_CERT_LATE", "POC_RECERT_LATE"):
        sig = int(setting("cert_signature_days"))
        base_intervals = {(pl.start, cert_end, frm, pl.signed) for pl, _, cert_end, frm, _ in _intervals(base_state.p, base_state)}
        for pl, kind, cert_end, frm, first_tx in _intervals(p, st):
            if (pl.start, cert_end, frm, pl.signed) in base_intervals:
                continue
            if b.rule == "POC_CERT_LATE" and kind == "initial" and pl.start <= b.dos <= cert_end and pl.signed \
                    and pl.signed <= (first_tx or pl.start) + timedelta(days=sig):
                found.append((1, pl.signed))
            if b.rule == "POC_RECERT_LATE" and frm is not None and frm <= b.dos <= cert_end:
                found.append((1, pl.signed))
    if b.rule == "PROGRESS_REPORT_OVERDUE":
        new = _progress_days(st).get(b.dos)
        old = _progress_days(base_state).get(b.dos)
        if new and new[0] <= int(setting("progress_report_days")) and (old is None or new[1:] != old[1:]):
            found.append((1, None))
    if b.rule in ("MASSHEALTH_PA_MISSING", "AUTH_EXCEEDED"):
        found += [(1, None) for a in p.auths
                  if a.start <= b.dos <= (a.end or b.dos) and (a.number, a.start, a.end, a.visits) not in base_auths]
    if b.rule == "MASSHEALTH_RX_LAPSED":
        days = int(setting("masshealth_rx_days"))
        found += [(1, pl.signed) for pl in p.plans
                  if pl.signed and b.dos - timedelta(days=days) <= pl.signed <= b.dos
                  and (pl.start, pl.end, pl.signed) not in base_plans]
    base_p = base_state.p
    if b.rule == "MINUTES_MISSING":
        m, _, _ = _minutes(p, b.dos, b.cpt)
        if m and m > 0:
            found.append((1, None))
    if b.rule in ("UNITS_UNDERBILLED", "UNITS_OVERBILLED", "UNITS_MISALLOCATED"):
        nm, _, _ = _minutes(p, b.dos, b.cpt)
        om, _, _ = _minutes(base_p, b.dos, b.cpt)
        nu = sum((s.units for s in st.lines if s.dos == b.dos and s.cpt == b.cpt), 0)
        if nm != om or nu != (b.units or 0):
            found.append((1, None))
    if b.grain == "line" and b.rule in ("GO_MISSING", "DISCIPLINE_MODIFIER_WRONG", "KX_MISSING",
                                        "NCCI_MODIFIER_MISSING", "CODING_EDIT", "MUE_EXCEEDED",
                                        "UNTIMED_MULTIPLE_UNITS", "CO_MODIFIER_MISSING", "CO_MODIFIER_UNNEEDED"):
        if v is not None:
            first = min(code_lines, key=lambda s: s.line_no) if code_lines else None
            units = sum((s.units for s in code_lines), 0)
            if first is None or set(first.mods) != set(b.mods) or (
                    b.rule in ("UNTIMED_MULTIPLE_UNITS", "MUE_EXCEEDED") and units != b.units):
                found.append((2, v.sub))
    if b.rule in ("CO_MODIFIER_MISSING", "CO_MODIFIER_UNNEEDED"):
        nm, no, _ = _minutes(p, b.dos, b.cpt)
        om, oo, _ = _minutes(base_p, b.dos, b.cpt)
        if (no or 0) != (oo or 0) or nm != om:
            found.append((3, None))
    if b.rule in ("KX_MISSING", "TMR_THRESHOLD") and view.mode == "all":
        found.append((4, None))
    if not found:
        return False, None
    prio, d = min(found, key=lambda x: (x[0], x[1] is not None, x[1] or date.min))
    return True, d


def follow_up(world) -> dict:
    """The status and dollars recovered of every day-0 finding in each mode (DESIGN §12), and the day-30 findings
    that are new ('new' or 'newly_visible', mode 'all')."""
    B, N = world.B, world.N
    base = world.base
    base_states = {}
    from .truth import evaluate
    for p in world.day0:
        base_states[p.idx], _ = evaluate(p, world.pay[p.payer], world.ctx)
    result = {}
    for mode in ("all", "new"):
        view = View(world, mode)
        pays = _payments(world, view)
        # item claims: the claim and the claims replacing it under another number (REF*F8), one level deep
        repl: dict[str, set] = {}
        for r in world.subs:
            if r[10] in ("7", "8") and r[11]:
                repl.setdefault(r[11], set()).add(r[2])

        def item_claims(b: Finding) -> set:
            if not b.claim_id:
                return set()
            out = {b.claim_id} | repl.get(b.claim_id, set())
            if b.payer_claim_id:
                out |= repl.get(b.payer_claim_id, set())
            return out

        claimed: dict[int, list[int]] = {}
        for i, b in enumerate(base):
            lv = b.level
            if lv is None:
                continue
            ic = item_claims(b)
            got = []
            for j, pm in enumerate(pays):
                new_number = pm.claim_id not in world.base_claims
                if b.grain == "line":
                    ok = (pm.claim_id in ic and ((pm.cpt == b.cpt and pm.dos == b.dos) or pm.cpt is None)) or (
                        new_number and pm.patient == b.patient and pm.dos == b.dos and pm.cpt == b.cpt)
                elif b.grain == "claim":
                    ok = pm.claim_id in ic or (new_number and pm.patient == b.patient and pm.dos == b.dos)
                else:
                    ok = (pm.patient == b.patient and pm.dos == b.dos) or (pm.claim_id in ic and pm.dos == b.dos)
                if ok:
                    got.append(j)
            if got:
                claimed[i] = got
        # each payment to one item: the lowest level, then the lowest item key
        winner: dict[int, str] = {}
        for i, js in claimed.items():
            k = base[i].item_key(str(base[i].patient))
            for j in js:
                if j not in winner or k < winner[j]:
                    winner[j] = k
        item_total: dict[str, Decimal] = defaultdict_decimal()
        for j, k in winner.items():
            item_total[k] += pays[j].paid
        members: dict[str, list[int]] = {}
        for i, b in enumerate(base):
            k = b.item_key(str(b.patient))
            if k is not None and k in item_total:
                members.setdefault(k, []).append(i)
        allocated: dict[int, Decimal] = {}
        for k, idxs in members.items():
            total = item_total[k]
            idxs.sort(key=lambda i: (-base[i].amount, base[i].rule, base[i].key))
            item_amount = sum((base[i].amount for i in idxs), D0)
            before = D0
            for n, i in enumerate(idxs):
                if total <= 0:
                    allocated[i] = D0
                else:
                    a = min(max(total - before, D0), base[i].amount)
                    if n == 0:
                        a += max(total - item_amount, D0)
                    allocated[i] = a
                before += base[i].amount
        rows = []
        has_all = mode == "all"
        for i, b in enumerate(base):
            paid_since = sum((pays[j].paid for j in claimed.get(i, [])), D0)
            alloc = allocated.get(i, D0)
            ic = item_claims(b)
            # resubmitted or billed after day 0
            rebill = False
            for r in world.subs:
                claim, dos, patient = r[2], r[8], r[12]
                cpts = {ln[0] for ln in r[9]}
                if b.grain in ("line", "claim", "visit") and claim in ic:
                    rebill = True
                elif b.grain in ("line", "claim") and claim not in world.base_claims and patient == b.patient \
                        and dos == b.dos and (b.grain != "line" or b.cpt in cpts):
                    rebill = True
                elif b.grain == "visit" and patient == b.patient and dos == b.dos:
                    rebill = True
            # covered by the mode's input (and its rule run by the day-30 audit)
            if b.rule not in view.evaluated:
                covered = False
            elif b.grain == "year":
                covered = has_all
            elif b.grain == "visit":
                p = view.patients[b.patient]
                covered = (b.patient, b.dos) in view.billed_days or any(
                    v.dos == b.dos and any(ln.doc for ln in v.lines) for v in p.visits)
            else:
                covered = any(c in view.claim_patient for c in ic)
                if covered and (b.family in ("DENIAL", "UNPAID") or b.rule == "UNDERPAYMENT"):
                    had_835 = b.claim_id in view.base_remits
                    covered = (not had_835) or any(c in view.remit_claims for c in ic)
            m = view.match(b)
            still = m is not None
            deadline = (m.fix_by or b.fix_by) if still else b.fix_by
            if round(paid_since, 2) > 0 or alloc > 0:
                status = "recovered"
            elif rebill and b.grain != "year" and (b.is_money or b.grain != "visit") and (
                    b.family in ("DENIAL", "UNPAID") or (covered and not still)):
                status = "corrected"
            else:
                status = None
                if covered and not still:
                    has, rdate = reason(b, view, base_states[b.patient])
                    if has:
                        status = "corrected" if (rdate is not None and rdate > B) else "withdrawn"
                if status is None:
                    if b.is_money:
                        lost = (b.kind == "lost" or (still and m.kind == "lost")
                                or (deadline is not None and B <= deadline < N))
                        status = "lost" if lost else "open"
                    else:
                        status = "open"
            amount = alloc if status == "recovered" else D0
            rows.append((b, status, amount.quantize(Decimal("0.01"))))
        result[mode] = rows
        result["evaluated_" + mode] = view.evaluated
        if mode == "all":
            result["new_findings"] = _new_findings(world, view, base)
    return result


def defaultdict_decimal():
    from collections import defaultdict
    return defaultdict(lambda: D0)


def _new_findings(world, view: View, base: list[Finding]) -> dict:
    """Day-30 findings (mode 'all') no day-0 finding matches: 'new' (activity after day 0) or 'newly_visible'."""
    matched = set()
    for b in base:
        for n in view.by_match.get(b.match_key(), []):
            if matches(b, n):
                matched.add(id(n))
    out = {"new": [], "newly_visible": []}
    for n in view.findings:
        if id(n) in matched:
            continue
        d = view.dates.get(n.claim_id)
        first_sub = d.first_sub if d else None
        v = n.extra.get("visit")
        final_pay = v.pay if (v is not None and v.billed and v.remit_mode in ("paid", "reversal")) else None
        new = (n.dos > world.B or (first_sub is not None and first_sub > world.B)
               or (n.family == "DENIAL" or n.rule == "UNDERPAYMENT") and final_pay is not None and final_pay > world.B)
        out["new" if new else "newly_visible"].append(n.key)
    return out

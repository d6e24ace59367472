"""`rcm-audit sample OUT_DIR --follow-up`: the sample practice 30 days later (issue 15, DESIGN §12).

OUT_DIR holds, at the top, the day-0 sample exactly as `rcm-audit sample` writes it (same arguments, same bytes:
the baseline audit's files are all there), and under `new_files/` what the practice produced in the 28 days to
the day-30 payment run (the day-30 as-of date): 837P batches submitted after day 0 (corrected claims for
denials, wrong modifiers and units, replacement claims under a new number, claims for visits never billed,
claims of new patients seen since day 0), 835s dated after day 0 (the claims that were awaiting payment, appeals
and corrected claims paid or denied again, underpayments reprocessed as a reversal and a corrected payment, a
few new denials), one 835 dated before day 0 the practice had not sent, and refreshed exports (visits, plans of
care, authorizations: the whole period again, with documentation completed since, plus the new visits).

So `rcm-audit audit OUT_DIR` audits "the earlier files plus the new ones" and `rcm-audit audit OUT_DIR/new_files`
"only the new ones"; each folder holds the ground truth of its follow-up, `expected_follow_up.csv` (CONTRACT §2),
computed by futruth.py from what was planted here.

Every change is planted on a copy of the day-0 patient and checked with the ground-truth oracle (truth.py) as of
day 30: an event must remove exactly the findings it targets and add none but those it is meant to add (a
resubmitted claim the payer has not answered yet keeps its old 835, so a corrected line can show a new
underpayment); a candidate that does more is skipped for the next one. The statuses each event is meant to give
its targets are checked against the oracle's answer (GeneratorBug otherwise)."""
from __future__ import annotations

import copy
import csv
import random
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from . import futruth as FT
from .build import (Ctx, _payer_claim_id, _price, build_patient, exemplar_positions, filing_deadline,
                    line_charge)
from .generator import (AUTH_RULES, EXT_835, EXT_837, PLAN_COLUMNS, PLAN_RULES, VISIT_COLUMNS,
                        _write_auths, _write_patient_rows, generate, mdy, write_835_file, write_837_file)
from .model import Auth, Plan, next_weekday
from .practice import SPEC, build_plans, eval_visit, make_patient, payers, treatment_visit
from .pricing import D0, info, patient_share
from .truth import GeneratorBug, evaluate

DAYS = 28                          # day 30 = the fourth Friday payment run after day 0
NEW_DIR = "new_files"
EXPECTED = "expected_follow_up.csv"
EXPECTED_COLUMNS = ["rule_id", "claim_id", "dos", "cpt", "status", "amount_recovered_usd"]
ISA_BASE = 9000                    # interchange control numbers of the day-30 files (day 0 uses 1..)
MODES = ("all", "new")             # the day-30 folder with every file / with only the new files


@dataclass
class Event:
    """One thing that happened in the 30 days, with the day-0 findings it is about and the status DESIGN §12
    gives them in each mode ({'all': status, 'new': status}; None = whatever the dates say: open or lost)."""
    name: str
    what: str
    patient: int
    targets: list = field(default_factory=list)       # Finding keys
    expect: dict = field(default_factory=dict)


class World:
    """The practice on day 0 (rebuilt exactly as `generate` built it) and on day 30 (copies of its patients with
    what happened since, plus new patients), the 837s and 835s written after day 0, and the ground truth."""

    def __init__(self, patients: int, months: int, seed: int):
        self.pay = payers()
        self.seed = seed
        self.ctx = Ctx(seed, months, self.pay)
        self.B = self.ctx.as_of
        self.N = self.B + timedelta(days=DAYS)
        self.ctx30 = copy.copy(self.ctx)
        self.ctx30.as_of = self.N
        positions = exemplar_positions(patients)
        self.day0 = [build_patient(self.ctx, i, positions.get(i)) for i in range(patients)]
        self.now = copy.deepcopy(self.day0)
        self.rng = random.Random(f"{seed}:follow-up")
        # 837 claims submitted after day 0: write_837_file's record + (frequency, REF*F8, patient index)
        self.subs: list[tuple] = []
        # 835 claim payments of the day-30 files: write_835_file's record + (file name tag, patient index)
        self.clps: list[tuple] = []
        self.events: list[Event] = []
        self.new_patients: list = []
        self.pending_paid = self.pending_denied = 0
        self.dates: dict[str, FT.ClaimDates] = {}
        self.base_claims: set[str] = set()
        for p in self.day0:
            for v in p.visits:
                if v.billed:
                    self.base_claims.add(v.claim_id)
                    self.dates[v.claim_id] = FT.ClaimDates(
                        v.sub, v.pay if v.remit_mode in ("paid", "reversal") else None)
        self.has_plans = any(p.plans for p in self.day0)
        self.has_auths = any(p.auths for p in self.day0)
        self.base: list[FT.Finding] = []
        for p in self.day0:
            st, fs = evaluate(p, self.pay[p.payer], self.ctx)
            fs = [f for f in fs if (self.has_plans or f[0] not in PLAN_RULES)
                  and (self.has_auths or f[0] not in AUTH_RULES)]
            self.base += FT.kinds(st, fs, self.dates, self.B)
        self._cache: dict[int, set] = {}

    # ------------------------------------------------------------------------------------------ helpers
    def payer(self, p):
        return self.pay[p.payer]

    def weekly(self, p) -> bool:
        return SPEC[p.payer][6]

    def keys_now(self, p) -> set:
        """The patient's findings (rule, claim, dos, cpt) as of day 30 on its current records."""
        _, fs = evaluate(p, self.payer(p), self.ctx30)
        return {f[:4] for f in fs}

    def tuesday_after(self, d: date, weeks: int = 0) -> date:
        return next_weekday(d + timedelta(days=1), 1) + timedelta(days=7 * weeks)

    def payment_after(self, p, sub: date) -> date:
        return self.ctx.payment(sub, self.weekly(p))

    def runs(self, p) -> list[date]:
        """The payer's payment runs after day 0 up to day 30."""
        step = 7 if self.weekly(p) else 14
        d, out = self.B + timedelta(days=step), []
        while d <= self.N:
            out.append(d)
            d += timedelta(days=step)
        return out

    def visit(self, p, claim_id: str | None = None, dos: date | None = None):
        for v in p.visits:
            if (claim_id and v.claim_id == claim_id) or (claim_id is None and v.dos == dos):
                return v
        raise KeyError(claim_id or dos)

    # ------------------------------------------------------------------------------------------ records
    def sub_record(self, p, v, sub: date, freq: str = "1", f8: str = "") -> tuple:
        payer = self.payer(p)
        auth = p.auths[0].number if (p.auths and payer.requires_auth and payer.payer_class != "masshealth") else ""
        pat = (p.last, p.first, p.dob, p.sex, p.member, p.addr, p.group)
        lines = [(ln.cpt, tuple(ln.mods), line_charge(ln), ln.units, f"{v.claim_id}-{ln.line_no}")
                 for ln in v.billed_lines()]
        return (p.payer, sub, v.claim_id, pat, p.md, p.ot, p.dx, auth, v.dos, lines, freq, f8, p.idx)

    @staticmethod
    def remit_lines(v) -> list[tuple]:
        return [(ln.cpt, tuple(ln.mods), ln.remit["charge"], ln.remit["paid"], ln.units, tuple(ln.remit["cas"]),
                 ln.remit["allowed"], f"{v.claim_id}-{ln.line_no}", ln.remit["deny"][2] if ln.remit["deny"] else None)
                for ln in v.billed_lines()]

    def clp_record(self, p, v, pdate: date, kind: str, lines, claim_adj=None, pcn=None, tag: str = "") -> tuple:
        return (p.payer, v.claim_id, pcn if pcn is not None else v.payer_claim_id, (p.last, p.first, p.member), p.ot,
                v.dos, pdate, kind, lines, None, claim_adj, tag, p.idx)

    def pay_line(self, p, ln, prev: dict | None = None) -> dict:
        """The 835 answer paying a line at its expected allowed: Medicare 20% coinsurance and 2% sequestration,
        the MA plan 20% coinsurance, others the allowed amount; a line paid before keeps its deductible and
        copay."""
        payer = self.payer(p)
        charge = line_charge(ln)
        allowed = ln.exp
        cas = [("CO", "45", charge - allowed)]
        rest = allowed
        for g, c, a in (prev or {}).get("cas", ()):
            if g == "PR" and c in ("1", "3") and a > 0:
                a = min(a, rest)
                cas.append((g, c, a))
                rest -= a
        share, paid = patient_share(payer.payer_class, rest)
        return {"charge": charge, "allowed": allowed, "deny": None, "cas": cas + share, "paid": paid}

    def deny_line(self, ln, denial: tuple, claim_level: bool) -> dict:
        charge = line_charge(ln)
        return {"charge": charge, "allowed": None, "deny": denial, "cas": [] if claim_level else
                [(denial[0], denial[1], charge)], "paid": D0}

    # ------------------------------------------------------------------------------------------ actions
    def resubmit(self, p, v, sub: date, new_id: str | None = None) -> list[tuple]:
        """An 837 after day 0 for visit v as its lines now stand: a corrected claim (frequency 7, REF*F8 the
        payer's claim number) under the same number, a replacement under new_id, or a first claim (frequency 1)
        for a visit never billed."""
        n = 0
        for ln in v.lines:
            if ln.billed:
                n += 1
                ln.line_no = n
        first = v.claim_id not in self.base_claims and not any(s[2] == v.claim_id for s in self.subs)
        if new_id:
            f8 = v.payer_claim_id or v.claim_id
            v.claim_id = new_id
            v.remit_mode, v.claim_denial, v.payer_claim_id = "unpaid", None, ""
            for ln in v.billed_lines():
                ln.remit = None
            rec = self.sub_record(p, v, sub, "7", f8)
        elif first:
            rec = self.sub_record(p, v, sub, "1")
        else:
            rec = self.sub_record(p, v, sub, "7", v.payer_claim_id or "")
        v.sub = sub
        _price(p, self.payer(p))
        return [("837", rec)]

    def answer(self, p, v, pdate: date, repay=None, deny: tuple | None = None, level: str = "all",
            tag: str = "") -> list[tuple]:
        """The payer's answer to claim v on pdate: every line paid (repay=None: the lines not paid yet; or the
        line numbers listed, at their current expected), or denied again (deny = (group, reason, rarc)). A claim
        already paid in part is reprocessed as a reversal of its last answer and a corrected payment, so its other
        lines net to zero."""
        _price(p, self.payer(p))
        bl = v.billed_lines()
        had = v.remit_mode in ("paid", "reversal") and all(ln.remit is not None for ln in bl)
        paid_before = had and not v.claim_denial and any(ln.remit["paid"] != 0 for ln in bl)
        recs = []
        if paid_before:
            recs.append(("835", self.clp_record(p, v, pdate, "reverse", self.remit_lines(v), tag=tag)))
        claim_adj = None
        for ln in bl:
            prev = ln.remit if had else None
            if deny:
                ln.remit = self.deny_line(ln, deny + (level, 0), level == "claim")
            elif prev is None or prev["deny"] or v.claim_denial or (repay is not None and ln.line_no in repay):
                ln.remit = self.pay_line(p, ln, prev if prev and not prev["deny"] and not v.claim_denial else None)
        if deny and level == "claim":
            claim_adj = (deny[0], deny[1], sum((line_charge(ln) for ln in bl), D0))
            v.claim_denial = (deny[0], deny[1])
        else:
            v.claim_denial = None
        old_pcn = v.payer_claim_id
        v.pay = pdate
        if paid_before:
            recs.append(("835", self.clp_record(p, v, pdate, "correct", self.remit_lines(v), pcn=old_pcn, tag=tag)))
            v.payer_claim_id = old_pcn + "C"
        else:
            v.payer_claim_id = _payer_claim_id(self.rng, p.payer, v)
            recs.append(("835", self.clp_record(p, v, pdate, "orig", [] if claim_adj else self.remit_lines(v),
                                                claim_adj=claim_adj, tag=tag)))
        v.remit_mode = "paid"
        return recs

    def attempt(self, ev: Event, p_idx: int, change, gone: set, new_rules=frozenset(), may_go=frozenset()) -> bool:
        """Apply change(trial patient) -> records to a copy of patient p_idx; keep it when, as of day 30, exactly
        the findings `gone` disappear (plus any of `may_go`) and the only new ones are of `new_rules`."""
        p = self.now[p_idx]
        before = self._cache.get(p_idx)
        if before is None:
            before = self._cache[p_idx] = self.keys_now(p)
        trial = copy.deepcopy(p)
        try:
            recs, rename = change(trial)
        except _Skip:
            return False
        _price(trial, self.payer(trial))
        after = {(r, rename.get(c, c), d, x) for r, c, d, x in self.keys_now(trial)}
        if not gone <= before or (before - after) - gone - set(may_go) or gone & after:
            return False
        if any(k[0] not in new_rules for k in after - before):
            return False
        self.now[p_idx] = trial
        self._cache[p_idx] = self.keys_now(trial)
        for kind, r in recs:
            (self.subs if kind == "837" else self.clps).append(r)
        self.events.append(ev)
        return True


class _Skip(Exception):
    pass


# ---------------------------------------------------------------------------------------------- the 30 days
RECOVERED = {"all": "recovered", "new": "recovered"}
CORRECTED = {"all": "corrected", "new": "corrected"}
STAYS_OPEN = {"all": "open", "new": "open"}
BOTH_WITHDRAWN = {"all": "withdrawn", "new": "withdrawn"}
WITHDRAWN_WITH_OLD_FILES = {"all": "withdrawn", "new": None}    # needs the claim's day-0 files to judge it again


class Planner:
    """Chooses the findings each kind of event happens to (the seed's follow-up RNG over the day-0 findings of a
    rule, each claim or visit used once) and applies the events to the world, in a fixed order."""

    def __init__(self, world: World):
        self.w = world
        self.B, self.N = world.B, world.N
        self.by_claim: dict[str, list] = defaultdict(list)
        for f in world.base:
            if f.claim_id:
                self.by_claim[f.claim_id].append(f)
        self.used: set = set()                     # claim ids and (patient, DOS) already given an event
        self.patients_done: set[int] = set()
        # the weekly 837 batches after day 0 (Tuesdays)
        self.sub = [world.tuesday_after(self.B, k) for k in range(4)]

    # ------------------------------------------------------------------------------------------ selection
    def take(self, rule: str, n: int, make, pred=lambda f: True) -> int:
        """Up to n events on findings of `rule` (make(f) -> True when the event was applied)."""
        fs = sorted((f for f in self.w.base if f.rule == rule and pred(f)), key=lambda f: (f.key, f.patient))
        self.w.rng.shuffle(fs)
        done = 0
        for f in fs:
            if done >= n:
                break
            if f.claim_id in self.used or (f.patient, f.dos) in self.used:
                continue
            if make(f):
                done += 1
                self.used |= {f.claim_id or (f.patient, f.dos), (f.patient, f.dos)}
        return done

    def claim_keys(self, claim_id: str, rules=None) -> set:
        return {f.key for f in self.by_claim.get(claim_id, []) if rules is None or f.rule in rules}

    def recoverable(self, f) -> bool:
        """Money still recoverable two weeks after day 30 (so the event, not the calendar, decides it)."""
        return f.kind == "recoverable" and f.fix_by is not None and f.fix_by >= self.N + timedelta(days=14)

    def run(self, p, earliest: date) -> date:
        return next(d for d in self.w.runs(p) if d >= earliest)

    def paid_after(self, p, sub: date) -> date:
        return self.run(p, self.w.payment_after(p, sub))

    def first_run(self, f) -> date:
        return self.run(self.w.now[f.patient], self.B + timedelta(days=6))

    # ------------------------------------------------------------------------------------------ the plan
    def plan(self) -> None:
        self.patient_events()
        self.pending()
        self.denials()
        self.unpaid()
        self.unbilled()
        self.underpayments()
        self.line_fixes()
        self.documentation()
        _new_patients(self.w)

    def pending(self) -> None:
        """The claims awaiting payment on day 0 are answered by their payers' runs; the first two with two lines
        or more have a line denied (CO-16): new denials."""
        w, denied = self.w, 0
        for p in w.now:
            for v in p.visits:
                if v.billed and v.remit_mode == "pending" and v.pay <= self.N:
                    if denied < 2 and len(v.billed_lines()) >= 2:
                        ln = v.billed_lines()[0]
                        rarc = "MA130" if w.payer(p).payer_class == "medicare" else None
                        ln.remit = w.deny_line(ln, ("CO", "16", rarc, "line", 0), False)
                        denied += 1
                    w.clps.append(w.clp_record(p, v, v.pay, "orig", w.remit_lines(v)))
                    v.remit_mode = "paid"
                    w.pending_paid += 1
        w.pending_denied = denied
        w._cache.clear()

    # ------------------------------------------------------------------------------------------ denials
    def denial_class(self, f) -> str:
        v = self.w.visit(self.w.day0[f.patient], f.claim_id)
        if v.claim_denial:
            return FT.carc_class(v.claim_denial[1])
        for ln in v.billed_lines():
            if ln.remit and ln.remit["deny"] and (not f.cpt or ln.cpt == f.cpt):
                return FT.carc_class(ln.remit["deny"][1])
        return ""

    def denial(self, f, what: str, expect: dict, resubmit: date | None = None, pay: date | None = None,
               redeny: tuple | None = None, new_id: str | None = None) -> bool:
        w = self.w
        v0 = w.visit(w.now[f.patient], f.claim_id)
        if v0.remit_mode != "paid":
            return False
        targets = self.claim_keys(f.claim_id, {"DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF"})
        if redeny and not all(ln.remit and ln.remit["deny"] for ln in v0.billed_lines()):
            return False                           # an upheld denial: every line was denied

        def change(t):
            v = w.visit(t, f.claim_id)
            recs, rename = [], {}
            if resubmit:
                for ln in v.billed_lines():        # the corrected claim fixes a missing discipline modifier
                    if info(ln.cpt).always_therapy and not {"GO", "GP", "GN"} & set(ln.mods):
                        ln.mods = ["GO"] + ln.mods
                recs += w.resubmit(t, v, resubmit, new_id=new_id)
                if new_id:
                    rename[new_id] = f.claim_id
            if pay:
                recs += w.answer(t, v, pay)
            if redeny:
                recs += w.answer(t, v, redeny[0], deny=redeny[1], level=redeny[2])
            return recs, rename

        ev = Event("denial", f"{f.claim_id} ({f.dos}): {what}", f.patient, sorted(targets), dict(expect))
        if redeny:
            return w.attempt(ev, f.patient, change, set(), {"DENIAL_RECOVERABLE", "DENIAL_WRITE_OFF"}, targets)
        gone = targets if (pay or new_id) else set()
        new_rules = {"UNDERPAYMENT"} if (resubmit and not pay) else set()
        return w.attempt(ev, f.patient, change, gone, new_rules, self.claim_keys(f.claim_id))

    def denials(self) -> None:
        def den(*classes):
            return lambda f: self.recoverable(f) and self.denial_class(f) in classes

        def replacement(f) -> str:
            return f.claim_id.replace("-", "-R", 1)

        def upheld_reason(f) -> tuple:
            return ("CO", "96" if self.w.now[f.patient].payer == "medicare_ngs" else "204", None)

        def level(f) -> str:
            return "all" if f.cpt else "claim"

        s1, s3, s4 = self.sub[0], self.sub[2], self.sub[3]
        self.take("DENIAL_RECOVERABLE", 5, lambda f: self.denial(
            f, "appealed; the payer reprocessed the claim and paid it", RECOVERED, pay=self.first_run(f)),
            den("FIX", "APPEAL"))
        self.take("DENIAL_RECOVERABLE", 3, lambda f: self.denial(
            f, "corrected claim (frequency 7) submitted, then paid", RECOVERED, resubmit=s1,
            pay=self.paid_after(self.w.now[f.patient], s1)), den("FIX"))
        self.take("DENIAL_RECOVERABLE", 1, lambda f: self.denial(
            f, "replacement claim under a new number (frequency 7, REF*F8 = the payer's claim number), then paid",
            RECOVERED, resubmit=s1, pay=self.paid_after(self.w.now[f.patient], s1), new_id=replacement(f)), den("FIX"))
        self.take("DENIAL_RECOVERABLE", 3, lambda f: self.denial(
            f, "corrected claim (frequency 7) submitted; no answer yet", CORRECTED, resubmit=s3), den("FIX"))
        self.take("DENIAL_RECOVERABLE", 1, lambda f: self.denial(
            f, "replacement claim under a new number; no answer yet", CORRECTED, resubmit=s4, new_id=replacement(f)),
            den("FIX"))
        self.take("DENIAL_RECOVERABLE", 2, lambda f: self.denial(
            f, "appealed; the payer upheld the denial as not covered (CO-96 / CO-204): written off",
            {"all": "lost", "new": None}, redeny=(self.first_run(f), upheld_reason(f), level(f))),
            den("APPEAL", "FIX"))
        self.take("DENIAL_RECOVERABLE", 1, lambda f: self.denial(
            f, "appealed; the payer upheld the denial (CO-50): a new appeal window opens",
            {"all": "open", "new": None}, redeny=(self.first_run(f), ("CO", "50", None), level(f))), den("APPEAL"))

    # ------------------------------------------------------------------------------------------ unpaid, unbilled
    def unpaid_claim(self, f, what: str, expect: dict, resubmit: date | None = None, pay: date | None = None,
                     resent: bool = False) -> bool:
        w = self.w
        if w.visit(w.now[f.patient], f.claim_id).remit_mode != "unpaid":
            return False
        targets = self.claim_keys(f.claim_id, {"CLAIM_UNPAID", "TIMELY_FILING_RISK"})

        def change(t):
            v = w.visit(t, f.claim_id)
            recs = w.resubmit(t, v, resubmit) if resubmit else []
            if resent:                             # the 835 of its own run, dated before day 0
                v.remit_mode = "paid"
                recs.append(("835", w.clp_record(t, v, v.pay, "orig", w.remit_lines(v), tag="_resent")))
            elif pay:
                recs += w.answer(t, v, pay)
            return recs, {}

        ev = Event("unpaid claim", f"{f.claim_id} ({f.dos}): {what}", f.patient, sorted(targets), dict(expect))
        answered = bool(pay or resent)
        return w.attempt(ev, f.patient, change, targets if answered else set(), set(),
                         self.claim_keys(f.claim_id) if answered else targets)

    def unpaid(self) -> None:
        with_claim = lambda f: bool(f.claim_id)
        paid = "the payer's 835 finally paid the claim"
        resent = "an 835 dated before day 0, not sent on day 0, shows the claim paid"
        self.take("CLAIM_UNPAID", 2, lambda f: self.unpaid_claim(f, paid, RECOVERED, pay=self.first_run(f)))
        self.take("TIMELY_FILING_RISK", 1, lambda f: self.unpaid_claim(f, paid, RECOVERED, pay=self.first_run(f)),
                  lambda f: bool(f.claim_id) and f.kind == "recoverable")
        self.take("CLAIM_UNPAID", 2, lambda f: self.unpaid_claim(
            f, "resubmitted with proof of timely filing; no answer yet", CORRECTED, resubmit=self.sub[1]))
        self.take("CLAIM_UNPAID", 1, lambda f: self.unpaid_claim(f, resent, WITHDRAWN_WITH_OLD_FILES, resent=True))
        self.take("TIMELY_FILING_RISK", 1,
                  lambda f: self.unpaid_claim(f, resent, WITHDRAWN_WITH_OLD_FILES, resent=True), with_claim)

    def unbilled_visit(self, f, what: str, expect: dict, sub: date, paid: bool) -> bool:
        w = self.w
        p = w.now[f.patient]
        v0 = w.visit(p, None, f.dos)
        if v0.billed or filing_deadline(f.dos, w.payer(p).timely_filing_days) < sub:
            return False

        def change(t):
            v = w.visit(t, None, f.dos)
            v.billed = True
            for ln in v.lines:
                ln.billed = ln.doc and ln.doc_units > 0
                if ln.billed:
                    ln.units = ln.doc_units
            v.remit_mode, v.claim_denial = "unpaid", None
            recs = w.resubmit(t, v, sub)
            if paid:
                recs += w.answer(t, v, self.paid_after(t, sub))
            return recs, {}

        ev = Event("unbilled visit", f"visit of {f.dos} (claim {v0.claim_id}): {what}", f.patient, [f.key],
                   dict(expect))
        return w.attempt(ev, f.patient, change, {f.key})

    def unbilled(self) -> None:
        paid, billed = "billed after day 0 and paid", "billed after day 0; no answer yet"
        self.take("VISIT_UNBILLED", 2, lambda f: self.unbilled_visit(f, paid, RECOVERED, self.sub[0], True))
        self.take("TIMELY_FILING_RISK", 1, lambda f: self.unbilled_visit(f, paid, RECOVERED, self.sub[0], True),
                  lambda f: not f.claim_id and f.kind == "recoverable")
        self.take("VISIT_UNBILLED", 2, lambda f: self.unbilled_visit(f, billed, CORRECTED, self.sub[2], False))

    # ------------------------------------------------------------------------------------------ lines
    def underpayment(self, f) -> bool:
        w = self.w
        v0 = w.visit(w.now[f.patient], f.claim_id)
        if v0.remit_mode != "paid":
            return False
        line_no = next(ln.line_no for ln in v0.billed_lines() if ln.cpt == f.cpt)

        def change(t):
            return w.answer(t, w.visit(t, f.claim_id), self.first_run(f), repay={line_no}), {}

        ev = Event("underpayment", f"{f.claim_id} ({f.dos}, {f.cpt}): appealed; the payer reprocessed the claim at "
                   "the fee schedule (a reversal and a corrected payment)", f.patient, [f.key], RECOVERED)
        return w.attempt(ev, f.patient, change, {f.key})

    def underpayments(self) -> None:
        self.take("UNDERPAYMENT", 5, self.underpayment, self.recoverable)

    def line_fix(self, f, what: str, fix, expect: dict, paid: bool = False, unfixed: bool = False,
                 whole_claim: bool = False) -> bool:
        """A corrected claim (frequency 7) for the line's claim after fix(patient, visit, line); paid = reprocessed
        and paid on a later run (the line's new amount), unfixed = resubmitted as it was, whole_claim = the fix
        applies to every line of the claim with the same finding."""
        w = self.w
        v0 = w.visit(w.now[f.patient], f.claim_id)
        if v0.remit_mode != "paid" or not f.cpt or (paid and not f.base_line_paid):
            return False

        def change(t):
            v = w.visit(t, f.claim_id)
            ln = next(x for x in v.billed_lines() if x.cpt == f.cpt)
            fix(t, v, ln)
            sub = self.sub[0] if paid else self.sub[1]
            recs = w.resubmit(t, v, sub)
            if paid:
                recs += w.answer(t, v, self.paid_after(t, sub), repay={ln.line_no})
            return recs, {}

        targets = self.claim_keys(f.claim_id, {f.rule}) if whole_claim else {f.key}
        ev = Event("corrected claim", f"{f.claim_id} ({f.dos}, {f.cpt}): {what}", f.patient, sorted(targets),
                   dict(expect))
        # a corrected claim not answered yet is judged against its day-0 835: a line whose expected amount rose
        # shows as underpaid (a new finding)
        return w.attempt(ev, f.patient, change, set() if unfixed else targets, set() if paid else {"UNDERPAYMENT"})

    def line_fixes(self) -> None:
        def add(m):
            def fix(t, v, ln):
                if m in ln.mods:
                    raise _Skip
                ln.mods = ["GO"] + ln.mods if m == "GO" else ln.mods + [m]
            return fix

        def kx_on_every_line(t, v, ln):
            missing = [x for x in v.billed_lines() if "GO" in x.mods and "KX" not in x.mods]
            if not missing:
                raise _Skip
            for x in missing:
                x.mods = x.mods + ["KX"]

        def drop_co(t, v, ln):
            if "CO" not in ln.mods:
                raise _Skip
            ln.mods = [m for m in ln.mods if m != "CO"]

        def go_only(t, v, ln):
            mods = [m for m in ln.mods if m not in ("GP", "GN")]
            ln.mods = mods if "GO" in mods else ["GO"] + mods

        def units(d):
            def fix(t, v, ln):
                if ln.units + d < 1:
                    raise _Skip
                ln.units += d
            return fix

        def drop_line(t, v, ln):
            if len(v.billed_lines()) < 2:
                raise _Skip
            ln.billed = ln.doc = False     # the note is corrected too: the code was not performed

        def mue(t, v, ln):                 # the minutes were mis-typed too: 15 fewer, 6 units
            if ln.minutes is None or ln.minutes < 15 * ln.units:
                raise _Skip
            ln.units -= 1
            ln.doc_units -= 1
            ln.minutes -= 15

        def cms_allocation(t, v, ln):
            mins = {x.cpt: x.minutes for x in v.lines if x.doc and info(x.cpt).is_timed and x.minutes}
            total = sum(x.units for x in v.billed_lines() if info(x.cpt).is_timed)
            whole = {c: m // 15 for c, m in mins.items()}
            extra = total - sum(whole.values())
            for i, c in enumerate(sorted(mins, key=lambda c: (-(mins[c] % 15), c))):
                whole[c] += 1 if i < extra else 0
            for x in v.billed_lines():
                if x.cpt in whole:
                    x.units = whole[x.cpt]

        not_yet = "; not answered yet"
        fixes = [
            ("GO_MISSING", 2, "corrected claim adds GO" + not_yet, add("GO"), CORRECTED, False),
            ("DISCIPLINE_MODIFIER_WRONG", 2, "corrected claim bills GO only" + not_yet, go_only, CORRECTED, False),
            ("KX_MISSING", 1, "corrected claim adds KX to its lines" + not_yet, kx_on_every_line, CORRECTED, False),
            ("NCCI_MODIFIER_MISSING", 2, "corrected claim adds 59 on the column-2 code" + not_yet, add("59"),
             CORRECTED, False),
            ("CODING_EDIT", 2, "corrected claim no longer bills the code (the note corrected too)" + not_yet,
             drop_line, CORRECTED, False),
            ("CO_MODIFIER_MISSING", 1, "corrected claim adds CO" + not_yet, add("CO"), CORRECTED, False),
            ("CO_MODIFIER_UNNEEDED", 2, "corrected claim without CO, reprocessed and paid at the full rate", drop_co,
             RECOVERED, True),
            ("UNITS_UNDERBILLED", 3, "corrected claim bills the documented units, reprocessed and paid", units(+1),
             RECOVERED, True),
            ("UNITS_UNDERBILLED", 2, "corrected claim bills the documented units" + not_yet, units(+1), CORRECTED,
             False),
            ("UNITS_OVERBILLED", 2, "corrected claim bills the documented units" + not_yet, units(-1), CORRECTED,
             False),
            ("UNTIMED_MULTIPLE_UNITS", 1, "corrected claim bills one unit" + not_yet, units(-1), CORRECTED, False),
            ("MUE_EXCEEDED", 1, "the note's minutes corrected (15 fewer) and a corrected claim bills 6 units"
             + not_yet, mue, CORRECTED, False),
            ("UNITS_MISALLOCATED", 1, "corrected claim allocates the units as CMS does" + not_yet, cms_allocation,
             CORRECTED, False),
        ]
        for rule, n, what, fix, expect, paid in fixes:
            pred = self.recoverable if (paid and rule == "UNITS_UNDERBILLED") else (lambda f: True)
            self.take(rule, n, lambda f, what=what, fix=fix, expect=expect, paid=paid:
                      self.line_fix(f, what, fix, expect, paid, whole_claim=f.rule == "KX_MISSING"), pred)
        nothing = lambda t, v, ln: None
        # planted to stay open: a money finding still recoverable after day 30 (the event runs on the same shuffled
        # findings, so the choice elsewhere does not move)
        open_after = lambda f: not f.is_money or self.recoverable(f)
        self.take("DISCIPLINE_MODIFIER_WRONG", 1, lambda f: open_after(f) and self.line_fix(
            f, "resubmitted without the fix: still the wrong discipline modifier", nothing, STAYS_OPEN, unfixed=True))
        self.take("GO_MISSING", 1, lambda f: open_after(f) and self.line_fix(
            f, "resubmitted without the fix: still no GO", nothing, STAYS_OPEN, unfixed=True))

    # ------------------------------------------------------------------------------------------ exports
    def documentation(self) -> None:
        """Notes completed or corrected since day 0, shown by the refreshed visits export."""
        w = self.w

        def doc(f, what: str, fix) -> bool:
            if not f.cpt:
                return False

            def change(t):
                v = w.visit(t, f.claim_id)
                fix(t, v, next(x for x in v.lines if x.cpt == f.cpt and x.billed))
                return [], {}
            ev = Event("documentation", f"{f.claim_id} ({f.dos}, {f.cpt}): {what}", f.patient, [f.key],
                       dict(WITHDRAWN_WITH_OLD_FILES))
            return w.attempt(ev, f.patient, change, {f.key})

        def minutes_documented(t, v, ln):
            ln.doc = True
            ln.minutes = 15 * ln.units
            ln.doc_units = ln.units
            if ln.role == "OTA":
                ln.ota = ln.minutes

        def minutes(d):
            def fix(t, v, ln):
                if ln.minutes is None:
                    raise _Skip
                ln.minutes += d
                ln.doc_units += d // 15
                if ln.role == "OTA":
                    ln.ota = ln.minutes
            return fix

        def by_the_ot(t, v, ln):
            if ln.role != "OTA":
                raise _Skip
            ln.role, ln.npi, ln.ota = "OT", t.ot[2], 0

        supports = "the note's minutes corrected: they support the units billed"
        self.take("MINUTES_MISSING", 3, lambda f: doc(f, "the therapist completed the note: minutes now documented",
                                                      minutes_documented), lambda f: f.kind == "at_risk")
        self.take("UNITS_UNDERBILLED", 2, lambda f: doc(f, supports, minutes(-15)))
        self.take("UNITS_OVERBILLED", 1, lambda f: doc(f, supports, minutes(+15)))
        self.take("CO_MODIFIER_MISSING", 1, lambda f: doc(
            f, "the note corrected: the OT, not the assistant, furnished the service", by_the_ot))

    def patient_event(self, f, rule: str, what: str, change_fn, expect: dict, new_rules=frozenset()) -> bool:
        """Plans of care, progress reports and authorizations the refreshed exports now show: every finding of the
        rule on the patient goes."""
        if f.patient in self.patients_done:
            return False
        targets = {g.key for g in self.w.base if g.patient == f.patient and g.rule == rule}

        def change(t):
            change_fn(t)
            return [], {}
        ev = Event("exports", f"patient {self.w.now[f.patient].mrn}: {what}", f.patient, sorted(targets), dict(expect))
        if self.w.attempt(ev, f.patient, change, targets, new_rules):
            self.patients_done.add(f.patient)     # and no other event on its claims and visits
            for v in self.w.now[f.patient].visits:
                self.used |= {v.claim_id, (f.patient, v.dos)}
            return True
        return False

    def patient_events(self) -> None:
        w, B = self.w, self.B

        def plans_on_time(t):
            """The plans the practice had not sent: the whole episode's, or the one before its first plan."""
            dl = [v.dos for v in t.visits]
            if not t.plans:
                t.plans = build_plans(random.Random(f"{w.seed}:follow-up:plans:{t.idx}"), t, dl, False)
                return t.plans
            first = min(t.plans, key=lambda pl: pl.start)
            if first.start <= dl[0]:
                raise _Skip
            added = Plan(dl[0], first.start - timedelta(days=1), dl[0] + timedelta(days=2), "Initial")
            t.plans = [added] + t.plans
            return [added]

        def plans_signed_since(t):
            for k, pl in enumerate(plans_on_time(t)):
                pl.signed = B + timedelta(days=4 + 3 * k)

        def progress_written(t):
            n = 0
            for v in t.visits[1:]:
                if v.billed:
                    n += 1
                    if n == 7:
                        v.note = "Progress Report"
                        return
            raise _Skip

        def auth_on_file(t):
            billed = [v.dos for v in t.visits if v.billed]
            payer = w.payer(t)
            t.auths = t.auths + [Auth(f"{payer.payer_id[:3]}{t.idx:06d}B", billed[0] - timedelta(days=2),
                                      billed[-1] + timedelta(days=30), len(billed) + 2)]

        def pa_on_file(t):
            billed = [v.dos for v in t.visits if v.billed]
            t.auths = t.auths + [Auth(f"PA{t.idx:07d}", billed[20] - timedelta(days=5),
                                      billed[-1] + timedelta(days=30), len(billed) - 20 + 4)]

        self.take("POC_MISSING", 1, lambda f: self.patient_event(
            f, "POC_MISSING", "plans of care signed on time but not sent on day 0 are now on file", plans_on_time,
            BOTH_WITHDRAWN))
        self.take("POC_MISSING", 1, lambda f: self.patient_event(
            f, "POC_MISSING", "the physician certified the episode after day 0 (a delayed certification)",
            plans_signed_since, CORRECTED, {"POC_CERT_LATE", "POC_RECERT_LATE"}))
        self.take("PROGRESS_REPORT_OVERDUE", 1, lambda f: self.patient_event(
            f, "PROGRESS_REPORT_OVERDUE", "the progress report had been filed as a daily note; the note type is "
            "corrected", progress_written, WITHDRAWN_WITH_OLD_FILES))
        self.take("AUTH_EXCEEDED", 1, lambda f: self.patient_event(
            f, "AUTH_EXCEEDED", "the authorization had not been entered in the EMR; it is now on file", auth_on_file,
            BOTH_WITHDRAWN))
        self.take("MASSHEALTH_PA_MISSING", 1, lambda f: self.patient_event(
            f, "MASSHEALTH_PA_MISSING", "the prior authorization had not been entered; it is now on file",
            pa_on_file, BOTH_WITHDRAWN))


def _plan(world: World) -> None:
    """Choose and apply the events of the 30 days (deterministic: the seed's follow-up RNG)."""
    Planner(world).plan()


# ---------------------------------------------------------------------------------------------- new patients
NEW_PATIENTS = [  # payer, caseload, the new problem planted on the first treatment visit (None: clean)
    ("medicare_ngs", "postsurg", "UNDER"),
    ("medicare_ngs", "neuro", "DENIAL"),
    ("medicare_ngs", "hand", "POCMISS"),
    ("aetna", "hand", "GOMISS"),
    ("tufts", "postsurg", None),
    ("cigna", "neuro", None),
]
NEW_RULES = {"UNDER": "UNITS_UNDERBILLED", "DENIAL": "DENIAL_RECOVERABLE", "POCMISS": "POC_MISSING",
             "GOMISS": "GO_MISSING"}


def _new_patients(world: World) -> None:
    """Patients seen since day 0: an evaluation and three treatments each, billed weekly, the claims paid on the
    runs up to day 30; a few carry a new problem (new findings of the day-30 audit)."""
    B, N = world.B, world.N
    for j, (payer_key, caseload, plant) in enumerate(NEW_PATIENTS):
        idx = len(world.day0) + j
        rng = random.Random(f"{world.seed}:follow-up:new-patient:{idx}")
        p = make_patient(rng, idx, payer_key, True, f"NEW_{plant or 'CLEAN'}", caseload)
        payer = world.pay[payer_key]
        # Monday/Thursday or Tuesday/Friday from the week after day 0: the first treatment's claim goes out on the
        # second Tuesday and is paid on day 30 by the weekly payers
        dos = [B + timedelta(days=3 + j % 2 + d) for d in (0, 3, 7, 10)]
        visits = [eval_visit(rng, p, dos[0])]
        visits += [treatment_visit(rng, p, d, k, payer.payer_class, False) for k, d in enumerate(dos[1:], start=1)]
        p.visits = visits
        for k, v in enumerate(visits):
            v.claim_id = f"CR{v.dos.year % 100:02d}-{idx + 1:05d}{k + 1:02d}"
            v.sub = world.tuesday_after(v.dos + timedelta(days=2))
            v.pay = world.payment_after(p, v.sub)
            for n, ln in enumerate(v.lines, start=1):
                ln.line_no = n
            v.note = "Evaluation" if k == 0 else "Daily Note"
        target = visits[1]
        if plant == "UNDER":
            ln = next(x for x in target.lines if info(x.cpt).is_timed)
            ln.minutes += 15
            ln.doc_units += 1
        elif plant == "GOMISS":
            ln = next(x for x in target.lines if info(x.cpt).always_therapy)
            ln.mods = [m for m in ln.mods if m != "GO"]
        elif plant == "DENIAL":
            target = next(v for v in visits[1:] if v.pay <= N)
        _price(p, payer)
        p.plans = [] if (plant == "POCMISS" or payer.payer_class not in ("medicare", "medicare_advantage")) else \
            build_plans(rng, p, [v.dos for v in visits], False)
        p.auths = []
        for v in visits:
            v.payer_claim_id = _payer_claim_id(rng, payer_key, v)
            world.subs.append(world.sub_record(p, v, v.sub))
            if v.pay > N:
                v.remit_mode = "pending"
                continue
            v.remit_mode = "paid"
            for i, ln in enumerate(v.billed_lines()):
                if plant == "DENIAL" and v is target and i == 0:
                    ln.remit = world.deny_line(ln, ("CO", "16", "MA130", "line", 0), False)
                else:
                    ln.remit = world.pay_line(p, ln)
            world.clps.append(world.clp_record(p, v, v.pay, "orig", world.remit_lines(v)))
        world.new_patients.append(p)
        _, fs = evaluate(p, payer, world.ctx30)
        if plant and not any(f[0] == NEW_RULES[plant] for f in fs):
            raise GeneratorBug(f"new patient {idx}: the planted {plant} yields no {NEW_RULES[plant]} finding")


# ---------------------------------------------------------------------------------------------- writing
def _write_new_files(world: World, root: Path) -> list[str]:
    """The day-30 files under root (OUT_DIR/new_files); returns their paths relative to root."""
    written = []
    ctl = ISA_BASE
    by = defaultdict(list)
    for r in world.subs:
        by[(r[0], r[1])].append(r)
    for (key, sub) in sorted(by):
        ctl += 1
        rel = f"837/{key}/CR_{key}_{sub:%Y%m%d}.{EXT_837[SPEC[key][4]]}"
        recs = sorted(by[(key, sub)], key=lambda r: (r[1], r[2]))
        write_837_file(root / rel, key, [r[:12] for r in recs], ctl, world.pay)
        written.append(rel)
    order = {"orig": 0, "reverse": 1, "correct": 2}
    by = defaultdict(list)
    for r in world.clps:
        by[(r[0], r[6], r[11])].append(r)
    for (key, pdate, tag) in sorted(by):
        ctl += 1
        rel = f"835/{key}/ERA_{key}_{pdate:%Y%m%d}{tag}.{EXT_835[SPEC[key][5]]}"
        recs = sorted(by[(key, pdate, tag)], key=lambda r: (r[1], order[r[7]]))
        write_835_file(root / rel, key, pdate, [r[:11] for r in recs], ctl, world.pay)
        written.append(rel)
    stamp = f"{world.N:%Y%m%d}"
    everyone = world.now + world.new_patients
    rel = f"visits_{stamp}.csv"
    with open(root / rel, "w", newline="", encoding="utf-8") as fh:
        vw = csv.writer(fh, lineterminator="\r\n")
        vw.writerow(VISIT_COLUMNS)
        scratch = {"visits": 0, "_max_dos": world.ctx.start, "_max_sub": world.ctx.start, "visit_rows": 0}
        for p in everyone:
            _write_patient_rows(vw, p, world.payer(p), scratch)
    written.append(rel)
    rel = f"plans_of_care_{stamp}.csv"
    with open(root / rel, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(PLAN_COLUMNS)
        for p in everyone:
            for pl in p.plans:
                w.writerow([p.mrn, mdy(pl.start), mdy(pl.end), mdy(pl.signed), pl.kind, p.md[2], world.payer(p).name])
    written.append(rel)
    rel = f"authorizations_{stamp}.xlsx"
    _write_auths(root / rel, [[p.mrn, a.number, a.start, a.end, world.payer(p).name, a.visits]
                              for p in everyone for a in p.auths])
    written.append(rel)
    return written


def _write_expected(path: Path, rows: list[tuple]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(EXPECTED_COLUMNS)
        for f, status, amount in sorted(rows, key=lambda r: (r[0].key, r[1], r[2])):
            w.writerow([f.rule, f.claim_id, f.dos.isoformat(), f.cpt, status, f"{amount:.2f}"])


def generate_follow_up(out_dir: Path, patients: int = 150, months: int = 12, seed: int = 2025) -> dict:
    """Write the day-0 sample into out_dir and the day-30 files into out_dir/new_files, each folder with its
    expected_follow_up.csv; return a summary (per mode: statuses by rule, dollars recovered; the events)."""
    out = Path(out_dir)
    summary0 = generate(out, patients=patients, months=months, seed=seed)
    world = World(patients, months, seed)
    _plan(world)
    root = out / NEW_DIR
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    files = _write_new_files(world, root)
    shutil.copy(out / "practice.toml", root / "practice.toml")
    result = FT.follow_up(world)
    _check_events(world, result)
    _write_expected(out / EXPECTED, result["all"])
    _write_expected(root / EXPECTED, result["new"])
    summary = _summary(world, result, files, summary0)
    from .readme import render_follow_up
    day0_readme = (out / "README.md").read_text(encoding="utf-8")
    (out / "README.md").write_text(render_follow_up(world, summary) + "\n\n---\n\n" + day0_readme, encoding="utf-8")
    return summary


def _check_events(world: World, result: dict) -> None:
    """Each event gives its targets the status it was planted for (truth.py's cross-check, for day 30)."""
    for mode in MODES:
        status = defaultdict(list)
        for f, s, _ in result[mode]:
            status[f.key].append(s)
        for ev in world.events:
            for k in ev.targets:
                want = ev.expect.get(mode)
                if k[0] not in result["evaluated_" + mode]:
                    want = None            # the day-30 audit of this folder cannot run the rule (no such claims)
                got = status.get(k)
                if not got:
                    raise GeneratorBug(f"{ev.name}: {k} is not a day-0 finding")
                if want is None:
                    if not set(got) <= {"open", "lost"}:
                        raise GeneratorBug(f"{ev.name} ({mode}): {k} is {got}, planted to be open or lost")
                elif want not in got:
                    raise GeneratorBug(f"{ev.name} ({mode}): {k} is {got}, planted to be {want}")


def _statuses(result: dict, ev: Event) -> dict:
    """The statuses the oracle gives an event's findings, per mode ('withdrawn', or e.g. 'open/lost')."""
    out = {}
    for mode in MODES:
        got = sorted({s for f, s, _ in result[mode] if f.key in set(ev.targets)},
                     key=lambda s: FT.STATUS_ORDER.index(s))
        out[mode] = "/".join(got)
    return out


def _summary(world: World, result: dict, files: list[str], summary0: dict) -> dict:
    dates = [r[6] for r in world.clps] + [r[1] for r in world.subs]
    out = {"as_of_day0": world.B.isoformat(), "as_of_day30": world.N.isoformat(), "new_files": files,
           "as_of_in_data": {"day0": summary0["as_of_in_data"], "day30": max(dates).isoformat() if dates else None},
           "events": [(e.name, e.what, _statuses(result, e)) for e in world.events],
           "findings_day0": len(world.base),
           "pending_paid": world.pending_paid, "pending_denied": world.pending_denied,
           "new_patients": len(world.new_patients)}
    for mode in MODES:
        rows = result[mode]
        by = Counter((f.rule, s) for f, s, _ in rows)
        out[mode] = {"by_status": dict(Counter(s for _, s, _ in rows)),
                     "by_rule_status": {f"{r}:{s}": n for (r, s), n in sorted(by.items())},
                     "recovered_usd": str(sum((a for _, _, a in rows), D0))}
    out["new_findings"] = result["new_findings"]
    return out

"""A tiny practice built row by row, for focused rule tests.

Rows go straight into the raw tables (as the readers would leave them), then the real stage and
rules run. Example:

    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2), ("97535", "GO", 1)])
    p.visit("2025-03-04", "97530", minutes=30); p.visit("2025-03-04", "97535", minutes=15)
    findings = p.run(as_of="2025-06-30")       # pandas DataFrame of the findings table
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.checks import run_rules
from pipelines.config import PayerOverride, PracticeConfig
from pipelines.stage import stage
from pipelines.warehouse import connect

PAYERS = {  # name, id as a practice's clearinghouse would send them
    "medicare": ("MEDICARE PART B", "14212"),
    "ma": ("BCBSMA MEDICARE HMO BLUE", "BCBSMAMA"),
    "masshealth": ("MASSHEALTH", "DMA7384"),
    "bcbs": ("BLUE CROSS BLUE SHIELD OF MASSACHUSETTS", "SB700"),
    "aetna": ("AETNA", "60054"),
    "cigna": ("CIGNA", "62308"),
    "unknown": ("ACME HEALTH", "99999"),
    # Medicare-named plans that are not Medicare Part B (payer directory: medicare_advantage / other)
    "humana_ma": ("HUMANA MEDICARE ADVANTAGE", "61101"),
    "sco": ("SENIOR WHOLE HEALTH MEDICARE SCO", ""),
    "medex": ("BLUE CROSS MEDEX MEDICARE SUPPLEMENT", ""),
    "hp_enhance": ("HARVARD PILGRIM MEDICARE ENHANCE", "04271HP"),
    "medicare_bare": ("MEDICARE", "14212"),
}


def d(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class MiniPractice:
    payer: str = "medicare"
    member_id: str = "1EG4TE5MK73"
    billing_npi: str = "1234567893"
    rendering_npi: str = "1548326741"
    locality: str = "01"
    claims: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    remit_claims: list = field(default_factory=list)
    remit_lines: list = field(default_factory=list)
    adjustments: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    auths: list = field(default_factory=list)
    payer_config: list = field(default_factory=list)
    reference_dir: Path | None = None      # a CMS reference store (`rcm-audit reference import`); None: the default
    _pos: int = 0

    def _next(self) -> int:
        self._pos += 10
        return self._pos

    def claim(self, claim_id: str, dos, lines, payer: str | None = None, member_id: str | None = None,
              submitted=None, frequency: str = "1", payer_claim_ref: str | None = None):
        """lines: (cpt, 'MOD;MOD', units[, charge]). payer_claim_ref: 2300 REF*F8 (the payer's claim control
        number of the claim a replacement, frequency 7, or void, frequency 8, replaces)."""
        name, pid = PAYERS[payer or self.payer]
        pos = self._next()
        dos = d(dos)
        self.claims.append(dict(
            claim_id=claim_id, total_charge=sum((ln[3] if len(ln) > 3 else 100.0) for ln in lines),
            place_of_service="11", frequency_code=frequency, billing_npi=self.billing_npi,
            billing_name="TEST OT", billing_zip="02458", subscriber_member_id=member_id or self.member_id,
            subscriber_last="DOE", subscriber_first="JANE", subscriber_dob=dt.date(1950, 1, 2),
            patient_last="DOE", patient_first="JANE", patient_dob=dt.date(1950, 1, 2), patient_is_subscriber=True,
            payer_name=name, payer_id=pid, rendering_npi=self.rendering_npi,
            submission_date=d(submitted) or dos + dt.timedelta(days=5), source_file="test.837", segment_pos=pos,
            payer_claim_ref=payer_claim_ref))
        for i, ln in enumerate(lines, start=1):
            mods = ln[1].split(";") if ln[1] else []
            self.lines.append(dict(
                claim_id=claim_id, line_number=i, proc_qualifier="HC", cpt=ln[0], modifiers=";".join(mods),
                modifier_1=(mods + [None] * 4)[0], modifier_2=(mods + [None] * 4)[1],
                modifier_3=(mods + [None] * 4)[2], modifier_4=(mods + [None] * 4)[3],
                charge=ln[3] if len(ln) > 3 else 100.0, unit_basis="UN", units=float(ln[2]), dos=dos,
                line_control_number=f"{claim_id}-{i}", source_file="test.837", segment_pos=pos + i, claim_pos=pos))
        return self

    def remit(self, claim_id: str, paid_date, lines, status: str = "1", payer: str | None = None):
        """lines: (cpt, 'MODS', paid, allowed_or_None, [(group, reason, amount), ...]); line control
        numbers follow the claim's line order."""
        name, pid = PAYERS[payer or self.payer]
        pos = self._next()
        self.remit_claims.append(dict(
            claim_id=claim_id, status_code=status, charge=100.0 * len(lines), paid=sum(ln[2] for ln in lines),
            patient_responsibility=0, payer_claim_id=f"P{claim_id}", payment_date=d(paid_date),
            payer_name=name, payer_id=pid, source_file="test.835", segment_pos=pos))
        claim_lines = [ln for ln in self.lines if ln["claim_id"] == claim_id]
        for i, ln in enumerate(lines, start=1):
            lpos = pos + i
            match = claim_lines[i - 1] if i <= len(claim_lines) else None
            self.remit_lines.append(dict(
                claim_id=claim_id, claim_pos=pos, proc_qualifier="HC", cpt=ln[0], modifiers=ln[1] or "",
                charge=100.0, paid=ln[2], units_paid=match["units"] if match else 1.0,
                dos=match["dos"] if match else None, allowed=ln[3],
                line_control_number=match["line_control_number"] if match else None,
                source_file="test.835", segment_pos=lpos))
            for k, (group, reason, amount) in enumerate(ln[4] if len(ln) > 4 else [], start=1):
                self.adjustments.append(dict(
                    claim_id=claim_id, claim_pos=pos, line_pos=lpos, level="line", group_code=group,
                    reason_code=reason, amount=amount, triple_index=k, source_file="test.835", segment_pos=lpos))
        return self

    def paid_control_claim(self, dos="2025-01-06"):
        """Another patient's claim, paid as expected (97165 x1, $112.30 in 2025, locality 01), so the input has
        835s: rules that judge payment (CLAIM_UNPAID, TIMELY_FILING_RISK) are evaluated only then."""
        self.claim("CTRL", dos, [("97165", "GO", 1)], payer="medicare", member_id="CTRL00000")
        self.remit("CTRL", d(dos) + dt.timedelta(days=14), [("97165", "GO", 112.30, 112.30)], payer="medicare")
        return self

    def claim_adjustment(self, claim_id: str, group: str, reason: str, amount: float):
        """A claim-level CAS (loop 2100) on the latest remit of claim_id."""
        clp = [r for r in self.remit_claims if r["claim_id"] == claim_id][-1]
        k = sum(1 for a in self.adjustments if a["claim_pos"] == clp["segment_pos"] and a["level"] == "claim") + 1
        self.adjustments.append(dict(
            claim_id=claim_id, claim_pos=clp["segment_pos"], line_pos=None, level="claim", group_code=group,
            reason_code=reason, amount=amount, triple_index=k, source_file=clp["source_file"],
            segment_pos=clp["segment_pos"] + 1))
        return self

    def reversal(self, claim_id: str, paid_date):
        """A reversal (CLP02 = 22) of the latest remit of claim_id: the same CLP and SVC rows, negated."""
        clp = [r for r in self.remit_claims if r["claim_id"] == claim_id][-1]
        pos = self._next()
        self.remit_claims.append(dict(clp, status_code="22", charge=-clp["charge"], paid=-clp["paid"],
                                      payment_date=d(paid_date), segment_pos=pos))
        for i, ln in enumerate([x for x in self.remit_lines if x["claim_pos"] == clp["segment_pos"]], start=1):
            self.remit_lines.append(dict(ln, claim_pos=pos, charge=-ln["charge"], paid=-ln["paid"],
                                         allowed=None if ln["allowed"] is None else -ln["allowed"],
                                         segment_pos=pos + i))
        return self

    def visit(self, dos, cpt, minutes=None, units=None, role="OT", ota_minutes=None, note_type="daily",
              member_id: str | None = None, payer: str | None = None, patient_id="MRN1", claim_id=None,
              source_file="visits.csv"):
        self.visits.append(dict(
            patient_id=patient_id, dos=d(dos), cpt=cpt, units=units, minutes=minutes,
            payer=PAYERS[payer or self.payer][0], member_id=member_id or self.member_id,
            provider_npi=self.rendering_npi, provider_role=role, ota_minutes=ota_minutes, note_type=note_type,
            claim_id=claim_id, source_file=source_file,
            row_number=sum(1 for v in self.visits if v["source_file"] == source_file) + 2))
        return self

    def plan(self, start, end, signed=None, kind="initial", patient_id="MRN1", order=None, transmitted=None):
        """order / transmitted: the signed order's date and the POC transmittal date (RULEBOOK §7 2025 exception)."""
        self.plans.append(dict(patient_id=patient_id, start_date=d(start), end_date=d(end), signed_date=d(signed),
                               kind=kind, source_file="plans.csv", row_number=len(self.plans) + 2,
                               order_date=d(order), transmitted_date=d(transmitted)))
        return self

    def auth(self, number, start, end, visits=None, payer: str | None = None, patient_id="MRN1"):
        self.auths.append(dict(patient_id=patient_id, auth_number=number, start_date=d(start), end_date=d(end),
                               payer=PAYERS[payer or self.payer][0], visits_authorized=visits,
                               source_file="auths.csv", row_number=len(self.auths) + 2))
        return self

    def configure_payer(self, payer: str, **settings):
        self.payer_config.append(PayerOverride(name=PAYERS[payer][0], **settings))
        return self

    def connect(self, db=":memory:"):
        con = connect(db)
        for table, rows in (("claims", self.claims), ("claim_lines", self.lines), ("remit_claims", self.remit_claims),
                            ("remit_lines", self.remit_lines), ("remit_adjustments", self.adjustments),
                            ("visits", self.visits), ("plans_of_care", self.plans), ("authorizations", self.auths)):
            if rows:
                con.register("_rows", pd.DataFrame(rows))
                con.execute(f"insert into {table} by name select * from _rows")
                con.unregister("_rows")
        return con

    def run(self, as_of=None, rules: list[str] | None = None) -> pd.DataFrame:
        """Stage, run the rules (all, or `rules`) and return the findings as a DataFrame."""
        self.con = self.connect()
        cfg = PracticeConfig(locality=self.locality, payers=self.payer_config, reference_dir=self.reference_dir)
        stage(self.con, cfg, d(as_of))
        run_rules(self.con, rules)
        return self.con.execute("select * from findings order by rule_id, claim_id, dos, cpt").df()

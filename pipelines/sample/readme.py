"""README.md written beside the sample data."""
from __future__ import annotations

from collections import Counter

from .practice import OTAS, OTS, PAYER_SPECS, PRACTICE_NAME, PRACTICE_NPI


def _asof_note(ctx, summary) -> str:
    if summary["as_of_in_data"] == ctx.as_of.isoformat():
        return ""
    return (f"\n**Note:** at this size the latest date in the files is {summary['as_of_in_data']}; audit with "
            f"`--as-of {ctx.as_of.isoformat()}` to reproduce the ground truth.")


def render(ctx, summary, findings, patients, months, seed) -> str:
    by_rule = Counter(f[0] for f in findings)
    usd = {}
    for f in findings:
        usd[f[0]] = usd.get(f[0], 0) + f[4]
    rows = "\n".join(f"| `{r}` | {n} | {usd[r]:.2f} |" for r, n in sorted(by_rule.items()))
    staff = "\n".join(f"- {s[1].title()} {s[0].title()}, {s[3]}, NPI {s[2]}" for s in OTS + OTAS)
    payers = "\n".join(f"- {name} (payer id {pid})" for _, name, pid, *_ in PAYER_SPECS)
    near = "\n".join(f"- {n}" for n in summary["near_misses"]) or "- (none at this size)"
    return f"""# Sample practice: {PRACTICE_NAME}

Synthetic data written by `rcm-audit sample` (patients={patients}, months={months}, seed={seed}). Every
person, member id and NPI is made up (NPIs pass the Luhn check with prefix 80840). No real PHI.

**As-of date: {ctx.as_of.isoformat()}** — the last 835 payment run; no 837 submission (BHT04) or visit
DOS is later. Every "recoverable / lost / 45 days unpaid / within 30 days of the filing limit / appeal
window" judgement of the ground truth uses it.{_asof_note(ctx, summary)} Service dates: {ctx.start.isoformat()} to {ctx.end.isoformat()}.

## The practice
{PRACTICE_NAME}, 1250 Washington Street, Newton, MA 02458 (Middlesex County → Medicare locality
**01 Metropolitan Boston**), billing NPI {PRACTICE_NPI}. Adult outpatient (hand therapy, post-surgical,
neuro) and pediatric (sensory, fine-motor, feeding) caseloads. Staff:

{staff}

Payers:

{payers}

## Files
- `837/<payer>/CR_<payer>_<YYYYMM>.*` — monthly 837P (005010X222A1) batches per payer, one ST per weekly
  Tuesday submission (BHT04 = submission date, 3–9 days after the DOS). Three clearinghouse styles:
  `*:^~` with LF (.837), `|>^~` on one line (.txt), `*:^~` with CRLF (.edi). One claim = one visit;
  CLM01 = the practice's claim number; REF*6R = line control number `<claim>-<line>`.
- `835/<payer>/ERA_<payer>_<YYYYMMDD>.*` — one 835 (005010X221A1) per payer payment run (Medicare and the
  MA plan weekly on Fridays, the others every second Friday), 14–27 days after submission. AMT*B6 =
  allowed, CAS CO-45 contractual, Medicare PR-1 deductible / PR-2 coinsurance / CO-253 sequestration,
  MA PR-2, commercial PR-3 copay. One reversal and correction (CLP02 = 22 then a corrected CLP; final
  state clean) and one PLB L6 interest adjustment.
- `visits.csv` — EMR visit lines (one row per documented code per visit, MM/DD/YYYY dates).
- `plans_of_care.csv`, `authorizations.xlsx` (sheet "Auths", plus "Notes").
- `practice.toml` — configuration (Aetna unit method per_code; Medicare and MA total_time; the other
  payers unset, so units findings need both methods to agree).
- `expected_findings.csv` — the ground truth: `rule_id, claim_id, dos, cpt, amount_usd`.

## Ground truth ({summary['findings']} findings, ${float(summary['expected_usd']):,.2f})

| rule | findings | USD |
|---|---|---|
{rows}

Amounts follow docs/DESIGN.md: Medicare fee schedule 2025 locality 01 (CF 32.3465) with MPPR per visit
and ×0.88 for CO lines; other payers round(fee % × Medicare line, 2) (half-up on exact decimals);
unit-difference pricing for units rules; 0.12 × full expected for CO rules; line value (remit allowed when
paid, else expected) for line rules; visit value for visit rules; expected − remit allowed for
underpayments.

## Planted cases (one problem per visit; every other line is clean)
- **UNITS_UNDERBILLED / UNITS_OVERBILLED**: one line documents 15 minutes more / fewer than billed (both
  unit methods agree). **UNITS_MISALLOCATED** (Medicare/MA): 97530 22 min + 97535 24 min billed 97530×2,
  97535×1 (CMS gives the third unit to 97535).
- **UNTIMED_MULTIPLE_UNITS**: G0283 ×2, 97150 ×2. **MINUTES_MISSING**: a timed line with no visit row,
  blank minutes, or 0 minutes.
- **GO_MISSING** (no discipline modifier), **DISCIPLINE_MODIFIER_WRONG** (GP, GN, GO+GP on OT services).
- **KX_MISSING**: KX dropped on one visit after the beneficiary's OT total passed $2,410.
  **TMR_THRESHOLD**: long Medicare episodes passing $3,000 (KX correctly applied).
- **CO_MODIFIER_MISSING**: a 97530 furnished by the OTA billed without CO; **CO_MODIFIER_UNNEEDED**: CO on
  a 97530 the OT furnished (both the visit's highest-PE unit, so "full expected" is unambiguous).
- **NCCI_MODIFIER_MISSING**: 97530 + 97168, 97763 + 97110, 97760 + 97140 without 59 on column 2.
- **CODING_EDIT**: 97130 without 97129, 97763 with 97760, 97166 + 97168 the same day (on the 97168).
- **POC_MISSING** (no plan on file), **POC_CERT_LATE** (initial plan signed 38+ days after the first
  treatment, the eval day also carries 97530), **POC_RECERT_LATE** (recert signed ~2 weeks after the
  interval ended), **PROGRESS_REPORT_OVERDUE** (eval + 11 treatment days, no report: days 11 and 12).
- **MASSHEALTH_PA_MISSING** (22 visits, no PA), **MASSHEALTH_RX_LAPSED** (renewal signed 76 days after
  the previous signature), **AUTH_EXCEEDED** (BCBSMA and WellSense visits beyond the count, MA visits after
  the authorization's end).
- **DENIAL_RECOVERABLE**: Medicare CO-16 + MA130, Medicare CO-50 (inside 120 days), Cigna CO-4.
  **DENIAL_WRITE_OFF**: Aetna CO-29 (whole claim), Tufts CO-197, Cigna CO-16 paid more than 180 days
  before the as-of date (window closed).
- **UNDERPAYMENT**: Medicare −$4.18, BCBSMA −$6.00, Harvard Pilgrim −$3.50 allowed.
- **CLAIM_UNPAID**: Medicare claims with no 835, and a Cigna claim submitted 45+ days ago whose deadline
  is more than 30 days out. **VISIT_UNBILLED**: documented Medicare / Aetna visits with no claim.
  **TIMELY_FILING_RISK**: unbilled Cigna visit (deadline inside 30 days), unbilled UHC visit (deadline
  passed: lost), unpaid Harvard Pilgrim claim (deadline inside 30 days).

## Near-misses (must NOT produce findings)
{near}
- Recertifications signed before the recert interval starts (every long Medicare/MA episode).
- A MassHealth patient with 26 visits and a prior authorization covering visits 21+.
- Authorization with exactly as many visits as were used (BCBSMA).
- KX correctly applied on every GO line from the one whose running total passes $2,410 (patients under $3,000).
- OTA-furnished Medicare lines carry CO; the OT's lines do not. MA patients are seen by OTs only and
  stay under the KX threshold, so the ground truth holds whether or not the MA plan is configured to
  follow Medicare rules (the payer directory default: it does not).
- Medicare PR-1 deductible lines paid $0 (not denials).
- The reversal-and-correction claim (final state paid correctly) and the PLB interest.
"""

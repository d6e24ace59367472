"""README.md written beside the sample data: the practice, its files, the ground truth, the rates at which
problems are planted with their published sources, the as-of date and the near-misses."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from .build import MUE_START
from .practice import OTAS, OTS, PAYER_SPECS, PRACTICE_NAME, PRACTICE_NPI
from .pricing import kx_threshold, part_b_deductible, seeds
from .rates import RATES, SOURCES


def _asof_note(ctx, summary) -> str:
    if summary["as_of_in_data"] == ctx.as_of.isoformat():
        return ""
    return (f"\n\n**Note:** at this size the latest date in the files is {summary['as_of_in_data']}; audit with "
            f"`--as-of {ctx.as_of.isoformat()}` to reproduce the ground truth.")


def _fee_schedules() -> str:
    s = seeds()
    out = []
    for year in (2025, 2026):
        rel = next((r["release"] for (y, _), r in s["rvu"].items() if y == year), "?")
        cf = next((cf for lo, hi, cf in s["cfs"] if lo.year == year), None)
        out.append(f"{year}: {rel}, CF {cf}, KX threshold ${kx_threshold(year):,.0f}, "
                   f"Part B deductible ${part_b_deductible(year):,.0f}")
    return "; ".join(out)


def _sources(keys) -> str:
    order = list(SOURCES)
    return ", ".join(f"[{order.index(k) + 1}]" for k in keys)


def render(ctx, summary, findings, patients, months, seed) -> str:
    by_rule = Counter(f[0] for f in findings)
    usd: dict[str, Decimal] = {}
    for f in findings:
        usd[f[0]] = usd.get(f[0], Decimal(0)) + f[4]
    rows = "\n".join(f"| `{r}` | {n} | {usd[r]:,.2f} |" for r, n in sorted(by_rule.items()))
    staff = "\n".join(f"- {s[1].title()} {s[0].title()}, {s[3]}, NPI {s[2]}" for s in OTS + OTAS)
    payers = "\n".join(f"- {name} (payer id {pid})" for _, name, pid, *_ in PAYER_SPECS)
    near = "\n".join(f"- {n}" for n in summary["near_misses"][:40]) or "- (none at this size)"
    more = len(summary["near_misses"]) - 40
    if more > 0:
        near += f"\n- … and {more} more of the same kinds"
    rates = "\n".join(f"| {name.replace('_', ' ')} | {pr * 100:.1f}% per {unit} | {what} | {_sources(src)} |"
                      for name, (pr, unit, what, src) in RATES.items())
    src_list = "\n".join(f"{i}. {title}" + (f" — <{url}>" if url else "")
                         for i, (title, url) in enumerate(SOURCES.values(), start=1))
    o = summary["rates"]
    return f"""# Sample practice: {PRACTICE_NAME}

Synthetic data written by `rcm-audit sample` (patients={patients}, months={months}, seed={seed}; the same
arguments write the same bytes). Every person, member id and NPI is made up (NPIs pass the Luhn check with
prefix 80840). No real PHI.

**Service dates: {ctx.start.isoformat()} to {ctx.end.isoformat()}. As-of date: {ctx.as_of.isoformat()}** — the last
835 payment run; no 837 submission (BHT04) or visit DOS is later (a few claims were submitted late, so
remittances run into November). Every "recoverable / lost / 45 days unpaid / within 30 days of the filing
limit / appeal window" judgement of the ground truth uses it.{_asof_note(ctx, summary)}

The twelve months cross the 2025/2026 boundary, so the audit prices each line with the fee schedule of its
date of service and keeps two KX years: {_fee_schedules()}. The bundled MAI-3 MUEs apply to dates of
service from {MUE_START.isoformat()}.

## The practice
{PRACTICE_NAME}, 1250 Washington Street, Newton, MA 02458 (Middlesex County → Medicare locality
**01 Metropolitan Boston**), billing NPI {PRACTICE_NPI}. Adult outpatient (hand therapy, post-surgical,
neuro, some intensive post-stroke episodes three times a week) and pediatric (sensory, fine-motor,
feeding) caseloads. Staff:

{staff}

Payers:

{payers}

## Files
- `837/<payer>/CR_<payer>_<YYYYMM>.*` — monthly 837P (005010X222A1) batches per payer, one ST per weekly
  Tuesday submission (BHT04 = submission date, normally 3–9 days after the DOS). Three clearinghouse styles:
  `*:^~` with LF (.837), `|>^~` on one line (.txt), `*:^~` with CRLF (.edi). One claim = one visit;
  CLM01 = the practice's claim number; REF*6R = line control number `<claim>-<line>`.
- `835/<payer>/ERA_<payer>_<YYYYMMDD>.*` — one 835 (005010X221A1) per payer payment run (Medicare and the
  MA plan weekly on Fridays, the others every second Friday), 14–27 days after submission. AMT*B6 =
  allowed, CAS CO-45 contractual, Medicare PR-1 deductible ($257 in 2025, $283 in 2026) / PR-2
  coinsurance / CO-253 sequestration, MA PR-2, commercial PR-3 copay; denials as line CAS (CLP02 1 or 4)
  or claim-level CAS with no SVC lines (CLP02 4); reversals (CLP02 22) with a corrected CLP; PLB L6 interest.
- `visits.csv` — EMR visit lines (one row per documented code per visit, MM/DD/YYYY dates).
- `plans_of_care.csv`, `authorizations.xlsx` (sheet "Auths", plus "Notes").
- `practice.toml` — configuration (Aetna unit method per_code; Medicare and MA total_time; the other
  payers unset, so units findings need both methods to agree).
- `expected_findings.csv` — the ground truth: `rule_id, claim_id, dos, cpt, amount_usd`.

## Ground truth ({summary['findings']} findings, ${float(summary['expected_usd']):,.2f})

{summary['claims']:,} claims, {summary['lines']:,} service lines, {summary['visits']:,} visits of {patients} patients.

| rule | findings | USD |
|---|---|---|
{rows}

The ground truth is computed by the generator's own oracle (`pipelines/sample/truth.py`), which evaluates
every rule of docs/DESIGN.md over the generated records and never reads the audit's SQL or results; it
also checks that each finding was planted and each plant yields its finding. Amounts: Medicare fee
schedule of the DOS's year, locality 01, MPPR per visit, ×0.88 for CO lines; other payers round(fee % ×
Medicare line, 2) as a DOUBLE (41.055 in binary is 41.05…: 41.05); unit-difference pricing for the units
and MUE rules; 0.12 × full expected for CO rules; line value (remit allowed when paid, else expected) for
line rules, $0 for the rules predicting a denial when the 835 denied the line; visit value for visit rules;
expected − remit allowed for underpayments.

## How often things go wrong (planted at rates, with the seed's RNG)

Problems are drawn per claim, visit or patient at the rates below (at most one line problem per visit;
denials, unpaid claims and underpayments fall on any claim). The first patients also include
{len(summary['exemplars'])} exemplars that carry one problem or near-miss for sure, so every rule appears at
least three times at the default size.

| problem | rate | what | sources |
|---|---|---|---|
{rates}

Observed in this sample: **denial rate {o['denial_rate_pct']}% of remitted claims** (clean-claim rate
{o['clean_claim_rate_pct']}%; published: MGMA 5%–10%, Kodiak 11.8% in 2024, 41% of providers at 10% or more,
PT practices 15%–20%; clean claims 85%–95% typical, 95% the HFMA target); **under-billed timed units on
{o['underbilled_visits_pct']}% of claims** (any unit error {o['unit_error_visits_pct']}%; OIG found coding
deficiencies, timed units among them, on 48% of sampled Medicare PT claims); **missed or wrong modifiers
(GO, discipline, CO, NCCI 59/X, KX) on {o['modifier_error_visits_pct']}% of claims** (a coding, units or
modifier error of any kind on {o['coding_error_visits_pct']}%; the AMA estimates 12% of claims carry inaccurate
codes); underpaid claims
{o['underpaid_claims_pct']}% of remitted claims (published 5%–10% of paid claims); documented visits never
billed {o['unbilled_visits_pct']}% (charge-capture losses 1%–5% of revenue); claims never answered
{o['unpaid_claims_pct']}%. Claims touched by at least one planted problem: {o['claims_with_a_problem_pct']}%
(CERT: 10.35% of Part B payments improper in FY2024).

Sources:

{src_list}

## Planted cases (what each rule finds here)
- **UNITS_UNDERBILLED / UNITS_OVERBILLED**: one timed line documents 15 minutes more / fewer than billed (both
  unit methods agree). **UNITS_MISALLOCATED** (Medicare/MA): code A 22 min + code B 24 min billed A×2, B×1
  (CMS gives the third unit to B).
- **UNTIMED_MULTIPLE_UNITS**: G0283 ×2 (Medicare), 97150 ×2. **MINUTES_MISSING**: a timed line with no visit
  row, blank minutes, or 0 minutes.
- **GO_MISSING** (no discipline modifier), **DISCIPLINE_MODIFIER_WRONG** (GP, GN, GO+GP on OT services).
- **KX_MISSING**: KX dropped on one visit after the beneficiary's OT total of the year passed the threshold —
  at least one beneficiary passes $2,410 in October–December 2025 and one passes $2,480 in 2026.
  **TMR_THRESHOLD**: intensive Medicare episodes passing $3,000 in a calendar year.
- **CO_MODIFIER_MISSING**: a line the OTA furnished billed without CO; **CO_MODIFIER_UNNEEDED**: CO on a line
  the OT furnished.
- **NCCI_MODIFIER_MISSING**: 97530 + 97168, 97763 + 97110, 97760 + 97140 without 59 on column 2.
- **CODING_EDIT**: 97130 without 97129, 97763 with 97760, 97166 + 97168 the same day (on the 97168),
  97010 to Medicare (bundled).
- **MUE_EXCEEDED**: Medicare visits from {MUE_START.isoformat()} with 97530 ×7 or 97110 ×7 (MUE 6, MAI 3) whose minutes
  support the units, paid: one unit of excess, priced through MPPR.
- **POC_MISSING** (no plan on file, or the first plan starting at the third visit), **POC_CERT_LATE** (initial
  plan signed 31–55 days after the first treatment), **POC_RECERT_LATE** (recertification signed after its
  interval began), **PROGRESS_REPORT_OVERDUE** (the first progress report skipped).
- **MASSHEALTH_PA_MISSING** (21+ visits, no PA), **MASSHEALTH_RX_LAPSED** (renewal signed more than 60 days
  after the previous signature), **AUTH_EXCEEDED** (visits beyond the count, after the end date, or no
  authorization on file: BCBSMA HMO, the MA plan, WellSense).
- **DENIAL_RECOVERABLE / DENIAL_WRITE_OFF**: the CARC mix above, line or claim level; recoverable or not by
  class and window (Medicare reopening 1 year, redetermination 120 days, MA130 bounded by the filing
  limit; other payers their appeal days) at the as-of date.
- **UNDERPAYMENT**: a paid line allowed $0.50–$4.50 (Medicare) or $1.50–$6.00 (other payers) below the
  expected amount.
- **CLAIM_UNPAID**: claims with no 835 45+ days after submission whose filing deadline is more than 30 days
  out. **VISIT_UNBILLED**: documented visits with no claim. **TIMELY_FILING_RISK**: either of those with the
  deadline within 30 days or past.

## Near-misses (must NOT produce findings)
{near}
- Every other line: minutes that support the billed units under both unit methods; CO on every line an OTA
  furnished for Medicare; KX on every GO line from the one whose running total passes the year's threshold.
- Recertifications signed before the recert interval starts (every long Medicare/MA episode).
- MassHealth patients with more than 20 visits and a prior authorization covering visits 21+.
- MA patients are seen by OTs only and stay under the KX threshold, so the ground truth holds whether or
  not the MA plan is configured to follow Medicare rules (the payer directory default: it does not).
- Medicare PR-1 deductible lines paid $0 (not denials); claims paid after the as-of date (submitted late)
  are not unpaid.
"""


def render_follow_up(world, summary) -> str:
    """README.md of the day-30 folder (`rcm-audit sample OUT_DIR --follow-up`), above the day-0 README."""
    from .futruth import STATUS_ORDER
    modes = {"all": "the earlier files plus the new ones (`OUT_DIR`)", "new": "only the new ones (`OUT_DIR/new_files`)"}
    rules = sorted({k.split(":")[0] for m in ("all", "new") for k in summary[m]["by_rule_status"]})
    tables = []
    for mode, title in modes.items():
        s = summary[mode]
        head = "| rule | " + " | ".join(STATUS_ORDER) + " |\n|---|" + "---|" * len(STATUS_ORDER)
        body = []
        for r in rules:
            cells = [str(s["by_rule_status"].get(f"{r}:{st}", "")) for st in STATUS_ORDER]
            body.append(f"| `{r}` | " + " | ".join(cells) + " |")
        total = " | ".join(str(s["by_status"].get(st, 0)) for st in STATUS_ORDER)
        body.append(f"| **all** | {total} |")
        tables.append(f"### Day 30 with {title}: ${Decimal(s['recovered_usd']):,.2f} recovered\n\n{head}\n"
                      + "\n".join(body))
    ev_lines = "\n".join(f"- {what} → **{st['all']}** (only the new files: {st['new']})"
                         for _, what, st in summary["events"])
    new = "\n".join(f"- `{k[0]}` {k[1]} {k[2]} {k[3]}".rstrip() for k in summary["new_findings"]["new"])
    visible = "\n".join(f"- `{k[0]}` {k[1]} {k[2]} {k[3]}".rstrip() for k in summary["new_findings"]["newly_visible"])
    files = "\n".join(f"- `new_files/{f}`" for f in summary["new_files"])
    seen = summary["as_of_in_data"]
    note = ""
    if seen["day0"] != summary["as_of_day0"] or seen["day30"] != summary["as_of_day30"]:
        note = (f"\n\n**Note:** at this size the latest dates in the files are {seen['day0']} (day 0) and "
                f"{seen['day30']} (day 30); audit with `--as-of {summary['as_of_day0']}` and "
                f"`--as-of {summary['as_of_day30']}` to reproduce the ground truth.")
    return f"""# Sample practice 30 days later (the follow-up sample)

Written by `rcm-audit sample OUT_DIR --follow-up` (same arguments, same bytes). Day 0 = {summary['as_of_day0']},
the as-of date of the sample; day 30 = **{summary['as_of_day30']}**, the last payment run of the new files (the
day-30 audit's as-of date). The top of this folder is the day-0 sample, byte for byte what `rcm-audit sample`
writes (its README follows below); `new_files/` holds only what the practice produced since day 0:

```bash
rcm-audit audit sample_data -o audit-out     # day 0: the files at the top of OUT_DIR (sample_data/ is the
                                             # default sample; for other arguments, `rcm-audit sample DAY0 ...`)
rcm-audit audit OUT_DIR -o audit-day30 --baseline audit-out       # day 30: the earlier files plus the new ones
rcm-audit audit OUT_DIR/new_files -o audit-day30-new --baseline audit-out   # day 30: only the new files
```{note}

Each folder holds the ground truth of its follow-up, `expected_follow_up.csv` (`rule_id, claim_id, dos, cpt,
status, amount_recovered_usd`, one row per day-0 finding, CONTRACT §2): `OUT_DIR/expected_follow_up.csv` for the
first day-30 audit, `OUT_DIR/new_files/expected_follow_up.csv` for the second. They differ where docs/DESIGN.md §12
says the day-30 folder must hold a finding's own claim or visit to judge it again: with only the new files, a
line or claim finding whose claim is not in them is decided by dates and payments alone, never withdrawn, while a
visit finding is judged again from the refreshed visit export (which lists the day-0 visits without their claims;
only a plan, certification or authorization that is new since day 0 withdraws a visit finding). The ground truth is
computed by the generator's own follow-up oracle (`pipelines/sample/futruth.py`) from what it planted — the day-0
and day-30 records of every patient, evaluated again as of day 30 by `truth.py` — never from the audit's SQL or
results; every planted event is checked to give its findings the status it was planted for.

{(chr(10) * 2).join(tables)}

## What happened in the 30 days
- Claims awaiting payment on day 0: {summary['pending_paid']}, answered by their payers' runs
  ({summary['pending_denied']} with a line denied: a new finding). New patients seen since day 0:
  {summary['new_patients']}, billed weekly, their first claims paid (some carry a new problem, below).
- Untouched day-0 findings are `open`, or `lost` when their deadline (appeal window, filing limit, correction
  window) fell between day 0 and day 30, as DESIGN §12 says; exposure findings (at risk, overbilled) stay open.
- The planted events (each on a different claim or visit; {len(summary['events'])} in all), with the status
  of their day-0 findings on day 30:

{ev_lines}

## New findings on day 30 (the earlier files plus the new ones)
New activity since day 0 (`follow_up_status` `new`):

{new or '- (none)'}

Older activity now visible (`newly_visible`): a corrected claim the payer has not answered yet is still judged
against its day-0 835, so a line whose expected amount rose (more units, no CO, or the multiple-procedure full
price moving to it when another code is dropped) shows as underpaid; plans of care signed after day 0 are late
certifications.

{visible or '- (none)'}

## The new files
The refreshed exports list the whole period again (they supersede `visits.csv`, `plans_of_care.csv` and
`authorizations.xlsx` when both are read); so the audit of `new_files/` alone sees every day-0 visit without its
837. With `--baseline`, a visit a day-0 claim bills is not reported as unbilled (the terminal counts them), so
the new findings of that audit are the new activity whose claims are in `new_files/`.

{files}
"""

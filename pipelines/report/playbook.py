"""What to do about each rule: the likely cause, the concrete steps, who owns them.

One entry per CONTRACT §3 rule id. The report uses `cause` and `steps` in the recommendation's
Cause / Recommendation paragraphs, `headline` in the executive summary's top actions, and `action` as
the one-line instruction on each open worklist row (`closed_action` for items past their deadline, on the
write-off review sheet). `owner` is one of billing lead, clinicians, front desk (several joined with " + "
when the fix needs more than one role).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Play:
    owner: str
    cause: str
    steps: tuple[str, ...]
    headline: str  # plain words, imperative, for the executive summary
    action: str    # one line per worklist row


PLAYBOOK: dict[str, Play] = {
    "UNITS_UNDERBILLED": Play(
        owner="billing lead + clinicians",
        cause="Units are keyed from the schedule or a default instead of the documented minutes, or the "
              "8-minute rule is applied per code where the payer counts total time.",
        steps=("Recount units from the documented timed minutes with the payer's method (total time for "
               "Medicare and plans that follow it).",
               "Send a corrected claim (frequency 7) for each line still inside its filing limit.",
               "Have the EMR compute units from minutes and block manual unit entry below the computed value."),
        headline="Rebill timed services that were billed with fewer units than the minutes support",
        action="Recount units from the minutes; send a corrected claim (freq. 7) before the filing limit.",
    ),
    "UNITS_OVERBILLED": Play(
        owner="billing lead + clinicians",
        cause="Units billed by appointment length or habit rather than the documented one-on-one minutes.",
        steps=("Check each line against the note; where the minutes do not support the units, send a corrected "
               "claim or a voluntary refund.",
               "Teach the 8-minute rule (total time: floor((minutes + 7) / 15) for the day) to every therapist.",
               "Make the EMR compute units from minutes and flag overrides for billing review."),
        headline="Refund or correct timed units billed above the documented minutes",
        action="Verify minutes in the note; if unsupported, send a corrected claim or refund the overpayment.",
    ),
    "UNITS_MISALLOCATED": Play(
        owner="billing lead",
        cause="The day's units are right, but were assigned to codes without following the CMS allocation "
              "(the extra unit goes to the code with the largest remainder).",
        steps=("Reassign the units per the CMS allocation examples and send a corrected claim where the price "
               "changes.",
               "Add the allocation step to the EMR's unit calculator."),
        headline="Reallocate the day's timed units across codes the CMS way",
        action="Reassign units per the CMS allocation; correct the claim if the price changes.",
    ),
    "UNTIMED_MULTIPLE_UNITS": Play(
        owner="billing lead",
        cause="A per-session code (evaluation, group, supervised modality) was billed with units as if timed.",
        steps=("Correct the line to 1 unit and refund any overpayment.",
               "Set a 1-unit-per-day edit on untimed codes in the billing system."),
        headline="Correct untimed codes billed with more than one unit a day",
        action="Correct to 1 unit; refund any overpayment.",
    ),
    "MINUTES_MISSING": Play(
        owner="clinicians",
        cause="Daily notes do not record the timed minutes for each timed code.",
        steps=("Have the treating therapist add a dated late-entry with the minutes where the record supports it.",
               "Make timed minutes a required field in the daily note template.",
               "Hold claims with timed codes and no minutes before submission."),
        headline="Document timed minutes on every timed code before billing",
        action="Ask the therapist for a late-entry with minutes; hold the claim if unsupported.",
    ),
    "GO_MISSING": Play(
        owner="billing lead",
        cause="The billing system does not append GO to always-therapy codes for every payer that requires it.",
        steps=("Add GO and resubmit each line (a returned/unprocessable claim is a new claim, not an appeal).",
               "Configure the charge master to append GO to every always-therapy code for these payers."),
        headline="Add the GO modifier to always-therapy codes and resubmit",
        action="Add GO and resubmit the line as a new/corrected claim.",
    ),
    "DISCIPLINE_MODIFIER_WRONG": Play(
        owner="billing lead",
        cause="Charge-master templates copied from PT/SLP, or more than one discipline modifier appended.",
        steps=("Replace GP/GN with GO on OT services (and remove duplicates), then send corrected claims.",
               "Audit the charge master so OT codes carry GO only."),
        headline="Fix discipline modifiers (GO for OT) on the affected lines",
        action="Replace GP/GN with GO (one discipline modifier only); send a corrected claim.",
    ),
    "KX_MISSING": Play(
        owner="billing lead + clinicians",
        cause="Nobody tracks each Medicare beneficiary's OT total against the year's KX threshold.",
        steps=("Where the note supports medical necessity, reopen or correct the lines adding KX.",
               "Track each Medicare patient's year-to-date OT allowed (check HETS/NGSConnex for other providers).",
               "At the threshold, have the therapist document necessity and billing append KX (or an ABN + GA)."),
        headline="Add KX to Medicare OT lines above the annual threshold",
        action="Confirm necessity is documented; reopen/correct the line with KX.",
    ),
    "TMR_THRESHOLD": Play(
        owner="clinicians",
        cause="Beneficiaries passed the $3,000 targeted-medical-review amount; their claims may be reviewed.",
        steps=("Review the notes of these patients for medical necessity, progress and goals before any ADR.",
               "Keep the certification and progress reports of these episodes complete and easy to retrieve."),
        headline="Review documentation of Medicare patients above $3,000 (targeted review)",
        action="Review the episode's notes for necessity; keep the record ready for an ADR.",
    ),
    "CO_MODIFIER_MISSING": Play(
        owner="clinicians + billing lead",
        cause="OTA minutes are not captured per code, so billing cannot tell when CO is required.",
        steps=("Correct the lines to add CO and refund the 15% overpayment.",
               "Record OT and OTA minutes separately per code in the daily note.",
               "Have billing apply the CMS de minimis (10%) test before submission."),
        headline="Add CO where an OTA furnished more than 10% of the service, and refund the difference",
        action="Add CO via a corrected claim; refund the differential.",
    ),
    "CO_MODIFIER_UNNEEDED": Play(
        owner="billing lead",
        cause="CO appended by default for visits where an OTA was on the schedule, although the OT furnished "
              "the service.",
        steps=("Remove CO and send corrected claims inside the filing limit.",
               "Apply CO per code from the recorded OTA minutes, not per visit."),
        headline="Remove CO from services the OT furnished and recover the 15%",
        action="Remove CO and send a corrected claim before the filing limit.",
    ),
    "NCCI_MODIFIER_MISSING": Play(
        owner="billing lead + clinicians",
        cause="Code pairs with an NCCI edit are billed the same day without 59/X on the column-2 code.",
        steps=("Where the note shows separate, non-overlapping time, append 59 or XU to the column-2 code and "
               "resubmit.",
               "Load the quarterly NCCI PTP file into the claim scrubber."),
        headline="Append 59/XU on NCCI pairs where the time was separate",
        action="If separate time is documented, add 59/XU to the column-2 code and resubmit.",
    ),
    "MUE_EXCEEDED": Play(
        owner="billing lead + clinicians",
        cause="Units of one code for one patient on one day are billed above Medicare's medically unlikely "
              "edit (MUE) for that code.",
        steps=("Check the note: correct the units to what was furnished, or keep the documentation that "
               "supports the extra units for an appeal.",
               "Load the quarterly practitioner MUE table into the claim scrubber."),
        headline="Correct units billed above Medicare's per-day limits (MUEs)",
        action="Correct the units to the documented service, or keep the documentation for an appeal.",
    ),
    "CODING_EDIT": Play(
        owner="billing lead",
        cause="Code combinations or codes the payer does not accept (add-on without primary, bundled or "
              "deleted codes, two evaluations a day).",
        steps=("Correct the code (or remove the line) and resubmit or refund.",
               "Add these edits to the claim scrubber."),
        headline="Correct invalid code combinations before they deny",
        action="Correct or remove the code; resubmit or refund.",
    ),
    "POC_MISSING": Play(
        owner="clinicians + front desk",
        cause="Treatment started or continued with no plan of care on file for the date.",
        steps=("Obtain a (delayed) certification with a reason for the delay for the treated period.",
               "Do not schedule Medicare treatment visits until the plan of care is on file."),
        headline="Get plans of care certified for Medicare visits treated without one",
        action="Obtain a delayed certification with the reason for the delay.",
    ),
    "POC_CERT_LATE": Play(
        owner="front desk + clinicians",
        cause="Plans of care are sent to physicians late or not followed up.",
        steps=("Document the reason for the delay with the late signature (delayed certification).",
               "Send the plan the day of the evaluation and follow up weekly until signed."),
        headline="Chase plan-of-care signatures within 30 days of the evaluation",
        action="Attach the delayed-certification reason to the record.",
    ),
    "POC_RECERT_LATE": Play(
        owner="front desk + clinicians",
        cause="No tickler for the end of the certified interval (plan end or 90 days).",
        steps=("Obtain the recertification (with the delay reason) for the uncovered dates.",
               "Put the certification end date on the schedule and request recert two weeks before it."),
        headline="Recertify plans of care before the 90-day interval ends",
        action="Obtain the recertification with the delay reason for these dates.",
    ),
    "PROGRESS_REPORT_OVERDUE": Play(
        owner="clinicians",
        cause="Progress reports are written by calendar, not every 10 treatment days.",
        steps=("Write the missing progress reports where the record allows; expect review risk otherwise.",
               "Have the EMR count treatment days and prompt at visit 10."),
        headline="Write progress reports at least every 10 treatment days",
        action="Have the OT write the progress report; note the review risk.",
    ),
    "MASSHEALTH_PA_MISSING": Play(
        owner="front desk",
        cause="MassHealth visit counts in the rolling 12 months are not tracked, so PA is not requested at "
              "visit 20.",
        steps=("Request prior authorization (retro where MassHealth allows) for the visits beyond 20.",
               "Count MassHealth OT visits per member and request PA by visit 16."),
        headline="Request MassHealth prior authorization before the 21st visit",
        action="Request PA (retro if allowed); hold further visits until approved.",
    ),
    "MASSHEALTH_RX_LAPSED": Play(
        owner="front desk + clinicians",
        cause="The 60-day prescription/plan renewal is not tracked.",
        steps=("Obtain a renewed signed prescription or plan for continuing treatment.",
               "Add a 60-day renewal tickler per MassHealth patient."),
        headline="Renew MassHealth prescriptions every 60 days",
        action="Obtain the renewed signed prescription/plan of care.",
    ),
    "AUTH_EXCEEDED": Play(
        owner="front desk",
        cause="Visits are scheduled beyond the authorization's dates or visit count.",
        steps=("Request an authorization extension or retro-authorization for these visits.",
               "Track remaining authorized visits at check-in and request renewals early."),
        headline="Extend authorizations before visits run past them",
        action="Request an extension or retro-authorization from the payer.",
    ),
    "DENIAL_RECOVERABLE": Play(
        owner="billing lead",
        cause="Denials are posted but not worked: correctable errors (modifiers, KX, NPIs, coordination of "
              "benefits) are left unresolved.",
        steps=("Work each denial before its window closes: correct and resubmit (FIX) or appeal with "
               "documentation (APPEAL).",
               "Review denials weekly by reason code and fix the upstream cause."),
        headline="Work the denials that can still be corrected or appealed",
        action="Correct and resubmit, or appeal with documentation, before the window closes.",
    ),
    "DENIAL_WRITE_OFF": Play(
        owner="billing lead + front desk",
        cause="Denials for timely filing, missing authorization or benefit limits, or denials left past their "
              "window.",
        steps=("Write off and record the reason; check whether a secondary payer or the patient can be billed.",
               "Fix the upstream step (eligibility, authorization, filing cadence) that caused the denial."),
        headline="Stop the causes of unrecoverable denials",
        action="Write off with reason; bill secondary/patient where allowed.",
    ),
    "UNDERPAYMENT": Play(
        owner="billing lead",
        cause="The payer allowed less than the fee schedule or contract, and payments are not checked against "
              "expected rates.",
        steps=("Appeal or request reopening for the short-paid lines with the fee schedule calculation.",
               "Load expected rates into the billing system and flag short payments at posting."),
        headline="Appeal short-paid lines against the fee schedule",
        action="Appeal/reopen with the expected-rate calculation.",
    ),
    "CLAIM_UNPAID": Play(
        owner="billing lead",
        cause="Claims with no response are not followed up after 30–45 days.",
        steps=("Check claim status (276/277 or portal); resubmit claims the payer never received.",
               "Work an aged A/R report every week."),
        headline="Follow up claims with no payment after 45 days",
        action="Check claim status; resubmit if not on file with the payer.",
    ),
    "VISIT_UNBILLED": Play(
        owner="billing lead + clinicians",
        cause="Documented visits never reached a claim (unsigned notes, charges not posted).",
        steps=("Bill the documented visits now.",
               "Reconcile the visit log against charges daily."),
        headline="Bill documented visits that never became claims",
        action="Create and submit the claim.",
    ),
    "TIMELY_FILING_RISK": Play(
        owner="billing lead",
        cause="Unbilled or unpaid work is approaching or past the payer's filing limit.",
        steps=("Submit or resubmit these items first, before their deadlines; keep proof of timely filing.",
               "Reconcile visits to claims and age unpaid claims every week."),
        headline="File the work that is about to pass the payer's filing limit",
        action="Submit/resubmit now; keep proof of timely filing.",
    ),
}

_DEFAULT = Play(
    owner="billing lead",
    cause="See the rule description.",
    steps=("Review each item in the worklist and correct or resubmit as appropriate.",),
    headline="Review the items in the worklist",
    action="Review and correct.",
)


def closed_action(rule_id: str, amount_kind: str) -> str:
    """What to do with an item on the write-off review sheet (lost, or its deadline passed): never
    "resubmit" once the window has closed."""
    if rule_id == "DENIAL_WRITE_OFF":
        return PLAYBOOK[rule_id].action
    if amount_kind == "at_risk":
        return ("The window to correct has closed: do not resubmit. Keep the documentation ready in case the "
                "payer reviews the claim, and fix the cause (see the report).")
    if amount_kind == "overbilled":
        return "Refund the overpayment to the payer and record it; the correction window has closed."
    return ("Deadline passed: write off with the reason; bill a secondary payer or the patient only where "
            "the plan allows. Fix the cause so it does not recur (see the report).")


def play(rule_id: str) -> Play:
    """The playbook entry for a rule id (a generic entry for an unknown id)."""
    return PLAYBOOK.get(rule_id, _DEFAULT)

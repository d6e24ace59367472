"""The export layouts and every header spelling and value spelling the export reader accepts.

This module is data: `pipelines/ingest/exports.py` reads it, and `docs/input_layouts.md` (the README
section on exports) is written from it (`alias_markdown()`), so the documentation cannot drift from what
the code accepts. A test checks that every alias below appears in the docs.

Header names are compared after `normalize_header`: lowercase, everything but a-z and 0-9 dropped, so
"Date of Service", "date_of_service" and "DATE-OF-SERVICE" are the same header. The canonical column
name is always accepted as its own alias. When two columns of one file map to the same canonical
column, the one whose alias comes first in the list below is used and the other is ignored (a warning
says so); e.g. "Timed Minutes" beats "Total Minutes".
"""
from __future__ import annotations

import re

# --- layouts (CONTRACT §4) ----------------------------------------------------------------------------
# Tried in this order; the first layout whose required columns are all present wins (an authorizations
# export also has everything a plan of care needs, so authorizations is tried before plans_of_care).
LAYOUTS: dict[str, dict] = {
    "visits": {
        "label": "visit lines",
        "required": ("patient_id", "dos", "cpt", "units"),
        "optional": ("minutes", "modifiers", "modifier_1", "modifier_2", "modifier_3", "modifier_4",
                     "payer", "member_id", "patient_first", "patient_last", "patient_dob",
                     "provider_npi", "provider_role", "ota_minutes", "claim_id", "note_type",
                     "place_of_service", "charge", "start_time", "end_time"),
    },
    "authorizations": {
        "label": "authorizations",
        "required": ("patient_id", "auth_number", "start_date", "end_date"),
        "optional": ("payer", "visits_authorized"),
    },
    "plans_of_care": {
        "label": "plans of care",
        "required": ("patient_id", "start_date", "end_date"),
        "optional": ("signed_date", "kind", "certifying_npi", "payer", "order_date", "transmitted_date"),
    },
}

# --- header aliases: canonical column -> accepted spellings (first = preferred) ------------------------
ALIASES: dict[str, tuple[str, ...]] = {
    # shared
    "patient_id": ("Patient ID", "MRN", "Account #", "Acct No", "Acct #", "Account Number", "Account No",
                   "Chart Number", "Chart #", "Chart No", "Patient Account", "Patient Account Number",
                   "Patient #", "Patient Number", "Patient No", "Pt ID", "Client ID", "Medical Record Number",
                   "Medical Record #"),
    "payer": ("Payer", "Payer Name", "Insurance", "Insurance Name", "Primary Insurance", "Primary Payer",
              "Carrier", "Insurance Carrier", "Plan", "Insurance Plan", "Payor", "Primary Payor"),
    # visit lines
    "dos": ("DOS", "Date of Service", "Visit Date", "Service Date", "Date of Visit", "Appointment Date",
            "Appt Date", "Treatment Date", "Date"),
    "cpt": ("CPT", "CPT Code", "CPT/HCPCS", "Procedure", "Procedure Code", "Proc Code", "HCPCS", "HCPCS Code",
            "Code", "Service Code", "Billing Code"),
    "units": ("Units", "Billed Units", "Units Billed", "Qty", "Quantity", "Unit Count"),
    "minutes": ("Minutes", "Treatment Minutes", "Timed Minutes", "Total Timed Minutes", "Mins",
                "Timed Mins", "Service Minutes", "CPT Minutes", "Line Minutes", "Total Minutes"),
    "modifiers": ("Modifiers", "Mods", "Modifier", "Mod", "CPT Modifiers", "Procedure Modifiers"),
    "modifier_1": ("Mod 1", "Modifier 1", "Mod1", "Modifier1", "M1", "First Modifier"),
    "modifier_2": ("Mod 2", "Modifier 2", "Mod2", "Modifier2", "M2", "Second Modifier"),
    "modifier_3": ("Mod 3", "Modifier 3", "Mod3", "Modifier3", "M3", "Third Modifier"),
    "modifier_4": ("Mod 4", "Modifier 4", "Mod4", "Modifier4", "M4", "Fourth Modifier"),
    "member_id": ("Member ID", "Subscriber ID", "Policy #", "Policy Number", "Policy No", "Insurance ID",
                  "Member #", "Member Number", "Subscriber #", "Insured ID", "Medicare ID", "MBI",
                  "Medicaid ID"),
    "patient_first": ("First Name", "Patient First", "Patient First Name", "First", "FName"),
    "patient_last": ("Last Name", "Patient Last", "Patient Last Name", "Last", "LName"),
    "patient_dob": ("DOB", "Birth Date", "Date of Birth", "Patient DOB", "Birthdate"),
    "provider_npi": ("Rendering NPI", "Provider NPI", "Therapist NPI", "Rendering Provider NPI",
                     "Clinician NPI", "NPI"),
    "provider_role": ("Role", "Provider Type", "Credential", "Discipline", "Provider Role",
                      "Provider Credential", "Therapist Credential", "Clinician Type"),
    "ota_minutes": ("OTA Minutes", "Assistant Minutes", "COTA Minutes", "OTA Mins", "COTA Mins",
                    "Assistant Mins"),
    "claim_id": ("Claim ID", "Claim #", "Claim Number", "Claim No", "Patient Control Number",
                 "Patient Control #", "PCN", "Claim Control Number"),
    "note_type": ("Note Type", "Visit Type", "Document Type", "Documentation Type", "Encounter Type"),
    "place_of_service": ("Place of Service", "POS", "POS Code", "Place of Service Code"),
    "charge": ("Charge", "Charges", "Charge Amount", "Billed Amount", "Line Charge", "Fee",
               "Billed Charge"),
    "start_time": ("Start Time", "Time In", "In Time", "Session Start", "Begin Time"),
    "end_time": ("End Time", "Time Out", "Out Time", "Session End", "Stop Time"),
    # plans of care and authorizations
    "start_date": ("Start Date", "Cert Start", "From", "Plan Start", "Effective Date", "Cert Start Date",
                   "Certification Start", "From Date", "Begin Date", "POC Start", "Auth Start",
                   "Authorization Start"),
    "end_date": ("End Date", "Cert End", "Through", "To", "Plan End", "Expiration Date", "Cert End Date",
                 "Certification End", "To Date", "Thru", "Thru Date", "Through Date", "POC End",
                 "Auth End", "Authorization End", "Expires"),
    # plans of care
    "signed_date": ("Signed Date", "Signature Date", "Physician Signed", "Date Signed",
                    "Physician Signature Date", "MD Signed Date", "Cert Signed Date", "Signed On"),
    "kind": ("Type", "Cert Type", "Plan Type", "Certification Type", "POC Type"),
    "certifying_npi": ("Certifying NPI", "Physician NPI", "Referring NPI", "Referring Provider NPI",
                       "Ordering NPI", "Certifying Physician NPI"),
    "order_date": ("Order Date", "Referral Date", "Rx Date", "Prescription Date", "Signed Order Date",
                   "Script Date"),
    "transmitted_date": ("Transmitted Date", "Transmittal Date", "Date Sent", "Sent Date", "Faxed Date",
                         "Date Faxed", "POC Sent Date", "Sent to Physician"),
    # authorizations
    "auth_number": ("Auth #", "Authorization Number", "Auth Number", "PA Number", "Prior Auth",
                    "Auth No", "Authorization #", "Auth ID", "Authorization ID", "PA #", "Prior Auth Number",
                    "Prior Authorization Number", "Auth"),
    "visits_authorized": ("Visits Authorized", "Approved Visits", "Authorized Visits", "# Visits",
                          "Visits Approved", "Number of Visits", "Visit Count", "Auth Visits", "Visits"),
}

# --- value spellings: stored value -> accepted spellings (compared after normalize_header) ------------
PROVIDER_ROLE_VALUES: dict[str, tuple[str, ...]] = {
    "OT": ("OT", "OTR", "OTR/L", "OT/L", "OTD", "Occupational Therapist", "Therapist"),
    "OTA": ("OTA", "COTA", "COTA/L", "OTA/L", "Occupational Therapy Assistant", "Occupational Therapist Assistant",
            "Assistant"),
}
NOTE_TYPE_VALUES: dict[str, tuple[str, ...]] = {
    "eval": ("Eval", "Evaluation", "Initial Eval", "Initial Evaluation", "IE", "OT Evaluation"),
    "daily": ("Daily", "Daily Note", "Treatment", "Treatment Note", "Tx Note", "Visit Note", "Daily Treatment Note",
              "Follow Up", "Follow-up Visit", "Visit"),
    "progress": ("Progress", "Progress Note", "Progress Report", "PN", "Re-eval", "Re-evaluation", "Reevaluation"),
    "recert": ("Recert", "Recertification", "Re-certification", "Recert Note", "Updated Plan of Care"),
    "discharge": ("Discharge", "Discharge Summary", "Discharge Note", "DC", "D/C", "DC Summary"),
}
PLAN_KIND_VALUES: dict[str, tuple[str, ...]] = {
    "initial": ("Initial", "Initial Cert", "Initial Certification", "Initial POC", "Initial Plan", "Cert",
                "Certification", "New", "Eval"),
    "recert": ("Recert", "Recertification", "Re-cert", "Re-certification", "Recert POC", "Updated", "Update"),
}


def normalize_header(text: object) -> str:
    """'Date of Service' -> 'dateofservice'; None -> ''."""
    if text is None:
        return ""
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def _build_lookup(table: dict[str, tuple[str, ...]], include_key: bool) -> dict[str, tuple[str, int]]:
    """normalized spelling -> (canonical, preference index). Raises if one spelling means two things."""
    lookup: dict[str, tuple[str, int]] = {}
    for canonical, spellings in table.items():
        names = ((canonical,) if include_key else ()) + tuple(spellings)
        for i, name in enumerate(names):
            key = normalize_header(name)
            if key in lookup and lookup[key][0] != canonical:
                raise ValueError(f"alias {name!r} maps to both {lookup[key][0]} and {canonical}")
            lookup.setdefault(key, (canonical, i))
    return lookup


HEADER_LOOKUP = _build_lookup(ALIASES, include_key=True)
ROLE_LOOKUP = {k: v for k, (v, _) in _build_lookup(PROVIDER_ROLE_VALUES, include_key=False).items()}
NOTE_TYPE_LOOKUP = {k: v for k, (v, _) in _build_lookup(NOTE_TYPE_VALUES, include_key=True).items()}
PLAN_KIND_LOOKUP = {k: v for k, (v, _) in _build_lookup(PLAN_KIND_VALUES, include_key=True).items()}


def canonical_column(header: object) -> str | None:
    """The canonical column a header names, or None."""
    hit = HEADER_LOOKUP.get(normalize_header(header))
    return hit[0] if hit else None


def alias_markdown() -> str:
    """The alias tables as Markdown, for docs/input_layouts.md."""
    def cell(spellings):
        return ", ".join(f"`{s}`" for s in spellings)

    out = []
    for kind, layout in LAYOUTS.items():
        out.append(f"#### {layout['label'].capitalize()} (`{kind}` table)\n")
        out.append("| column | required | accepted headers (besides the column name itself) |")
        out.append("|---|---|---|")
        for col in layout["required"] + layout["optional"]:
            req = "yes" if col in layout["required"] else ""
            out.append(f"| `{col}` | {req} | {cell(ALIASES[col])} |")
        out.append("")
    for title, table in (("provider_role", PROVIDER_ROLE_VALUES), ("note_type", NOTE_TYPE_VALUES),
                         ("kind (plans of care)", PLAN_KIND_VALUES)):
        out.append(f"#### Values of `{title}`\n")
        out.append("| stored as | accepted values |")
        out.append("|---|---|")
        for value, spellings in table.items():
            out.append(f"| `{value}` | {cell(spellings)} |")
        out.append("")
    return "\n".join(out)

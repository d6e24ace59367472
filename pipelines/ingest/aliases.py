"""The export layouts, every header and value spelling the export reader accepts, and the rules that
generalise them.

This module is data plus the two matchers that read it (`match_header`, `match_value`):
`pipelines/ingest/exports.py` uses them, and `docs/input_layouts.md` (and the README section on exports)
carry the tables written by `alias_markdown()`, so the documentation cannot drift from what the code
accepts. A test checks that every alias below appears in the docs.

How a header is matched, in this order (`match_header`):
  1. exactly: after `normalize_header` (lowercase, everything but a-z and 0-9 dropped), so
     "Date of Service", "date_of_service", "DateOfService" and "DATE-OF-SERVICE" are one header; the
     column name itself (`patient_id`) always works;
  2. by rule, when no alias matches exactly: the header's words in any order and case, singular or
     plural, common abbreviations spelled out ("Pt" patient, "Svc" service, "Proc" procedure, "#" number
     ...), text in parentheses dropped or used alone ("Date of Service (DOS)"), a system prefix dropped
     ("EMR Patient ID", "Pt DOB", "Patient MRN"). A header taken by a rule is reported in the ingest log
     (`'EMR Patient ID' read as patient_id`) so the analyst can check it.
Headers are matched per layout: "From" is the date of service in a visit/charge export and the start
of the period in a plan of care or an authorization.

When two columns of one file map to the same field, the one whose alias comes first below is used and
the other is ignored (the ingest log says so); e.g. "Timed Minutes" beats "Total Minutes".
"""
from __future__ import annotations

import re
from functools import lru_cache

# --- layouts (CONTRACT §4) ----------------------------------------------------------------------------
# `evidence`: the fields only this layout has. A file is read as a layout only on clear evidence
# (exports.py, `recognise`): a procedure-code column makes a file a visit/charge export, never a plan
# of care or an authorization.
LAYOUTS: dict[str, dict] = {
    "visits": {
        "label": "visit lines",
        "required": ("patient_id", "dos", "cpt", "units"),
        "optional": ("minutes", "modifiers", "modifier_1", "modifier_2", "modifier_3", "modifier_4",
                     "payer", "member_id", "patient_first", "patient_last", "patient_dob",
                     "provider_npi", "provider_role", "ota_minutes", "claim_id", "note_type",
                     "place_of_service", "charge", "start_time", "end_time"),
        # read but not stored: the service end date of a From/To charge line (checked against dos), a
        # per-unit charge (charge = unit charge x units when there is no charge column), a row status
        # (void / deleted / cancelled rows are skipped)
        "helpers": ("dos_end", "unit_charge", "row_status"),
        "evidence": ("dos", "cpt", "units", "minutes", "modifiers", "modifier_1", "modifier_2", "modifier_3",
                     "modifier_4", "provider_npi", "provider_role", "ota_minutes", "claim_id", "note_type",
                     "place_of_service", "charge", "start_time", "end_time", "dos_end", "unit_charge"),
    },
    "authorizations": {
        "label": "authorizations",
        "required": ("patient_id", "auth_number", "start_date", "end_date"),
        "optional": ("payer", "visits_authorized"),
        "helpers": (),
        "evidence": ("auth_number", "visits_authorized"),
    },
    "plans_of_care": {
        "label": "plans of care",
        "required": ("patient_id", "start_date", "end_date"),
        "optional": ("signed_date", "kind", "certifying_npi", "payer", "order_date", "transmitted_date"),
        "helpers": (),
        "evidence": ("signed_date", "kind", "certifying_npi", "order_date", "transmitted_date"),
    },
}
# --- header aliases: field -> accepted spellings (first = preferred) ----------------------------------
ALIASES: dict[str, tuple[str, ...]] = {
    # shared
    "patient_id": ("Patient ID", "MRN", "Account #", "Acct No", "Acct #", "Account Number", "Account No",
                   "Chart Number", "Chart #", "Chart No", "Patient Account", "Patient Account Number",
                   "Patient #", "Patient Number", "Patient No", "Pt ID", "Client ID", "Medical Record Number",
                   "Medical Record #", "Person Number", "Patient Acct No", "Acct", "Account", "Chart"),
    "payer": ("Payer", "Payer Name", "Insurance", "Insurance Name", "Primary Insurance", "Primary Payer",
              "Carrier", "Insurance Carrier", "Plan", "Insurance Plan", "Payor", "Primary Payor",
              "Primary Insurance Name", "Primary Carrier", "Ins Name", "Insurance Company", "Financial Class"),
    # visit lines
    "dos": ("DOS", "Date of Service", "Visit Date", "Service Date", "Date of Visit", "Appointment Date",
            "Appt Date", "Treatment Date", "Date", "Session Date", "Encounter Date", "DOS From",
            "Service Date From", "From DOS"),
    "cpt": ("CPT", "CPT Code", "CPT/HCPCS", "Procedure", "Procedure Code", "Proc Code", "HCPCS", "HCPCS Code",
            "Code", "Service Code", "Billing Code", "CPT Codes", "Billing Codes", "Procedure Codes",
            "Service/CPT Code", "Charge Code", "CPT/HCPCS Code"),
    "units": ("Units", "Billed Units", "Units Billed", "Qty", "Quantity", "Unit Count", "Documented Units",
              "Service Units", "Charge Units"),
    "minutes": ("Minutes", "Treatment Minutes", "Timed Minutes", "Total Timed Minutes", "Mins",
                "Timed Mins", "Service Minutes", "CPT Minutes", "Line Minutes", "Timed Code Minutes",
                "Total Timed Code Minutes", "Total Treatment Minutes", "Treatment Time", "Total Minutes",
                "Duration", "Total Treatment Time", "Session Minutes"),
    "modifiers": ("Modifiers", "Mods", "Modifier", "Mod", "CPT Modifiers", "Procedure Modifiers", "CPT Modifier",
                  "Procedure Modifier", "Modifier Codes"),
    "modifier_1": ("Mod 1", "Modifier 1", "Mod1", "Modifier1", "M1", "First Modifier"),
    "modifier_2": ("Mod 2", "Modifier 2", "Mod2", "Modifier2", "M2", "Second Modifier"),
    "modifier_3": ("Mod 3", "Modifier 3", "Mod3", "Modifier3", "M3", "Third Modifier"),
    "modifier_4": ("Mod 4", "Modifier 4", "Mod4", "Modifier4", "M4", "Fourth Modifier"),
    "member_id": ("Member ID", "Subscriber ID", "Policy #", "Policy Number", "Policy No", "Insurance ID",
                  "Member #", "Member Number", "Subscriber #", "Insured ID", "Medicare ID", "MBI",
                  "Medicaid ID", "Primary Policy Number", "Insurance Member ID"),
    "patient_first": ("First Name", "Patient First", "Patient First Name", "First", "FName"),
    "patient_last": ("Last Name", "Patient Last", "Patient Last Name", "Last", "LName"),
    "patient_dob": ("DOB", "Birth Date", "Date of Birth", "Patient DOB", "Birthdate"),
    "provider_npi": ("Rendering NPI", "Provider NPI", "Therapist NPI", "Rendering Provider NPI",
                     "Clinician NPI", "NPI", "Treating Provider NPI"),
    "provider_role": ("Role", "Provider Type", "Credential", "Discipline", "Provider Role",
                      "Provider Credential", "Therapist Credential", "Clinician Type", "Therapist Type"),
    "ota_minutes": ("OTA Minutes", "Assistant Minutes", "COTA Minutes", "OTA Mins", "COTA Mins",
                    "Assistant Mins"),
    "claim_id": ("Claim ID", "Claim #", "Claim Number", "Claim No", "Patient Control Number",
                 "Patient Control #", "PCN", "Claim Control Number", "Encounter ID", "Encounter #"),
    "note_type": ("Note Type", "Visit Type", "Document Type", "Documentation Type", "Encounter Type",
                  "Appointment Type", "Note Name"),
    "place_of_service": ("Place of Service", "POS", "POS Code", "Place of Service Code"),
    "charge": ("Charge", "Charges", "Charge Amount", "Billed Amount", "Line Charge", "Fee",
               "Billed Charge", "Total Charge", "Total Charges", "Amount", "Charge Amt", "Amount Charged",
               "Total Fee", "Line Total", "Billed Charges"),
    "start_time": ("Start Time", "Time In", "In Time", "Session Start", "Begin Time", "Appointment Start",
                   "Start"),
    "end_time": ("End Time", "Time Out", "Out Time", "Session End", "Stop Time", "Appointment End", "End"),
    # plans of care and authorizations
    "start_date": ("Start Date", "Cert Start", "From", "Plan Start", "Effective Date", "Cert Start Date",
                   "Certification Start", "From Date", "Begin Date", "POC Start", "Auth Start",
                   "Authorization Start", "Certification Start Date", "Auth Start Date",
                   "Authorization Start Date", "Plan Start Date", "POC Start Date", "Period Start Date",
                   "Valid From"),
    "end_date": ("End Date", "Cert End", "Through", "To", "Plan End", "Expiration Date", "Cert End Date",
                 "Certification End", "To Date", "Thru", "Thru Date", "Through Date", "POC End",
                 "Auth End", "Authorization End", "Expires", "Certification End Date", "Auth End Date",
                 "Authorization End Date", "Plan End Date", "POC End Date", "Period End Date", "Valid To",
                 "Expiration"),
    # plans of care
    "signed_date": ("Signed Date", "Signature Date", "Physician Signed", "Date Signed",
                    "Physician Signature Date", "MD Signed Date", "Cert Signed Date", "Signed On",
                    "Signature Received Date", "Physician Signed Date"),
    "kind": ("Type", "Cert Type", "Plan Type", "Certification Type", "POC Type"),
    "certifying_npi": ("Certifying NPI", "Physician NPI", "Referring NPI", "Referring Provider NPI",
                       "Ordering NPI", "Certifying Physician NPI", "Referring Physician NPI"),
    "order_date": ("Order Date", "Referral Date", "Rx Date", "Prescription Date", "Signed Order Date",
                   "Script Date"),
    "transmitted_date": ("Transmitted Date", "Transmittal Date", "Date Sent", "Sent Date", "Faxed Date",
                         "Date Faxed", "POC Sent Date", "Sent to Physician"),
    # authorizations
    "auth_number": ("Auth #", "Authorization Number", "Auth Number", "PA Number", "Prior Auth",
                    "Auth No", "Authorization #", "Auth ID", "Authorization ID", "PA #", "Prior Auth Number",
                    "Prior Authorization Number", "Auth", "Auth Referral Number", "Authorization/Referral Number",
                    "Referral/Auth Number"),
    "visits_authorized": ("Visits Authorized", "Approved Visits", "Authorized Visits", "# Visits",
                          "Visits Approved", "Number of Visits", "Visit Count", "Auth Visits", "Visits",
                          "Visit Authorized For", "Visits Allowed", "Total Authorized Visits"),
    # helpers (visits): read, not stored
    "dos_end": ("DOS To", "Service Date To", "To DOS", "Date To"),
    "unit_charge": ("Unit Charge", "Unit Fee", "Charge per Unit", "Rate per Unit", "Unit Price", "Fee per Unit",
                    "Unit Rate"),
    "row_status": ("Status", "Charge Status", "Visit Status", "Appointment Status", "Active", "Export Flag",
                   "Record Status"),
}

# Spellings that mean another field in one layout than everywhere else: in a visit or charge export
# "From"/"To" are the service dates (CMS-1500 box 24A), not a certification or authorization period.
LAYOUT_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "visits": {"dos": ("From", "From Date", "Service From", "Date From"),
               "dos_end": ("To", "To Date", "Thru", "Through", "Service To")},
}

# --- value spellings: stored value -> accepted spellings (compared after normalize_header) ------------
PROVIDER_ROLE_VALUES: dict[str, tuple[str, ...]] = {
    "OT": ("OT", "OTR", "OTR/L", "OT/L", "OTD", "Occupational Therapist", "Therapist", "OT-L", "OTR-L",
           "Registered Occupational Therapist", "Licensed Occupational Therapist"),
    "OTA": ("OTA", "COTA", "COTA/L", "OTA/L", "Occupational Therapy Assistant", "Occupational Therapist Assistant",
            "Assistant", "COTA-L", "OTA-L", "OT Assistant", "Certified Occupational Therapy Assistant"),
}
NOTE_TYPE_VALUES: dict[str, tuple[str, ...]] = {
    "eval": ("Eval", "Evaluation", "Initial Eval", "Initial Evaluation", "IE", "OT Evaluation", "Initial Exam",
             "Initial Examination", "Initial Evaluation - Certification", "Initial Visit", "New Patient Evaluation"),
    "daily": ("Daily", "Daily Note", "Treatment", "Treatment Note", "Tx Note", "Visit Note", "Daily Treatment Note",
              "Follow Up", "Follow-up Visit", "Visit", "DN", "Tx", "Daily Visit", "Treatment Visit",
              "Session Note", "Progress Note (Daily)"),
    "progress": ("Progress", "Progress Note", "Progress Report", "PN", "Re-eval", "Re-evaluation", "Reevaluation",
                 "PR", "RE", "Re-exam", "Re-examination", "Progress Report/Re-evaluation"),
    "recert": ("Recert", "Recertification", "Re-certification", "Recert Note", "Updated Plan of Care", "RC",
               "Progress Note - Recertification", "Recertification Note", "Re-Certification Progress Note"),
    "discharge": ("Discharge", "Discharge Summary", "Discharge Note", "DC", "D/C", "DC Summary", "DS",
                  "Discharge Report", "Discharge Visit"),
}
PLAN_KIND_VALUES: dict[str, tuple[str, ...]] = {
    "initial": ("Initial", "Initial Cert", "Initial Certification", "Initial POC", "Initial Plan", "Cert",
                "Certification", "New", "Eval"),
    "recert": ("Recert", "Recertification", "Re-cert", "Re-certification", "Recert POC", "Updated", "Update"),
}
# Row statuses of a visit/charge export that mean the row is not a service that happened or stands.
SKIPPED_STATUSES = ("void", "voided", "deleted", "removed", "cancelled", "canceled", "late cancel",
                    "late cancelled", "no show", "noshow", "inactive", "reversed", "no")
# WebPT's standard extract marks a removed record with export_flag 3 (1 new, 2 modified).
EXPORT_FLAG_REMOVED = "3"


def normalize_header(text: object) -> str:
    """'Date of Service' -> 'dateofservice'; 'Patient #' -> 'patientno' (so it is 'Patient No', and not
    'Patient', which is usually the patient's name); None -> ''."""
    if text is None:
        return ""
    return re.sub(r"[^a-z0-9]", "", str(text).lower().replace("#", "no"))


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


def layout_fields(kind: str) -> tuple[str, ...]:
    layout = LAYOUTS[kind]
    return layout["required"] + layout["optional"] + layout["helpers"]


def layout_aliases(kind: str) -> dict[str, tuple[str, ...]]:
    """field -> spellings accepted in this layout: the layout's own spellings first, then the shared ones."""
    extra = LAYOUT_ALIASES.get(kind, {})
    taken = {normalize_header(s) for spellings in extra.values() for s in spellings}
    out = {}
    for field in layout_fields(kind):
        shared = tuple(s for s in ALIASES[field] if normalize_header(s) not in taken)
        out[field] = tuple(dict.fromkeys(shared + extra.get(field, ())))
    return out


@lru_cache(maxsize=None)
def _exact_lookup(kind: str) -> dict[str, tuple[str, int]]:
    return _build_lookup(layout_aliases(kind), include_key=True)


def canonical_column(header: object) -> str | None:
    """The field a header names exactly, in any layout (shared spellings), or None."""
    hit = HEADER_LOOKUP.get(normalize_header(header))
    return hit[0] if hit else None


# --- header rules -------------------------------------------------------------------------------------
_ABBREVIATIONS = {
    "pt": "patient", "pat": "patient", "dt": "date", "svc": "service", "srv": "service", "serv": "service",
    "proc": "procedure", "acct": "account", "amt": "amount", "ins": "insurance", "auth": "authorization",
    "authorisation": "authorization", "mod": "modifier", "min": "minute", "qty": "quantity",
    "prov": "provider", "phys": "physician", "cert": "certification", "eff": "effective", "exp": "expiration",
    "no": "number", "num": "number", "nbr": "number", "tx": "treatment", "appt": "appointment",
    "chg": "charge", "chrg": "charge", "desc": "description", "ref": "referring", "rendering": "rendering",
    "doc": "document", "documentation": "document", "cd": "code", "id": "id",
}
_STOPWORDS = {"of", "the", "a", "an", "for", "in", "on", "per", "by", "and"}
_KEEP_S = {"dos", "hcpcs", "status", "bis", "plus", "ss", "is", "mbi", "pos"}
# System prefixes an export puts before a column name ("EMR Patient ID", "Pt DOB", "Patient MRN").
_PREFIXES = {"emr", "ehr", "pm", "patient", "client", "pt", "pat", "primary"}
# After a prefix is dropped, what is left must name a column on its own: not these generic words.
_GENERIC = {"type", "date", "code", "plan", "visit", "first", "last", "role", "to", "from", "through", "thru",
            "authorization", "fee", "procedure", "quantity", "discipline", "credential", "expires", "carrier",
            "status", "active", "number", "id", "account", "start", "end", "amount", "charge", "insurance",
            "expiration", "payer", "payor", "minute", "duration", "treatment"}


def _singular(word: str) -> str:
    if word in _KEEP_S or len(word) <= 3 or word.endswith(("ss", "us")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s"):
        return word[:-1]
    return word


def header_words(text: object) -> list[str]:
    """'EMR Patient ID' -> ['emr', 'patient', 'id']; 'dateOfService' -> ['date', 'service'];
    'Acct #' -> ['account', 'number']; 'Units' -> ['unit']. Abbreviations spelled out, singular."""
    s = str(text or "")
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    s = s.replace("#", " number ")
    words = []
    for w in re.split(r"[^A-Za-z0-9]+", s.lower()):
        if not w or w in _STOPWORDS:
            continue
        words.append(_singular(_ABBREVIATIONS.get(w, w)))
    return words


def _key(words: list[str]) -> str:
    return " ".join(sorted(words))


@lru_cache(maxsize=None)
def _rule_lookup(kind: str) -> dict[str, str | None]:
    """word-set key -> field for one layout; a key two fields share maps to None (never used)."""
    out: dict[str, str | None] = {}
    for field, spellings in layout_aliases(kind).items():
        for name in (field,) + spellings:
            k = _key(header_words(name))
            if not k:
                continue
            if k in out and out[k] != field:
                out[k] = None
            else:
                out.setdefault(k, field)
    return out


_PARENS = re.compile(r"[\(\[\{]([^\)\]\}]*)[\)\]\}]")


def match_header(header: object, kind: str) -> tuple[str | None, str | None]:
    """(field, rule) for a header in a layout: rule is None for an exact alias, else how it was read
    ('words in another order or form', 'text in parentheses', 'system prefix ...'); (None, None) when
    the header names no field of the layout."""
    if header is None:
        return None, None
    text = str(header).strip()
    if not text or len(text) > 200:
        return None, None
    return _match_header(text, kind)


@lru_cache(maxsize=8192)
def _match_header(text: str, kind: str) -> tuple[str | None, str | None]:
    hit = _exact_lookup(kind).get(normalize_header(text))
    if hit:
        return hit[0], None
    rules = _rule_lookup(kind)
    variants: list[tuple[list[str], str]] = [(header_words(text), "words in another order or form")]
    inside = _PARENS.findall(text)
    if inside:
        outside = _PARENS.sub(" ", text)
        variants.append((header_words(outside), "text in parentheses ignored"))
        for part in inside:
            variants.append((header_words(part), "read from the text in parentheses"))
    for words, why in list(variants):
        w = list(words)
        dropped = []
        while len(w) > 1 and w[0] in _PREFIXES:
            dropped.append(w.pop(0))
            if _key(w) not in ("",) and " ".join(w) not in _GENERIC:
                variants.append((list(w), f"prefix '{' '.join(dropped)}' ignored"))
    for words, why in variants:
        k = _key(words)
        if not k:
            continue
        field = rules.get(k)
        if field:
            return field, why
    return None, None


# --- value rules --------------------------------------------------------------------------------------
_VALUE_TABLES = {"provider_role": (ROLE_LOOKUP, PROVIDER_ROLE_VALUES),
                 "note_type": (NOTE_TYPE_LOOKUP, NOTE_TYPE_VALUES),
                 "kind": (PLAN_KIND_LOOKUP, PLAN_KIND_VALUES)}
_DISCIPLINE_WORDS = {"ot", "occupational", "therapy", "otr", "pt", "physical", "st", "speech", "slp", "note",
                     "visit", "report", "document", "summary", "session", "appointment", "soap", "2", "1"}


def _value_by_keywords(field: str, words: set[str]) -> str | None:
    if field == "note_type":
        if words & {"recert", "recertification"} or {"re", "certification"} <= words:
            return "recert"
        if words & {"discharge", "dc"}:
            return "discharge"
        if words & {"progress", "reevaluation", "reeval", "reexam", "reexamination"} or \
                ("re" in words and words & {"evaluation", "eval", "exam", "examination"}):
            return "progress"
        if words & {"evaluation", "eval", "exam", "examination", "initial"}:
            return "eval"
        if words & {"daily", "treatment", "tx", "follow", "followup", "routine"}:
            return "daily"
        return None
    if field == "provider_role":
        if words & {"assistant", "cota", "ota", "asst"}:
            return "OTA"
        if words & {"otr", "ot", "otd", "occupational"} and not words & {"pt", "pta", "physical", "slp", "speech"}:
            return "OT"
        return None
    if field == "kind":
        if words & {"recert", "recertification", "update", "updated", "renewal"}:
            return "recert"
        if words & {"initial", "new", "cert", "certification"}:
            return "initial"
    return None


def match_value(raw: object, field: str) -> tuple[str | None, bool]:
    """(stored value, by_rule) for a note type, provider role or plan kind; (None, False) when unknown.
    Exact spellings first (case and punctuation ignored), then key words ('OT Re-Evaluation' ->
    progress, 'Occupational Therapy Assistant - Licensed' -> OTA)."""
    lookup, _ = _VALUE_TABLES[field]
    text = str(raw or "").strip()
    if not text:
        return None, False
    hit = lookup.get(normalize_header(text))
    if hit:
        return hit, False
    words = {w for w in re.split(r"[^a-z0-9]+", text.lower().replace("re-", "re ")) if w}
    joined = {normalize_header(text)}
    got = _value_by_keywords(field, words | joined)
    if got:
        return got, True
    core = [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w and w not in _DISCIPLINE_WORDS]
    hit = lookup.get("".join(core)) if core else None
    if hit:
        return hit, True
    return None, False


def value_choices(field: str) -> list[str]:
    return list(_VALUE_TABLES[field][1])


# --- documentation ------------------------------------------------------------------------------------

def alias_markdown() -> str:
    """The alias tables as Markdown, for docs/input_layouts.md and the README."""
    def cell(spellings):
        return ", ".join(f"`{s}`" for s in spellings)

    out = []
    for kind, layout in LAYOUTS.items():
        out.append(f"#### {layout['label'].capitalize()} (`{kind}` table)\n")
        out.append("| column | required | accepted headers (besides the column name itself) |")
        out.append("|---|---|---|")
        spellings = layout_aliases(kind)
        for col in layout["required"] + layout["optional"] + layout["helpers"]:
            req = "yes" if col in layout["required"] else ("read, not stored" if col in layout["helpers"] else "")
            out.append(f"| `{col}` | {req} | {cell(spellings[col])} |")
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

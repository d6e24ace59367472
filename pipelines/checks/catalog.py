"""The rule catalog, read from the rules themselves: each sql/rules/<rule>.sql opens with a parseable header

    -- rule: UNITS_UNDERBILLED
    -- title: Timed units billed below what the documented minutes support
    -- category: leakage                      leakage | compliance | denial | data_quality
    -- severity: medium                       high | medium | low
    -- grain: line                            line | visit | claim | beneficiary_year
    -- requires: claims, visit_minutes        the inputs the rule needs (INPUTS; a|b = either)
    -- citation: CMS Pub. 100-04 Ch.5 §20.2   primary sources, as the client reads them
    -- provenance: RULEBOOK §1.1-§1.3         where the rule comes from internally (analyst files only)

from which `rcm-audit rules`, the `rule_catalog` table, the coverage table and the report are built: a rule's
facts live in one place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from ..resources import sql_dir
from ..stage.models import ModelError

CATEGORIES = ("leakage", "compliance", "denial", "data_quality")
SEVERITIES = ("high", "medium", "low")
GRAINS = ("line", "visit", "claim", "beneficiary_year")
HEADER_KEYS = ("rule", "title", "category", "severity", "grain", "requires", "citation", "provenance")

# What each input a rule can require means: (SQL true when the audit has it, what is missing in the
# client's words, what to send to check it).
INPUTS: dict[str, tuple[str, str, str]] = {
    "claims": ("exists (select 1 from claims)",
               "no 837P claim files", "the 837P claim files the practice (or its clearinghouse) sent"),
    "remittances": ("exists (select 1 from remit_claims)",
                    "no 835 remittance files", "the 835 electronic remittance advice files for the same period"),
    "visits": ("exists (select 1 from visits)",
               "no visit export from the EMR", "the EMR's visit or charge export with treatment minutes per code"),
    "visit_minutes": ("exists (select 1 from visits where minutes is not null)",
                      "no treatment minutes in the visit export",
                      "the EMR's visit export with the treatment minutes of each timed code"),
    "note_types": ("exists (select 1 from visits where note_type is not null)",
                   "no note types (progress reports) in the visit export",
                   "the visit export with each note's type (evaluation, daily note, progress report)"),
    "provider_roles": ("exists (select 1 from visits where nullif(trim(provider_role), '') is not null or ota_minutes is not null)",
                       "no OT/OTA (therapist or assistant) column in the visit export",
                       "the visit export with who treated (OT or OTA) or the assistant's minutes"),
    "plans_of_care": ("exists (select 1 from plans_of_care)",
                      "no plans of care export", "the plans of care with their certification and signature dates"),
    "authorizations": ("exists (select 1 from authorizations)",
                       "no authorizations export", "the authorizations on file (numbers, dates, visits approved)"),
    "medicare_rules": ("exists (select 1 from stg_claim_lines where payer_class = 'medicare' or follows_medicare_rules)",
                       "no Medicare Part B claims", "Medicare Part B claims, if the practice bills Medicare"),
    "medicare_or_ma": ("exists (select 1 from stg_claim_lines where payer_class in ('medicare', 'medicare_advantage'))",
                       "no Medicare or Medicare Advantage claims", "Medicare and Medicare Advantage claims, if any"),
    "masshealth": ("exists (select 1 from stg_claim_lines where payer_class = 'masshealth')",
                   "no MassHealth claims", "MassHealth claims, if the practice bills MassHealth"),
    "auth_payers": ("exists (select 1 from stg_claim_lines where requires_auth and payer_class <> 'masshealth')",
                    "no claims to payers that require authorization",
                    "claims of the plans that require authorization (for example BCBSMA HMO Blue), if any"),
    "mue": ("exists (select 1 from stg_claim_lines l join mue_edits m on m.cpt = l.cpt "
            "and l.dos between m.effective_from and m.effective_to "
            "where l.payer_class = 'medicare' or l.follows_medicare_rules)",
            "no MUE table for the Medicare dates of service",
            ""),   # nothing for the practice to send: the analyst imports CMS's table (rcm-audit reference import)
}


# Inputs that are a part of another: when the whole is missing, only the whole is named (no "no minutes in
# the visit export" when there is no visit export at all).
PART_OF = {"visit_minutes": "visits", "note_types": "visits", "provider_roles": "visits"}


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    category: str
    severity: str
    grain: str
    requires: tuple[tuple[str, ...], ...]     # all of the groups; within a group, any one input
    citation: str
    provenance: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _parse(path: Path) -> Rule:
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^--\s*(\w+):\s*(.*?)\s*$", line)
        if not line.startswith("--") or (m is None and header):
            break
        if m and m.group(1) in HEADER_KEYS:
            header[m.group(1)] = m.group(2)
    missing = [k for k in HEADER_KEYS if not header.get(k)]
    where = f"sql/rules/{path.name}"
    if missing:
        raise ModelError(f"{where}: header lacks {', '.join(missing)}")
    if header["rule"] != path.stem.upper():
        raise ModelError(f"{where}: header names rule {header['rule']}, the file name says {path.stem.upper()}")
    for key, allowed in (("category", CATEGORIES), ("severity", SEVERITIES), ("grain", GRAINS)):
        if header[key] not in allowed:
            raise ModelError(f"{where}: {key} '{header[key]}' is not one of {', '.join(allowed)}")
    groups = tuple(tuple(x.strip() for x in g.split("|")) for g in header["requires"].split(","))
    unknown = sorted({x for g in groups for x in g} - set(INPUTS))
    if unknown:
        raise ModelError(f"{where}: requires unknown input(s) {', '.join(unknown)}")
    return Rule(header["rule"], header["title"], header["category"], header["severity"], header["grain"],
                groups, header["citation"], header["provenance"], path)


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    """Every rule of sql/rules (files starting with '_' are not rules), in rule-id order."""
    return tuple(sorted((_parse(p) for p in (sql_dir() / "rules").glob("*.sql") if not p.name.startswith("_")),
                        key=lambda r: r.rule_id))


def write_catalog(con: duckdb.DuckDBPyConnection) -> None:
    """Table rule_catalog: one row per rule, from the headers."""
    columns = ("rule_id", "title", "category", "severity", "grain", "requires", "citation", "provenance")
    df = pa.Table.from_pylist(
        [{"rule_id": r.rule_id, "title": r.title, "category": r.category, "severity": r.severity,
          "grain": r.grain, "requires": ", ".join("|".join(g) for g in r.requires),
          "citation": r.citation, "provenance": r.provenance} for r in load_rules()],
        schema=pa.schema([(c, pa.string()) for c in columns]))
    con.register("_catalog", df)
    try:
        con.execute("create or replace table rule_catalog as select * from _catalog")
    finally:
        con.unregister("_catalog")


def input_status(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Which inputs this audit has (INPUTS), from the staged data."""
    names = list(INPUTS)
    row = con.execute("select " + ", ".join(f"({INPUTS[n][0]}) as {n}" for n in names)).fetchone()
    return dict(zip(names, (bool(v) for v in row)))


def coverage(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per rule: evaluated, or which input was missing (CONTRACT §5 table `coverage`)."""
    have = input_status(con)
    out = []
    for r in load_rules():
        missing = []
        for g in r.requires:
            if not any(have[x] for x in g):
                g = tuple(dict.fromkeys(PART_OF.get(x, x) if not have[PART_OF.get(x, x)] else x for x in g))
                if g not in missing:
                    missing.append(g)
        out.append({
            "rule_id": r.rule_id,
            "evaluated": not missing,
            "missing_input": "; ".join(" or ".join(INPUTS[x][1] for x in g) for g in missing),
            "what_to_send": "; ".join(" or ".join(INPUTS[x][2] for x in g) for g in missing),
        })
    return out

"""Which export a table is, by evidence, never by first match; or what the analyst's mapping says.

The header row is looked for among the first rows (report titles, run dates and date ranges above it
are skipped; a two-row header, as merged cells make it, is read as one). Each candidate row is read
against every layout (aliases.match_header: a header can mean another field in another layout) and
the layouts are weighed:

  * a procedure-code column makes a file a visit/charge export, never a plan of care or an
    authorization: with the visit columns complete it is read as visits; without them it is rejected
    (naming the other layout its columns would fit, and the mapping that settles it);
  * an authorization number makes an authorizations export (it also has everything a plan of care
    needs); a plan of care needs its own evidence: a signature, certification type, certifying NPI,
    order or sent date, or start/end headers that say certification/plan of care;
  * when two layouts fit equally, or the only fit rests on generic columns (patient, start, end), the
    file is rejected with the candidates named and the practice.toml mapping that would settle it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..messages import place, shown
from . import aliases
from .aliases import LAYOUTS, match_header, normalize_header
from .export_grid import Sheet, body_width
from .export_values import BadValue, code_items
from .mapping import ExportMapping

HEADER_SEARCH_ROWS = 15        # non-blank rows looked at for the header
MAX_FOUND_LISTED = 30
_POC_WORDS = {"cert", "certification", "plan", "poc", "care", "recert"}
_AUTH_WORDS = {"auth", "authorization", "authorized", "pa", "approved", "approval"}


@dataclass
class ColumnUse:
    index: int
    header: str
    field: str | None
    rule: str | None = None          # how the header was read, when not an exact alias ('mapping': practice.toml)
    note: str | None = None          # why a matching column was not used


@dataclass
class Recognition:
    status: str                      # recognised | mapped | ambiguous | thin | missing | unknown | mapping_error | empty
    kind: str | None = None          # the layout read (recognised/mapped); the closest one otherwise
    header_index: int | None = None  # index into sheet.head
    header_row: int | None = None    # 1-based row number of the header (the lower row of a two-row header)
    columns: dict[str, int] = field(default_factory=dict)
    uses: list[ColumnUse] = field(default_factory=list)
    width: int = 0
    candidates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    reason: str = ""                 # why the table is not read (status other than recognised/mapped)
    units_in_codes: bool = False     # visits without a units column: counts come from the code cell
    mapping: ExportMapping | None = None
    header_cells: list[str] = field(default_factory=list)
    trusted_header: bool = False     # the header row is a header (its cells may be listed in messages)

    @property
    def ok(self) -> bool:
        return self.status in ("recognised", "mapped")

    def found(self) -> str:
        """The header row's cells as they may appear in a message ('(no header row found)' when the row
        is not clearly a header: it could be data, and data is never listed)."""
        if not self.trusted_header:
            return "(no header row found)"
        cells = [shown(h).strip("'") for h in self.header_cells if h.strip()]
        more = len(cells) - MAX_FOUND_LISTED
        text = ", ".join(cells[:MAX_FOUND_LISTED]) + (f" and {more} more" if more > 0 else "")
        return text or "(no headers)"


# ----------------------------------------------------------------------------------------------------
# One header row against one layout
# ----------------------------------------------------------------------------------------------------

def _preference(header: str, kind: str) -> int:
    hit = aliases._exact_lookup(kind).get(normalize_header(header))
    return hit[1] if hit else 1000


def map_columns(cells: list[str], kind: str, fixed: dict[str, int] | None = None
                ) -> tuple[dict[str, int], list[ColumnUse]]:
    """field -> column index for one layout, and what each column is used for. `fixed` (a mapping's
    columns) wins; among the others an exact alias beats a rule, and the alias listed first wins."""
    fixed = fixed or {}
    used_idx = set(fixed.values())
    uses = [ColumnUse(i, h, None) for i, h in enumerate(cells)]
    for fld, i in fixed.items():
        uses[i].field, uses[i].rule = fld, "mapping"
    best: dict[str, tuple[int, int]] = {}
    for i, h in enumerate(cells):
        if i in used_idx:
            continue
        fld, rule = match_header(h, kind)
        if not fld:
            continue
        if fld in fixed:
            uses[i].note = f"ignored: the mapping reads {fld} from '{shown(cells[fixed[fld]]).strip(chr(39))}'"
            continue
        pref = _preference(h, kind)
        uses[i].field, uses[i].rule = fld, rule
        if fld in best:
            old_pref, old_i = best[fld]
            keep, drop = (i, old_i) if pref < old_pref else (old_i, i)
            best[fld] = (min(pref, old_pref), keep)
            uses[drop].note = f"ignored: '{shown(cells[keep]).strip(chr(39))}' is used for {fld}"
            uses[drop].field = None
            uses[keep].field = fld
        else:
            best[fld] = (pref, i)
    columns = dict(fixed)
    columns.update({f: i for f, (_, i) in best.items()})
    return columns, uses


def _evidence(kind: str, columns: dict[str, int], cells: list[str]) -> int:
    n = sum(1 for f in LAYOUTS[kind]["evidence"] if f in columns)
    if kind in ("plans_of_care", "authorizations"):
        words = set()
        for f in ("start_date", "end_date"):
            if f in columns:
                words |= set(aliases.header_words(cells[columns[f]])) | {normalize_header(cells[columns[f]])}
        if kind == "plans_of_care" and words & _POC_WORDS:
            n += 1
        if kind == "authorizations" and words & _AUTH_WORDS:
            n += 1
    return n


def _codes_carry_units(rows: list[list[str]], col: int) -> bool:
    """True when the code column's cells hold counts or several codes ('97530 x2, 97110')."""
    for r in rows[:50]:
        if col < len(r) and r[col].strip():
            try:
                items = code_items(r[col])
            except BadValue:
                continue
            if len(items) > 1 or any(it.units is not None for it in items):
                return True
    return False


def _codes_look_like_codes(rows: list[list[str]], col: int) -> tuple[int, int]:
    good = total = 0
    for r in rows[:50]:
        if col < len(r) and r[col].strip():
            total += 1
            try:
                code_items(r[col])
                good += 1
            except BadValue:
                pass
    return good, total


@dataclass
class _Assessment:
    cells: list[str]
    per_kind: dict[str, tuple[dict[str, int], list[ColumnUse]]]
    status: str
    kind: str | None
    candidates: list[str]
    missing: list[str]
    reason: str
    score: tuple
    units_in_codes: bool = False


def _label(kind: str) -> str:
    return LAYOUTS[kind]["label"]


def _assess(cells: list[str], below: list[list[str]]) -> _Assessment:
    per_kind = {k: map_columns(cells, k) for k in LAYOUTS}
    cols = {k: v[0] for k, v in per_kind.items()}
    missing = {k: [f for f in LAYOUTS[k]["required"] if f not in cols[k]] for k in LAYOUTS}
    evidence = {k: _evidence(k, cols[k], cells) for k in LAYOUTS}
    matched = {k: sum(1 for f in LAYOUTS[k]["required"] if f in cols[k]) for k in LAYOUTS}
    n_fields = {k: len(cols[k]) for k in LAYOUTS}
    units_in_codes = False
    has_cpt = "cpt" in cols["visits"]
    if has_cpt and "units" in missing["visits"] and _codes_carry_units(below, cols["visits"]["cpt"]):
        missing["visits"] = [f for f in missing["visits"] if f != "units"]
        units_in_codes = True

    def result(status, kind, candidates=(), reason="", miss=()):
        best_fields = n_fields[kind] if kind else max(n_fields.values())
        rank = {"recognised": 3, "ambiguous": 2, "thin": 2, "missing": 1, "unknown": 0}[status]
        score = (rank, matched[kind] if kind else 0, best_fields)
        return _Assessment(cells, per_kind, status, kind, list(candidates), list(miss), reason, score,
                           units_in_codes and kind == "visits")

    hint_missing = lambda k: ", ".join(missing[k])                       # noqa: E731
    if has_cpt:
        cpt_header = shown(cells[cols["visits"]["cpt"]])
        others = [k for k in ("authorizations", "plans_of_care") if not missing[k] and evidence[k] > 0]
        if not missing["visits"]:
            good, total = _codes_look_like_codes(below, cols["visits"]["cpt"])
            if total >= 4 and good * 2 < total:
                return result("missing", "visits", miss=["cpt"],
                              reason=f"the procedure-code column {cpt_header} does not hold CPT/HCPCS codes "
                                     f"({good} of the first {total} values are codes)")
            return result("recognised", "visits")
        if others:
            other = others[0]
            return result("ambiguous", "visits", candidates=[other, "visits"], miss=missing["visits"],
                          reason=f"the procedure-code column {cpt_header} makes it a visit/charge export, which "
                                 f"needs {hint_missing('visits')}; its columns otherwise fit {_label(other)}")
        return result("missing", "visits", miss=missing["visits"])

    complete = [k for k in ("authorizations", "plans_of_care") if not missing[k]]
    if len(complete) == 2:
        a, p = evidence["authorizations"], evidence["plans_of_care"]
        if p == 0 or a > p:
            return result("recognised", "authorizations")
        return result("ambiguous", "authorizations", candidates=["authorizations", "plans_of_care"],
                      reason="it has an authorization number and as many or more plan-of-care columns")
    if complete == ["plans_of_care"]:
        p, a = evidence["plans_of_care"], evidence["authorizations"]
        if p == 0:
            return result("thin", "plans_of_care", candidates=["plans_of_care", "authorizations"],
                          reason="its patient, start and end columns fit a plan of care or an authorization, "
                                 "but nothing says which (no signature date, certification type or certifying "
                                 "NPI; no authorization number)")
        if a >= p:
            return result("ambiguous", "plans_of_care", candidates=["plans_of_care", "authorizations"],
                          reason="its columns fit a plan of care as well as an authorization without its number")
        return result("recognised", "plans_of_care")
    if complete == ["authorizations"]:
        return result("recognised", "authorizations")
    # nothing complete: the closest layout by required columns matched, then evidence
    order = sorted(LAYOUTS, key=lambda k: (-matched[k], -evidence[k], list(LAYOUTS).index(k)))
    closest = order[0]
    status = "missing" if matched[closest] >= 2 else "unknown"
    return result(status, closest, miss=missing[closest])


def _trusted(assessment: _Assessment, first_row: bool) -> bool:
    """Whether the row's cells may be listed in a message: a header row (two or more cells name fields of
    some layout), or the file's first row when it looks like column names (two or more cells, no digits,
    none long). A data row is never listed: it may hold names, birth dates, member ids."""
    if max(sum(1 for u in uses if u.field) for _, uses in assessment.per_kind.values()) >= 2:
        return True
    cells = [c.strip() for c in assessment.cells if c.strip()]
    return first_row and len(cells) >= 2 and all(len(c) <= 40 and not any(ch.isdigit() for ch in c) for c in cells)


def _two_row_header(upper: list[str], lower: list[str]) -> list[str] | None:
    """A header split over two rows (a group label above the column names, as merged cells make it):
    'Service' over 'Date' reads 'Service Date'. None when the upper row adds nothing."""
    if not any(v.strip() for v in upper):
        return None
    out, changed = [], False
    for i in range(max(len(upper), len(lower))):
        top = upper[i].strip() if i < len(upper) else ""
        bottom = lower[i].strip() if i < len(lower) else ""
        if top and bottom and top.lower() != bottom.lower():
            out.append(f"{top} {bottom}")
            changed = True
        elif bottom:
            out.append(bottom)
        else:
            out.append(top)
            changed = changed or bool(top)
    return out if changed else None


# ----------------------------------------------------------------------------------------------------
# A table
# ----------------------------------------------------------------------------------------------------

def recognise(sheet: Sheet, mapping: ExportMapping | None = None) -> Recognition:
    if mapping is not None:
        return _apply_mapping(sheet, mapping)
    head = sheet.head
    candidates: list[tuple[_Assessment, int]] = []
    seen = 0
    for i, row in enumerate(head):
        if not any(v.strip() for v in row):
            continue
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            break
        candidates.append((_assess(row, head[i + 1:]), i))
        if i > 0:
            two = _two_row_header(head[i - 1], row)
            if two:
                candidates.append((_assess(two, head[i + 1:]), i))
    if not candidates:
        return Recognition("empty", reason="no rows")
    best, index = candidates[0]
    for a, i in candidates[1:]:
        if a.score > best.score:
            best, index = a, i
    return _recognition(sheet, best, index)


def _recognition(sheet: Sheet, a: _Assessment, index: int) -> Recognition:
    kind = a.kind
    columns, uses = a.per_kind[kind] if kind else ({}, [ColumnUse(i, h, None) for i, h in enumerate(a.cells)])
    rec = Recognition(status=a.status, kind=kind, header_index=index, header_row=sheet.head_numbers[index],
                      columns=columns, uses=uses, candidates=a.candidates, missing=a.missing, reason=a.reason,
                      units_in_codes=a.units_in_codes, header_cells=list(a.cells),
                      trusted_header=_trusted(a, first_row=not any(any(v.strip() for v in r) for r in sheet.head[:index])))
    rec.width = max(body_width(sheet, index), len(a.cells))
    return rec


def _apply_mapping(sheet: Sheet, m: ExportMapping) -> Recognition:
    """The mapping's layout and columns; the other fields of the layout recognised from the headers."""
    wanted = {f: normalize_header(h) for f, h in m.columns.items()}
    index = None
    if m.header_row is not None:
        if m.header_row in sheet.head_numbers:
            index = sheet.head_numbers.index(m.header_row)
    else:
        for i, row in enumerate(sheet.head):
            norm = [normalize_header(v) for v in row]
            if wanted and all(w in norm for w in wanted.values()):
                index = i
                break
        if index is None:                               # the row with most mapped headers, else the header
            scores = [sum(1 for w in wanted.values() if w in [normalize_header(v) for v in row]) for row in sheet.head]
            if scores and max(scores) > 0:
                index = max(range(len(scores)), key=lambda k: scores[k])
            else:
                got = recognise(sheet)
                index = got.header_index if got.header_index is not None and (got.trusted_header or not wanted) \
                    else None
    label = f"practice.toml {m.where} (file = \"{m.file}\")"
    if index is None:
        return Recognition("mapping_error", kind=m.layout, mapping=m,
                           reason=f"{label}: no header row found"
                                  + (f" at row {m.header_row}" if m.header_row else "")
                                  + (" with the mapped column(s) " + ", ".join(
                                      shown(h) for h in m.columns.values()) if m.columns else ""))
    cells = sheet.head[index]
    norm = [normalize_header(v) for v in cells]
    fixed, absent = {}, []
    for f, w in wanted.items():
        if w in norm:
            fixed[f] = norm.index(w)
        else:
            absent.append(f"{shown(m.columns[f])} (for {f})")
    columns, uses = map_columns(cells, m.layout, fixed)
    rec = Recognition("mapped", kind=m.layout, header_index=index, header_row=sheet.head_numbers[index],
                      columns=columns, uses=uses, mapping=m, header_cells=list(cells), trusted_header=True)
    rec.width = max(body_width(sheet, index), len(cells))
    if absent:
        rec.status = "mapping_error"
        rec.reason = (f"{label}: mapped column(s) {', '.join(absent)} not found in the header row "
                      f"({place(row=rec.header_row, sheet=sheet.name)})")
        return rec
    missing = [f for f in LAYOUTS[m.layout]["required"] if f not in columns]
    if m.layout == "visits" and missing == ["units"] and "cpt" in columns and \
            _codes_carry_units(sheet.head[index + 1:], columns["cpt"]):
        missing, rec.units_in_codes = [], True
    if missing:
        rec.status = "mapping_error"
        rec.missing = missing
        rec.reason = (f"{label}: required column(s) {', '.join(missing)} are neither mapped nor recognised; "
                      f"add them under [exports.columns]")
    return rec

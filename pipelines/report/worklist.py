"""worklist.xlsx: what the billers can still fix or collect, one row per finding.

Rows: amount_kind recoverable (bill, correct, appeal), at_risk (shore up documentation/authorization
before a review or denial) and overbilled (refunds or corrected claims to make: billers need them to
close compliance items, so they are on the list too). Lost items are not: nothing can be done per item.
Sorted by fix_by (earliest deadline first, none last), then dollars (largest first).
Written with openpyxl write-only mode (streams; ~100k rows in seconds).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .playbook import PLAYBOOK, play

WORKLIST_KINDS = ("recoverable", "at_risk", "overbilled")
KIND_LABEL = {"recoverable": "Collect", "at_risk": "Protect", "overbilled": "Refund"}
DATE_FMT = "yyyy-mm-dd"
MONEY_FMT = '"$"#,##0.00'

# (header, width, kind) kind: text | date | money | num
COLUMNS = [
    ("Priority", 8, "num"), ("Fix by", 11, "date"), ("Amount", 12, "money"), ("Type", 9, "text"),
    ("Action", 60, "text"), ("Owner", 18, "text"), ("Rule", 24, "text"), ("Payer", 26, "text"),
    ("Claim ID", 14, "text"), ("Payer claim ID", 16, "text"), ("Patient ref", 12, "text"),
    ("DOS", 11, "date"), ("CPT", 7, "text"), ("Modifiers", 10, "text"), ("Units billed", 7, "num"),
    ("Units expected", 8, "num"), ("Detail", 70, "text"), ("Source file", 24, "text"),
    ("Who", 14, "text"), ("When", 11, "date"), ("Outcome", 30, "text"),
]


def _sql(show_phi: bool) -> str:
    kinds = ", ".join(f"'{k}'" for k in WORKLIST_KINDS)
    name = ""
    join = ""
    if show_phi:
        name = ", n.patient_name"
        join = """left join (select claim_id, any_value(patient_first || ' ' || patient_last) as patient_name
                             from claims group by 1) n on n.claim_id = f.claim_id"""
    return f"""
        select f.priority_rank, f.fix_by, f.amount_usd::double as amount_usd, f.amount_kind, f.rule_id,
               f.payer, f.claim_id, f.payer_claim_id, f.patient_ref, f.dos, f.cpt, f.modifiers,
               f.units_billed, f.units_expected, f.detail, f.source_file{name}
        from findings f {join}
        where f.amount_kind in ({kinds})
        order by f.fix_by asc nulls last, f.amount_usd desc nulls last, f.priority_rank nulls last,
                 f.claim_id, f.dos, f.cpt
    """


def write_worklist(con: duckdb.DuckDBPyConnection, out_xlsx: Path, show_phi: bool = False) -> int:
    """Write the worklist; returns the number of item rows written (header excluded)."""
    out_xlsx = Path(out_xlsx)
    out_xlsx.parent.mkdir(parents=True, exist_ok=True)
    cols = list(COLUMNS)
    if show_phi:
        cols.insert(11, ("Patient name (PHI)", 22, "text"))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Worklist")
    for i, (_, width, _) in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"

    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="37474F")
    header = []
    for title, _, _ in cols:
        c = WriteOnlyCell(ws, value=title)
        c.font, c.fill, c.alignment = head_font, head_fill, Alignment(vertical="center", wrap_text=True)
        header.append(c)
    ws.append(header)

    def styled(fmt):
        c = WriteOnlyCell(ws)
        c.number_format = fmt
        return c

    # ws.append() serializes a row at once, so the three styled cells are made once and refilled per
    # row (a new cell and style lookup per value is a third of the time on a 100k-row list)
    fix_c, amt_c, dos_c = styled(DATE_FMT), styled(MONEY_FMT), styled(DATE_FMT)

    actions = {rid: (p.action, p.owner) for rid, p in PLAYBOOK.items()}
    cur = con.execute(_sql(show_phi))
    n = 0
    while True:
        batch = cur.fetchmany(5000)
        if not batch:
            break
        for r in batch:
            (rank, fix_by, amount, kind, rule_id, payer, claim_id, payer_claim_id, patient_ref, dos, cpt,
             modifiers, ub, ue, detail, source_file, *rest) = r
            action, owner = actions.get(rule_id) or (play(rule_id).action, play(rule_id).owner)
            fix_c.value, amt_c.value, dos_c.value = _d(fix_by), amount, _d(dos)
            row = [rank, fix_c, amt_c,
                   KIND_LABEL.get(kind, kind), action, owner, rule_id, payer, claim_id,
                   payer_claim_id, patient_ref, dos_c, cpt, modifiers, ub, ue, detail,
                   source_file, None, None, None]
            if show_phi:
                row.insert(11, rest[0] if rest else None)
            ws.append(row)
            n += 1
    last = get_column_letter(len(cols))
    ws.auto_filter.ref = f"A1:{last}{n + 1}"
    ws.print_title_rows = "1:1"
    _about_sheet(wb, con, n)
    wb.save(out_xlsx)
    return n


def _d(x):
    if isinstance(x, dt.datetime):
        return x.date()
    return x


ABOUT = [
    ("What this is", "Every item the billers can still act on, one row per finding: Collect = recoverable "
     "(bill, correct or appeal), Protect = at risk (paid or payable, likely denied or recouped: shore up the "
     "documentation or authorization), Refund = overbilled (send a corrected claim or a refund). Lost items "
     "are not listed (nothing can be done per item); they are in findings.csv."),
    ("Order", "By Fix by (the filing, appeal or reopening deadline; earliest first, items without a deadline "
     "last), then by Amount (largest first)."),
    ("Priority", "The rank of the item's recommendation in the audit report (1 = act first)."),
    ("Action / Owner", "The playbook step for the item's rule and who usually does it."),
    ("Who / When / Outcome", "Blank, for the team to fill in."),
    ("Patients", "Patient ref is the audit's pseudonym; the practice's own EMR maps it back through the "
     "claim ID. No names, birth dates or member ids are in this file unless it was produced with --show-phi."),
]


def _about_sheet(wb, con, n: int) -> None:
    about = wb.create_sheet("About")
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 110
    as_of = None
    try:
        as_of = con.execute("select max(as_of) from audit_params").fetchone()[0]
    except duckdb.Error:
        pass
    bold = Font(bold=True)
    for k, v in [("Items", n), ("As of", as_of.isoformat() if as_of else "")] + ABOUT:
        c = WriteOnlyCell(about, value=k)
        c.font = bold
        about.append([c, v])

"""Recognise one of CMS's quarterly files by its content and read it into a normalised Arrow table.

What each file looks like is written down, with the public copies it was checked against, in
docs/reference_files.md. In short:

- PPRRVU (the PFS relative value file, `PPRRVU2026_Jul_nonQPP.csv` / `_QPP.csv` in the RVU26C zip): title
  rows (`2026 National Physician Fee Schedule Relative Value File July Release`, `RELEASED 06/30/2026`),
  then the column labels stacked over several rows, the last one starting `HCPCS,MOD,DESCRIPTION`; the
  columns are found by their stacked names (`WORK RVU`, `NON-FAC PE RVU`, `MP RVU`, `MULT PROC`,
  `CONV FACTOR`, `PRIC IND` ...), never by position.
- GPCI (`GPCI2026.csv`, CMS Addendum E): a title row, then `Medicare Administrative Contractor (MAC),
  State, Locality Number, Locality Name, 2026 PW GPCI (with 1.0 Floor), 2026 PE GPCI, 2026 MP GPCI`.
- NCCI PTP, practitioner (`ccipra-v322r0-f1.txt`, tab-delimited): notice rows, then `Column 1, Column 2,
  *=in existence prior to 1996, Effective Date, Deletion Date, Modifier, PTP Edit Rationale` (the legend
  `*=no data`, `0=not allowed` ... on the same or the following rows); dates YYYYMMDD, `*` = no deletion.
- MUE, practitioner (`MCR_MUE_PractitionerServices_Eff_07-01-2026.csv`): a notice row, then `HCPCS/CPT
  Code, Practitioner Services MUE Values, MUE Adjudication Indicator, MUE Rationale`.

The header block is located with the standard csv module on the first rows only; the rows themselves are
read by DuckDB's CSV reader (a real PTP quarter is over a million rows) and checked in SQL. A file whose rows
do not all parse is refused whole (`Refused`), naming the line and the reason.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from ..messages import shown

# Rows kept from the PTP file: every edit whose column-1 OR column-2 code is one an OT practice may bill
# (CPT 9xxxx — physical medicine 97xxx, 92xxx swallowing/speech, 95xxx muscle tests, E/M 99xxx —, 29xxx
# casts and strapping, HCPCS G0xxx). Both codes outside it means neither is an OT service, so no OT
# audit can meet the pair. RVU and MUE files are small (~19,000 and ~15,000 rows) and kept whole.
OT_CODE_PATTERN = r"^(9[0-9]{4}|29[0-9]{3}|G0[0-9]{3})$"
# A complete PPRRVU or MUE file has these; one without any of them is not the file it claims to be.
OT_SENTINEL_CODES = ("97110", "97140", "97530", "97535", "97165", "97168")
CODE_PATTERN = r"^[A-Z0-9]{5}$"

QUARTER_LETTERS = "ABCD"
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

HEAD_LINES = 80            # the header block is within the first lines of every CMS file seen


class Refused(Exception):
    """The file is not what it claims to be (or not a file this tool reads). `str()` is the reason."""


# ---------------------------------------------------------------------------------------------------
# Normalised table schemas (also the types of the ref_* tables: see store.register)
# ---------------------------------------------------------------------------------------------------

RVU_SCHEMA = pa.schema([
    ("cpt", pa.string()), ("modifier", pa.string()), ("status", pa.string()),
    ("work_rvu", pa.float64()), ("nf_pe_rvu", pa.float64()), ("f_pe_rvu", pa.float64()),
    ("mp_rvu", pa.float64()), ("nf_total", pa.float64()), ("pctc_ind", pa.string()),
    ("glob_days", pa.string()), ("mppr_ind", pa.string()), ("conversion_factor", pa.float64()),
    ("qpp", pa.bool_()), ("release", pa.string()),
])
GPCI_SCHEMA = pa.schema([
    ("carrier", pa.string()), ("state", pa.string()), ("locality", pa.string()),
    ("locality_name", pa.string()), ("work_gpci", pa.float64()), ("pe_gpci", pa.float64()),
    ("mp_gpci", pa.float64()), ("release", pa.string()),
])
PTP_SCHEMA = pa.schema([
    ("column1", pa.string()), ("column2", pa.string()), ("effective_from", pa.date32()),
    ("deletion_date", pa.date32()), ("modifier_indicator", pa.int32()), ("rationale", pa.string()),
    ("release", pa.string()),
])
MUE_SCHEMA = pa.schema([
    ("cpt", pa.string()), ("mue_value", pa.int32()), ("mai", pa.int32()), ("mai_text", pa.string()),
    ("rationale", pa.string()), ("release", pa.string()),
])
SCHEMAS = {"rvu": RVU_SCHEMA, "gpci": GPCI_SCHEMA, "ptp": PTP_SCHEMA, "mue": MUE_SCHEMA}

KIND_LABEL = {"rvu": "PFS relative values (PPRRVU)", "gpci": "PFS GPCIs (Addendum E)",
              "ptp": "NCCI PTP edits, practitioner", "mue": "MUE table, practitioner"}


# ---------------------------------------------------------------------------------------------------
# Sources and units
# ---------------------------------------------------------------------------------------------------

@dataclass
class Source:
    """One readable file: a file given on the command line, or one member of a zip given there."""
    name: str                       # file or member name (no folders)
    data: bytes
    container: str | None = None    # the zip's file name, for a member
    sha256: str = ""
    container_sha256: str | None = None

    def __post_init__(self) -> None:
        if not self.sha256:
            self.sha256 = hashlib.sha256(self.data).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.name} (in {self.container})" if self.container else self.name


@dataclass
class Unit:
    """What one source was recognised as, read and checked: ready to store."""
    kind: str                       # rvu | gpci | ptp | mue
    release: str                    # RVU26C, GPCI2026, PTP-2026Q3, MUE-2026Q3
    part: str                       # rvu: nonQPP | QPP; ptp: f1..f4 (or ''); else ''
    effective_from: dt.date
    table: pa.Table
    rows_read: int
    source: Source
    title: str = ""                 # CMS's own words about the release (title row, RELEASED date, version)
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return "/".join((self.kind, self.effective_from.isoformat(), self.part or "-"))

    @property
    def rows_kept(self) -> int:
        return self.table.num_rows


@dataclass
class Header:
    kind: str
    delimiter: str
    cells: list[str]                # the composed column names (stacked rows joined)
    lines_before_data: int          # physical lines up to and including the last header row
    title: str                      # text of the rows above the header block


# ---------------------------------------------------------------------------------------------------
# Recognition
# ---------------------------------------------------------------------------------------------------

def norm(cell: str | None) -> str:
    """Header cell as a key: upper case letters and digits only ('NON-FAC PE RVU' -> 'NONFACPERVU')."""
    return re.sub(r"[^A-Z0-9]", "", (cell or "").upper())


def decode(data: bytes) -> str:
    """CMS files are Windows-1252 text (read as Latin-1: every byte decodes, and the codes, dates and
    numbers kept are ASCII); a file re-saved as UTF-8 is read as UTF-8. Line ends become '\n'."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _line_offset(text: str, n: int) -> int:
    """Offset just past the n-th line ('\n'-terminated; the text has '\n' line ends only)."""
    at = 0
    for _ in range(n):
        nxt = text.find("\n", at)
        if nxt < 0:
            return len(text)
        at = nxt + 1
    return at


def _head_rows(text: str, delimiter: str) -> list[tuple[list[str], int]]:
    """The first rows of the file with the physical line number each one ends on."""
    head = text[:_line_offset(text, HEAD_LINES)]
    reader = csv.reader(io.StringIO(head), delimiter=delimiter)
    out = []
    try:
        for row in reader:
            out.append(([c.strip() for c in row], reader.line_num))
    except csv.Error:
        pass
    return out


def _is_rvu(row: list[str]) -> bool:
    return len(row) > 3 and [norm(c) for c in row[:3]] == ["HCPCS", "MOD", "DESCRIPTION"]


def _is_gpci(row: list[str]) -> bool:
    keys = [norm(c) for c in row]
    return any("LOCALITYNUMBER" in k for k in keys) and any("PEGPCI" in k for k in keys)


def _is_ptp(row: list[str]) -> bool:
    return len(row) > 4 and norm(row[0]) == "COLUMN1" and norm(row[1]).startswith("COLUMN2")


def _is_mue(row: list[str]) -> bool:
    keys = [norm(c) for c in row]
    return len(row) > 2 and "HCPCS" in keys[0] and any("MUEVALUE" in k for k in keys)


def _stacked_names(rows: list[tuple[list[str], int]], at: int) -> tuple[list[str], int]:
    """PPRRVU labels are stacked over several rows above the HCPCS row ('WORK' over 'RVU'): join them,
    going up while a row has labels beyond the third column (title rows have text in column 3 only)."""
    width = len(rows[at][0])
    start = at
    while start > 0 and any(c for c in rows[start - 1][0][3:]):
        start -= 1
    names = []
    for i in range(width):
        parts = [r[i] for r, _ in rows[start:at + 1] if i < len(r) and r[i]]
        names.append(" ".join(parts))
    return names, start


def recognise(text: str) -> Header | None:
    """Find a known header in the first rows; None when the file is none of the four."""
    for delimiter in ("\t", ","):
        if delimiter == "\t" and "\t" not in text[:20000]:
            continue
        rows = _head_rows(text, delimiter)
        for i, (row, line_end) in enumerate(rows):
            kind = ("rvu" if _is_rvu(row) else "gpci" if _is_gpci(row) else "ptp" if _is_ptp(row)
                    else "mue" if _is_mue(row) else None)
            if not kind:
                continue
            top = i
            cells = row
            if kind == "rvu":
                cells, top = _stacked_names(rows, i)
            title = " ".join(c for r, _ in rows[:top] for c in r if c)
            # legend rows right under the PTP header ('*=no data', '1=allowed', '9=not applicable')
            # have no column-1 code: they are skipped with the other code-less rows.
            return Header(kind, delimiter, cells, line_end, title)
    return None


# ---------------------------------------------------------------------------------------------------
# Release identification
# ---------------------------------------------------------------------------------------------------

def quarter_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * (quarter - 1) + 1, 1)


def _year4(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _rvu_release_from_names(*names: str | None) -> tuple[int, int] | None:
    """(year, quarter) from 'PPRRVU2026_Jul_nonQPP.csv', 'PPRRVU26_JUL.csv', 'RVU26C.zip',
    'rvu26c-updated-06-30-2026.zip'. The first name that tells wins."""
    for name in names:
        if not name:
            continue
        m = re.search(r"PPRRVU(\d{2}|\d{4})_?(JAN|APR|JUL|OCT)", name, re.I)
        if m:
            return _year4(m.group(1)), (MONTHS[m.group(2).lower()] - 1) // 3 + 1
        m = re.search(r"(?<![A-Z])RVU(\d{2})([A-D])", name, re.I)
        if m:
            return _year4(m.group(1)), QUARTER_LETTERS.index(m.group(2).upper()) + 1
    return None


def rvu_release(header: Header, source: Source) -> tuple[str, dt.date, str]:
    """Release id, first date of service, and CMS's own title words, from the title row (content) and
    the names; a title and a name that disagree refuse the file."""
    m = re.search(r"(\d{4}) National Physician Fee Schedule Relative Value File (\w+) Release",
                  header.title, re.I)
    from_title = None
    if m and m.group(2)[:3].lower() in MONTHS:
        month = MONTHS[m.group(2)[:3].lower()]
        if month not in (1, 4, 7, 10):
            raise Refused(f"its title names a {m.group(2)} release; only the January, April, July and "
                          "October releases are read")
        from_title = (int(m.group(1)), (month - 1) // 3 + 1)
    from_member = _rvu_release_from_names(source.name)
    from_zip = _rvu_release_from_names(source.container)
    for what, got in (("file name", from_member), ("zip name", from_zip)):
        if from_title and got and got != from_title:
            raise Refused(f"its title says CY{from_title[0]} {_qname(from_title[1])} release but its {what} "
                          f"says CY{got[0]} {_qname(got[1])}")
    if from_member and from_zip and from_member != from_zip:
        raise Refused(f"its file name says CY{from_member[0]} {_qname(from_member[1])} but the zip it came "
                      f"in is CY{from_zip[0]} {_qname(from_zip[1])}")
    year_quarter = from_title or from_member or from_zip
    if not year_quarter:
        raise Refused("cannot tell which release it is: no '... Relative Value File <Month> Release' title "
                      "and no PPRRVU<year>_<Mon> or RVU<yy><A-D> name")
    year, quarter = year_quarter
    released = re.search(r"RELEASED\s+(\d{1,2}/\d{1,2}/\d{4})", header.title, re.I)
    title = (m.group(0) if m else "") + (f", released {released.group(1)}" if released else "")
    return f"RVU{year % 100:02d}{QUARTER_LETTERS[quarter - 1]}", quarter_start(year, quarter), title


def _qname(quarter: int) -> str:
    return ["January", "April", "July", "October"][quarter - 1]


def ptp_release(source: Source) -> tuple[str, str, dt.date, str]:
    """(release, part, first date, version) from the names CMS gives: member 'ccipra-v322r0-f1.txt'
    (version 32.2 = CY2026 Q3: year = 1994 + major, quarter = minor + 1), zip
    'medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f1.zip'."""
    names = [n for n in (source.name, source.container) if n]
    for n in names:
        if re.search(r"cci(oph|dme)|hospital|outpatient", n, re.I):
            raise Refused("it is named as a hospital outpatient (or DME) PTP file; only the practitioner "
                          "edits (ccipra-...) apply to a therapy practice's professional claims")
    version = part = None
    year_q = None
    for n in names:
        m = re.search(r"ccipra-v(\d{2})(\d)r(\d+)(?:-f(\d))?", n, re.I)
        if m and not version:
            version = f"v{m.group(1)}.{m.group(2)}r{m.group(3)}"
            year_q = (1994 + int(m.group(1)), int(m.group(2)) + 1)
            part = f"f{m.group(4)}" if m.group(4) else part
        m = re.search(r"(20\d{2})[-_ ]?q([1-4])", n, re.I)
        if m:
            from_name = (int(m.group(1)), int(m.group(2)))
            if year_q and from_name != year_q:
                raise Refused(f"its names disagree: {version} is CY{year_q[0]} Q{year_q[1]} but the name "
                              f"also says {from_name[0]} Q{from_name[1]}")
            year_q = year_q or from_name
        m = re.search(r"-f(\d)\b", n, re.I)
        if m and not part:
            part = f"f{m.group(1)}"
    if not year_q or year_q[1] > 4:
        raise Refused("cannot tell which quarter it is for: CMS names these files ccipra-v<version>r<revision>"
                      "-f<part>.txt (e.g. ccipra-v322r0-f1.txt); import it under that name or in its CMS zip")
    year, quarter = year_q
    return f"PTP-{year}Q{quarter}", part or "", quarter_start(year, quarter), version or ""


def mue_release(header: Header, source: Source) -> tuple[str, dt.date]:
    """(release, first date) from 'MCR_MUE_PractitionerServices_Eff_07-01-2026.csv', the zip
    'medicare-ncci-2026-q3-practitioner-services-mue-table.zip', or an 'effective <date>' title."""
    found = []
    for n in (source.name, source.container):
        if not n:
            continue
        m = re.search(r"Eff(?:ective)?[_ -]?(\d{2})[-_](\d{2})[-_](\d{4})", n, re.I)
        if m:
            found.append(("file name" if n == source.name else "zip name",
                          dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))))
        m = re.search(r"(20\d{2})[-_ ]?q([1-4])", n, re.I)
        if m:
            found.append(("file name" if n == source.name else "zip name",
                          quarter_start(int(m.group(1)), int(m.group(2)))))
    m = re.search(r"effective\s+(\w+)\s+(\d{1,2}),?\s+(\d{4})", header.title, re.I)
    if m and m.group(1)[:3].lower() in MONTHS:
        found.append(("title", dt.date(int(m.group(3)), MONTHS[m.group(1)[:3].lower()], int(m.group(2)))))
    if not found:
        raise Refused("cannot tell which quarter it is for: CMS names it MCR_MUE_PractitionerServices_Eff_"
                      "MM-DD-YYYY.csv; import it under that name or in its CMS zip")
    dates = {d for _, d in found}
    if len(dates) > 1:
        raise Refused("its names disagree on the effective date: " +
                      ", ".join(f"{w} {d.isoformat()}" for w, d in found))
    start = dates.pop()
    return f"MUE-{start.year}Q{(start.month - 1) // 3 + 1}", start


# ---------------------------------------------------------------------------------------------------
# Reading the rows (DuckDB)
# ---------------------------------------------------------------------------------------------------

def _data_file(text: str, header: Header, workdir: Path) -> tuple[Path, int]:
    """Write the rows below the header as UTF-8 to a scratch file; returns it and the number of columns
    DuckDB must expect (the widest of the header and the first data rows)."""
    start = _line_offset(text, header.lines_before_data)
    body = text[start:]
    sample = list(csv.reader(io.StringIO(body[:_line_offset(body, 200)]), delimiter=header.delimiter,
                             quotechar='"' if header.delimiter == "," else "\x00"))
    width = max([len(header.cells)] + [len(r) for r in sample])
    path = Path(tempfile.mkstemp(suffix=".txt", dir=workdir)[1])
    path.write_text(body, encoding="utf-8")
    return path, width


def _read(con: duckdb.DuckDBPyConnection, path: Path, header: Header, width: int, name: str) -> None:
    """Load every row as text into table `raw` (c0..cN, line = the line number in the original file)."""
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    quote = "'\"'" if header.delimiter == "," else "''"
    try:
        con.execute(f"""
            create or replace temp table raw as
            select row_number() over () + {header.lines_before_data} as line, *
            from read_csv(?, delim = ?, quote = {quote}, escape = {quote}, header = false, auto_detect = false,
                          columns = {cols}, null_padding = true, all_varchar = true)""",
                    [str(path), header.delimiter])
    except duckdb.Error as exc:
        m = re.search(r"Line:\s*(\d+)", str(exc))
        where = f"line {int(m.group(1)) + header.lines_before_data}" if m else "a row"
        raise Refused(f"{where} has more fields than the {len(header.cells)} columns of its header "
                      "(not a CMS layout, or rows run together)") from None
    # cells past the header's last column may exist (a trailing delimiter) but must be empty
    extra = [f"coalesce(trim(c{i}), '') <> ''" for i in range(len(header.cells), width)]
    if extra:
        row = _one(con, f"select line from raw where {' or '.join(extra)} order by line limit 1")
        if row:
            raise Refused(f"line {row[0]} has more fields than the {len(header.cells)} columns of its header "
                          "(not a CMS layout, or rows run together)")


def _one(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> tuple | None:
    """The first row of a query, reading the result to its end (DuckDB 2 keeps an unfinished result open)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _column(cells: list[str], *wanted: str, contains: bool = False, optional: bool = False) -> int | None:
    keys = [norm(c) for c in cells]
    for w in wanted:
        for i, k in enumerate(keys):
            if (w in k) if contains else (k == w):
                return i
    if optional:
        return None
    present = ", ".join(shown(c) for c in cells if c)
    raise Refused(f"its header has no {_LABELS.get(wanted[0], wanted[0])} column (it has: "
                  f"{present[:300]}{'…' if len(present) > 300 else ''})")


_LABELS = {"HCPCS": "'HCPCS'", "MOD": "'MOD'", "STATUSCODE": "'STATUS CODE'", "WORKRVU": "'WORK RVU'",
           "NONFACPERVU": "'NON-FAC PE RVU'", "MPRVU": "'MP RVU'", "MULTPROC": "'MULT PROC'",
           "CONVFACTOR": "'CONV FACTOR'", "CONTRACTOR": "'Medicare Administrative Contractor'",
           "STATE": "'State'", "LOCALITYNUMBER": "'Locality Number'", "LOCALITYNAME": "'Locality Name'",
           "PEGPCI": "'PE GPCI'", "MPGPCI": "'MP GPCI'", "EFFECTIVE": "'Effective Date'",
           "DELETION": "'Deletion Date'", "MODIFIER": "'Modifier'", "MUEVALUE": "'... MUE Values'",
           "ADJUDICATIONINDICATOR": "'MUE Adjudication Indicator'"}


def _read_rows(con: duckdb.DuckDBPyConnection, text: str, header: Header, source: Source, workdir: Path,
               why_col: int | None) -> str:
    """The rows under the header into table `raw` (c0, c1, ...); returns the SQL of the rationale column (NULL
    when the file has none)."""
    path, width = _data_file(text, header, workdir)
    _read(con, path, header, width, source.label)
    return f"trim(c{why_col})" if why_col is not None else "NULL"


def _drop_trailing_notes(con: duckdb.DuckDBPyConnection, valid: str, none_valid: str) -> None:
    """Prose after the last valid row of `rows` (a notice at the end of CMS's file) is not data: dropped. Refuses
    the file (none_valid) when no row is valid; every other row that does not parse is left to _first_bad."""
    last = _one(con, f"select max(line) from rows where {valid}")[0]
    if last is None:
        raise Refused(none_valid)
    con.execute(f"delete from rows where line > {last} and not {valid} and cpt like '% %'")


def _first_bad(con: duckdb.DuckDBPyConnection, checks: list[tuple[str, str]]) -> None:
    """Refuse on the first row failing any (SQL condition over `rows`, reason) check."""
    for condition, reason in checks:
        row = _one(con, f"select line, cpt_shown from rows where {condition} order by line limit 1")
        if row:
            n = _one(con, f"select count(*) from rows where {condition}")[0]
            more = f" ({n:,} rows like it)" if n > 1 else ""
            raise Refused(f"line {row[0]} ({shown(row[1])}): {reason}{more}; the file is truncated or not the CMS layout")


def _ot_check(con: duckdb.DuckDBPyConnection, what: str) -> None:
    codes = ", ".join(f"'{c}'" for c in OT_SENTINEL_CODES)
    if not _one(con, f"select count(*) from rows where cpt in ({codes})")[0]:
        raise Refused(f"it has none of the OT codes {', '.join(OT_SENTINEL_CODES)}: not a complete {what}")


def read_rvu(con, text: str, header: Header, source: Source, workdir: Path) -> Unit:
    release, start, title = rvu_release(header, source)
    c = header.cells
    idx = {
        "cpt": _column(c, "HCPCS"), "mod": _column(c, "MOD"),
        "status": _column(c, "STATUSCODE", "STATUS", "CODESTATUS"),
        "work": _column(c, "WORKRVU", "WORKRVUS"),
        "nf_pe": _column(c, "NONFACPERVU", "NONFACILITYPERVU", "FULLYIMPLEMENTEDNONFACILITYPERVU"),
        "f_pe": _column(c, "FACILITYPERVU", "FULLYIMPLEMENTEDFACILITYPERVU", optional=True),
        "mp": _column(c, "MPRVU", "MALPRACTICERVU"),
        "nf_total": _column(c, "NONFACILITYTOTAL", "NONFACTOTAL", optional=True),
        "pctc": _column(c, "PCTCIND", optional=True), "glob": _column(c, "GLOBDAYS", optional=True),
        "mppr": _column(c, "MULTPROC", "MULTPROCIND", "MULTIPLEPROCEDURE"),
        "cf": _column(c, "CONVFACTOR", "CONVERSIONFACTOR"),
        "pric": _column(c, "PRICIND", optional=True),
    }
    path, width = _data_file(text, header, workdir)
    _read(con, path, header, width, source.label)

    def col(key: str, default: str = "NULL") -> str:
        return f"trim(c{idx[key]})" if idx[key] is not None else default

    con.execute(f"""
        create or replace temp table rows as
        select line, upper({col('cpt')}) as cpt, left(upper({col('cpt')}), 12) as cpt_shown,
               upper(coalesce({col('mod')}, '')) as modifier, upper({col('status')}) as status,
               {col('work')} as work_t, {col('nf_pe')} as nf_pe_t, {col('f_pe')} as f_pe_t, {col('mp')} as mp_t,
               {col('nf_total')} as nf_total_t, {col('pctc')} as pctc_ind, {col('glob')} as glob_days,
               {col('mppr')} as mppr_ind, {col('cf')} as cf_t, {col('pric')} as pric_ind
        from raw where coalesce({col('cpt')}, '') <> ''""")
    _first_bad(con, [
        (f"not regexp_full_match(cpt, '{CODE_PATTERN}')", "the HCPCS cell is not a 5-character code"),
        ("coalesce(status, '') = ''", "no status code"),
        ("try_cast(work_t as double) is null or try_cast(nf_pe_t as double) is null "
         "or try_cast(mp_t as double) is null", "an RVU cell is empty or not a number"),
        ("coalesce(mppr_ind, '') = ''", "no MULT PROC indicator"),
        ("try_cast(cf_t as double) is null", "the CONV FACTOR cell is empty or not a number"),
        ("nf_total_t is not null and nf_total_t <> '' and abs(try_cast(work_t as double) + "
         "try_cast(nf_pe_t as double) + try_cast(mp_t as double) - try_cast(nf_total_t as double)) > 0.011",
         "WORK + NON-FAC PE + MP RVU do not add up to CMS's NON-FACILITY TOTAL (columns misread)"),
    ])
    _ot_check(con, "PPRRVU file")
    factors = [r[0] for r in con.execute(
        "select distinct cast(cf_t as double) from rows where cast(cf_t as double) > 0 order by 1").fetchall()]
    if len(factors) != 1:
        raise Refused(f"it carries {len(factors)} conversion factors ({', '.join(map(str, factors[:4]))}); "
                      "a PPRRVU file has exactly one")
    qpp = _qpp(con, idx["pric"] is not None, source)
    dup = _one(con, "select cpt, modifier from rows group by all having count(*) > 1 limit 1")
    if dup:
        raise Refused(f"HCPCS {shown(dup[0])} modifier {shown(dup[1])} appears twice")
    table = con.sql(f"""
        select cpt, modifier, status, cast(work_t as double) as work_rvu, cast(nf_pe_t as double) as nf_pe_rvu,
               try_cast(f_pe_t as double) as f_pe_rvu, cast(mp_t as double) as mp_rvu,
               try_cast(nf_total_t as double) as nf_total, pctc_ind, glob_days, mppr_ind,
               cast(cf_t as double) as conversion_factor, {str(qpp).lower()} as qpp, ? as release
        from rows order by line""", params=[release]).to_arrow_table().cast(RVU_SCHEMA)
    n = _one(con, "select count(*) from rows")[0]
    part = "QPP" if qpp else "nonQPP"
    return Unit("rvu", release, part, start, table, n, source, title,
                notes=[f"{'QPP' if qpp else 'non-QPP'}, CF {factors[0]:.4f}"])


def _qpp(con, has_pric: bool, source: Source) -> bool:
    """QPP (qualifying APM participants) or not: CMS's PRIC IND column, constant down the file, is 1 in
    the QPP file and 9 in the non-QPP one (CY2026 on); the name (…_QPP / …_nonQPP) must agree."""
    by_name = None
    if re.search(r"non[-_ ]?QPP", source.name, re.I):
        by_name = False
    elif re.search(r"(?<![A-Z])QPP", source.name, re.I):
        by_name = True
    if not has_pric:
        return bool(by_name)
    values = [r[0] for r in con.execute("select distinct pric_ind from rows where coalesce(pric_ind, '') <> ''"
                                        ).fetchall()]
    if not values:
        return bool(by_name)
    if len(values) > 1 or values[0] not in ("1", "9"):
        raise Refused(f"its PRIC IND column holds {', '.join(shown(v) for v in values[:4])}; CMS's files hold "
                      "9 (non-QPP) or 1 (QPP) on every row")
    by_content = values[0] == "1"
    if by_name is not None and by_name != by_content:
        raise Refused(f"it is named {'QPP' if by_name else 'non-QPP'} but its PRIC IND column says "
                      f"{'QPP (1)' if by_content else 'non-QPP (9)'}")
    return by_content


def read_gpci(con, text: str, header: Header, source: Source, workdir: Path,
              zip_release: tuple[str, dt.date] | None) -> Unit:
    c = header.cells
    idx = {
        "mac": _column(c, "CONTRACTOR", "CARRIER", "MAC", contains=True),
        "state": _column(c, "STATE"), "loc": _column(c, "LOCALITYNUMBER", "LOCALITY"),
        "name": _column(c, "LOCALITYNAME", contains=True),
        "work": (_column(c, "WITH10FLOOR", contains=True, optional=True)
                 if _column(c, "PWGPCI", contains=True, optional=True) is not None else None),
        "pe": _column(c, "PEGPCI", contains=True), "mp": _column(c, "MPGPCI", contains=True),
    }
    if idx["work"] is None:
        work = [i for i, k in enumerate(map(norm, c)) if ("PWGPCI" in k or "WORKGPCI" in k) and "WITHOUT" not in k]
        if not work:
            raise Refused("no 'PW GPCI' (work GPCI) column in its header")
        idx["work"] = work[0]
    years = {int(y) for cell in c for y in re.findall(r"\b(20\d{2})\b", cell)}
    years |= {int(y) for y in re.findall(r"CY\s*(20\d{2})", header.title, re.I)}
    if len(years) != 1:
        raise Refused("cannot tell its calendar year: the GPCI columns should be named like '2026 PE GPCI'")
    year = years.pop()
    name_year = re.search(r"GPCI(20\d{2})", source.name, re.I)
    if name_year and int(name_year.group(1)) != year:
        raise Refused(f"it is named for {name_year.group(1)} but its columns are for {year}")
    if zip_release:
        release, start = zip_release
        if start.year != year:
            raise Refused(f"its GPCIs are for {year} but the zip is the {release} release")
    else:
        release, start = f"GPCI{year}", dt.date(year, 1, 1)
    path, width = _data_file(text, header, workdir)
    _read(con, path, header, width, source.label)
    con.execute(f"""
        create or replace temp table rows as
        select line, trim(c{idx['mac']}) as carrier, upper(trim(c{idx['state']})) as state,
               trim(c{idx['loc']}) as locality, left(trim(c{idx['loc']}), 12) as cpt_shown,
               trim(c{idx['name']}) as locality_name, trim(c{idx['work']}) as work_t,
               trim(c{idx['pe']}) as pe_t, trim(c{idx['mp']}) as mp_t
        from raw where coalesce(trim(c{idx['loc']}), '') <> ''""")
    _first_bad(con, [
        ("not regexp_full_match(carrier, '[0-9]{5}')", "the contractor (MAC) cell is not a 5-digit number"),
        ("not regexp_full_match(locality, '[0-9]{1,2}')", "the locality number is not a number"),
        ("try_cast(work_t as double) is null or try_cast(pe_t as double) is null or try_cast(mp_t as double) is null",
         "a GPCI cell is empty or not a number"),
    ])
    table = con.sql("""
        select carrier, state, lpad(locality, 2, '0') as locality, locality_name,
               cast(work_t as double) as work_gpci, cast(pe_t as double) as pe_gpci, cast(mp_t as double) as mp_gpci,
               ? as release
        from rows order by line""", params=[release]).to_arrow_table().cast(GPCI_SCHEMA)
    if not table.num_rows:
        raise Refused("it has no locality rows")
    n = table.num_rows
    return Unit("gpci", release, "", start, table, n, source, f"CY{year} GPCIs" + (f" ({header.title[:80]})"
                                                                                   if header.title else ""))


def read_ptp(con, text: str, header: Header, source: Source, workdir: Path) -> Unit:
    release, part, start, version = ptp_release(source)
    c = header.cells
    idx = {"c1": 0, "c2": 1, "eff": _column(c, "EFFECTIVE", contains=True),
           "del": _column(c, "DELETION", contains=True), "mod": _column(c, "MODIFIER", contains=True),
           "why": _column(c, "RATIONALE", contains=True, optional=True)}
    why = _read_rows(con, text, header, source, workdir, idx["why"])
    con.execute(f"""
        create or replace temp table rows as
        select line, upper(coalesce(trim(c0), '')) as cpt, upper(coalesce(trim(c1), '')) as column2,
               left(upper(coalesce(trim(c0), '')), 12) as cpt_shown, trim(c{idx['eff']}) as eff_t,
               coalesce(trim(c{idx['del']}), '') as del_t, trim(c{idx['mod']}) as mod_t, {why} as rationale
        from raw where coalesce(trim(c0), '') <> '' or coalesce(trim(c1), '') <> ''""")
    valid = (f"regexp_full_match(cpt, '{CODE_PATTERN}') and regexp_full_match(column2, '{CODE_PATTERN}') "
             "and try_strptime(eff_t, '%Y%m%d') is not null "
             "and (del_t in ('', '*') or try_strptime(del_t, '%Y%m%d') is not null) and mod_t in ('0', '1', '9')")
    _drop_trailing_notes(con, valid, "no row under its header is an edit (code, code, date YYYYMMDD, ..., indicator 0/1/9)")
    _first_bad(con, [
        (f"not regexp_full_match(cpt, '{CODE_PATTERN}') or not regexp_full_match(column2, '{CODE_PATTERN}')",
         "column 1 or column 2 is not a 5-character code"),
        ("try_strptime(eff_t, '%Y%m%d') is null", "the effective date is not YYYYMMDD"),
        ("not (del_t in ('', '*') or try_strptime(del_t, '%Y%m%d') is not null)",
         "the deletion date is neither YYYYMMDD nor '*'"),
        ("coalesce(mod_t, '') not in ('0', '1', '9')", "the modifier indicator is not 0, 1 or 9"),
    ])
    n = _one(con, "select count(*) from rows")[0]
    table = con.sql(f"""
        select cpt as column1, column2, cast(strptime(eff_t, '%Y%m%d') as date) as effective_from,
               case when del_t in ('', '*') then null else cast(strptime(del_t, '%Y%m%d') as date) end as deletion_date,
               cast(mod_t as integer) as modifier_indicator, rationale, ? as release
        from rows
        where regexp_full_match(cpt, '{OT_CODE_PATTERN}') or regexp_full_match(column2, '{OT_CODE_PATTERN}')
        order by line""", params=[release]).to_arrow_table().cast(PTP_SCHEMA)
    title = f"NCCI PTP practitioner {version}".strip() + (f" part {part}" if part else "")
    return Unit("ptp", release, part, start, table, n, source, title,
                notes=[f"{version}" if version else "version not in the name"])


def read_mue(con, text: str, header: Header, source: Source, workdir: Path) -> Unit:
    c = header.cells
    value_col = _column(c, "MUEVALUE", contains=True)
    setting = norm(c[value_col])
    if not setting.startswith("PRACTITIONER"):
        raise Refused(f"it is the {shown(c[value_col])} table; only the practitioner services MUE table "
                      "applies to a therapy practice's professional claims")
    release, start = mue_release(header, source)
    idx = {"cpt": 0, "value": value_col, "mai": _column(c, "ADJUDICATIONINDICATOR", "MAI", contains=True),
           "why": _column(c, "RATIONALE", contains=True, optional=True)}
    why = _read_rows(con, text, header, source, workdir, idx["why"])
    con.execute(f"""
        create or replace temp table rows as
        select line, upper(trim(c0)) as cpt, left(upper(trim(c0)), 12) as cpt_shown,
               trim(c{idx['value']}) as value_t, trim(c{idx['mai']}) as mai_text, {why} as rationale
        from raw where coalesce(trim(c0), '') <> ''""")
    valid = (f"regexp_full_match(cpt, '{CODE_PATTERN}') and regexp_full_match(value_t, '[0-9]+') "
             "and regexp_matches(mai_text, '^[123]')")
    _drop_trailing_notes(con, valid, "no row under its header is an MUE (code, units, adjudication indicator 1/2/3)")
    _first_bad(con, [
        (f"not regexp_full_match(cpt, '{CODE_PATTERN}')", "the HCPCS/CPT cell is not a 5-character code"),
        ("not regexp_full_match(coalesce(value_t, ''), '[0-9]+')", "the MUE value is not a whole number"),
        ("not regexp_matches(coalesce(mai_text, ''), '^[123]')",
         "the adjudication indicator does not start with 1, 2 or 3"),
    ])
    _ot_check(con, "practitioner MUE table")
    dup = _one(con, "select cpt from rows group by cpt having count(*) > 1 limit 1")
    if dup:
        raise Refused(f"code {shown(dup[0])} appears twice")
    table = con.sql("""
        select cpt, cast(value_t as integer) as mue_value, cast(left(mai_text, 1) as integer) as mai,
               mai_text, rationale, ? as release
        from rows order by line""", params=[release]).to_arrow_table().cast(MUE_SCHEMA)
    return Unit("mue", release, "", start, table, table.num_rows, source,
                f"practitioner MUEs effective {start.isoformat()}")

"""Hostile input for the reliability tests (tests/test_hostile_*.py): files full of planted PHI — distinctive
fake names, member ids, birth dates and addresses — damaged the ways real files are (a corrupted byte, a
birth date in the wrong format, a 100 KB element, a lost segment terminator that glues a patient's NM1 to
the segment before it, a truncation, garbage in the envelope, wrong delimiters), next to clean copies, so
that an audit of the folder runs and writes every output.

    PLANTED                       every planted string (and the leading part of each: a message that cut a
                                  value short must not carry its start either)
    phi_837() / phi_835()         the fixtures' base.837 / base.835 with the planted patients
    damaged_x12()                 {file name: bytes} of the damaged variants
    phi_export_csv()              a visit export with PHI columns and broken rows
    write_phi_folder(folder)      all of the above, plus a clean copy of each base file, into `folder`
    leaks(text)                   the planted strings found in a text (case and spacing ignored)
"""
from __future__ import annotations

import re
from pathlib import Path

FIX = Path(__file__).resolve().parent / "fixtures" / "x12"

# base file value -> planted value (names, member ids, birth dates, the subscriber's address)
_PLANT_837 = {
    "NM1*IL*1*SMITH*JANE****MI*1EG4TE5MK72": "NM1*IL*1*MARLOWESQUE*BARTHOLOMINA****MI*ZQX99123457",
    "N3*1 ELM ST": "N3*77 WHISPERWIND CIRCLE",
    "N4*WORCESTER*MA*01609": "N4*FROSTHOLLOW*MA*01609",
    "DMG*D8*19480512*F": "DMG*D8*19390825*F",
    "NM1*IL*1*DOE*JOHN****MI*W123456": "NM1*IL*1*QUIXOTEVANDER*ALOYSIUSQ****MI*PTN8844221XQ",
    "DMG*D8*19700101*M": "DMG*D8*19421107*M",
    "NM1*QC*1*DOE*JIMMY": "NM1*QC*1*QUIXOTEVANDER*ZEPHYRINA",
    "DMG*D8*20150615*M": "DMG*D8*19470312*M",
}
_PLANT_835 = {
    "NM1*QC*1*SMITH*JANE****MI*1EG4TE5MK72": "NM1*QC*1*MARLOWESQUE*BARTHOLOMINA****MI*ZQX99123457",
    "NM1*QC*1*DOE*JIMMY": "NM1*QC*1*QUIXOTEVANDER*ZEPHYRINA****MI*PTN8844221XQ",
    "NM1*IL*1*DOE*JOHN****MI*W123456": "NM1*IL*1*QUIXOTEVANDER*ALOYSIUSQ****MI*PTN8844221XQ",
}
NAMES = ["MARLOWESQUE", "BARTHOLOMINA", "QUIXOTEVANDER", "ZEPHYRINA", "ALOYSIUSQ"]
MEMBER_IDS = ["ZQX99123457", "PTN8844221XQ"]
BIRTH_DATES = ["19390825", "19421107", "19470312", "1947-03-12", "03/12/1947", "19391325", "1947-13-12"]
ADDRESSES = ["WHISPERWIND", "FROSTHOLLOW"]
PLANTED = sorted(set(NAMES + MEMBER_IDS + BIRTH_DATES + ADDRESSES
                     + [s[:6] for s in NAMES + ADDRESSES] + [s[:8] for s in MEMBER_IDS]))


def phi_837() -> str:
    text = (FIX / "base.837").read_text()
    for old, new in _PLANT_837.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def phi_835() -> str:
    text = (FIX / "base.835").read_text()
    for old, new in _PLANT_835.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def _swap(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def damaged_x12() -> dict[str, bytes]:
    """The damaged variants, each with its own claim ids (so none is a duplicate of another)."""
    c837, c835 = phi_837(), phi_835()
    out: dict[str, bytes] = {}

    def claims(text: str, tag: str) -> str:
        return text.replace("CLM00", f"{tag}00")

    # one corrupted byte in the segment id of the patient's and the subscriber's NM1 (not UTF-8, a NUL)
    t = claims(c837, "NMX")
    out["corrupt_nm1.837"] = (_swap(_swap(t, "NM1*QC*1*QUIXOTEVANDER", "N\x00M1*QC*1*QUIXOTEVANDER"),
                                    "NM1*IL*1*MARLOWESQUE", "N@@M1*IL*1*MARLOWESQUE")
                              .encode().replace(b"@@", b"\xff"))
    # birth dates in the wrong format / not a date
    t = claims(c837, "DOB")
    t = _swap(t, "DMG*D8*19470312*M", "DMG*D8*03/12/1947*M")
    out["bad_dob.837"] = _swap(t, "DMG*D8*19390825*F", "DMG*D8*19391325*F").encode()
    # a 100 KB element: the subscriber's name, a claim's charge, a date of service
    t = claims(c837, "BIG")
    t = _swap(t, "NM1*IL*1*MARLOWESQUE", "NM1*IL*1*MARLOWESQUE" + "Q" * 100_000)
    t = _swap(t, "CLM*BIG001*300.00", "CLM*BIG001*" + "ZQX99123457" * 9_100)
    out["huge_element.837"] = _swap(t, "DTP*472*D8*20250210", "DTP*472*D8*2025" + "9" * 100_000).encode()
    # a lost segment terminator: the patient's NM1 glued to the CAS / CLP before it (names in amount places)
    t = claims(c835, "GLU")
    t = _swap(t, "CAS*PR*1*10.00~\nNM1*QC*1*MARLOWESQUE", "CAS*PR*1*10.00!NM1*QC*1*MARLOWESQUE")
    out["glued.835"] = _swap(t, "CLP*GLU002*4*95.50*0.00**CI*PCN3*11*7~\nCAS*CO*16*95.50~\nNM1*QC",
                             "CLP*GLU002*4*95.50*0.00**CI*PCN3*11*7~\nCAS*CO*16*95.50ZNM1*QC").encode()
    # truncated in the middle of the patient's name
    t = claims(c837, "TRN")
    out["truncated_name.837"] = t[:t.index("QUIXOTEVANDER*ZEPHYRINA") + 8].encode()
    # the envelope full of PHI: control numbers, version, counts
    t = claims(c837, "ENV")
    t = _swap(t, "ST*837*0001*005010X222A1", "ST*837*QUIXOTEVANDER*ZEPHYRINA")
    t = _swap(t, "GS*HC*SUBMITTER*RECEIVER*20250301*1200*101*X*005010X222A1",
              "GS*HC*SUBMITTER*RECEIVER*19470312*1200*101*X*ALOYSIUSQ")
    out["envelope.837"] = _swap(t, "SE*48*0001", "SE*19470312*ZQX99123457").encode()
    # the body written with '|' while the ISA declares '*': every segment after the ISA unreadable
    t = claims(c837, "DLM")
    head, body = t.split("~", 1)
    out["wrong_delimiters.837"] = (head + "~" + body.replace("*", "|")).encode()
    # a patient's name where an amount, units or a date belongs
    t = claims(c837, "SWP")
    t = _swap(t, "SV1*HC:97530:GO:KX*150.00*UN*2***1", "SV1*HC:97530:GO:KX*QUIXOTEVANDER*UN*ZEPHYRINA***1")
    out["name_in_values.837"] = _swap(t, "DTP*472*D8*20250211", "DTP*472*D8*MARLOWESQUE").encode()
    # an 835 whose dates and amounts are garbage around the planted patients
    t = claims(c835, "REM")
    t = _swap(t, "DTM*405*20250314", "DTM*405*ZQX99123")
    out["bad_values_phi.835"] = _swap(t, "CLP*REM001*1*300.00*220.00", "CLP*REM001*1*300.00*1e400").encode()
    return out


def phi_export_csv() -> str:
    """A visit export with PHI columns: good rows, a row with an unreadable date of service, a row whose
    birth date is not a date, and a row with a stray quote in a name."""
    return (
        "MRN,Date of Service,CPT Code,Units,Treatment Minutes,Member ID,First Name,Last Name,DOB,Payer\n"
        "MRN7,02/10/2025,97530,2,30,ZQX99123457,BARTHOLOMINA,MARLOWESQUE,1947-03-12,NGS MEDICARE\n"
        "MRN7,02/10/2025,97110,1,15,ZQX99123457,BARTHOLOMINA,MARLOWESQUE,1947-03-12,NGS MEDICARE\n"
        "MRN8,13/45/2025,97110,1,15,PTN8844221XQ,ZEPHYRINA,QUIXOTEVANDER,03/12/1947,BCBSMA\n"
        "MRN8,02/11/2025,92507,1,30,PTN8844221XQ,ZEPHYRINA,QUIXOTEVANDER,1947-13-12,BCBSMA\n"
        'MRN8,02/11/2025,97110,1,15,PTN8844221XQ,ZEPHYRINA,"QUIXOTEVANDER,03/12/1947,BCBSMA\n'
        "MRN7,02/12/2025,97530,2,30,ZQX99123457,BARTHOLOMINA,MARLOWESQUE,1947-03-12,NGS MEDICARE\n"
    )


def write_phi_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clean.837").write_text(phi_837())
    (folder / "clean.835").write_text(phi_835())
    for name, data in damaged_x12().items():
        (folder / name).write_bytes(data)
    (folder / "visits.csv").write_text(phi_export_csv())
    return folder


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def leaks(text: str) -> list[str]:
    """The planted strings in `text` (case ignored; spaces and line breaks ignored too, since a PDF's text
    may break a word)."""
    plain, squashed = text.upper(), _squash(text)
    return [s for s in PLANTED if s.upper() in plain or _squash(s) in squashed]


# --- many lines of one patient, day and code (the linear-cost test and benchmarks/bench_hostile.py) -----

_ISA = ("ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *250301*1200*^*00501*000000101*0*P*:~\n"
        "GS*{gs}*SUBMITTER*RECEIVER*20250301*1200*101*X*{version}~\n")


def many_lines_837(n_lines: int, cpt: str, per_claim: int = 6, claim_prefix: str = "C",
                   member_id: str = "1EG4TE5MK72", dos: str = "20250210") -> str:
    """An 837P of `n_lines` service lines of one code, one patient (a Medicare subscriber) and one day, in
    claims of `per_claim` lines (LX 1..per_claim)."""
    seg = [_ISA.format(gs="HC", version="005010X222A1").rstrip("\n"),
           "ST*837*0001*005010X222A1~", "BHT*0019*00*B0001*20250301*1200*CH~",
           "NM1*41*2*BAYSTATE OT*****46*1234567893~", "HL*1**20*1~", "NM1*85*2*BAYSTATE OT*****XX*1234567893~",
           "N4*WORCESTER*MA*01608~", "HL*2*1*22*0~", "SBR*P*18*******MB~",
           f"NM1*IL*1*PATIENT*MANY****MI*{member_id}~", "DMG*D8*19480512*F~", "NM1*PR*2*NGS MEDICARE*****PI*14212~"]
    done = 0
    claim = 0
    while done < n_lines:
        k = min(per_claim, n_lines - done)
        seg += [f"CLM*{claim_prefix}{claim:07d}*{150 * k}.00***11:B:1*Y*A*Y*Y~", "HI*ABK:M6281~",
                "NM1*82*1*OT*RENDER****XX*1588667788~"]
        for j in range(k):
            seg += [f"LX*{j + 1}~", f"SV1*HC:{cpt}:GO*150.00*UN*1***1~", f"DTP*472*D8*{dos}~"]
        done += k
        claim += 1
    body = seg[2:]
    seg += [f"SE*{len(body) + 2}*0001~", "GE*1*101~", "IEA*1*000000101~"]
    return "\n".join(seg) + "\n"


def duplicates_835(n_claims: int, claim_prefix: str = "C", cpt: str = "97110", dos: str = "20250210") -> str:
    """An 835 answering claims 0..n_claims-1 of `many_lines_837(..., per_claim=1)`: the even ones denied as
    duplicates (CO-18), the odd ones paid."""
    seg = ["ST*835*0001*005010X221A1~",
           "BPR*I*1000.00*C*ACH*CCP*01*011000015*DA*123*1512345678**01*011000028*DA*456*20250315~",
           "TRN*1*EFT0315*1512345678~", "DTM*405*20250314~", "N1*PR*NGS MEDICARE~", "REF*2U*14212~",
           "N1*PE*BAYSTATE OT*XX*1234567893~", "LX*1~"]
    for c in range(n_claims):
        denied = c % 2 == 0
        seg += [f"CLP*{claim_prefix}{c:07d}*{4 if denied else 1}*150.00*{0 if denied else 100}.00**MB*PCN{c}*11*1~",
                "NM1*QC*1*PATIENT*MANY~", f"SVC*HC:{cpt}:GO*150.00*{0 if denied else 100}.00**1~",
                f"DTM*472*{dos}~", "CAS*CO*18*150.00~" if denied else "CAS*CO*45*50.00~"]
    seg += [f"SE*{len(seg) + 1}*0001~", "GE*1*101~", "IEA*1*000000101~"]
    return _ISA.format(gs="HP", version="005010X221A1") + "\n".join(seg) + "\n"

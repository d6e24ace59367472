"""Charles River Occupational Therapy: staff, payers, patients and their care (one patient at a time)."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from .model import Line, Plan, Visit
from .npi import make_npi
from .pricing import Payer, info, seeds

PRACTICE_NAME = "Charles River Occupational Therapy"
PRACTICE_NPI = make_npi("128456370")
PRACTICE_TIN = "043918572"
PRACTICE_ADDR = ("1250 Washington Street Suite 210", "NEWTON", "MA", "024581611")

OTS = [  # (last, first, npi, role)
    ("OKAFOR", "ADAEZE", make_npi("164381920"), "OT"),
    ("LINDQVIST", "MARTA", make_npi("172530418"), "OT"),
    ("BRENNAN", "KEVIN", make_npi("185276034"), "OT"),
    ("TAVARES", "LUISA", make_npi("190347261"), "OT"),
]
OTAS = [
    ("NGUYEN", "THANH", make_npi("136927485"), "OTA"),
    ("SULLIVAN", "ERIN", make_npi("158034672"), "OTA"),
]
PHYSICIANS = [
    ("HALVORSEN", "PETER", make_npi("114702593")), ("MEHTA", "ANJALI", make_npi("120836417")),
    ("CALLAHAN", "JOSEPH", make_npi("132984561")), ("ROSENBERG", "DANA", make_npi("145609238")),
    ("OYELARAN", "TOBI", make_npi("157392046")), ("KOWALSKI", "ANNA", make_npi("162048375")),
    ("FITZGERALD", "MAEVE", make_npi("178253906")), ("CHEN", "WEI", make_npi("183640297")),
]

# key, name written in the files, payer id, SBR09 / CLP06, 837 style, 835 style, weekly payment runs
PAYER_SPECS = [
    ("medicare_ngs", "Medicare Part B (NGS J-K)", "14212", "MB", "A", "A", True),
    ("bcbsma_medicare_adv", "BCBSMA Medicare HMO Blue", "BCBSMAMA", "16", "C", "C", True),
    ("masshealth", "MassHealth (fee-for-service)", "DMA7384", "MC", "C", "B", False),
    ("masshealth_mco", "WellSense Health Plan", "13337", "MC", "B", "B", False),
    ("bcbsma", "Blue Cross Blue Shield of Massachusetts", "SB700", "CI", "C", "C", False),
    ("tufts", "Tufts Health Plan", "04298C", "CI", "B", "A", False),
    ("harvard_pilgrim", "Harvard Pilgrim Health Care", "04271HP", "CI", "B", "A", False),
    ("aetna", "Aetna", "60054", "CI", "A", "B", False),
    ("cigna", "Cigna", "62308", "CI", "A", "C", False),
    ("uhc", "UnitedHealthcare", "87726", "CI", "B", "B", False),
]
UNIT_METHOD_CONFIG = {"medicare_ngs": "total_time", "bcbsma_medicare_adv": "total_time", "aetna": "per_code"}
# The practice's BCBSMA members are HMO Blue: authorization required (the directory default is false,
# since PPO members need none; RULEBOOK §9). Written into the sample's practice.toml.
AUTH_CONFIG = {"bcbsma": True}


def payers() -> dict[str, Payer]:
    d = seeds()["directory"]
    out = {}
    for key, name, pid, *_ in PAYER_SPECS:
        r = d[key]
        out[key] = Payer(key=key, name=name, payer_id=pid, payer_class=r["payer_class"],
                         unit_method=UNIT_METHOD_CONFIG.get(key), timely_filing_days=int(r["timely_filing_days"]),
                         requires_auth=AUTH_CONFIG.get(key, r["requires_auth"] == "true"), fee_pct=Decimal(r["fee_pct_of_medicare"]),
                         appeal_days=int(r["appeal_days"]), follows_medicare=r["follows_medicare_rules"] == "true")
    return out


SPEC = {s[0]: s for s in PAYER_SPECS}

ADULT_MIX = [("medicare_ngs", 40), ("bcbsma_medicare_adv", 8), ("bcbsma", 13), ("tufts", 5), ("harvard_pilgrim", 5),
             ("aetna", 9), ("cigna", 7), ("uhc", 8), ("masshealth", 3), ("masshealth_mco", 2)]
PEDS_MIX = [("masshealth", 34), ("masshealth_mco", 15), ("bcbsma", 15), ("tufts", 6), ("harvard_pilgrim", 6),
            ("aetna", 8), ("cigna", 7), ("uhc", 9)]

FIRST_F = ["MARY", "LINDA", "SUSAN", "KAREN", "NANCY", "DONNA", "CAROL", "RUTH", "SHARON", "HELEN", "JOAN", "ANN",
           "MAUREEN", "PATRICIA", "ELAINE", "ROSA", "GRACE", "AMELIA", "OLIVIA", "EMMA", "SOFIA", "AVA", "MIA",
           "ISLA", "CHLOE", "NORA", "LUCY", "MAYA", "ZOE", "HANNAH"]
FIRST_M = ["JOHN", "ROBERT", "WILLIAM", "JAMES", "RICHARD", "THOMAS", "PAUL", "GEORGE", "FRANCIS", "EDWARD",
           "DANIEL", "MARK", "BRIAN", "KEVIN", "LIAM", "NOAH", "OWEN", "LUCAS", "MASON", "ETHAN", "LEO", "JACK",
           "HENRY", "MATEO", "DYLAN", "MILES", "AIDEN", "CALEB", "FINN", "SAMUEL"]
LASTS = ["MURPHY", "OBRIEN", "SULLIVAN", "WALSH", "KELLY", "NGUYEN", "TRAN", "SANTOS", "PEREIRA", "COSTA",
         "SILVA", "SMITH", "JOHNSON", "BROWN", "DAVIS", "MILLER", "WILSON", "MOORE", "TAYLOR", "ANDERSON",
         "GOLDBERG", "COHEN", "LEVINE", "PATEL", "SHAH", "KIM", "PARK", "LEE", "WONG", "CHAN", "RODRIGUEZ",
         "GARCIA", "MARTINEZ", "LOPEZ", "RIVERA", "FLYNN", "DOYLE", "QUINN", "BARRY", "NOLAN", "DESOUZA",
         "ALMEIDA", "RICCI", "ROSSI", "MORETTI", "BIANCHI", "HOFFMAN", "SCHULTZ", "FISCHER", "MEYER"]
STREETS = ["Walnut St", "Beacon St", "Centre St", "Commonwealth Ave", "Watertown St", "Cherry St", "Chestnut St",
           "Lowell Ave", "Boylston St", "Highland Ave", "Crafts St", "Auburndale Ave"]
TOWNS = [("NEWTON", "02458"), ("NEWTON", "02459"), ("WALTHAM", "02453"), ("WATERTOWN", "02472"),
         ("WELLESLEY", "02481"), ("BROOKLINE", "02446"), ("NEEDHAM", "02492"), ("BOSTON", "02135")]

DX = {
    "hand": [("G5601", "M79641"), ("S62515D", "M25641"), ("M1811", "M79642"), ("M65311", "M25641"),
             ("S52531D", "M6281")],
    "postsurg": [("Z4789", "M25631"), ("S42201D", "M25611"), ("Z96611", "M6281")],
    "neuro": [("I69351", "R278"), ("G20A1", "R2689"), ("G35", "R5381"), ("I69331", "R41840")],
    "sensory": [("F840", "F88"), ("F88", "R625")],
    "finemotor": [("F82", "R2789"), ("F82", "F88")],
    "feeding": [("R633", "F82"), ("R6339", "P929")],
}
EVAL_CODE = {"hand": "97166", "postsurg": "97166", "neuro": "97167", "sensory": "97167", "finemotor": "97166",
             "feeding": "97165"}
UNTIMED_MINUTES = {"97165": 30, "97166": 45, "97167": 60, "97168": 30, "97150": 45, "G0283": 15, "29125": 15,
                   "29130": 15}


class Patient:
    __slots__ = ("idx", "mrn", "first", "last", "dob", "sex", "payer", "member", "adult", "caseload", "ot", "ota",
                 "md", "dx", "scenario", "addr", "visits", "plans", "auths", "group", "intensive", "planted",
                 "planted_rules", "rate_free")


def pick(rng: random.Random, mix):
    total = sum(w for _, w in mix)
    x = rng.random() * total
    for k, w in mix:
        x -= w
        if x < 0:
            return k
    return mix[-1][0]


_ALNUM = "ACDEFGHJKMNPQRTUVWXY"


def member_id(rng: random.Random, key: str, idx: int) -> str:
    u = f"{idx:06d}"
    if key == "medicare_ngs":  # MBI-like: 1 digit, letter, alnum, digit, letter, alnum, digit, letter x2, digit x2
        a = lambda: rng.choice(_ALNUM)
        return f"{rng.randint(1, 9)}{a()}{u[0]}{u[1]}{a()}{u[2]}{u[3]}{a()}{a()}{u[4]}{u[5]}"
    if key == "bcbsma_medicare_adv":
        return f"XJM{u}{rng.randint(100, 999)}"
    if key == "masshealth":
        return f"100{u}{rng.randint(100, 999)}"
    if key == "masshealth_mco":
        return f"WS{u}{rng.randint(10, 99)}"
    if key == "bcbsma":
        return f"ZXB{u}{rng.randint(100, 999)}"
    if key == "tufts":
        return f"T{u}{rng.randint(100, 999)}01"
    if key == "harvard_pilgrim":
        return f"HP{u}{rng.randint(100, 999)}"
    if key == "aetna":
        return f"W{u}{rng.randint(100, 999)}"
    if key == "cigna":
        return f"U{u}{rng.randint(10, 99)}01"
    return f"9{u}{rng.randint(10, 99)}"


def make_patient(rng: random.Random, idx: int, payer_key: str | None, adult: bool | None, scenario: str | None,
                 caseload: str | None = None) -> Patient:
    p = Patient()
    p.idx = idx
    p.mrn = f"{100000 + idx * 7 + rng.randint(0, 6)}"
    p.scenario = scenario
    if payer_key is None:
        if adult is None:
            adult = rng.random() < 0.65
        payer_key = pick(rng, ADULT_MIX if adult else PEDS_MIX)
    if adult is None:
        adult = payer_key not in ("masshealth", "masshealth_mco")
    if payer_key in ("medicare_ngs", "bcbsma_medicare_adv"):
        adult = True
    p.adult = adult
    p.payer = payer_key
    p.sex = rng.choice("FM")
    p.first = rng.choice(FIRST_F if p.sex == "F" else FIRST_M)
    p.last = rng.choice(LASTS)
    if payer_key in ("medicare_ngs", "bcbsma_medicare_adv"):
        p.dob = date(rng.randint(1936, 1959), rng.randint(1, 12), rng.randint(1, 28))
    elif adult:
        p.dob = date(rng.randint(1962, 2003), rng.randint(1, 12), rng.randint(1, 28))
    else:
        p.dob = date(rng.randint(2011, 2021), rng.randint(1, 12), rng.randint(1, 28))
    p.member = member_id(rng, payer_key, idx)
    if caseload is None:
        caseload = rng.choice(["hand", "hand", "postsurg", "neuro"]) if adult else \
            rng.choice(["sensory", "sensory", "finemotor", "feeding"])
    p.caseload = caseload
    p.ot = OTS[rng.randrange(len(OTS))]
    p.ota = OTAS[rng.randrange(len(OTAS))] if (rng.random() < 0.35) else None
    p.md = PHYSICIANS[rng.randrange(len(PHYSICIANS))]
    p.dx = rng.choice(DX[caseload])
    town, zipc = rng.choice(TOWNS)
    p.addr = (f"{rng.randint(3, 480)} {rng.choice(STREETS)}", town, zipc + f"{rng.randint(1000, 9999)}")
    p.group = f"G{rng.randint(10000, 99999)}" if SPEC[payer_key][3] == "CI" else ""
    p.visits, p.plans, p.auths = [], [], []
    p.intensive = False
    p.planted = {}            # rule -> set of finding keys (claim_id, dos, cpt) the plants must produce
    p.planted_rules = set()   # episode rules planted on the patient (their days follow from the data)
    p.rate_free = False
    return p


# ---------------------------------------------------------------------------------------------- care
PATTERNS = {1: [[1], [2], [3]], 2: [[0, 3], [1, 4], [0, 2]], 3: [[0, 2, 4]]}


def schedule(rng: random.Random, start: date, n: int, freq: int, last_day: date, holes: bool = True) -> list[date]:
    pattern = rng.choice(PATTERNS[freq])
    d = start
    out: list[date] = []
    while len(out) < n and d <= last_day:
        if d.weekday() in pattern and (not holes or out == [] or rng.random() > 0.06):
            out.append(d)
        d += timedelta(days=1)
    return out


def schedule_ending(rng: random.Random, target: date, n: int, freq: int) -> list[date]:
    """n visit dates on a weekly pattern that contains target's weekday, the last one = target."""
    wd = target.weekday()
    pats = [p for p in PATTERNS[freq] if wd in p] or [[wd]]
    pattern = rng.choice(pats)
    out = [target]
    d = target - timedelta(days=1)
    while len(out) < n:
        if d.weekday() in pattern:
            out.append(d)
        d -= timedelta(days=1)
    return sorted(out)


INTENSIVE_SETS = [  # post-stroke / post-surgical Medicare episodes, 3 visits a week
    [("97112", 1), ("97530", 2), ("97535", 1)],
    [("97110", 2), ("97530", 1), ("97140", 1)],
    [("97112", 2), ("97530", 2)],
    [("97530", 2), ("97535", 1), ("97110", 1)],
]


def treat_codes(rng: random.Random, caseload: str, k: int, payer_class: str,
                intensive: bool = False) -> list[tuple[str, int]]:
    if intensive:
        return list(rng.choice(INTENSIVE_SETS))
    r = rng.random()
    if caseload == "hand":
        if k == 1:
            return [("97760", 2), ("29125", 1), ("97530", 1)]
        if r < 0.15:
            return [("97763", 1), ("97530", 1), ("97535", 1)]
        if r < 0.55:
            return [("97140", 1), ("97110", 1), ("97530", 1)]
        return [("97110", 1), ("97530", 2)]
    if caseload == "postsurg":
        if r < 0.5:
            return [("97110", 2), ("97140", 1)]
        return [("97110", 1), ("97530", 1), ("97140", 1)]
    if caseload == "neuro":
        if r < 0.25:
            return [("97129", 1), ("97130", 1), ("97530", 1)]
        if r < 0.40 and payer_class == "medicare":
            return [("97112", 1), ("97530", 1), ("G0283", 1)]
        if r < 0.70:
            return [("97112", 1), ("97530", 2)]
        return [("97530", 2), ("97535", 1)]
    if caseload == "sensory":
        if r < 0.15:
            return [("97150", 1)]
        if r < 0.55:
            return [("97530", 2), ("97533", 1)]
        return [("97533", 1), ("97530", 1)]
    if caseload == "finemotor":
        if r < 0.5:
            return [("97530", 2), ("97110", 1)]
        return [("97530", 1), ("97535", 1)]
    return [("97530", 1), ("97535", 2)]  # feeding


def make_lines(rng: random.Random, codes: list[tuple[str, int]], staff) -> list[Line]:
    """Lines with minutes that support the units under both unit methods: 15 x units + 0-3 per timed
    code, remainders summing to less than 8."""
    used = 0
    out = []
    for cpt, units in codes:
        if info(cpt).is_timed:
            rem = rng.randint(0, min(3, 7 - used))
            used += rem
            minutes = 15 * units + rem
        else:
            minutes = UNTIMED_MINUTES.get(cpt, 15)
        ln = Line(cpt, units, minutes, staff[3], staff[2])
        if staff[3] == "OTA":
            ln.ota = minutes
        out.append(ln)
    return out


def eval_visit(rng: random.Random, p: Patient, dos: date, with_treatment: bool = False) -> Visit:
    codes = [(EVAL_CODE[p.caseload], 1)]
    if with_treatment:
        codes.append(("97530", 1))
    v = Visit(dos, make_lines(rng, codes, p.ot))
    v.note = "Evaluation"
    return v


def treatment_visit(rng: random.Random, p: Patient, dos: date, k: int, payer_class: str, ota_ok: bool) -> Visit:
    staff = p.ota if (ota_ok and p.ota is not None and k >= 2 and rng.random() < 0.45) else p.ot
    codes = treat_codes(rng, p.caseload, k, payer_class, p.intensive)
    if staff[3] == "OTA":
        codes = [(c, u) for c, u in codes if c not in ("97760", "29125")] or [("97530", 2)]
    return Visit(dos, make_lines(rng, codes, staff))


def build_plans(rng: random.Random, p: Patient, dos_list: list[date], rx_style: bool) -> list[Plan]:
    """Plans of care covering every DOS: Medicare style (signed 1-14 days after the start, recert signed
    before it starts, interval < 90 days) or MassHealth prescription style (each plan signed before it
    starts and no DOS more than 59 days after a signature)."""
    if not dos_list:
        return []
    plans = []
    start = dos_list[0]
    last = dos_list[-1]
    kind = "Initial"
    while True:
        if kind == "Initial" and not rx_style:
            signed = start + timedelta(days=rng.randint(1, 14))
        else:
            signed = start - timedelta(days=rng.randint(1, 5) if kind != "Initial" else rng.randint(2, 9))
        end = start + timedelta(days=rng.randint(59, 83))
        if rx_style:
            end = min(end, signed + timedelta(days=59))
        plans.append(Plan(start, end, signed, kind))
        if end >= last:
            break
        start = end + timedelta(days=1)
        kind = "Recertification"
    return plans

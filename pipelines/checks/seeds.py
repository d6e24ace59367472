"""Reference seeds (sql/seeds/*.csv): load them, and refuse to run when one contradicts the RULEBOOK.

RULEBOOK §12 asks for these start-up assertions: two KX buckets per year with OT separate from
PT+SLP, 2024 = 2,330 / 2025 = 2,410 / 2026 = 2,480; 97165–97168 untimed, 97530/97535/97537 timed;
certification intervals of 90 days. We also re-derive the §11.3 worked example from the RVUs.
"""
from __future__ import annotations

import duckdb

from ..errors import InputError
from ..resources import sql_dir


class SeedError(InputError):
    """A reference value contradicts the RULEBOOK: the audit must not run on it."""


def load_seeds(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Load every seed CSV as text into raw_seed_<name> (typed views live in sql/staging/01_seeds.sql)."""
    names = []
    for path in sorted((sql_dir() / "seeds").glob("*.csv")):
        name = path.stem
        con.execute(f"create or replace table raw_seed_{name} as "
                    f"select * from read_csv(?, header = true, all_varchar = true, quote = '\"')", [str(path)])
        names.append(name)
    return names


def validate_seeds(con: duckdb.DuckDBPyConnection) -> None:
    """RULEBOOK §12 configuration-validation tests; raises SeedError naming every failed assertion."""
    problems: list[str] = []

    def one(sql: str, params=None):
        row = con.execute(sql, params or []).fetchone()
        return row[0] if row else None

    for year, amount in ((2024, 2330), (2025, 2410), (2026, 2480)):
        for bucket in ("OT", "PT_SLP"):
            got = one("select threshold from seed_kx_thresholds where year = ? and bucket = ?", [year, bucket])
            if got is None or float(got) != amount:
                problems.append(f"KX threshold {year} {bucket} must be {amount}, seed has {got}")
    shared = one("select count(*) from raw_seed_kx_thresholds where bucket not in ('OT', 'PT_SLP')")
    if shared:
        problems.append("KX thresholds must have exactly two buckets, OT and PT_SLP (OT is not shared with SLP)")
    for code in ("97165", "97166", "97167", "97168"):
        if one("select is_timed from seed_codes where cpt = ?", [code]) is not False:
            problems.append(f"{code} must be untimed (RULEBOOK §12.4)")
    for code in ("97530", "97535", "97537"):
        if one("select is_timed from seed_codes where cpt = ?", [code]) is not True:
            problems.append(f"{code} must be timed (RULEBOOK §12.4)")
    if one("select value from settings where name = 'cert_interval_days'") != "90":
        problems.append("certification interval must be 90 days (RULEBOOK §7, §12.3)")
    # §11.3 worked example, Metropolitan Boston 2025: 97530 full $39.13, subsequent $27.12; 97535 subsequent $25.72.
    rates = dict(con.execute("""
        select r.cpt || ':' || kind, amount from (
          select cpt,
                 round((work_rvu * 1.042 + nf_pe_rvu * 1.197 + mp_rvu * 0.894) * 32.3465, 2) as full_amt,
                 round((work_rvu * 1.042 + 0.5 * nf_pe_rvu * 1.197 + mp_rvu * 0.894) * 32.3465, 2) as reduced_amt
          from seed_rvu where year = 2025 and cpt in ('97530', '97535')) r
        cross join lateral (values ('full', r.full_amt), ('reduced', r.reduced_amt)) v(kind, amount)
    """).fetchall())
    expected = {"97530:full": 39.13, "97530:reduced": 27.12, "97535:reduced": 25.72}
    for key, amount in expected.items():
        if rates.get(key) is None or float(rates[key]) != amount:
            problems.append(f"RVU check {key} must price at ${amount} (RULEBOOK §11.3), seeds give {rates.get(key)}")
    gpci = one("select count(*) from seed_gpci where year = 2025 and locality in ('01', '99')")
    if gpci != 2:
        problems.append("GPCIs for 2025 localities 01 and 99 are missing")
    if problems:
        raise SeedError("reference seeds contradict the RULEBOOK: " + "; ".join(problems), "sql/seeds")

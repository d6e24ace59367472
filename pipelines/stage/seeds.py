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
    # RULEBOOK worked examples, priced through the seeds' own RVUs, GPCIs and conversion factors:
    # §11.3 (2025, Metropolitan Boston): 97530 full $39.13, MPPR subsequent $27.12; 97535 subsequent $25.72.
    # §11.4 (2026): 97530 full $39.32 in locality 01, $37.68 in locality 99.
    rates = dict(con.execute("""
        select r.year || ':' || g.locality || ':' || r.cpt || ':' || v.kind, v.amount
        from seed_rvu r
        join seed_gpci g on g.year = r.year
        join seed_conversion_factors cf on year(cf.start_date) = r.year
        cross join lateral (values
            ('full', round((r.work_rvu * g.work_gpci + r.nf_pe_rvu * g.pe_gpci + r.mp_rvu * g.mp_gpci)
                           * cf.conversion_factor, 2)),
            ('reduced', round((r.work_rvu * g.work_gpci + 0.5 * r.nf_pe_rvu * g.pe_gpci + r.mp_rvu * g.mp_gpci)
                              * cf.conversion_factor, 2))) v(kind, amount)
        where r.cpt in ('97530', '97535') and r.modifier = '' and r.year in (2025, 2026)
    """).fetchall())
    expected = {"2025:01:97530:full": 39.13, "2025:01:97530:reduced": 27.12, "2025:01:97535:reduced": 25.72,
                "2026:01:97530:full": 39.32, "2026:99:97530:full": 37.68}
    for key, amount in expected.items():
        if rates.get(key) is None or float(rates[key]) != amount:
            year = key[:4]
            problems.append(f"fee schedule check {key} must price at ${amount} "
                            f"(RULEBOOK §{'11.3' if year == '2025' else '11.4'}), seeds give {rates.get(key)}")
    for year in (2025, 2026):
        if one("select count(*) from seed_gpci where year = ? and locality in ('01', '99')", [year]) != 2:
            problems.append(f"GPCIs for {year} localities 01 and 99 are missing")
    if problems:
        raise SeedError("reference seeds contradict the RULEBOOK: " + "; ".join(problems), "sql/seeds")

"""Reference seeds: the RULEBOOK §12 start-up assertions, the fee schedule they produce, and the payer
directory's classification (CONTRACT §6: no configuration needed)."""
from __future__ import annotations

import pytest

from pipelines.stage.seeds import SeedError, load_seeds, validate_seeds
from pipelines.config import PracticeConfig
from pipelines.stage.params import write_config_tables
from pipelines.resources import read_sql
from pipelines.warehouse import connect


@pytest.fixture
def seeded():
    """An audit database with the reference seeds loaded and typed (no data, default configuration)."""
    c = connect(":memory:")
    load_seeds(c)
    write_config_tables(c, PracticeConfig())
    c.execute(read_sql("seeds/seeds.sql"))
    return c


def test_shipped_seeds_pass_the_rulebook_assertions(seeded):
    validate_seeds(seeded)          # raises on any failure
    assert seeded.execute("select threshold from seed_kx_thresholds where year = 2025 and bucket = 'OT'").fetchone()[0] == 2410


@pytest.mark.parametrize("corruption,message", [
    ("update raw_seed_kx_thresholds set threshold = '2330' where year = '2025' and bucket = 'OT'",
     "KX threshold 2025 OT must be 2410"),
    ("update raw_seed_kx_thresholds set bucket = 'OT_SLP' where year = '2025' and bucket = 'OT'",
     "two buckets"),
    ("update raw_seed_codes set is_timed = 'true' where cpt = '97166'", "97166 must be untimed"),
    ("update raw_seed_codes set is_timed = 'false' where cpt = '97535'", "97535 must be timed"),
    ("update raw_seed_settings set value = '60' where name = 'cert_interval_days'", "90 days"),
    ("update raw_seed_rvu set nf_pe_rvu = '0.70' where cpt = '97530' and year = '2025'", "2025:01:97530:full must price at $39.13"),
    ("update raw_seed_rvu set nf_pe_rvu = '0.62' where cpt = '97530' and year = '2026'", "2026:01:97530:full must price at $39.32"),
    ("update raw_seed_gpci set pe_gpci = '1.061' where year = '2026' and locality = '99'", "2026:99:97530:full must price at $37.68"),
    ("delete from raw_seed_gpci where year = '2026' and locality = '01'", "GPCIs for 2026 localities 01 and 99 are missing"),
])
def test_a_seed_that_contradicts_the_rulebook_stops_the_audit(seeded, corruption, message):
    seeded.execute(corruption)
    with pytest.raises(SeedError) as err:
        validate_seeds(seeded)
    assert message in str(err.value)


@pytest.mark.parametrize("name,payer_id,payer_class,filing_days", [
    ("MEDICARE PART B", "14212", "medicare", 365),
    ("NGS MEDICARE", "", "medicare", 365),
    ("BCBSMA MEDICARE HMO BLUE", "", "medicare_advantage", 90),    # longest pattern wins over "hmo blue"
    ("BLUE CROSS BLUE SHIELD OF MASSACHUSETTS", "", "commercial", 90),
    ("MASSHEALTH", "DMA7384", "masshealth", 90),
    ("WELLSENSE HEALTH PLAN", "", "masshealth_managed", 90),
    ("TUFTS HEALTH PLAN MEDICARE PREFERRED", "", "medicare_advantage", 365),
    ("AETNA", "60054", "commercial", 90),
    ("ACME HEALTH", "99999", "other", 90),
])
def test_payer_directory_classifies_massachusetts_payers(name, payer_id, payer_class, filing_days):
    c = connect(":memory:")
    c.execute("insert into claims (claim_id, payer_name, payer_id) values ('C1', ?, ?)", [name, payer_id])
    load_seeds(c)
    write_config_tables(c, PracticeConfig())
    c.execute(read_sql("seeds/seeds.sql"))
    c.execute(read_sql("macros.sql"))
    c.execute(read_sql("staging/stg_payers.sql"))
    row = c.execute("select payer_class, timely_filing_days from stg_payers where payer_name = ?", [name]).fetchone()
    assert row == (payer_class, filing_days)


def test_the_rulebook_worked_example_prices_through_the_engine():
    """RULEBOOK §11.3: 97530 x2 + 97535 x1, Metropolitan Boston 2025 = $39.13 + $27.12 + $25.72 = $91.97."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from builders import MiniPractice
    p = MiniPractice()
    p.claim("C1", "2025-03-04", [("97530", "GO", 2), ("97535", "GO", 1)])
    p.run(as_of="2025-06-30")
    prices = dict(p.con.execute("select line_key, expected_allowed from stg_line_pricing").fetchall())
    assert float(prices["C1#1"]) == 66.25 and float(prices["C1#2"]) == 25.72
    assert float(prices["C1#1"]) + float(prices["C1#2"]) == pytest.approx(91.97)

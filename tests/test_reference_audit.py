"""CMS files imported with `rcm-audit reference import` change an audit's prices and findings exactly as their
values say, for the dates their release covers; the bundled seeds apply elsewhere (issue: the year the practice
bills in). Fixtures: tests/fixtures/cms (CMS layouts); the October 2026 RVU file is a variant with a fictional
97530 PE RVU of 0.70 (July: 0.60)."""
from __future__ import annotations

from decimal import Decimal

from builders import MiniPractice
from conftest import CMS, cms_fixtures as fx
from pipelines.reference.importer import import_files

AS_OF = "2026-12-15"


def oct_2026_pprrvu(tmp_path):
    rows = [r if r[0] != "97530" else ("97530", "A", "", "0.44", "0.70", "", "0.70", "NA", "0.01", "1.15", "1.15",
                                       "7", "XXX", "5") for r in fx.RVU_ROWS_2026_JUL]
    p = tmp_path / "PPRRVU2026_Oct_nonQPP.csv"
    p.write_bytes(fx.pprrvu_csv(month="Oct", released="09/30/2026", rows=rows))
    return p


def money(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


def practice_paid_at_the_july_price(store=None) -> MiniPractice:
    p = MiniPractice(reference_dir=store.path if store else None)
    p.claim("C1", "2026-11-02", [("97530", "GO", 1)])          # a DOS the October release covers
    p.claim("C2", "2026-08-03", [("97530", "GO", 1)])          # a DOS before it: July values
    for cid, dos in (("C1", "2026-11-20"), ("C2", "2026-08-20")):
        p.remit(cid, dos, [("97530", "GO", 30.83, 39.32, [("CO", "45", 60.68), ("PR", "2", 7.86), ("CO", "253", 0.63)])])
    return p


def test_an_imported_rvu_release_reprices_the_dates_it_covers(store, tmp_path):
    # bundled (July 2026 for all of 2026): 97530 = $39.32 in locality 01, paid at that price: no underpayment
    f = practice_paid_at_the_july_price().run(as_of=AS_OF)
    assert "UNDERPAYMENT" not in set(f.rule_id)

    [result] = import_files([oct_2026_pprrvu(tmp_path)], store)
    assert "RVU26D" in result.outcomes[0].describe()
    p = practice_paid_at_the_july_price(store)
    f = p.run(as_of=AS_OF)
    # October: (0.44 x 1.041 + 0.70 x 1.188 + 0.01 x 0.623) x 33.4009 = $43.28; paid at $39.32 -> $3.96 short
    prices = dict(p.con.execute("""select effective_from::varchar, allowed from fee_schedule
                                   where cpt = '97530' and locality = '01' and year(effective_from) = 2026""").fetchall())
    assert prices == {"2026-01-01": Decimal("39.32"), "2026-10-01": Decimal("43.28")}
    under = f[f.rule_id == "UNDERPAYMENT"]
    assert [(r.claim_id, money(r.amount_usd)) for r in under.itertuples()] == [("C1", Decimal("3.96"))]
    release = p.con.execute("""select release from fee_schedule where cpt = '97530' and locality = '01'
                               and date '2026-11-02' between effective_from and effective_to""").fetchone()[0]
    assert release.startswith("RVU26D")


def test_an_imported_mue_table_brings_line_edits_the_bundled_one_lacks(store):
    # the fixture's fictional row: 97129 MUE 1, MAI 1 (line edit); the bundled seed has no 97129 row
    p = MiniPractice()
    p.claim("C1", "2026-05-04", [("97129", "GO", 2)])
    assert "MUE_EXCEEDED" not in set(p.run(as_of=AS_OF).rule_id)
    import_files([CMS / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"], store)
    p = MiniPractice(reference_dir=store.path)
    p.claim("C1", "2026-05-04", [("97129", "GO", 2)])
    f = p.run(as_of=AS_OF)
    row = f[f.rule_id == "MUE_EXCEEDED"].iloc[0]
    assert (row.units_billed, row.units_expected) == (2.0, 1.0)
    assert "MUE of 1 per claim line (MAI 1" in row.detail
    # 97129 has no therapy MPPR: the excess unit is its full 2026 price
    # (0.50 x 1.041 + 0.16 x 1.188 + 0.01 x 0.623) x 33.4009 = $23.94
    assert money(row.amount_usd) == Decimal("23.94")


def test_an_imported_ptp_file_adds_its_pairs_and_indicator_0_ignores_modifiers(store):
    # the fixture's fictional edit 97530 / 97750, modifier indicator 0, effective in CY2026 Q3
    def practice(reference=None):
        p = MiniPractice(reference_dir=reference)
        p.claim("C1", "2026-08-03", [("97530", "GO", 1), ("97750", "GO;59", 1)])
        return p
    assert "NCCI_MODIFIER_MISSING" not in set(practice().run(as_of=AS_OF).rule_id)
    import_files([CMS / "medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f1.zip"], store)
    f = practice(store.path).run(as_of=AS_OF)
    row = f[f.rule_id == "NCCI_MODIFIER_MISSING"].iloc[0]
    assert (row.claim_id, row.cpt) == ("C1", "97750")
    assert "never pays together (modifier indicator 0" in row.detail and "59/X does not make it payable" in row.detail


def test_bundled_ncci_pairs_apply_outside_the_imported_quarters(store):
    # bundled pair 97530 / 97168 (indicator 1): before the imported Q3 file it still applies; inside Q3 the
    # file's own 97530 / 97168 row decides (also indicator 1 in the fixture)
    import_files([CMS / "ccipra-v322r0-f1.txt"], store)
    p = MiniPractice(reference_dir=store.path)
    p.claim("C1", "2026-03-02", [("97530", "GO", 1), ("97168", "GO", 1)])
    p.claim("C2", "2026-08-03", [("97530", "GO", 1), ("97168", "GO", 1)])
    f = p.run(as_of=AS_OF, rules=["NCCI_MODIFIER_MISSING"])
    assert sorted(f.claim_id) == ["C1", "C2"]
    sources = dict(p.con.execute("select imported, count(*) from ncci_edits group by 1").fetchall())
    assert sources[True] >= 1 and sources[False] >= 1

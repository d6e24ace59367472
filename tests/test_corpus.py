"""Every public 835/837 sample file of the shared corpus (../shared/x12-corpus, or $RCM_SHARED/x12-corpus):
read_x12 never raises, 4010 files are refused naming their version, and every other file loads exactly
the segments the manifest counted (raw counts: CLM, SV1, CLP, SVC, CAS, PLB)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipelines.ingest.x12 import looks_like_x12, read_x12
from pipelines.warehouse import connect


def _shared() -> Path | None:
    candidates = [Path(__file__).resolve().parents[2] / "shared"]
    if os.environ.get("RCM_SHARED"):
        candidates.insert(0, Path(os.environ["RCM_SHARED"]))
    for c in candidates:
        if (c / "x12-corpus" / "manifest.json").is_file():
            return c
    return None


SHARED = _shared()
if SHARED is None:
    pytest.skip("shared X12 corpus not found (../shared or $RCM_SHARED)", allow_module_level=True)
CORPUS = SHARED / "x12-corpus"
ENTRIES = [e for e in json.loads((CORPUS / "manifest.json").read_text()) if "stats" in e]   # dups have no stats

# Files whose manifest count is not what the file really holds, with the verified count.
# UnicodeExample.txt (UTF-16LE, no BOM): the manifest lists CLM 0; the file indeed stops after
# 'NM1*41' inside its only ST (no claim, no SE): it is a truncated transaction, rejected as such.
TRUNCATED = {"837/Inteligenz__X12Parser__tests__OopFactory.X12.Tests.Unit__Parsing___SampleEdiFiles__INS___837P"
             "___5010__UnicodeExample.txt"}


def _is_4010(entry) -> bool:
    return any(v.startswith("004010") for v in entry["stats"]["gs_versions"])


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def corpus_db():
    """One in-memory audit database shared by the corpus files of this module (each file keeps its own
    source_file, so the counts stay per file)."""
    c = connect(":memory:")
    yield c
    c.close()


@pytest.mark.parametrize("entry", ENTRIES, ids=[Path(e["dest"]).name[-60:] for e in ENTRIES])
def test_corpus_file(corpus_db, entry):
    con = corpus_db
    path = CORPUS / entry["dest"]
    stats = entry["stats"]
    source = entry["dest"]
    assert looks_like_x12(path.read_bytes()[:4096])
    res = read_x12(con, path, source)              # must never raise

    def loaded(table: str, expr: str = "count(*)") -> int:
        return _count(con, f"select {expr} from {table} where source_file = '{source}'")

    if _is_4010(entry):
        assert res.status == "rejected"
        assert "4010" in res.message and next(iter(stats["gs_versions"])) in res.message
        assert loaded("claims") == loaded("remit_claims") == 0
        return
    if entry["dest"] in TRUNCATED:
        assert res.status == "rejected" and "truncated" in res.message
        assert stats["CLM"] == 0 and loaded("claims") == 0
        return

    assert res.status in ("loaded", "partial"), res.message
    assert res.kind == ("835" if entry["kind"] == "835" else "837P")
    assert res.segments == stats["segments"]
    if entry["kind"] == "837":
        assert loaded("claims") == stats["CLM"] == res.claims_loaded
        assert loaded("claim_lines") == stats["SV1"] == res.lines_loaded
        if stats["CLM"] == 0:
            assert any("no claims" in i.reason for i in res.issues)
    else:
        assert loaded("remit_claims") == stats["CLP"] == res.claims_loaded
        assert loaded("remit_lines") == stats["SVC"] == res.lines_loaded
        assert loaded("remit_adjustments", "count(distinct segment_pos)") == stats["CAS"]
        # every CAS has at least one triple; independently count the triples in the raw text
        triples = loaded("remit_adjustments")
        assert triples >= stats["CAS"]
        assert triples == _raw_cas_triples(path)
        assert loaded("provider_adjustments", "count(distinct segment_pos)") == stats["PLB"]
        assert loaded("provider_adjustments") == _raw_plb_pairs(path)
        reversals = stats["CLP_status"].get("22", 0)
        assert loaded("remit_claims", "count(*) filter (where status_code = '22')") == reversals
    assert res.claims_rejected == 0 and res.lines_rejected == 0


def _raw_segments(path: Path, seg_id: str):
    """A plain, slow re-reading of the file (independent of the reader): the elements of every seg_id segment."""
    raw = path.read_bytes()
    text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig", "replace")
    text = text.lstrip()
    if text.startswith("ISA"):
        el = text[3]
        isa16 = [i for i, ch in enumerate(text[:200]) if ch == el][15] + 1
        term = text[isa16 + 1]
    else:
        el, term = text[2], "~"
    for seg in text.split(term):
        seg = seg.strip().lstrip("~")
        if seg.split(el, 1)[0] == seg_id:
            yield seg.split(el)


def _raw_cas_triples(path: Path) -> int:
    n = 0
    for e in _raw_segments(path, "CAS"):
        k = sum(1 for i in range(6) if 2 + 3 * i < len(e) and (e[2 + 3 * i] or (3 + 3 * i < len(e) and e[3 + 3 * i])))
        n += max(k, 1)
    return n


def _raw_plb_pairs(path: Path) -> int:
    n = 0
    for e in _raw_segments(path, "PLB"):
        k = sum(1 for j in range(6) if 3 + 2 * j < len(e) and (e[3 + 2 * j] or (4 + 2 * j < len(e) and e[4 + 2 * j])))
        n += max(k, 1)
    return n

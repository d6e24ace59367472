"""Property: whatever valid delimiter set a file declares in its ISA (distinct, printable, not alphanumeric,
not space, not used in the data), with or without line breaks, the reader loads exactly the rows it
loads from the canonical * : ^ ~ version of the same 837P and 835."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.ingest.x12 import read_x12
from pipelines.warehouse import connect

FIX = Path(__file__).resolve().parent / "fixtures" / "x12"
sys.path.insert(0, str(FIX))
from make_fixtures import redelimit  # noqa: E402

TABLES = ["claims", "claim_lines", "remit_payments", "remit_claims", "remit_lines", "remit_adjustments",
          "provider_adjustments"]
# printable, not alphanumeric, not space, and not '-' or '.' (both occur in the base files' data)
SAFE = sorted(set("!\"#$%&'()*+,/:;<=>?@[\\]^_`{|}~"))


def _snapshot(files: dict[str, bytes], tmp: Path) -> dict[str, list]:
    con = connect(":memory:")
    try:
        for name, data in files.items():
            p = tmp / name
            p.write_bytes(data)
            res = read_x12(con, p, name)
            assert res.status == "loaded", res.message
            assert not [i for i in res.issues if i.severity == "error"]
        return {t: sorted(con.execute(f"select * exclude (source_file) from {t}").fetchall(), key=repr)
                for t in TABLES}
    finally:
        con.close()


_BASE = {name: (FIX / name).read_text() for name in ("base.837", "base.835")}
_CANONICAL: dict[str, list] = {}


def _canonical(tmp: Path) -> dict[str, list]:
    if not _CANONICAL:
        _CANONICAL.update(_snapshot({n: t.encode() for n, t in _BASE.items()}, tmp))
    return _CANONICAL


@st.composite
def delimiter_sets(draw):
    element, component, terminator = draw(st.lists(st.sampled_from(SAFE), min_size=3, max_size=3, unique=True))
    repetition = draw(st.sampled_from(["U"] + [c for c in SAFE if c not in (element, component, terminator)]))
    if draw(st.booleans()):
        terminator = "\n"                                  # newline as the segment terminator
        linebreak = draw(st.sampled_from(["", "\n"]))      # (a blank line between segments is harmless)
    else:
        linebreak = draw(st.sampled_from(["", "\n", "\r\n", "\r"]))
    indent = draw(st.sampled_from(["", "  ", "\t"])) if linebreak else ""
    return dict(element=element, component=component, repetition=repetition, terminator=terminator,
                linebreak=linebreak, indent=indent)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(delims=delimiter_sets())
def test_any_delimiter_set_reads_the_same_rows(tmp_path, delims):
    variant = {name: redelimit(text, **delims).encode() for name, text in _BASE.items()}
    assert _snapshot(variant, tmp_path) == _canonical(tmp_path)

"""Shared fixtures. Test files hold tests; a fixture used by more than one file lives here."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))          # tests/builders.py, tests/fixtures/*

from pipelines.reference.store import ReferenceStore, open_store  # noqa: E402
from pipelines.warehouse import connect  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
CMS = Path(__file__).parent / "fixtures" / "cms"

# tests/fixtures/cms/make_fixtures.py: CMS files in their published layouts, and variants made on the fly
_spec = importlib.util.spec_from_file_location("cms_fixtures", CMS / "make_fixtures.py")
cms_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cms_fixtures)


@pytest.fixture(autouse=True, scope="session")
def hermetic_reference_store(tmp_path_factory):
    """Every audit in the tests reads an empty CMS reference store (not the developer's own imports in
    ~/.local/share/rcm-audit/reference), so results depend only on the repository."""
    path = tmp_path_factory.mktemp("reference-store")
    mp = pytest.MonkeyPatch()
    mp.setenv("RCM_AUDIT_REFERENCE", str(path))
    yield path
    mp.undo()


@pytest.fixture
def con():
    """A fresh in-memory audit database with the raw tables (sql/schema.sql) and nothing loaded."""
    c = connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def store(tmp_path) -> ReferenceStore:
    """An empty CMS reference store in a temporary folder (`rcm-audit reference import --reference DIR`)."""
    return open_store(tmp_path / "reference")


@pytest.fixture(scope="session")
def sample_day0_audit(tmp_path_factory) -> Path:
    """`rcm-audit audit sample_data -o OUT`: the day-0 audit of the bundled sample, the baseline of the follow-up
    tests (test_followup_e2e, test_followup_sample), run once per session. Its folder is only read."""
    from typer.testing import CliRunner

    from pipelines.cli import app
    if not (SAMPLE / "expected_findings.csv").exists():
        pytest.skip("sample_data/ has not been generated")
    out = tmp_path_factory.mktemp("sample-day0-audit")
    result = CliRunner().invoke(app, ["audit", str(SAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out

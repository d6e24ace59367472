"""Fixtures shared by the test files."""
from __future__ import annotations

import pytest

from pipelines import warehouse


@pytest.fixture
def con():
    """An in-memory audit database with the raw schema (sql/schema.sql); closed after the test."""
    c = warehouse.connect(":memory:")
    yield c
    c.close()

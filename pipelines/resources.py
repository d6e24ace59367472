"""Where the shipped SQL and templates are, in a checkout and in an installed wheel."""
from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent


def _find(name: str) -> Path:
    # Installed wheel: copied under pipelines/_data/<name>; editable/checkout: top-level <name>/.
    for candidate in (_PKG / "_data" / name, _REPO / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder next to the package")


def sql_dir() -> Path:
    return _find("sql")


def templates_dir() -> Path:
    return _find("report_templates")


def read_sql(relative: str) -> str:
    return (sql_dir() / relative).read_text(encoding="utf-8")

"""Practice configuration: one dataclass, loaded once from practice.toml (optional).

Without a file the audit still runs on the built-in Massachusetts payer directory
(sql/seeds/payer_directory.csv) and the defaults in sql/seeds/settings.csv; every default used is
listed in the report's appendix (table `assumptions`).
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

UNIT_METHODS = {"total_time", "per_code"}
PAYER_CLASSES = {"medicare", "medicare_advantage", "masshealth", "masshealth_managed", "commercial", "other"}


@dataclass
class PayerOverride:
    """A payer entry of practice.toml, matched to claims by name (case-insensitive) or payer id."""
    name: str
    payer_id: str | None = None
    payer_class: str | None = None
    unit_method: str | None = None
    timely_filing_days: int | None = None
    requires_auth: bool | None = None
    fee_pct_of_medicare: float | None = None
    appeal_days: int | None = None
    follows_medicare_rules: bool | None = None


@dataclass
class PracticeConfig:
    name: str | None = None
    npi: str | None = None
    locality: str | None = None          # '01' Metropolitan Boston | '99' Rest of Massachusetts
    audit_start: dt.date | None = None
    audit_end: dt.date | None = None
    as_of: dt.date | None = None         # --as-of wins over the file
    payers: list[PayerOverride] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)   # overrides of sql/seeds/settings.csv
    source: str | None = None            # where the config came from, for the report


def _date(value, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where} '{value}' is not a date (YYYY-MM-DD)") from None


def load_config(path: Path | None) -> PracticeConfig:
    """Read practice.toml; a missing path gives the all-defaults configuration."""
    if path is None:
        return PracticeConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("configuration file not found", str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML ({exc})", str(path)) from None

    practice = data.get("practice", {})
    cfg = PracticeConfig(
        name=practice.get("name"),
        npi=str(practice["npi"]) if practice.get("npi") else None,
        locality=str(practice["locality"]).zfill(2) if practice.get("locality") else None,
        audit_start=_date(practice.get("audit_start"), "practice.audit_start"),
        audit_end=_date(practice.get("audit_end"), "practice.audit_end"),
        as_of=_date(practice.get("as_of"), "practice.as_of"),
        settings={k: str(v) for k, v in data.get("settings", {}).items()},
        source=str(path),
    )
    if cfg.locality and cfg.locality not in ("01", "99"):
        raise InputError(f"practice.locality must be '01' or '99', not '{cfg.locality}'", str(path))
    for name, entry in data.get("payers", {}).items():
        p = PayerOverride(
            name=name,
            payer_id=str(entry["payer_id"]) if entry.get("payer_id") else None,
            payer_class=entry.get("payer_class"),
            unit_method=entry.get("unit_method"),
            timely_filing_days=entry.get("timely_filing_days"),
            requires_auth=entry.get("requires_auth"),
            fee_pct_of_medicare=entry.get("fee_pct_of_medicare"),
            appeal_days=entry.get("appeal_days"),
            follows_medicare_rules=entry.get("follows_medicare_rules"),
        )
        if p.payer_class and p.payer_class not in PAYER_CLASSES:
            raise InputError(f"payers.{name}.payer_class '{p.payer_class}' is not one of {sorted(PAYER_CLASSES)}", str(path))
        if p.unit_method and p.unit_method not in UNIT_METHODS:
            raise InputError(f"payers.{name}.unit_method '{p.unit_method}' is not one of {sorted(UNIT_METHODS)}", str(path))
        cfg.payers.append(p)
    return cfg


def find_config(input_dir: Path) -> Path | None:
    """The practice.toml shipped with the input folder, if any (top level first)."""
    top = input_dir / "practice.toml"
    if top.is_file():
        return top
    found = sorted(input_dir.rglob("practice.toml"))
    return found[0] if found else None

"""Practice configuration: one dataclass, loaded once from practice.toml (optional).

Without a file the audit still runs on the built-in Massachusetts payer directory
(sql/seeds/payer_directory.csv) and the defaults in sql/seeds/settings.csv; every default used is
listed in the report's appendix (table `assumptions`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .errors import InputError
from .ingest.mapping import parse_mappings

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
    auditor: dict[str, str] = field(default_factory=dict)    # [auditor] name, firm, email, phone (report)
    source: str | None = None            # where the config came from, for the report
    text: str | None = None              # the TOML as read (stored in audit_config)
    sha256: str | None = None
    reference_dir: Path | None = None    # the CMS reference store (not from the file: --reference / env)
    export_mappings: list = field(default_factory=list)      # [[exports]]: the analyst's hand mappings


def _date(value, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where} '{value}' is not a date (YYYY-MM-DD)") from None


AUDITOR_KEYS = ("name", "firm", "email", "phone")
DEFAULT_FIRM = "ASP-RCM Solutions"


def load_config(path: Path | None) -> PracticeConfig:
    """Read practice.toml; a missing path gives the all-defaults configuration."""
    if path is None:
        return PracticeConfig()
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("configuration file not found", str(path)) from None
    except IsADirectoryError:
        raise InputError("the configuration is a folder, not a practice.toml file", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the configuration ({type(exc).__name__})", str(path)) from None
    return parse_config(text, str(path))


def parse_config(text: str, source: str) -> PracticeConfig:
    """The configuration in a practice.toml text; `source` names it in messages and the report."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", source) from None
    path = source
    practice = data.get("practice", {})
    if not isinstance(practice, dict):
        raise InputError("[practice] must be a table", source)
    cfg = PracticeConfig(
        name=practice.get("name"),
        npi=str(practice["npi"]) if practice.get("npi") else None,
        locality=str(practice["locality"]).zfill(2) if practice.get("locality") else None,
        audit_start=_date(practice.get("audit_start"), "practice.audit_start"),
        audit_end=_date(practice.get("audit_end"), "practice.audit_end"),
        as_of=_date(practice.get("as_of"), "practice.as_of"),
        settings={k: str(v) for k, v in data.get("settings", {}).items()},
        source=source,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    cfg.export_mappings = parse_mappings(data, source)
    auditor = data.get("auditor", {})
    if not isinstance(auditor, dict):
        raise InputError("[auditor] must be a table (name, firm, email, phone)", source)
    cfg.auditor = {k: str(auditor[k]) for k in AUDITOR_KEYS if auditor.get(k) not in (None, "")}
    if cfg.locality and cfg.locality not in ("01", "99"):
        raise InputError(f"practice.locality must be '01' or '99', not '{cfg.locality}'", str(path))
    for name, entry in data.get("payers", {}).items():
        if not isinstance(entry, dict):
            raise InputError(f"payers.{name} must be a table", source)
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


# --- the configuration of an audit database (CONTRACT §5 audit_config, §6 "One configuration") -------------
_AUDIT_CONFIG_DDL = """
create table if not exists audit_config (
    config_file varchar,        -- the practice.toml used ('' when none: built-in defaults)
    config_sha256 varchar,
    config_text varchar,        -- the file as read, so `check` and `report` use exactly it
    stored_at timestamp,
    stored_by varchar,          -- ingest | audit | check --config
    as_of date,                 -- filled by the stage: the as-of date every deadline is judged on
    locality varchar,
    settings_in_force varchar   -- JSON: every setting and its value, after practice.toml [settings]
)"""


def store_config(con: duckdb.DuckDBPyConnection, cfg: PracticeConfig, stored_by: str) -> None:
    """Record the configuration of this audit (one row), replacing the one stored before."""
    con.execute(_AUDIT_CONFIG_DDL)
    con.execute("delete from audit_config")
    con.execute("insert into audit_config (config_file, config_sha256, config_text, stored_at, stored_by) "
                "values (?, ?, ?, current_timestamp, ?)", [cfg.source or "", cfg.sha256, cfg.text, stored_by])


def stored_config(con: duckdb.DuckDBPyConnection) -> PracticeConfig | None:
    """The configuration stored with the database (None when none was ever stored)."""
    exists = con.execute("select count(*) from information_schema.tables where table_name = 'audit_config'").fetchone()[0]
    if not exists:
        return None
    row = con.execute("select config_file, config_text from audit_config limit 1").fetchone()
    if row is None:
        return None
    source, text = row
    return parse_config(text, source) if text else PracticeConfig()


def record_config_in_force(con: duckdb.DuckDBPyConnection, as_of: dt.date, locality: str) -> None:
    """After staging: the as-of date, locality and settings the audit was judged with."""
    con.execute(_AUDIT_CONFIG_DDL)
    if not con.execute("select count(*) from audit_config").fetchone()[0]:
        con.execute("insert into audit_config (config_file, stored_at, stored_by) values ('', current_timestamp, 'stage')")
    settings = dict(con.execute("select name, value from settings order by name").fetchall())
    con.execute("update audit_config set as_of = ?, locality = ?, settings_in_force = ?",
                [as_of, locality, json.dumps(settings, sort_keys=True)])


def describe(cfg: PracticeConfig) -> str:
    """One line naming the configuration in force, for the terminal and the report."""
    if not cfg.source:
        return "no practice.toml: the built-in Massachusetts payer directory and defaults"
    return f"{cfg.source} (sha256 {cfg.sha256[:12]})"

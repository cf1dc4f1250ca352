"""The benchmark database of bench/load.py: schema (`alembic upgrade head`), reference data
through the app's own commands (as `make demo` loads it), the generated market in bulk, and the
rebuild of derived tables (`flask market rebuild`, where the app has it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from support import ROOT, databases

from load_parts.market import FACTOR_SET, Market
from models.accounts import User
from models.conversations import Conversation, Message
from models.deals import Deal
from models.deliveries import Delivery
from models.listings import Listing
from models.organisations import Organisation
from models.potentials import MatchPotential
from models.sites import Site

SHARED = ROOT.parent / "shared" / "data"
# What `make demo` loads before its demo data (see the Makefile), in this order.
REFERENCE_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("taxonomy", "seed"),
    ("taxonomy", "import-ewc", str(SHARED / "ewc-codes.json")),
    ("geo", "import-postcodes", str(SHARED / "geonames_postnummer_norra_mellansverige.tsv")),
    ("geo", "import-boundaries", str(SHARED / "norra_mellansverige_kommuner.geojson")),
    ("geo", "import-boundaries", str(SHARED / "norra_mellansverige_lan.geojson")),
    ("impact", "load-defaults"),
)
# Derived tables rebuilt after the bulk load, each a `flask` command; a command the app does
# not have (yet) is reported, not fatal. Add further steps here.
REBUILD_COMMANDS: tuple[tuple[str, ...], ...] = (("market", "rebuild"),)
MODELS = (
    ("organisations", Organisation), ("sites", Site), ("users", User), ("listings", Listing),
    ("conversations", Conversation), ("messages", Message), ("deals", Deal),
    ("deliveries", Delivery), ("match_potentials", MatchPotential),
)  # fmt: skip
SEQUENCED = ("organisations", "sites", "users", "listings", "conversations", "messages", "deals",
             "deliveries")  # fmt: skip
BASE_URL = "https://bench.invalid"  # production insists on https; only used in email links


def app_environment(database_url: str, instance: Path, secret_key: str) -> dict[str, str]:
    """The environment of the app's commands and of gunicorn: production settings (no debug,
    Secure cookies, HSTS), behind one trusted proxy, which the bench plays by sending
    `X-Forwarded-Proto: https`. No REDIS_URL (jobs would run in the web process; the pages
    measured enqueue none), no mail server, nothing inherited from the caller's FLASK_*,
    MARKETPLACE_*, MAIL_* or *_RATE_LIMIT settings."""
    drop = ("FLASK_", "MARKETPLACE_", "MAIL_", "REDIS_", "DATABASE_", "SECRET_", "BASE_URL",
            "TRUSTED_", "INSTANCE_")  # fmt: skip
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(drop) and not k.endswith("_RATE_LIMIT")}  # fmt: skip
    env.update(
        MARKETPLACE_ENV="production", SECRET_KEY=secret_key, DATABASE_URL=database_url,
        BASE_URL=BASE_URL, TRUSTED_PROXIES="1", INSTANCE_PATH=str(instance),
        PYTHONDONTWRITEBYTECODE="1",
    )  # fmt: skip
    return env


def flask_command(args: tuple[str, ...], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (the app's own commands)
        [sys.executable, "-m", "flask", "--app", "marketplace", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip


def run_reference(env: dict[str, str]) -> list[str]:
    """The reference data; a command that fails stops the run."""
    said = []
    for args in REFERENCE_COMMANDS:
        if len(args) > 2 and not Path(args[2]).exists():
            said.append(f"`{' '.join(args[:2])}`: {args[2]} missing, skipped")
            continue
        done = flask_command(args, env)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        said.append(f"`flask {' '.join(args[:2])}`: {done.stdout.strip().splitlines()[-1]}")
    return said


@dataclass
class Rebuilt:
    done: list[str] = field(default_factory=list)  # "market rebuild (12.3 s): its last line"
    missing: list[str] = field(default_factory=list)  # commands the app does not have
    seconds: float = 0.0


def run_rebuild(env: dict[str, str]) -> Rebuilt:
    out = Rebuilt()
    for args in REBUILD_COMMANDS:
        started = time.perf_counter()
        done = flask_command(args, env)
        elapsed = time.perf_counter() - started
        said = done.stdout + done.stderr
        if done.returncode != 0 and "No such command" in said:
            out.missing.append(" ".join(args))
            continue
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{said}")
        last = (done.stdout.strip().splitlines() or ["done"])[-1]
        out.done.append(f"`flask {' '.join(args)}` ({elapsed:.1f} s): {last}")
        out.seconds += elapsed
    return out


def factor_set_id(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT id FROM factor_sets ORDER BY version DESC LIMIT 1"))


def _rows(name: str, rows: list[tuple[Any, ...]], factor_set: int | None) -> Any:
    """The rows, with the factor set placeholder replaced by the real id."""
    if name not in ("deliveries", "match_potentials"):
        return rows
    at = 13 if name == "deliveries" else 8
    return ((*r[:at], factor_set if r[at] == FACTOR_SET else r[at], *r[at + 1 :]) for r in rows)


def load_market(engine: Engine, market: Market) -> float:
    """Bulk writes (COPY on PostgreSQL), the id sequences moved on, then (VACUUM) ANALYZE."""
    started = time.perf_counter()
    factor_set = factor_set_id(engine)
    with engine.begin() as conn:
        for name, model in MODELS:
            columns, rows = market.tables[name]
            databases.bulk_write(conn, model, columns, _rows(name, rows, factor_set))
        databases.move_sequences(conn, SEQUENCED)
    databases.analyze(engine)
    return time.perf_counter() - started

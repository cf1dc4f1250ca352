"""The benchmark database: bulk load, the note of what was generated (--keep), indexes."""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from support import ROOT, databases, reporting

from dashboard_parts import market, trade
from dashboard_parts.common import CANDIDATE_INDEXES, CHUNK, DATA_SEED, META_TABLE, Sizes
from dashboard_parts.market import Market
from models.conversations import Conversation
from models.deals import Deal
from models.deliveries import Delivery
from models.impact import FactorSet
from models.listings import Listing
from models.organisations import Organisation
from models.potentials import MatchPotential
from models.sites import Site

MODELS = {
    "factor_sets": FactorSet, "organisations": Organisation, "sites": Site, "listings": Listing,
    "conversations": Conversation, "deals": Deal, "deliveries": Delivery,
    "match_potentials": MatchPotential,
}  # fmt: skip
SEQUENCED = ("factor_sets", "organisations", "sites", "listings", "conversations", "deals",
             "deliveries")  # fmt: skip


def load(engine: Engine, market: Market) -> float:
    """Bulk inserts (Core `insert(Model)` with lists of dicts, CHUNK rows each), then ANALYZE."""
    started = time.perf_counter()
    with engine.begin() as conn:
        for name, model in MODELS.items():
            databases.insert_dicts(conn, model, market.tables[name], CHUNK)
        databases.move_sequences(conn, SEQUENCED)
    databases.analyze(engine)
    return time.perf_counter() - started


# --- databases -----------------------------------------------------------------------------


def head_revision() -> str:
    return str(ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head())


def schema_digest() -> str:
    """The migrations as they are on disk (a revision can be edited before it is released)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def wanted_meta(sizes: Sizes) -> dict[str, Any]:
    generator = reporting.code_digest(market, trade)
    return {"sizes": sizes.as_dict(), "seed": DATA_SEED, "revision": head_revision(),
            "schema": schema_digest(), "generator": generator}  # fmt: skip


def read_meta(engine: Engine) -> dict[str, Any] | None:
    try:
        if not inspect(engine).has_table(META_TABLE):
            return None
        with engine.connect() as conn:
            raw = conn.scalar(text(f"SELECT body FROM {META_TABLE}"))
        return json.loads(raw) if raw else None
    except Exception:
        return None


def write_meta(engine: Engine, meta: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {META_TABLE} (body TEXT NOT NULL)"))
        conn.execute(text(f"INSERT INTO {META_TABLE} (body) VALUES (:b)"), {"b": json.dumps(meta)})


def reusable(meta: dict[str, Any] | None, want: dict[str, Any]) -> bool:
    return meta is not None and all(meta.get(k) == v for k, v in want.items())


@dataclass
class Prepared:
    engine: Engine
    generated_at: str  # ISO time the data was generated
    load_s: float | None  # None: reused


def sqlite_path(args: argparse.Namespace) -> Path:
    return args.sqlite_dir / f"dashboard-{args.listings}-{args.deals}.db"


def wipe(engine: Engine) -> None:
    """Everything in the benchmark database, so it can be migrated and filled again."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        return
    path = Path(engine.url.database or "")
    engine.dispose()
    databases.remove_sqlite(path)


def prepare(
    backend: str,
    engine: Engine,
    fresh: bool,
    args: argparse.Namespace,
    market: Callable[[], Market],
) -> Prepared:
    want = wanted_meta(args.sizes)
    meta = None if fresh else read_meta(engine)
    if reusable(meta, want):
        assert meta is not None
        drop_candidates(engine)  # left over from an interrupted --try-indexes
        print(f"  {backend}: reusing the data generated at {meta['generated_at']} (--keep)")
        return Prepared(engine, meta["generated_at"], None)
    if not fresh:
        wipe(engine)
    databases.migrate(engine)
    m = market()
    load_s = load(engine, m)
    write_meta(engine, {**want, "generated_at": m.now.isoformat(), "counts": data_counts(m)})
    print(f"  {backend}: generated rows written in {load_s:.1f} s")
    return Prepared(engine, m.now.isoformat(), load_s)


def data_counts(m: Market) -> dict[str, Any]:
    return {
        "rows": {name: m.size(name) for name in MODELS},
        **{key: dict(counter) for key, counter in m.counts.items()},
    }


# --- index trials --------------------------------------------------------------------------


def drop_candidates(engine: Engine) -> None:
    with engine.begin() as conn:
        for ddl in CANDIDATE_INDEXES.values():
            name = ddl.split()[2]
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))


@contextmanager
def candidate_indexes(engine: Engine, names: list[str]) -> Iterator[None]:
    with engine.begin() as conn:
        for name in names:
            conn.execute(text(CANDIDATE_INDEXES[name]))
    databases.analyze(engine)
    try:
        yield
    finally:
        drop_candidates(engine)
        databases.analyze(engine)

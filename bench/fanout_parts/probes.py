"""What the fan-out benchmark times: the service call and its parts, index builds, the
baselines and the whole `fan_out`."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, or_, select, text, update
from sqlalchemy.orm import Session
from support import clock

from fanout_parts.world import SECRET, WARMUP
from marketplace.services.alerts import criteria, index, subscriptions
from marketplace.services.alerts.criteria import Facts, catches, compile_subscription
from marketplace.services.alerts.fanout import fan_out
from marketplace.services.alerts.index import index_for
from marketplace.services.mail.context import MailContext
from models import Listing, User
from models.alerts import AlertSubscription, Notification

# --- timing --------------------------------------------------------------------------------


def facts_of(engine: Engine, ids: list[int]) -> list[Facts]:
    with Session(engine) as session:
        return [Facts.of(session.get(Listing, i)) for i in ids]


@contextmanager
def listing_session(engine: Engine, listing_id: int) -> Iterator[tuple[Session, Listing]]:
    """A fresh session (as a fan-out job has) with the listing loaded before the clock."""
    with Session(engine) as session:
        listing = session.get(Listing, listing_id)
        assert listing is not None
        yield session, listing


def cache_key(engine: Engine) -> str:
    return str(engine.url)


def service_query(engine: Engine, listing_id: int) -> tuple[float, list[int]]:
    with listing_session(engine, listing_id) as (session, listing):
        started = time.perf_counter()
        hits = index_for(session).hits(Facts.of(listing))
        return clock.elapsed_ms(started), [hit.subscription.id for hit in hits]


def time_service(engine: Engine, ids: list[int]) -> tuple[list[float], list[list[int]]]:
    return clock.time_each(lambda listing_id: service_query(engine, listing_id), ids, WARMUP)


def time_cache_check(engine: Engine, ids: list[int]) -> list[float]:
    """`index_for(session)` alone with the index cached: the query that tells whether any
    subscription changed, in the same kind of fresh session."""
    ms = []
    for listing_id in [*ids[:WARMUP], *ids]:
        with listing_session(engine, listing_id) as (session, _):
            started = time.perf_counter()
            index_for(session)
            ms.append(clock.elapsed_ms(started))
    return ms[WARMUP:]


def timed_index_for(engine: Engine) -> float:
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        started = time.perf_counter()
        index_for(session)
        return (time.perf_counter() - started) * 1000.0


def cold_builds(engine: Engine, repeats: int = 3) -> list[float]:
    """`index_for` with an empty cache (the first call in a process): load and compile every
    active subscription, build the index."""
    ms = []
    for _ in range(repeats):
        index._cache.clear()
        gc.collect()
        ms.append(timed_index_for(engine))
    return ms


def updates_after_change(engine: Engine, spec_ids: list[int], rounds: int = 2) -> list[float]:
    """`index_for` right after one subscription was paused, and after it was resumed, through
    `subscriptions.set_paused` and a commit (the data ends as it began)."""
    index_for_ms = []
    for sub_id in spec_ids[:rounds]:
        for paused in (True, False):
            with Session(engine) as session:
                sub = session.get(AlertSubscription, sub_id)
                assert sub is not None
                actor = session.get(User, sub.user_id)
                subscriptions.set_paused(
                    session, actor=actor, subscription_id=sub_id, paused=paused
                )
                session.commit()
            gc.collect()
            index_for_ms.append(timed_index_for(engine))
    return index_for_ms


def sql_prefilter(engine: Engine, listing_id: int) -> tuple[float, list[int]]:
    """Baseline without a cache: the subscriptions whose stored bounding box holds the point or
    whose regions name its municipality/county, in SQL; then compile each and `catches`."""
    s = AlertSubscription
    with listing_session(engine, listing_id) as (session, listing):
        started = time.perf_counter()
        f = Facts.of(listing)
        regions = [
            (" " + s.region_codes + " ").like(f"% {code} %")
            for code in (f.municipality_code, f.county_code)
            if code
        ]
        box = (s.min_x <= f.x) & (s.max_x >= f.x) & (s.min_y <= f.y) & (s.max_y >= f.y)
        stmt = select(s).where(s.paused.is_(False), or_(box, *regions))
        found = [
            compiled.id
            for compiled in map(compile_subscription, session.scalars(stmt))
            if catches(compiled, f)[0]
        ]
        return (time.perf_counter() - started) * 1000.0, found


def compile_all(engine: Engine) -> tuple[float, list[criteria.Compiled]]:
    """What a brute force does first: load and compile every active subscription."""
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        started = time.perf_counter()
        stmt = select(AlertSubscription).where(AlertSubscription.paused.is_(False))
        compiled = [compile_subscription(sub) for sub in session.scalars(stmt)]
        return (time.perf_counter() - started) * 1000.0, compiled


def scan(compiled: list[criteria.Compiled], f: Facts) -> list[int]:
    return [c.id for c in compiled if catches(c, f)[0]]


@dataclass(frozen=True)
class FanoutRow:
    listing_id: int
    hits: int
    notified: int
    instant: int
    ms: float


def run_fan_out(engine: Engine, listing_id: int, today: date) -> FanoutRow:
    """One `fan_out` as the job runs it, on a listing marked due; rolled back afterwards."""
    ctx = MailContext(base_url="https://symbios.example", secret=SECRET, domain="symbios.example")
    with Session(engine, expire_on_commit=False) as session:
        session.execute(update(Listing).where(Listing.id == listing_id).values(fanout_due=True))
        session.flush()
        session.expire_all()
        listing = session.get(Listing, listing_id)
        assert listing is not None
        hits = len({hit.subscription.id for hit in index_for(session).hits(Facts.of(listing))})
        session.expire_all()
        started = time.perf_counter()
        outbox_ids = fan_out(session, ctx, listing_id, today=today)
        elapsed = (time.perf_counter() - started) * 1000.0
        notified = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.listing_id == listing_id)
        )
        session.rollback()
    return FanoutRow(listing_id, hits, int(notified or 0), len(outbox_ids), elapsed)

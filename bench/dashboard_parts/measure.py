"""What is timed: the dashboard, the whole page, the opportunities page, baselines; and
where the time goes (statements captured, replayed and explained)."""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from dashboard_parts.common import MEASURED, RADIUS_KM, SQLITE_DIR, YEARS
from marketplace import create_app
from marketplace.config import Settings
from marketplace.services.staff import opportunities, stats
from marketplace.services.staff.stats import StatsFilter
from marketplace.web.presenters.stats_params import default_period

# --- measurement ---------------------------------------------------------------------------


def named_filters(today: date) -> list[tuple[str, StatsFilter]]:
    """The filters staff use most: the default period (last 12 months) for the region, a county,
    a municipality, a category and a sector, and a three-year period."""
    start, end = default_period(today)
    return [
        ("region, last 12 months", StatsFilter(start, end)),
        ("county 20 (Dalarna), last 12 months", StatsFilter(start, end, county="20")),
        ("municipality 2180 (Gävle), last 12 months",
         StatsFilter(start, end, municipality="2180")),
        ("category sawdust, last 12 months", StatsFilter(start, end, category="sawdust")),
        ("sector C (manufacturing), last 12 months", StatsFilter(start, end, sector="C")),
        ("region, 3 years", StatsFilter(end - timedelta(days=YEARS * 365 - 1), end)),
    ]  # fmt: skip


# Parts timed inside each run: the grouped statements and the medians `stats.dashboard` calls.
PART_NAMES = (
    "listing_amounts", "listing_activity", "delivery_facts", "agreement_facts",
    "potential_facts", "medians",
)  # fmt: skip


@contextmanager
def timed_parts() -> Iterator[dict[str, float]]:
    """Wrap the stats module's part functions with timers for one run (module globals, so
    calls from inside `stats.dashboard` are timed too); ms per part, nested calls included."""
    parts: dict[str, float] = {}
    originals = {name: getattr(stats, name) for name in PART_NAMES if hasattr(stats, name)}

    def timer(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                ms = (time.perf_counter() - started) * 1000.0
                parts[name] = parts.get(name, 0.0) + ms

        return timed

    for name, call in originals.items():
        setattr(stats, name, timer(name, call))
    try:
        yield parts
    finally:
        for name, call in originals.items():
            setattr(stats, name, call)


@dataclass
class Series:
    """Milliseconds per timed run: the whole, and each part in the same runs."""

    total: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=dict)


def timed_series(run_once: Callable[[], dict[str, float]], runs: int, warmup: int) -> Series:
    for _ in range(warmup):
        run_once()
    gc.collect()
    series = Series()
    for _ in range(runs):
        started = time.perf_counter()
        parts = run_once()
        series.total.append((time.perf_counter() - started) * 1000.0)
        for name, ms in parts.items():
            series.parts.setdefault(name, []).append(ms)
    return series


def dashboard_once(
    engine: Engine, f: StatsFilter, keep: list[Any] | None = None
) -> dict[str, float]:
    """One dashboard computation in a fresh session (as in a request); ms per part."""
    with timed_parts() as parts, Session(engine) as session:
        figures = stats.dashboard(session, f, parallel=True).figures  # as the GET view
        if keep is not None:
            keep.append(figures)
    return parts


STAFF_EMAIL = "bench-staff@bench.invalid"


def staff_client(engine: Engine) -> Any:
    """A Flask test client of the app on the benchmark database, signed in as a staff member
    (created here once; the session cookie is set directly, no password is involved)."""
    from models.accounts import User
    from models.base import utcnow

    with Session(engine) as session:
        user = session.scalar(select(User).where(User.email == STAFF_EMAIL))
        if user is None:
            user = User(email=STAFF_EMAIL, name="Bench staff", is_staff=True,
                        password_hash="!",  # noqa: S106 - no hash matches it: cannot sign in
                        email_verified_at=utcnow())  # fmt: skip
            session.add(user)
            session.commit()
        login_id = user.get_id()
    url = engine.url.render_as_string(hide_password=False)
    instance = SQLITE_DIR / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    app = create_app(Settings(env="testing", secret_key="bench-" * 8, database_url=url,
                              instance_path=instance, base_url="http://localhost"))  # fmt: skip
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = login_id
        cookie["_fresh"] = True
    return client


def page_once(client: Any, f: StatsFilter) -> dict[str, float]:
    """GET /staff with the filter: the dashboard as a staff member's browser gets it."""
    response = client.get("/staff", query_string=f.as_params())
    if response.status_code != 200:
        raise RuntimeError(f"GET /staff answered {response.status_code}")
    return {}


def opportunities_once(engine: Engine, f: StatsFilter, today: date) -> dict[str, float]:
    """What the opportunities page computes, in one fresh session; ms per part (the live
    listings both `lonely` calls share are fetched in the "lonely offers" part)."""
    shared: dict[str, Any] = {}

    def live(s: Session) -> Any:
        if "rows" not in shared:
            shared["rows"] = opportunities.live_rows(s, today)
        return shared["rows"]

    calls: tuple[tuple[str, Callable[[Session], Any]], ...] = (
        ("lonely offers", lambda s: opportunities.lonely(
            s, f, direction="offer", radius_km=RADIUS_KM, today=today, live=live(s))),
        ("lonely wants", lambda s: opportunities.lonely(
            s, f, direction="want", radius_km=RADIUS_KM, today=today, live=live(s))),
        ("untaken_matches", lambda s: opportunities.untaken_matches(s, f)),
        ("network", lambda s: opportunities.network(s, f)),
    )  # fmt: skip
    parts = {}
    with Session(engine) as session:
        for name, call in calls:
            started = time.perf_counter()
            call(session)
            parts[name] = (time.perf_counter() - started) * 1000.0
    return parts


BASELINES = {
    "SELECT 1": "SELECT 1",
    "SELECT count(*) FROM listings": "SELECT count(*) FROM listings",
}


def baseline_once(engine: Engine, sql: str) -> dict[str, float]:
    with Session(engine) as session:
        session.execute(text(sql)).all()
    return {}


# --- where the time goes -------------------------------------------------------------------


@dataclass
class Statement:
    origin: str
    sql: str
    params: Any
    ms: float = 0.0  # replayed alone, median of 3, rows fetched
    rows: int = 0
    plan: list[str] = field(default_factory=list)


SERVICE_FILES = tuple(str(Path(m.__file__ or "").resolve()) for m in MEASURED)


def _origin() -> str:
    """The chain of service functions (stats/opportunities) that issued the statement."""
    frame = sys._getframe(1)
    names = []
    while frame is not None:
        if frame.f_code.co_filename in SERVICE_FILES and frame.f_code.co_name != "<lambda>":
            names.append(frame.f_code.co_name)
        frame = frame.f_back  # type: ignore[assignment]
    names.reverse()
    return " > ".join(dict.fromkeys(names)) or "?"


def capture(engine: Engine, call: Callable[[], Any]) -> list[Statement]:
    captured: list[Statement] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        captured.append(Statement(_origin(), statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return [  # the queries, not the BEGINs SQLite's engine emits for each transaction
        s
        for s in captured
        if s.origin != "?" and s.sql.lstrip().upper().startswith(("SELECT", "WITH"))
    ]


def replay(engine: Engine, statements: list[Statement]) -> None:
    """Each statement alone, rows fetched: median ms of 3 runs after one warm-up."""
    with engine.connect() as conn:
        for s in statements:
            times = []
            for i in range(4):
                started = time.perf_counter()
                rows = conn.exec_driver_sql(s.sql, s.params).fetchall()
                if i:
                    times.append((time.perf_counter() - started) * 1000.0)
            s.ms, s.rows = statistics.median(times), len(rows)
        conn.rollback()


def explain(engine: Engine, s: Statement, top: int = 4) -> None:
    """PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), the nodes with the most exclusive time;
    SQLite: EXPLAIN QUERY PLAN."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            raw = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + s.sql, s.params
            ).scalar_one()
            doc = raw if isinstance(raw, list) else json.loads(raw)
            nodes: list[tuple[float, str]] = []
            _walk(doc[0]["Plan"], nodes)
            nodes.sort(key=lambda n: -n[0])
            s.plan = [f"{label}: {ms:.1f} ms" for ms, label in nodes[:top]]
            s.plan.append(f"total {doc[0]['Execution Time']:.1f} ms")
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s.sql, s.params).all()
            s.plan = [str(r[-1]) for r in rows]
        conn.rollback()


def _walk(node: dict[str, Any], out: list[tuple[float, str]]) -> float:
    """Appends (exclusive ms, description) for every node; returns the node's inclusive ms."""
    loops = node.get("Actual Loops", 1) or 1
    inclusive = node.get("Actual Total Time", 0.0) * loops
    children = sum(_walk(child, out) for child in node.get("Plans", []))
    label = node["Node Type"]
    if node.get("Index Name"):
        label += f" using {node['Index Name']}"
    if node.get("Relation Name"):
        label += f" on {node['Relation Name']}"
    rows = node.get("Actual Rows", 0) * loops
    label += f" ({rows:,.0f} rows"
    if node.get("Rows Removed by Filter"):
        label += f", {node['Rows Removed by Filter'] * loops:,.0f} removed by filter"
    if loops > 1:
        label += f", {loops:,} loops"
    label += ")"
    out.append((max(inclusive - children, 0.0), label))
    return inclusive


def profile(engine: Engine, call: Callable[[], Any], top: int) -> list[Statement]:
    statements = capture(engine, call)
    replay(engine, statements)
    slow = sorted(statements, key=lambda s: -s.ms)
    for s in slow[:top]:
        explain(engine, s)
    return slow

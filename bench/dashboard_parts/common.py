"""Settings of the staff dashboard benchmark: sizes, targets, candidate indexes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from marketplace.services.staff import opportunities, stats, stats_sql

TARGET_P95_MS = 300.0  # QUALITY.md: staff dashboard, 100k listings and 20k deals
WARMUP = 3
CHUNK = 5_000
DATA_SEED = 20_261_130
YEARS = 3
RADIUS_KM = 50  # the opportunities page's default radius
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_dashboard"
SQLITE_DIR = Path("/tmp/bench_dashboard")  # noqa: S108  (the brief: a SQLite file under /tmp)
MEASURED = (stats, stats_sql, opportunities)
META_TABLE = "bench_dashboard_meta"  # the benchmark's own note of what it generated

# Candidate indexes tried by hand in the benchmark database (`--try-indexes`), never migrations:
# each alone (--trial-runs), then the PROPOSED ones together (--runs). Portable DDL (SQLite and
# PostgreSQL); `id` is spelled out because a PostgreSQL index does not carry it otherwise.
CANDIDATE_INDEXES: dict[str, str] = {
    # (The period's listings and deliveries with every column the statistics read are the
    # schema's ix_listings_period and ix_deliveries_period since this benchmark proposed them.)
    # Published listings (potential: both sides of every MatchPotential row; inquiries).
    "listings_published": (
        "CREATE INDEX bench_ix_listings_published ON listings (status, direction, category, "
        "municipality_code, county_code, organisation_id, published_at, id)"
    ),
    "deals_agreed_at": "CREATE INDEX bench_ix_deals_agreed_at ON deals (agreed_at)",
    "listings_published_at": (
        "CREATE INDEX bench_ix_listings_published_at ON listings (published_at)"
    ),
}
PROPOSED = ("listings_published",)


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    listings: int
    deals: int
    firms: int
    conversations: int  # over the YEARS

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

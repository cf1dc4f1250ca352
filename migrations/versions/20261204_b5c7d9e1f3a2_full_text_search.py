"""Full-text search and keyset paging for listings (issue 16).

Reviewed by hand; each database gets its own full-text search, kept in step by the database
itself so that every writer (services, the demo loader, benches, staff tools) is covered:

- PostgreSQL: the `unaccent` extension (trusted since PostgreSQL 13, so the owner of the database
  may create it), a text search configuration `swedish_unaccent` (a copy of `swedish` whose word
  tokens go through `unaccent` before the Swedish stemmer, so "sagspan" and "Sågspån" both find
  "sågspån"), a STORED generated column `search_vector` (to_tsvector(regconfig, text) is
  immutable) and a GIN index on it. Adding the column rewrites the table once and so fills it.
- SQLite: an FTS5 external-content table `listings_fts` over `listings.search_text`
  (unicode61, diacritics removed), triggers on insert, update of `search_text` and delete, and a
  rebuild from the existing rows.

Neither object is in the SQLAlchemy metadata (`models.listings.include_in_autogenerate` keeps
autogenerate from proposing to drop them). A later migration that recreates `listings` in
SQLite batch mode drops the triggers with the old table and must create them again
(`tests/test_migrations.py` checks that search stays in step at head).

The newest-first index gains `id`, the tie-breaker of the ordering, so a keyset page ("after
this published_at and id") is one index range on PostgreSQL too (SQLite indexes end in the rowid
anyway).

Revision ID: b5c7d9e1f3a2
Revises: 4f7a2c9e1b3d
Create Date: 2026-12-04 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b5c7d9e1f3a2"
down_revision: str | None = "4f7a2c9e1b3d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The dictionary lives in whichever schema the extension was installed in (the first of the
# search path when this migration creates it), so the mapping names that schema explicitly.
PG_MAPPING = """
DO $$
DECLARE
    dictionary_schema name;
BEGIN
    SELECT n.nspname INTO dictionary_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'unaccent';
    EXECUTE format(
        'ALTER TEXT SEARCH CONFIGURATION swedish_unaccent ALTER MAPPING FOR word, hword, '
        'hword_part WITH %I.unaccent, pg_catalog.swedish_stem', dictionary_schema);
    EXECUTE format(
        'ALTER TEXT SEARCH CONFIGURATION swedish_unaccent ALTER MAPPING FOR numword, numhword '
        'WITH %I.unaccent, pg_catalog.simple', dictionary_schema);
END
$$
"""

# Only an extension in this very schema is ours to remove; one elsewhere serves other schemas.
PG_DROP_EXTENSION = """
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'unaccent' AND n.nspname = current_schema()
    ) THEN
        DROP EXTENSION unaccent;
    END IF;
END
$$
"""

SQLITE_TRIGGERS = {
    "listings_fts_insert": "AFTER INSERT ON listings BEGIN"
    " INSERT INTO listings_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "listings_fts_update": "AFTER UPDATE OF search_text ON listings BEGIN"
    " INSERT INTO listings_fts(listings_fts, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO listings_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "listings_fts_delete": "AFTER DELETE ON listings BEGIN"
    " INSERT INTO listings_fts(listings_fts, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text); END",
}


def _postgresql_upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION swedish_unaccent (COPY = pg_catalog.swedish)")
    op.execute(PG_MAPPING)
    op.execute(
        "ALTER TABLE listings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        "(to_tsvector('swedish_unaccent'::regconfig, search_text)) STORED"
    )
    op.execute("CREATE INDEX ix_listings_search_vector ON listings USING gin (search_vector)")


def _postgresql_downgrade() -> None:
    op.execute("DROP INDEX ix_listings_search_vector")
    op.execute("ALTER TABLE listings DROP COLUMN search_vector")
    op.execute("DROP TEXT SEARCH CONFIGURATION swedish_unaccent")
    op.execute(PG_DROP_EXTENSION)


def _sqlite_upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE listings_fts USING fts5(search_text, content='listings', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO listings_fts(listings_fts) VALUES ('rebuild')")


def _sqlite_downgrade() -> None:
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE listings_fts")


def upgrade() -> None:
    op.drop_index("ix_listings_status_published_at", table_name="listings")
    op.create_index("ix_listings_newest", "listings", ["status", "published_at", "id"])
    if op.get_context().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _postgresql_downgrade()
    else:
        _sqlite_downgrade()
    op.drop_index("ix_listings_newest", table_name="listings")
    op.create_index("ix_listings_status_published_at", "listings", ["status", "published_at"])

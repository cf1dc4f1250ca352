"""Full-text search and paging on both databases: accents and prefixes, relevance, every filter,
hostile text, the index kept in step by every write, bounded counts and keyset pages.

(A module beside test_search.py, whose brute-force reference and market it reuses, so neither
grows past 400 lines.)
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from geo.areas import Circle, polygon_from_points
from marketplace.services.listings import paging
from marketplace.services.listings.lifecycle import (
    close_listing,
    create_listing,
    delete_draft,
    update_listing,
)
from marketplace.services.listings.paging import Cursor, CursorError, decode_cursor
from marketplace.services.listings.search import ListingFilters, search_listings
from models import Listing
from models.base import utcnow
from tests.factories import ListingFactory, SiteFactory
from tests.services.listings.test_rules import material, owner, published  # noqa: F401
from tests.services.listings.test_search import (  # noqa: F401 - `market` is a fixture
    DALARNA_QUAD,
    FALUN,
    TODAY,
    assert_same_as_brute_force,
    expected,
    market,
)


def found(session, q: str = "", **filters) -> list[int]:  # type: ignore[no-untyped-def]
    page = search_listings(session, ListingFilters(q=q, **filters), today=TODAY, per_page=100)
    return [item.id for item in page.items]


def test_accents_case_and_prefixes_do_not_matter(session, owner):  # noqa: F811
    listing = published(session, owner, title="Sågspån från hyvleriet", description="Torrt.")
    published(session, owner, title="Bark", description="Granbark från barkningen.")
    for q in ("sagspan", "Sågspån", "SÅGSPÅN", "sågsp", "sags", "hyvl", "sagspan hyvleriet"):
        assert found(session, q) == [listing.id], q
    for q in ("spånsåg", "sågspån aska", "agspan"):  # every word, and from the word's start
        assert found(session, q) == [], q


def test_results_are_ranked_by_relevance_then_newest(session, owner):  # noqa: F811
    much = published(session, owner, title="Sågspån", description="Sågspån, torrt sågspån.")
    little = published(
        session,
        owner,
        title="Blandat från sågverket",
        description="Bark, flis och lite sågspån bland annat virke, i säckar eller lösvikt.",
    )
    twin = published(session, owner, title="Sågspån", description="Sågspån, torrt sågspån.")
    assert found(session, "sågspån") == [twin.id, much.id, little.id]
    assert found(session) == [twin.id, little.id, much.id]  # without a query: newest first


def test_text_search_combines_with_every_filter(session, market):  # noqa: F811
    near, wide = Circle(FALUN.lon, FALUN.lat, 25_000), Circle(FALUN.lon, FALUN.lat, 120_000)
    area = polygon_from_points(DALARNA_QUAD)
    filters = [
        {"direction": "want"},
        {"kind": "material"},
        {"category": "bark"},
        {"municipality": "2081"},
        {"county": "20"},
        {"near": near},
        {"near": wide, "direction": "offer"},
        {"area": area},
        {"area": area, "near": wide},
    ]
    for q in ("granbark", "SPAN", "lot", "värm lot"):
        for changes in filters:
            f = ListingFilters(q=q, **changes)
            if f.near is not None:  # nearest first: the exact order and distances
                assert_same_as_brute_force(session, market, f)
                continue
            want = {i for _, i in expected(market, f)}
            page = search_listings(session, f, today=TODAY, per_page=200)
            assert {x.id for x in page.items} == want and page.total == len(want), (q, changes)
    assert found(session, "granbark", county="20") and found(session, "lot", kind="energy")


def test_text_search_combines_with_the_waste_code(session, owner):  # noqa: F811
    code = published(session, owner, title="Spån", ewc_code="030105")
    published(session, owner, title="Spån utan kod")
    assert found(session, "spån", ewc="03") == [code.id]
    assert found(session, "spån", ewc="0301 05") == [code.id]
    assert found(session, "030105") == [code.id]  # the code is part of the searched text
    assert found(session, "spån", ewc="17") == []


def fts_in_step(session) -> None:  # type: ignore[no-untyped-def]
    """SQLite: the FTS5 index holds exactly the rows' texts (raises otherwise)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("INSERT INTO listings_fts(listings_fts, rank) VALUES ('integrity-check', 1)")
        )


def indexed(session, word: str) -> int:  # type: ignore[no-untyped-def]
    """Rows the full-text index finds for `word`, live or not."""
    if session.get_bind().dialect.name == "sqlite":
        query = "SELECT count(*) FROM listings_fts WHERE listings_fts MATCH :q"
        return session.scalar(text(query), {"q": f'"{word}"'})
    query = (
        "SELECT count(*) FROM listings WHERE search_vector @@ to_tsquery('swedish_unaccent', :q)"
    )
    return session.scalar(text(query), {"q": word})


def test_search_stays_in_step_after_edit_close_and_delete(session, owner):  # noqa: F811
    listing = published(session, owner, title="Granbark")
    assert found(session, "granbark") == [listing.id]
    update_listing(
        session, actor=owner, listing_id=listing.id, data=material(owner, title="Björkflis")
    )
    session.flush()
    fts_in_step(session)
    assert found(session, "granbark") == [] and found(session, "björkflis") == [listing.id]
    close_listing(session, actor=owner, listing_id=listing.id)
    session.flush()
    assert found(session, "björkflis") == [] and indexed(session, "björkflis") == 1
    draft = create_listing(session, actor=owner, data=material(owner, title="Ekspån"))
    session.flush()
    assert indexed(session, "ekspån") == 1
    delete_draft(session, actor=owner, listing_id=draft.id)
    session.flush()
    fts_in_step(session)
    assert indexed(session, "ekspån") == 0
    # A writer that bypasses the services (a bulk fix, a staff tool) is followed too.
    session.execute(update(Listing).where(Listing.id == listing.id).values(search_text="aspved"))
    fts_in_step(session)
    assert indexed(session, "aspved") == 1 and indexed(session, "björkflis") == 0


HOSTILE = [
    '"', "'", '""', "*", ":", "&", "|", "!", "(", ")", "()", "-", "^", "+", "~", "<->", "\\",
    "a:b", "a & !b", "a | b", "!(a)", "sågspån:*", "'sågspån'", '"sågspån"', "sågspån*",
    "(sågspån)", "NEAR(sågspån torrt)", "sågspån AND OR NOT", "title:sågspån", "{sågspån}",
    "\x00", "a\x00b", "%", "_", "x" * 5000, "å" * 3000, " ".join(["ord"] * 500),
    "😀", "\u202e", "e\u0301", "１２３", "١٢٣", "och", "och i på",
]  # fmt: skip


def test_hostile_text_never_errors_and_syntax_is_only_a_separator(session, owner):  # noqa: F811
    listing = published(session, owner, title="Sågspån", description="Torrt.")
    for q in HOSTILE:
        page = search_listings(session, ListingFilters(q=q), today=TODAY)
        assert page.total <= 1, q
    for q in ('"sågspån"', "sågspån*", "(sågspån)", "sågspån:*", "'sågspån'", "title:sågspån"):
        if q != "title:sågspån":
            assert found(session, q) == [listing.id], q
    assert found(session, "title:sågspån") == []  # two words, and the text has no "title"


def test_counts_stop_at_the_bound(session, owner, monkeypatch):  # noqa: F811
    monkeypatch.setattr(paging, "COUNT_LIMIT", 5)
    listings = [ListingFactory(title=f"Spån {n}") for n in range(8)]
    page = search_listings(session, ListingFilters(), today=TODAY, per_page=3)
    assert (page.total, page.total_is_lower_bound, page.pages) == (5, True, 2)
    page = search_listings(session, ListingFilters(q="spån"), today=TODAY, per_page=3, page=9)
    assert page.page == 2  # numbers reach as far as the bound; cursors go further
    seen = []
    cursor = None
    while True:
        page = search_listings(session, ListingFilters(), today=TODAY, per_page=3, cursor=cursor)
        seen += [x.id for x in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [x.id for x in reversed(listings)]
    few = search_listings(session, ListingFilters(q="spån 1"), today=TODAY)
    assert (few.total, few.total_is_lower_bound) == (1, False)


def test_radius_counts_stop_at_the_bound_and_its_pages_stay_exact(session, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 5)
    listings = [
        ListingFactory(site=SiteFactory(lon=FALUN.lon + n / 100, lat=FALUN.lat)) for n in range(8)
    ]
    f = ListingFilters(near=Circle(FALUN.lon, FALUN.lat, 50_000))
    first = search_listings(session, f, today=TODAY, per_page=3)
    assert (first.total, first.total_is_lower_bound, first.pages, first.has_next) == (
        5,
        True,
        2,
        True,
    )
    last = search_listings(session, f, today=TODAY, per_page=3, page=99)
    assert (last.page, last.has_next) == (2, False)
    nearest = [x.id for x in first.items + last.items]
    assert nearest == [x.id for x in listings[:6]]
    with pytest.raises(CursorError):
        search_listings(session, f, today=TODAY, cursor=Cursor(2, utcnow(), 1))


def walk(session, f: ListingFilters, per_page: int):  # type: ignore[no-untyped-def]
    """Every page by number, then by cursors forwards and backwards: three lists of pages."""
    first = search_listings(session, f, today=TODAY, per_page=per_page)
    by_number = [
        [x.id for x in search_listings(session, f, today=TODAY, per_page=per_page, page=n).items]
        for n in range(1, first.pages + 1)
    ]
    forwards, page = [], first
    while True:
        assert page.page == len(forwards) + 1 <= 100
        forwards.append([x.id for x in page.items])
        if page.next_cursor is None:
            break
        page = search_listings(session, f, today=TODAY, per_page=per_page, cursor=page.next_cursor)
    backwards = [[x.id for x in page.items]]
    while page.prev_cursor is not None:
        page = search_listings(session, f, today=TODAY, per_page=per_page, cursor=page.prev_cursor)
        backwards.insert(0, [x.id for x in page.items])
        assert page.page == len(forwards) - len(backwards) + 1
    return by_number, forwards, backwards


@pytest.mark.parametrize("q", ["", "lot", "granbark", "spån lot"])
def test_keyset_pages_are_the_offset_pages_across_ties(session, market, q):  # noqa: F811
    f = ListingFilters(q=q)
    by_number, forwards, backwards = walk(session, f, per_page=7)
    assert by_number == forwards == backwards
    ids = [i for page in forwards for i in page]
    assert len(ids) == len(set(ids)) == len(expected(market, f))
    if not q:
        assert ids == [i for _, i in expected(market, f)]
    stamps = [x.published_at for x in market]
    assert len(set(stamps)) < len(stamps) / 3  # many ties, so the id decides


def test_a_cursor_of_another_ordering_is_refused(session, owner):  # noqa: F811
    for n in range(3):
        published(session, owner, title=f"Spån {n}")
    ranked = search_listings(session, ListingFilters(q="spån"), today=TODAY, per_page=1)
    newest = search_listings(session, ListingFilters(), today=TODAY, per_page=1)
    assert ranked.next_cursor is not None and newest.next_cursor is not None
    with pytest.raises(CursorError):
        search_listings(session, ListingFilters(), today=TODAY, cursor=ranked.next_cursor)
    with pytest.raises(CursorError):
        search_listings(session, ListingFilters(q="spån"), today=TODAY, cursor=newest.next_cursor)


def test_cursors_round_trip_and_garbage_is_refused():
    stamp = utcnow()
    for cursor in (
        Cursor(page=7, published_at=stamp, id=42),
        Cursor(page=2, published_at=stamp - timedelta(days=400), id=1, relevance=0.0607927),
        Cursor(page=3, published_at=stamp, id=9, relevance=-1.2e-06, backwards=True),
    ):
        assert decode_cursor(cursor.encode()) == cursor
    good = Cursor(page=2, published_at=stamp, id=5).encode()
    forged = [
        "1:a:0:1:1:-", "1:a:1:1:0:-", "1:c:1:1:1:-", "2:a:1:1:1:-", "1:a:01:1:1:-", "1:a:1:1:1",
        "1:a:1:1:1:nan", "1:a:1:1:1:inf", "1:b:1:1:1:1e400", "1:a:1:-1:1:-", "1:a:1:1:1:0x1",
        "1:a:1:999999999999999999:1:-", "1:a:1:1:99999999999999999999:-", "1:a:1:1:1:-:",
    ]  # fmt: skip
    tokens = [base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=") for raw in forged]
    assert decode_cursor(tokens[0].replace("MTphOjA", "MTphOjE")).page == 1  # the forgery works
    for garbage in (
        *tokens, "", "x", "!!!!", "====", good[:-3], good + "A", good.upper(), "a" * 500,
        "åäö", "\x00", "MS5h\x00",
    ):  # fmt: skip
        with pytest.raises(CursorError):
            decode_cursor(garbage)

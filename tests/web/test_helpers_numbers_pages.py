"""Every number on the main pages in the reader's language: Swedish pages never write English
numbers (0.1252, 1,848,000), English pages never write Swedish ones; dates likewise."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from marketplace.demo.loader import load_demo
from models import Deal, Listing, User
from models.base import swedish_today
from tests.conftest import english_numbers, text_of, visible_text

PASSWORD = "demo-password-2026"


@pytest.fixture
def demo(session):  # type: ignore[no-untyped-def]
    load_demo(session, production=False, today=swedish_today())
    return session


def pages(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    slag = session.scalars(select(Listing).where(Listing.title.startswith("Slaggrus"))).first()
    sawdust = session.scalars(select(Listing).where(Listing.title.startswith("Sågspån"))).first()
    deal = session.scalars(select(Deal).order_by(Deal.id)).first()
    return {
        "home": "/",
        "browse": "/listings",
        "near": "/listings?near=2080&radius_km=60",
        "slag": f"/listings/{slag.id}",
        "sawdust": f"/listings/{sawdust.id}",
        "deal": f"/deals/{deal.id}",
        "deals": "/deals",
        "firm": "/firm",
        "dashboard": "/staff",
        "factors": "/factors/1",
    }


def swedish_numbers(text: str) -> list[str]:
    """Decimal commas (0,5; a comma before anything but a group of three) and no-break-space
    thousands (1 234): what an English page must not show."""
    decimals = r"(?<![\w,.])\d+,(?:\d{1,2}|\d{4,})(?![\d,])"
    return re.findall(decimals + r"|\d{1,3}(?:[\xa0\u202f]\d{3})+", text)


@pytest.mark.parametrize("who", ["seller@demo.example", "staff@demo.example"])
def test_swedish_pages_write_numbers_the_swedish_way(make_client, demo, who):
    client = make_client()
    client.login(who, PASSWORD)
    for name, url in pages(demo).items():
        response = client.get(url)
        if response.status_code != 200:  # the seller has no staff pages, staff no firm pages
            continue
        text = visible_text(text_of(response))
        assert english_numbers(text) == [], (name, english_numbers(text)[:8])
        assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d", text), name


def test_english_pages_write_numbers_the_english_way(make_client, demo):
    for email in ("seller@demo.example", "staff@demo.example"):
        user = demo.scalars(select(User).where(User.email == email)).one()
        user.locale = "en"
    demo.flush()
    for who in ("seller@demo.example", "staff@demo.example"):
        client = make_client()
        client.login(who, PASSWORD)
        for name, url in pages(demo).items():
            response = client.get(url)
            if response.status_code != 200:
                continue
            text = visible_text(text_of(response))
            assert swedish_numbers(text) == [], (name, swedish_numbers(text)[:8])

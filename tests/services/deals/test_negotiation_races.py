"""Two agreements racing for the last tonnes of an offer: exactly one wins, on SQLite and on
PostgreSQL, with real concurrent connections on a committed database."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from marketplace.services.deals import deal_terms, negotiation
from marketplace.services.deals.conversations import InquiryInput, start_inquiry
from marketplace.services.errors import DomainError
from models import Deal, Listing, User
from models.base import swedish_today
from tests.factories import ListingFactory, SiteFactory, UserFactory
from tests.workers.conftest import factories_on, jobs_db, sessions  # noqa: F401 - fixtures

TODAY = swedish_today()


def _world(maker: sessionmaker[Session], remaining: str = "100") -> dict[str, int]:
    """An offer with `remaining` tonnes left and two buyers' proposals for 80 t each."""
    with maker() as s, s.begin(), factories_on(s):
        seller = UserFactory()
        offer = ListingFactory(
            site=SiteFactory(organisation=seller.organisation),
            quantity=Decimal("1000"),
            remaining_quantity=Decimal(remaining),
        )
        ids: dict[str, int] = {"seller": seller.id, "offer": offer.id}
        for name in ("a", "b"):
            buyer = UserFactory()
            SiteFactory(organisation=buyer.organisation, lat=60.48, lon=15.45)
            conversation, _ = start_inquiry(
                s, actor=buyer, listing_id=offer.id, data=InquiryInput("Vi vill köpa."), today=TODAY
            )
            deal = negotiation.propose_deal(
                s,
                actor=buyer,
                conversation_id=conversation.id,
                terms=deal_terms.Terms(quantity=Decimal("80"), price_sek=Decimal("100")),
            )
            ids[name] = deal.id
    return ids


def _accept(
    maker: sessionmaker[Session],
    seller_id: int,
    deal_id: int,
    results: dict[int, object],
    *,
    before: threading.Event | threading.Barrier | None = None,
    holding: threading.Event | None = None,
) -> None:
    """The seller agrees to one deal in its own connection and transaction."""
    try:
        with maker() as s:
            if before is not None:  # outside the transaction: SQLite takes its lock at BEGIN
                before.wait()
            with s.begin():
                actor = s.get(User, seller_id)
                negotiation.accept_deal(s, actor=actor, deal_id=deal_id, version=1)
                if holding is not None:  # keep the transaction open while the other one tries
                    holding.set()
                    time.sleep(0.5)
            results[deal_id] = ("agreed", time.monotonic())
    except DomainError as error:
        results[deal_id] = (error.message, time.monotonic())


def _outcome(maker: sessionmaker[Session], ids: dict[str, int]) -> tuple[list[str], Decimal, str]:
    with maker() as s:
        statuses = sorted(s.get(Deal, ids[n]).status for n in ("a", "b"))  # type: ignore[union-attr]
        offer = s.get(Listing, ids["offer"])
        assert offer is not None
        return statuses, offer.remaining_quantity, offer.status  # type: ignore[return-value]


def test_second_agreement_waits_for_the_first_and_then_finds_too_little(sessions):  # noqa: F811
    """A holds its transaction open; B starts inside it and must lose once A commits."""
    ids = _world(sessions)
    results: dict[int, object] = {}
    holding = threading.Event()
    first = threading.Thread(
        target=_accept,
        args=(sessions, ids["seller"], ids["a"], results),
        kwargs={"holding": holding},
    )
    second = threading.Thread(
        target=_accept,
        args=(sessions, ids["seller"], ids["b"], results),
        kwargs={"before": holding},
    )
    first.start()
    second.start()
    first.join(30)
    second.join(30)
    (a, a_done), (b, b_done) = results[ids["a"]], results[ids["b"]]  # type: ignore[misc]
    assert a == "agreed"
    assert b.startswith("Only %(left)s")  # type: ignore[union-attr]
    assert b_done >= a_done - 0.05  # B was held until A finished: the connections overlapped
    assert _outcome(sessions, ids) == (["agreed", "proposed"], Decimal("20"), "published")


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_agreements_for_the_last_tonnes_one_wins(sessions, round_):  # noqa: F811
    ids = _world(sessions, remaining="80")
    results: dict[int, object] = {}
    barrier = threading.Barrier(2)
    threads = [
        threading.Thread(
            target=_accept,
            args=(sessions, ids["seller"], ids[name], results),
            kwargs={"before": barrier},
        )
        for name in ("a", "b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    outcomes = sorted(str(results[ids[n]][0]) for n in ("a", "b"))  # type: ignore[index]
    assert outcomes[1] == "agreed" and outcomes[0] != "agreed", outcomes
    # The winner took the last 80 t, so the offer is reserved and nothing is left.
    assert _outcome(sessions, ids) == (["agreed", "proposed"], Decimal("0"), "reserved")

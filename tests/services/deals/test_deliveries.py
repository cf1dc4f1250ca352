"""Deliveries are pending until the other firm confirms them; only confirmed ones count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.services.deals import deliveries
from marketplace.services.errors import DomainError, Forbidden
from tests.services.deals.test_negotiation import TODAY, agreed_deal, world  # noqa: F401  (fixture)


def log(session, w, deal, who="buyer", quantity="50", day=TODAY):  # type: ignore[no-untyped-def]
    return deliveries.log_delivery(
        session, actor=w[who], deal_id=deal.id, quantity=Decimal(quantity), delivered_on=day,
        today=TODAY,
    )  # fmt: skip


def test_a_logged_delivery_is_pending_and_counts_only_once_confirmed(session, world):  # noqa: F811
    deal = agreed_deal(session, world)
    delivery = log(session, world, deal)
    assert (
        delivery.status == "pending" and delivery.logged_by_org_id == world["buyer"].organisation_id
    )
    assert delivery.co2e_kg is not None  # estimated already, but not counted
    for org in (None, world["seller"].organisation_id, world["buyer"].organisation_id):
        totals = deliveries.realised_totals(session, org)
        assert (totals.deliveries, totals.tonnes, totals.co2e_kg) == (0, 0, 0)
        assert (totals.pending, totals.pending_tonnes) == (1, 50)
    with pytest.raises(Forbidden):  # the firm that logged it cannot confirm it
        deliveries.confirm_delivery(
            session, actor=world["colleague"], deal_id=deal.id, delivery_id=delivery.id
        )
    with pytest.raises(Forbidden):  # regional staff never answer for a firm
        deliveries.confirm_delivery(
            session, actor=world["staff"], deal_id=deal.id, delivery_id=delivery.id
        )
    deliveries.confirm_delivery(
        session, actor=world["seller"], deal_id=deal.id, delivery_id=delivery.id
    )
    assert delivery.status == "confirmed" and delivery.confirmed_by_id == world["seller"].id
    totals = deliveries.realised_totals(session, world["buyer"].organisation_id)
    assert (totals.deliveries, totals.tonnes, totals.pending) == (1, 50, 0)
    assert totals.co2e_kg == pytest.approx(delivery.co2e_kg)
    with pytest.raises(DomainError):  # answered once
        deliveries.confirm_delivery(
            session, actor=world["seller"], deal_id=deal.id, delivery_id=delivery.id
        )
    assert [e.action for e in deal.events][-2:] == ["delivery", "confirmed"]


def test_a_dispute_needs_a_reason_and_a_correction_waits_again(session, world):  # noqa: F811
    deal = agreed_deal(session, world)
    delivery = log(session, world, deal, who="seller", quantity="80")
    with pytest.raises(DomainError) as caught:
        deliveries.dispute_delivery(
            session, actor=world["buyer"], deal_id=deal.id, delivery_id=delivery.id, reason="  "
        )
    assert caught.value.field == "reason"
    deliveries.dispute_delivery(
        session, actor=world["buyer"], deal_id=deal.id, delivery_id=delivery.id,
        reason="Vågsedeln visar 60 ton.",
    )  # fmt: skip
    assert delivery.status == "disputed" and delivery.dispute_reason == "Vågsedeln visar 60 ton."
    assert deliveries.realised_totals(session).deliveries == 0
    assert deal.delivered_quantity == 0  # a disputed delivery does not use up the agreed total
    # Either side may correct; the buyer corrects it, so now the seller must confirm.
    deliveries.correct_delivery(
        session, actor=world["buyer"], deal_id=deal.id, delivery_id=delivery.id,
        quantity=Decimal("60"), delivered_on=TODAY, note="Enligt vågsedel", today=TODAY,
    )  # fmt: skip
    assert (delivery.status, delivery.quantity) == ("pending", Decimal("60"))
    assert delivery.logged_by_org_id == world["buyer"].organisation_id
    with pytest.raises(Forbidden):
        deliveries.confirm_delivery(
            session, actor=world["buyer"], deal_id=deal.id, delivery_id=delivery.id
        )
    deliveries.confirm_delivery(
        session, actor=world["seller"], deal_id=deal.id, delivery_id=delivery.id
    )
    assert deliveries.realised_totals(session).tonnes == 60
    with pytest.raises(DomainError):  # confirmed deliveries are final
        deliveries.correct_delivery(
            session, actor=world["buyer"], deal_id=deal.id, delivery_id=delivery.id,
            quantity=Decimal("1"), delivered_on=TODAY, today=TODAY,
        )  # fmt: skip


def test_delivery_dates_must_fall_inside_the_agreed_period(session, world):  # noqa: F811
    deal = agreed_deal(session, world)
    with pytest.raises(DomainError) as caught:  # agreed today: yesterday is before it
        log(session, world, deal, day=TODAY - timedelta(days=1))
    assert caught.value.field == "delivered_on"
    assert caught.value.params["date"] == TODAY
    deal.agreed_at = deal.agreed_at - timedelta(days=30)
    deal.start_date = TODAY - timedelta(days=10)
    deal.end_date = TODAY - timedelta(days=2)
    for day in (TODAY - timedelta(days=11), TODAY - timedelta(days=1)):
        with pytest.raises(DomainError) as caught:
            log(session, world, deal, day=day)
        assert caught.value.field == "delivered_on"
    assert log(session, world, deal, day=TODAY - timedelta(days=10)).status == "pending"
    assert log(session, world, deal, day=TODAY - timedelta(days=2)).status == "pending"


def test_staff_see_what_is_not_confirmed(session, world):  # noqa: F811
    deal = agreed_deal(session, world)
    waiting = log(session, world, deal)
    answered = log(session, world, deal, quantity="10")
    deliveries.confirm_delivery(
        session, actor=world["seller"], deal_id=deal.id, delivery_id=answered.id
    )
    assert deliveries.unanswered(session) == [waiting]
    assert deliveries.awaiting(deal, world["seller"].organisation_id) == [waiting]
    assert deliveries.awaiting(deal, world["buyer"].organisation_id) == []

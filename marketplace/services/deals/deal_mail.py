"""Emails about conversations and deals: each message or deal change tells the other side.

Recipients are the active, verified members of the other firm (both firms when regional staff
act), less those who muted the conversation and, for messages, those who chose a daily summary
(`services.message_mail`). Names follow the anonymity rule of the pages
(`conversations.PartyNames`): until the listing's firm accepts the inquiry, the inquirer's emails
call it "the firm behind the listing", never by name.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from marketplace.services.deals.conversations import (
    PartyNames,
    is_party,
    members_to_notify,
)
from marketplace.services.deals.message_mail import wanting_email
from marketplace.services.errors import N_
from marketplace.services.impact.estimator import Estimate
from marketplace.services.mail import links, outbox
from marketplace.services.mail.compose import number, render_email, translate
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.outbox import Envelope
from models.accounts import User
from models.conversations import Conversation
from models.deals import Deal
from models.taxonomy import UNITS

HEADLINES = {
    "inquiry": N_("%(who)s has sent an inquiry about your listing “%(title)s”."),
    "message": N_("%(who)s has written about “%(title)s”."),
    "accepted": N_(
        "%(who)s has accepted your inquiry about “%(title)s”:"
        " you can now see the firm and its site."
    ),
    "closed": N_("%(who)s has closed the conversation about “%(title)s”."),
    "reopened": N_("%(who)s has reopened the conversation about “%(title)s”."),
    "proposed": N_("%(who)s proposes a deal on “%(title)s”: %(quantity)s %(unit)s."),
    "countered": N_("%(who)s has answered with new terms on “%(title)s”: %(quantity)s %(unit)s."),
    "agreed": N_("%(who)s has agreed to the deal on “%(title)s”: %(quantity)s %(unit)s in all."),
    "delivery": N_(
        "%(who)s has logged a delivery of %(quantity)s %(unit)s on the deal about “%(title)s”."
        " Please confirm it (or dispute it) on the deal page: it counts as realised only when"
        " your firm has confirmed it."
    ),
    "confirmed": N_(
        "%(who)s has confirmed the delivery of %(quantity)s %(unit)s on the deal about"
        " “%(title)s”: it now counts as realised."
    ),
    "disputed": N_(
        "%(who)s disputes the delivery of %(quantity)s %(unit)s on the deal about “%(title)s”."
        " Correct it on the deal page or talk it over in the conversation."
    ),
    "corrected": N_(
        "%(who)s has corrected a delivery to %(quantity)s %(unit)s on the deal about"
        " “%(title)s”. Please confirm it (or dispute it) on the deal page."
    ),
    "completed": N_("The deal on “%(title)s” is completed."),
    "introduced": N_(
        "%(who)s introduces your two firms: “%(title)s” could meet a need of the other firm."
    ),
    "cancelled": N_("%(who)s has cancelled the deal on “%(title)s”."),
}


def _who(conversation: Conversation, actor: User, recipient: User, locale: str) -> str:
    """How the actor is named to this recipient: as on the pages (the anonymity rule)."""
    names = PartyNames(conversation, recipient.organisation_id, partial(translate, locale))
    return names.person(actor.organisation_id if is_party(actor, conversation) else None, actor)


def _amount(value: Decimal, locale: str) -> str:
    """A quantity as the deal page shows it (up to three decimals: 300,5 t stays 300,5)."""
    return number(value, 3, locale)


def headline(
    event: str,
    locale: str,
    *,
    who: str,
    title: str,
    deal: Deal | None = None,
    delivered: Decimal | None = None,
) -> str:
    """One sentence saying who did what, in the recipient's language (plain text)."""
    params: dict[str, Any] = {"who": who, "title": title}
    if deal is not None:
        unit = UNITS.get(deal.unit, (deal.unit, deal.unit))[1 if locale == "sv" else 0]
        amount = deal.total_quantity if event == "agreed" else (delivered or deal.quantity)
        params.update(quantity=_amount(amount, locale), unit=unit)
    return translate(locale, HEADLINES[event], **params)


def conversation_emails(
    session: Session,
    ctx: MailContext,
    conversation: Conversation,
    actor: User,
    event: str,
    *,
    key: str,
    body: str = "",
    deal: Deal | None = None,
    delivered: Decimal | None = None,
    estimate: Estimate | None = None,
) -> list[Envelope]:
    """The emails one event sends; `key` makes them idempotent (one per event and person)."""
    if event not in HEADLINES:
        raise ValueError(f"unknown conversation event {event!r}")
    party = is_party(actor, conversation)  # staff write to both firms
    org_ids = [org for org in conversation.org_ids if not party or org != actor.organisation_id]
    url = (
        links.deal(ctx.base_url, deal.id)
        if deal is not None
        else links.conversation(ctx.base_url, conversation.id)
    )
    envelopes = []
    members = members_to_notify(session, org_ids, exclude=actor.id)
    for recipient in wanting_email(session, conversation, members, event):
        locale = recipient.locale or "sv"
        rendered = render_email(
            "conversation",
            locale,
            user=recipient,
            event=event,
            title=conversation.listing.title,
            headline=headline(
                event,
                locale,
                who=_who(conversation, actor, recipient, locale),
                title=conversation.listing.title,
                deal=deal,
                delivered=delivered,
            ),
            body=body,
            estimate=estimate
            if estimate is not None and estimate.available and estimate.co2e_kg > 0
            else None,
            url=url,
        )
        envelopes.append(
            Envelope(
                key=f"{key}:{recipient.id}",
                to=recipient.email,
                purpose=f"conv.{event}",  # outbox.purpose holds 20 characters
                locale=locale,
                rendered=rendered,
                user_id=recipient.id,
            )
        )
    return envelopes


def queue_conversation_emails(
    session: Session,
    ctx: MailContext,
    conversation: Conversation,
    actor: User,
    event: str,
    **details: Any,
) -> list[int]:
    """Queue the event's emails in the caller's transaction; their outbox ids, for after the
    commit (`details` as for `conversation_emails`: key, body, deal, delivered, estimate)."""
    envelopes = conversation_emails(session, ctx, conversation, actor, event, **details)
    return list(outbox.queue_many(session, envelopes, domain=ctx.domain).values())

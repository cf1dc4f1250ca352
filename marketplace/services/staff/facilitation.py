"""What regional staff do to bring firms together: moderate listings, introduce two firms on a
match, keep notes on firms with follow-up dates (and get reminded).

Every function here expects a staff actor (the web layer's "staff" policy); the checks are
repeated so a service call from elsewhere cannot skip them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.services.accounts import audit
from marketplace.services.deals.conversations import (
    add_message,
    is_staff,
    mark_accepted,
    members_to_notify,
    open_conversation_for,
)
from marketplace.services.deals.deal_mail import queue_conversation_emails
from marketplace.services.errors import N_, DomainError, Forbidden, NotFound
from marketplace.services.impact.estimator import Estimate
from marketplace.services.listings.lifecycle import quality_hints
from marketplace.services.listings.liveness import is_live
from marketplace.services.mail import links, outbox
from marketplace.services.mail.compose import render_email
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.outbox import Envelope
from models.accounts import User
from models.base import utcnow
from models.conversations import Conversation, Message
from models.facilitation import FirmNote, ListingReport
from models.listings import Listing
from models.organisations import Organisation

MAX_TEXT = 5000
NEW_DAYS = 14
INCOMPLETE_WINDOW = 300  # latest publications checked for missing details


def _require_staff(actor: User) -> None:
    if not is_staff(actor):
        raise Forbidden()


def _text(value: str, field: str, *, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise DomainError(N_("Write a few words."), field=field)
    if len(text) > MAX_TEXT:
        raise DomainError(N_("Use at most %(n)d characters."), field=field, n=MAX_TEXT)
    return text


# --- reports and moderation -----------------------------------------------------------------------


def report_listing(session: Session, *, actor: User, listing_id: int, reason: str) -> ListingReport:
    """Any signed-in member may report a published listing to the regional staff, once."""
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status == "draft":
        raise NotFound()
    mine = select(ListingReport.id).where(
        ListingReport.listing_id == listing.id, ListingReport.reporter_id == actor.id
    )
    if session.scalar(mine) is not None:
        raise _already_reported()
    report = ListingReport(
        listing_id=listing.id, reporter_id=actor.id, reason=_text(reason, "reason")
    )
    try:
        with session.begin_nested():  # the unique constraint decides a concurrent twin
            session.add(report)
            session.flush()
    except IntegrityError:
        raise _already_reported() from None
    return report


def _already_reported() -> DomainError:
    return DomainError(
        N_("You have already reported this listing. The regional staff will look at it."),
        field="reason",
    )


@dataclass(frozen=True)
class QueueItem:
    listing: Listing
    reports: list[ListingReport]
    hints: list[str]
    new: bool


def moderation_queue(session: Session, *, actor: User, today: date) -> list[QueueItem]:
    """Published listings that are reported (unresolved), new (14 days) or, among the latest
    300 publications, incomplete."""
    _require_staff(actor)
    since = datetime.combine(today - timedelta(days=NEW_DAYS), time(), UTC)
    reported = select(ListingReport.listing_id).where(ListingReport.resolved_at.is_(None))
    listings = session.scalars(
        select(Listing)
        .where(
            Listing.status == "published",
            or_(Listing.published_at >= since, Listing.id.in_(reported)),
        )
        .order_by(Listing.published_at.desc())
    ).all()
    # Incomplete ones among the latest publications (the queue is a working list, not an audit).
    incomplete = session.scalars(
        select(Listing)
        .where(Listing.status == "published")
        .order_by(Listing.published_at.desc())
        .limit(INCOMPLETE_WINDOW)
    ).all()
    seen: dict[int, Listing] = {item.id: item for item in listings}
    for item in incomplete:
        if item.id not in seen and quality_hints(item):
            seen[item.id] = item
    open_reports: dict[int, list[ListingReport]] = {}
    for report in session.scalars(
        select(ListingReport)
        .where(ListingReport.resolved_at.is_(None), ListingReport.listing_id.in_(list(seen)))
        .order_by(ListingReport.created_at)
    ):
        open_reports.setdefault(report.listing_id, []).append(report)
    items = [
        QueueItem(
            listing=item,
            reports=open_reports.get(item.id, []),
            hints=quality_hints(item),
            new=item.published_at is not None and item.published_at >= since,
        )
        for item in seen.values()
    ]
    items.sort(key=lambda q: (not q.reports, not q.new, -(q.listing.id)))
    return items


def unpublish(session: Session, *, actor: User, listing_id: int, reason: str) -> Listing:
    """Take a listing off the marketplace; the firm sees the reason (and gets it by email)."""
    _require_staff(actor)
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound()
    if listing.status not in ("published", "reserved"):
        raise DomainError(N_("Only published listings can be unpublished."))
    listing.moderation_reason = _text(reason, "reason")
    listing.moderated_at = utcnow()
    listing.moderated_by_id = actor.id
    listing.status = "closed"
    listing.closed_at = utcnow()
    resolve_reports(session, actor=actor, listing_id=listing.id)
    audit.record(
        session, "listing_unpublished", actor=actor, organisation_id=listing.organisation_id,
        target=f"listing:{listing.id}",
    )  # fmt: skip
    return listing


def resolve_reports(session: Session, *, actor: User, listing_id: int) -> int:
    _require_staff(actor)
    reports = session.scalars(
        select(ListingReport).where(
            ListingReport.listing_id == listing_id, ListingReport.resolved_at.is_(None)
        )
    ).all()
    for report in reports:
        report.resolved_at = utcnow()
        report.resolved_by_id = actor.id
    return len(reports)


# --- introductions -------------------------------------------------------------------------------


def introduce(
    session: Session, *, actor: User, offer_id: int, want_id: int, note: str, today: date
) -> tuple[Conversation, Message]:
    """Open a conversation between the offer's firm and the want's firm, accepted from the start
    (staff vouch for both), with the staff note as its first message."""
    _require_staff(actor)
    offer, want = session.get(Listing, offer_id), session.get(Listing, want_id)
    if offer is None or want is None or offer.direction != "offer" or want.direction != "want":
        raise NotFound()
    if offer.organisation_id == want.organisation_id:
        raise DomainError(N_("Both listings belong to the same firm."))
    if not (is_live(offer, today) and is_live(want, today)):
        raise DomainError(N_("Both listings must be published."))
    body = _text(note, "note")
    conversation = open_conversation_for(session, offer.id, want.organisation_id)
    if conversation is None:
        conversation = Conversation(
            listing_id=offer.id,
            counterpart_id=want.id,
            listing_org_id=offer.organisation_id,
            inquirer_org_id=want.organisation_id,
            started_by_id=actor.id,
            introduced_by_id=actor.id,
        )
        session.add(conversation)
        session.flush()
    if conversation.accepted_at is None:
        mark_accepted(conversation, actor)  # an introduction names both firms to each other
    return conversation, add_message(session, conversation, actor, body)


# --- notes and follow-ups ----------------------------------------------------------------------


def add_note(
    session: Session,
    *,
    actor: User,
    organisation_id: int,
    body: str,
    follow_up_on: date | None,
    today: date,
) -> FirmNote:
    _require_staff(actor)
    if session.get(Organisation, organisation_id) is None:
        raise NotFound()
    if follow_up_on is not None and follow_up_on < today:
        raise DomainError(N_("Choose today or a later date."), field="follow_up_on")
    note = FirmNote(
        organisation_id=organisation_id,
        author_id=actor.id,
        body=_text(body, "body"),
        follow_up_on=follow_up_on,
    )
    session.add(note)
    session.flush()
    audit.record(
        session, "firm_note_written", actor=actor, organisation_id=organisation_id,
        target=f"firm_note:{note.id}",
    )  # fmt: skip
    return note


def firm_notes(session: Session, *, actor: User, organisation_id: int) -> list[FirmNote]:
    _require_staff(actor)
    stmt = select(FirmNote).where(FirmNote.organisation_id == organisation_id)
    return list(session.scalars(stmt.order_by(FirmNote.created_at.desc())))


def mark_done(session: Session, *, actor: User, note_id: int) -> FirmNote:
    _require_staff(actor)
    note = session.get(FirmNote, note_id)
    if note is None:
        raise NotFound()
    note.done_at = note.done_at or utcnow()
    return note


def follow_ups_due(
    session: Session, *, today: date, author_id: int | None = None
) -> list[FirmNote]:
    """Open follow-ups due today or earlier (one author's, or everyone's)."""
    stmt = select(FirmNote).where(
        FirmNote.done_at.is_(None),
        FirmNote.follow_up_on.is_not(None),
        FirmNote.follow_up_on <= today,
    )
    if author_id is not None:
        stmt = stmt.where(FirmNote.author_id == author_id)
    return list(session.scalars(stmt.order_by(FirmNote.follow_up_on, FirmNote.id)))


def reminders_due(session: Session, *, today: date) -> list[FirmNote]:
    """Due follow-ups whose author has not been reminded yet."""
    return [n for n in follow_ups_due(session, today=today) if n.reminded_at is None and n.author]


def open_reports_count(session: Session) -> int:
    stmt = (
        select(func.count()).select_from(ListingReport).where(ListingReport.resolved_at.is_(None))
    )
    return int(session.scalar(stmt) or 0)


def follow_up_envelopes(
    session: Session, ctx: MailContext, *, today: date
) -> tuple[list[Envelope], list[FirmNote]]:
    """One reminder email per staff member with follow-ups due; the notes it covers."""
    notes = reminders_due(session, today=today)
    by_author: dict[int, list[FirmNote]] = {}
    for note in notes:
        by_author.setdefault(note.author_id or 0, []).append(note)
    envelopes = []
    for author_notes in by_author.values():
        author = author_notes[0].author
        assert author is not None
        locale = author.locale or "sv"
        items = [
            {
                "firm": n.organisation.name,
                "body": n.body,
                "due": n.follow_up_on,
                "url": links.staff_firm(ctx.base_url, n.organisation_id),
            }
            for n in author_notes
        ]
        envelopes.append(
            Envelope(
                key=f"follow-up:{today.isoformat()}:{author.id}",
                to=author.email,
                purpose="follow_up",
                locale=locale,
                rendered=render_email("follow_up", locale, user=author, items=items),
                user_id=author.id,
            )
        )
    return envelopes, notes


def tell_unpublished(session: Session, ctx: MailContext, listing: Listing) -> list[int]:
    """Queue emails telling the firm's members that staff unpublished their listing, and why;
    their outbox ids, for after the caller's commit."""
    members = members_to_notify(session, [listing.organisation_id], exclude=None)
    envelopes = [
        Envelope(
            key=f"unpublished:{listing.id}:{listing.moderated_at}:{member.id}",
            to=member.email,
            purpose="unpublished",
            locale=member.locale or "sv",
            rendered=render_email(
                "listing_unpublished",
                member.locale or "sv",
                user=member,
                title=listing.title,
                reason=listing.moderation_reason or "",
                url=links.listing(ctx.base_url, listing.id),
            ),
            user_id=member.id,
        )
        for member in members
    ]
    return list(outbox.queue_many(session, envelopes, domain=ctx.domain).values())


def tell_introduced(
    session: Session,
    ctx: MailContext,
    *,
    actor: User,
    conversation: Conversation,
    message: Message,
    estimate: Estimate | None,
) -> list[int]:
    """Queue the introduction's emails to both firms; their outbox ids, for after the commit."""
    return queue_conversation_emails(
        session, ctx, conversation, actor, "introduced",
        key=f"message:{message.id}", body=message.body, estimate=estimate,
    )  # fmt: skip

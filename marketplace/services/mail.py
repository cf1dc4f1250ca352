"""Sending email: over SMTP in production, to files the demo mailbox can show otherwise."""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    purpose: str  # e.g. "verify", "reset", "invite"


@dataclass(frozen=True)
class MailSettings:
    backend: str  # "smtp" or "file"
    sender: str
    directory: Path
    server: str = ""
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str = ""
    password: str = ""


def build_message(email: OutgoingEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].rstrip(">") or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def send_email(settings: MailSettings, email: OutgoingEmail) -> None:
    """Deliver one email now; SMTP errors propagate to the caller, which decides."""
    message = build_message(email, settings.sender)
    if settings.backend == "smtp":
        _send_smtp(settings, message)
    else:
        _write_file(settings.directory, email, message)
    log.info("mail sent", extra={"purpose": email.purpose, "backend": settings.backend})


def _connect(settings: MailSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.use_ssl:
        return smtplib.SMTP_SSL(settings.server, settings.port, timeout=30, context=context)
    smtp = smtplib.SMTP(settings.server, settings.port, timeout=30)
    if settings.use_tls:
        smtp.starttls(context=context)
    return smtp


def _send_smtp(settings: MailSettings, message: EmailMessage) -> None:
    with _connect(settings) as smtp:
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message)


def _write_file(directory: Path, email: OutgoingEmail, message: EmailMessage) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"  # sorts by time
    (directory / f"{stem}.eml").write_bytes(bytes(message))
    meta = {
        "to": email.to,
        "subject": email.subject,
        "purpose": email.purpose,
        "date": message["Date"],
        "text": email.text,
        "html": email.html,
    }
    (directory / f"{stem}.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")


def read_mailbox(directory: Path, *, to: str | None = None) -> list[dict[str, str]]:
    """Emails written by the file backend, newest first; optionally only those to one address."""
    if not directory.exists():
        return []
    items = []
    for path in sorted(directory.glob("*.json"), reverse=True):
        meta = json.loads(path.read_text("utf-8"))
        meta["id"] = path.stem
        if to is None or meta["to"] == to:
            items.append(meta)
    return items

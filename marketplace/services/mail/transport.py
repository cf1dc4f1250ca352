"""Sending email: over SMTP in production, to files the demo mailbox can show otherwise."""

from __future__ import annotations

import base64
import json
import logging
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass, field
from email.charset import BASE64, Charset
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    purpose: str  # e.g. "verify", "reset", "invite", "alert", "digest"
    message_id: str | None = None  # deterministic ids let mail clients drop a resent copy
    headers: dict[str, str] = field(default_factory=dict)


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
    timeout: float = 30.0


class DeliveryError(Exception):
    """Sending failed; `permanent` for 5xx answers (do not retry), else temporary."""

    def __init__(self, message: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


def sender_domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"


_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.header_encoding = BASE64  # the default picks the shorter of Q and B: slow in Python


def _header(value: str) -> str:
    """One header value on one line (no CR/LF from user input), RFC 2047-encoded if not ASCII."""
    value = " ".join(value.split())
    return value if value.isascii() else Header(value, _UTF8_BASE64).encode()


def _base64_lines(body: str) -> str:
    return base64.encodebytes(body.encode("utf-8")).decode("ascii").replace("\n", "\r\n").rstrip()


def compose(email: OutgoingEmail, sender: str) -> tuple[bytes, str, str]:
    """The email as MIME bytes (multipart/alternative: plain text, then HTML, both base64 UTF-8),
    with its Date and Message-ID.

    Written out directly rather than through `email.message.EmailMessage`, which took ~5 ms per
    digest, most of a worker's time per email; tests parse the result with the `email` package.
    """
    name, address = parseaddr(sender)
    date = formatdate(localtime=False)
    message_id = email.message_id or make_msgid(domain=sender_domain(sender))
    boundary = f"=_{uuid.uuid4().hex}"
    lines = [
        f"From: {formataddr((name, address), charset='utf-8')}",
        f"To: {_header(email.to)}",
        f"Subject: {_header(email.subject)}",
        f"Date: {date}",
        f"Message-ID: {_header(message_id)}",
        "MIME-Version: 1.0",
        *(f"{key}: {_header(value)}" for key, value in email.headers.items()),
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
    ]
    for subtype, body in (("plain", email.text), ("html", email.html)):
        lines += [
            f"--{boundary}",
            f'Content-Type: text/{subtype}; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
            "",
            _base64_lines(body),
        ]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii"), date, message_id


def classify(exc: BaseException) -> DeliveryError:
    """An SMTP or network failure as a DeliveryError: 5xx permanent, everything else temporary."""
    code: int | None = None
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [answer[0] for answer in exc.recipients.values()]
        code = max(codes) if codes else None
    elif isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
    permanent = code is not None and 500 <= code < 600
    return DeliveryError(f"{type(exc).__name__}: {exc}", permanent=permanent, code=code)


class Mailer:
    """One connection for a batch of emails (SMTP), or the file backend; use as a context manager.

    `send` raises DeliveryError; after an error the connection is dropped and reopened on the
    next email, so one bad recipient does not poison the rest of the batch.
    """

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, email: OutgoingEmail) -> None:
        raw, date, message_id = compose(email, self.settings.sender)
        if self.settings.backend != "smtp":
            _write_file(self.settings.directory, email, raw, date, message_id)
            return
        try:
            self._connection().sendmail(parseaddr(self.settings.sender)[1], [email.to], raw)
        except (smtplib.SMTPException, OSError) as exc:
            if not isinstance(exc, smtplib.SMTPRecipientsRefused):
                self.close()  # the session's state is unknown after an error
            else:
                self._reset()
            raise classify(exc) from exc

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = _connect(self.settings)
            if self.settings.username:
                smtp.login(self.settings.username, self.settings.password)
            self._smtp = smtp
        return self._smtp

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def send_email(settings: MailSettings, email: OutgoingEmail) -> None:
    """Deliver one email now (its own connection); raises DeliveryError."""
    with Mailer(settings) as mailer:
        mailer.send(email)
    log.info("mail sent", extra={"purpose": email.purpose, "backend": settings.backend})


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.use_ssl:
        return smtplib.SMTP_SSL(
            settings.server,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    if settings.use_tls:
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def _write_file(
    directory: Path, email: OutgoingEmail, raw: bytes, date: str, message_id: str
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"  # sorts by time
    (directory / f"{stem}.eml").write_bytes(raw)
    meta = {
        "to": email.to,
        "subject": email.subject,
        "purpose": email.purpose,
        "date": date,
        "message_id": message_id,
        "headers": email.headers,
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

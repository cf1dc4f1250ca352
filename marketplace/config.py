"""Typed settings read once from environment variables; bad values fail at start-up."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from limits import parse_many

from marketplace.services.accounts.retention import RetentionPeriods
from marketplace.services.mail.context import MailContext
from marketplace.services.mail.transport import MailSettings, sender_domain

ENVIRONMENTS = ("development", "testing", "production")
RETENTION_SETTINGS = (
    "OUTBOX_RETENTION_DAYS",
    "NOTIFICATION_RETENTION_DAYS",
    "SIGN_IN_RETENTION_DAYS",
)  # environment variables; the attribute is the lower-case name


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from None


RATE_LIMITS = (
    "login_rate_limit",
    "invite_rate_limit",
    "message_rate_limit",
    "report_rate_limit",
    "account_mail_rate_limit",
    "client_rate_limit",
)


def _check_rate_limit(name: str, raw: str) -> None:
    try:
        parsed = parse_many(raw)
    except ValueError:
        parsed = []
    if not parsed:
        raise SettingsError(f"{name} must be limits like '10 per minute;50 per hour', not {raw!r}")


def default_instance_path() -> Path:
    """The instance folder beside the package: SQLite file, dev mail, generated dev secret."""
    return Path(__file__).resolve().parent.parent / "instance"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a deployment; see README "Configuration"."""

    env: str = "development"
    secret_key: str = ""
    database_url: str = ""
    redis_url: str = ""
    instance_path: Path = field(default_factory=default_instance_path)
    base_url: str = "http://127.0.0.1:5000"
    mail_server: str = ""
    mail_port: int = 25
    mail_use_tls: bool = False
    mail_use_ssl: bool = False
    mail_username: str = ""
    mail_password: str = ""
    mail_default_sender: str = "Symbios <no-reply@localhost>"
    default_locale: str = "sv"
    login_rate_limit: str = "10 per minute;50 per hour"
    # Actions that send mail or reach other people (limits syntax, `;` between limits): per
    # user and per target address, and all of them together per client address.
    invite_rate_limit: str = "10 per minute;30 per hour;100 per day"
    message_rate_limit: str = "10 per minute;100 per hour;500 per day"
    report_rate_limit: str = "10 per minute;30 per hour;100 per day"
    account_mail_rate_limit: str = "5 per hour;20 per day"
    client_rate_limit: str = "30 per minute;300 per hour;1000 per day"
    token_max_age_verify: int = 3 * 24 * 3600
    token_max_age_reset: int = 3600
    token_max_age_invite: int = 7 * 24 * 3600
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap contributors"
    # The personal-data controller named on /privacy (GDPR art. 13): the hosting region.
    privacy_controller: str = ""
    privacy_contact: str = ""  # an address or page for data-protection questions
    trusted_proxies: int = 0  # reverse proxies in front of the app (X-Forwarded-* hops)
    outbox_lease_seconds: int = 600  # a claimed email not sent by then is handed to another worker
    # Retention (GDPR art. 5(1)(e)): the nightly purge blanks sent emails' bodies and recipient
    # addresses, and deletes notifications and sign-in records, older than these many days.
    outbox_retention_days: int = 90
    notification_retention_days: int = 365
    sign_in_retention_days: int = 90

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, normalised so `postgresql://` uses psycopg 3."""
        url = self.database_url or f"sqlite:///{self.instance_path / 'marketplace.db'}"
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def mail_backend(self) -> str:
        """'smtp' when a mail server is configured, else 'file' (readable in the dev mailbox)."""
        return "smtp" if self.mail_server else "file"

    @property
    def mail_dir(self) -> Path:
        return self.instance_path / "mail"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from environment variables; `overrides` win (used by tests)."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        strings = {
            "MARKETPLACE_ENV": "env",
            "SECRET_KEY": "secret_key",
            "DATABASE_URL": "database_url",
            "REDIS_URL": "redis_url",
            "BASE_URL": "base_url",
            "MAIL_SERVER": "mail_server",
            "MAIL_USERNAME": "mail_username",
            "MAIL_PASSWORD": "mail_password",
            "MAIL_DEFAULT_SENDER": "mail_default_sender",
            "DEFAULT_LOCALE": "default_locale",
            "LOGIN_RATE_LIMIT": "login_rate_limit",
            "INVITE_RATE_LIMIT": "invite_rate_limit",
            "MESSAGE_RATE_LIMIT": "message_rate_limit",
            "REPORT_RATE_LIMIT": "report_rate_limit",
            "ACCOUNT_MAIL_RATE_LIMIT": "account_mail_rate_limit",
            "CLIENT_RATE_LIMIT": "client_rate_limit",
            "TILE_URL": "tile_url",
            "TILE_ATTRIBUTION": "tile_attribution",
            "PRIVACY_CONTROLLER": "privacy_controller",
            "PRIVACY_CONTACT": "privacy_contact",
        }
        for var, attr in strings.items():
            if var in env:
                values[attr] = env[var].strip()
        for var, attr in (("MAIL_USE_TLS", "mail_use_tls"), ("MAIL_USE_SSL", "mail_use_ssl")):
            if var in env:
                values[attr] = _bool(var, env[var])
        if "MAIL_PORT" in env:
            values["mail_port"] = _int("MAIL_PORT", env["MAIL_PORT"])
        if "TRUSTED_PROXIES" in env:
            values["trusted_proxies"] = _int("TRUSTED_PROXIES", env["TRUSTED_PROXIES"])
        if "OUTBOX_LEASE_SECONDS" in env:
            values["outbox_lease_seconds"] = _int(
                "OUTBOX_LEASE_SECONDS", env["OUTBOX_LEASE_SECONDS"]
            )
        for var in RETENTION_SETTINGS:
            if var in env:
                values[var.lower()] = _int(var, env[var])
        if "INSTANCE_PATH" in env:
            values["instance_path"] = Path(env["INSTANCE_PATH"])
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fail fast on values that would make the deployment insecure or broken."""
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"MARKETPLACE_ENV must be one of {', '.join(ENVIRONMENTS)}")
        if self.is_production:
            if len(self.secret_key) < 32:
                raise SettingsError("SECRET_KEY must be set to at least 32 random characters")
            if not self.database_url:
                raise SettingsError("DATABASE_URL must be set in production")
            if not self.base_url.startswith("https://"):
                raise SettingsError("BASE_URL must be an https:// address in production")
        if self.default_locale not in ("sv", "en"):
            raise SettingsError("DEFAULT_LOCALE must be sv or en")
        if not 0 <= self.trusted_proxies <= 5:
            raise SettingsError("TRUSTED_PROXIES must be between 0 and 5")
        if not 1 <= self.mail_port <= 65535:
            raise SettingsError("MAIL_PORT must be between 1 and 65535")
        if not 1 <= self.outbox_lease_seconds <= 86_400:
            raise SettingsError("OUTBOX_LEASE_SECONDS must be between 1 and 86400")
        for var in RETENTION_SETTINGS:
            if not 1 <= getattr(self, var.lower()) <= 36_500:
                raise SettingsError(f"{var} must be between 1 and 36500 (days)")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL must start with redis://, rediss:// or unix://")
        if self.mail_use_tls and self.mail_use_ssl:
            raise SettingsError("Set MAIL_USE_TLS or MAIL_USE_SSL, not both")
        for name in RATE_LIMITS:
            _check_rate_limit(name.upper(), getattr(self, name))

    def resolved_secret_key(self) -> str:
        """The configured key; in development/testing a random key kept in the instance folder."""
        if self.secret_key:
            return self.secret_key
        if self.is_production:  # validate() already refused this; keep the guard local too
            raise SettingsError("SECRET_KEY must be set in production")
        path = self.instance_path / "dev-secret-key"
        if not path.exists():
            self.instance_path.mkdir(parents=True, exist_ok=True)
            # Created with owner-only permissions from the start, never briefly world-readable.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def mail_settings(self) -> MailSettings:
        """How this deployment sends email (the transport's settings)."""
        return MailSettings(
            backend=self.mail_backend,
            sender=self.mail_default_sender,
            directory=self.mail_dir,
            server=self.mail_server,
            port=self.mail_port,
            use_tls=self.mail_use_tls,
            use_ssl=self.mail_use_ssl,
            username=self.mail_username,
            password=self.mail_password,
        )

    def mail_context(self) -> MailContext:
        """What composing an email needs: built once at start-up and passed to the services."""
        return MailContext(
            base_url=self.base_url.rstrip("/"),
            secret=self.resolved_secret_key(),
            domain=sender_domain(self.mail_default_sender),
        )

    def retention_periods(self) -> RetentionPeriods:
        return RetentionPeriods(
            outbox_days=self.outbox_retention_days,
            notification_days=self.notification_retention_days,
            sign_in_days=self.sign_in_retention_days,
        )

"""Settings from environment variables: defaults, production guards, parsing, dev secret."""

from __future__ import annotations

import stat

import pytest

from marketplace.config import Settings, SettingsError

GOOD_KEY = "k" * 32


def production(**extra: str) -> dict[str, str]:
    env = {
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": GOOD_KEY,
        "DATABASE_URL": "postgresql://app@db/marketplace",
        "BASE_URL": "https://symbios.example.se",
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def test_defaults_are_development_with_sqlite_in_the_instance_folder(tmp_path):
    settings = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})
    assert settings.env == "development"
    assert settings.is_development and not settings.is_production
    assert settings.instance_path == tmp_path
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'marketplace.db'}"
    assert settings.mail_backend == "file"
    assert settings.mail_dir == tmp_path / "mail"
    assert (settings.mail_port, settings.mail_use_tls, settings.mail_use_ssl) == (25, False, False)


def test_a_complete_production_environment_is_accepted():
    settings = Settings.from_env(production())
    assert settings.is_production
    assert settings.secret_key == GOOD_KEY
    assert settings.sqlalchemy_url == "postgresql+psycopg://app@db/marketplace"


def test_values_are_stripped_and_overrides_win():
    settings = Settings.from_env(production(SECRET_KEY=f"  {GOOD_KEY}\n"), mail_port=2525)
    assert settings.secret_key == GOOD_KEY
    assert settings.mail_port == 2525


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "k" * 31}, "SECRET_KEY"),
        ({"SECRET_KEY": " " * 40}, "SECRET_KEY"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"BASE_URL": "http://symbios.example.se"}, "BASE_URL"),
        ({"BASE_URL": None}, "BASE_URL"),
    ],
)
def test_insecure_production_settings_are_refused(changes, variable):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(production(**changes))


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MAIL_PORT": "twenty-five"}, "MAIL_PORT"),
        ({"MAIL_PORT": "25.0"}, "MAIL_PORT"),
        ({"MAIL_USE_TLS": "maybe"}, "MAIL_USE_TLS"),
        ({"MAIL_USE_SSL": "2"}, "MAIL_USE_SSL"),
        ({"MAIL_USE_TLS": "true", "MAIL_USE_SSL": "yes"}, "MAIL_USE_TLS or MAIL_USE_SSL"),
        ({"MARKETPLACE_ENV": "staging"}, "MARKETPLACE_ENV"),
        ({"MARKETPLACE_ENV": "Production"}, "MARKETPLACE_ENV"),
        ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE"),
        ({"INVITE_RATE_LIMIT": "ten a minute"}, "INVITE_RATE_LIMIT"),
        ({"MESSAGE_RATE_LIMIT": ""}, "MESSAGE_RATE_LIMIT"),
        ({"CLIENT_RATE_LIMIT": "10 per fortnight"}, "CLIENT_RATE_LIMIT"),
        ({"LOGIN_RATE_LIMIT": "-"}, "LOGIN_RATE_LIMIT"),
    ],
)
def test_malformed_values_are_refused_naming_the_variable(tmp_path, env, variable):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({"INSTANCE_PATH": str(tmp_path), **env})


@pytest.mark.parametrize("port", ["0", "-25", "70000"])
def test_mail_port_outside_the_tcp_range_is_refused(tmp_path, port):
    # The module promises that bad values fail at start-up, not at the first email.
    with pytest.raises(SettingsError, match="MAIL_PORT"):
        Settings.from_env({"INSTANCE_PATH": str(tmp_path), "MAIL_PORT": port})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_boolean_spellings(tmp_path, raw, expected):
    settings = Settings.from_env({"INSTANCE_PATH": str(tmp_path), "MAIL_USE_TLS": raw})
    assert settings.mail_use_tls is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db:5432/m", "postgresql+psycopg://u:p@db:5432/m"),
        ("postgresql://u:p@db:5432/m", "postgresql+psycopg://u:p@db:5432/m"),
        ("postgresql+psycopg://u@db/m", "postgresql+psycopg://u@db/m"),
        ("sqlite:////var/lib/symbios/m.db", "sqlite:////var/lib/symbios/m.db"),
    ],
)
def test_database_urls_use_psycopg3(tmp_path, url, expected):
    settings = Settings.from_env({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url})
    assert settings.sqlalchemy_url == expected


def test_smtp_backend_when_a_mail_server_is_set(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path), "MAIL_SERVER": "smtp.example.se", "MAIL_PORT": "587"}
    settings = Settings.from_env(env)
    assert (settings.mail_backend, settings.mail_port) == ("smtp", 587)


def test_development_secret_is_generated_once_and_private(tmp_path):
    instance = tmp_path / "instance"
    first = Settings.from_env({"INSTANCE_PATH": str(instance)}).resolved_secret_key()
    path = instance / "dev-secret-key"
    assert path.read_text() == first
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = Settings.from_env({"INSTANCE_PATH": str(instance)}).resolved_secret_key()
    assert second == first


def test_each_instance_folder_gets_its_own_development_secret(tmp_path):
    one = Settings.from_env({"INSTANCE_PATH": str(tmp_path / "a")}).resolved_secret_key()
    two = Settings.from_env({"INSTANCE_PATH": str(tmp_path / "b")}).resolved_secret_key()
    assert one != two


def test_a_configured_secret_is_used_and_nothing_is_written(tmp_path):
    env = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "configured-key"}
    assert Settings.from_env(env).resolved_secret_key() == "configured-key"
    assert not (tmp_path / "dev-secret-key").exists()


def test_production_never_falls_back_to_a_generated_secret(tmp_path):
    settings = Settings(env="production", instance_path=tmp_path)
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        settings.resolved_secret_key()
    assert not (tmp_path / "dev-secret-key").exists()


def test_rate_limits_have_defaults_and_come_from_the_environment(tmp_path):
    defaults = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})
    assert defaults.invite_rate_limit.startswith("10 per minute")
    assert defaults.message_rate_limit.startswith("10 per minute")
    env = {
        "INSTANCE_PATH": str(tmp_path),
        "INVITE_RATE_LIMIT": " 3 per minute;20 per day ",
        "MESSAGE_RATE_LIMIT": "5/minute",
        "REPORT_RATE_LIMIT": "2 per hour",
        "ACCOUNT_MAIL_RATE_LIMIT": "1 per hour",
        "CLIENT_RATE_LIMIT": "100 per hour",
    }
    settings = Settings.from_env(env)
    assert settings.invite_rate_limit == "3 per minute;20 per day"
    assert (settings.message_rate_limit, settings.report_rate_limit) == ("5/minute", "2 per hour")
    assert settings.account_mail_rate_limit == "1 per hour"
    assert settings.client_rate_limit == "100 per hour"


def test_retention_periods_default_and_come_from_the_environment(tmp_path):
    settings = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})
    assert (
        settings.outbox_retention_days,
        settings.notification_retention_days,
        settings.sign_in_retention_days,
    ) == (90, 365, 90)
    settings = Settings.from_env(
        {
            "INSTANCE_PATH": str(tmp_path),
            "OUTBOX_RETENTION_DAYS": " 30 ",
            "NOTIFICATION_RETENTION_DAYS": "730",
            "SIGN_IN_RETENTION_DAYS": "7",
        }
    )
    assert (
        settings.outbox_retention_days,
        settings.notification_retention_days,
        settings.sign_in_retention_days,
    ) == (30, 730, 7)


@pytest.mark.parametrize(
    "variable", ["OUTBOX_RETENTION_DAYS", "NOTIFICATION_RETENTION_DAYS", "SIGN_IN_RETENTION_DAYS"]
)
@pytest.mark.parametrize("raw", ["0", "-1", "ninety", "90.5", "36501"])
def test_bad_retention_periods_are_refused(tmp_path, variable, raw):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({"INSTANCE_PATH": str(tmp_path), variable: raw})

"""Security basics: redirects stay on the site, headers, cookie flags, password hashing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from marketplace.services.accounts.security import hash_password
from marketplace.web.security import safe_next
from tests.factories import TEST_PASSWORD, UserFactory

EVIL = [
    "//evil.example",
    "/\\evil.example",
    "https://evil.example",
    "http://evil.example/x",
    "javascript:alert(1)",
    "\\\\evil.example",
    "/\\/evil.example",
    " //evil.example",
    "https:evil.example",
    "//evil.example/%2F..",
    "/%0d%0aLocation:%20http://evil.example",
    "\t//evil.example",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
]


@pytest.mark.parametrize("target", EVIL)
def test_safe_next_never_leaves_the_site(target):
    assert_local(safe_next(target))


def assert_local(location: str) -> None:
    """A browser resolving `location` against our origin stays on our origin."""
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location and "\n" not in location and "\r" not in location


@pytest.mark.parametrize("target", EVIL)
def test_login_next_parameter_never_redirects_off_site(client, target):
    UserFactory(email=f"next{abs(hash(target))}@mail.example")
    response = client.post(
        f"/login?next={target}",
        {"email": f"next{abs(hash(target))}@mail.example", "password": TEST_PASSWORD},
    )
    assert response.status_code == 303
    assert_local(response.headers["Location"])


def test_local_next_is_kept(client):
    UserFactory(email="local@mail.example")
    response = client.post(
        "/login?next=/listings?kind=energy",
        {"email": "local@mail.example", "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == "/listings?kind=energy"


def test_language_switch_next_stays_on_site(client):
    response = client.post("/language", {"language": "en", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script for the CSP


def test_production_cookies_are_secure_httponly_lax(production_app, session):
    from marketplace.extensions import db

    db.configure(production_app, session.get_bind(), join_transaction_mode="create_savepoint")
    UserFactory(email="prod@mail.example")
    client = production_app.test_client()
    page = client.get("/login", base_url="https://marketplace.example").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        base_url="https://marketplace.example",
        headers={"Referer": "https://marketplace.example/login"},
        data={
            "email": "prod@mail.example",
            "password": TEST_PASSWORD,
            "remember": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("session=", "remember_token="):
        cookie = next(c for c in cookies if c.startswith(name))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_production_hides_the_demo_mailbox(production_app):
    assert production_app.test_client().get("/dev/mail").status_code == 404


def test_passwords_use_argon2id_at_owasp_parameters():
    encoded = hash_password("any password at all")
    assert encoded.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in encoded


def test_unknown_ids_give_404_and_nothing_gives_500(client):
    for url in (
        "/listings/0",
        "/listings/999999",
        "/listings/abc",
        "/firm/sites/1/edit",
        "/nowhere",
        "/dev/mail/../../etc/passwd",
    ):
        assert client.get(url).status_code in (302, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/listings/99999999999999999999",
        "/firm/sites/99999999999999999999/edit",
        "/listings?page=99999999999999999999",
        "/listings/99999999999999999999/edit",
    ],
)
def test_huge_ids_are_not_found_not_errors(client, url):
    UserFactory(email="huge@mail.example")
    client.login("huge@mail.example")
    assert client.get(url).status_code in (200, 404)

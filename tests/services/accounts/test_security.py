"""Signed tokens: round trip, expiry, tampering, purpose and secret."""

from __future__ import annotations

import pytest

from marketplace.services.accounts.security import TokenError, make_token, read_token

SECRET = "s" * 40


# --- signed tokens ------------------------------------------------------------------------------


def test_token_round_trip():
    token = make_token(SECRET, "reset", {"uid": 7, "fp": "abc"})
    assert read_token(SECRET, "reset", token, max_age=3600) == {"uid": 7, "fp": "abc"}


def test_expired_token_says_expired():
    token = make_token(SECRET, "reset", {"uid": 7})
    with pytest.raises(TokenError) as exc:
        read_token(SECRET, "reset", token, max_age=-1)
    assert exc.value.expired is True


def test_tampered_token_is_invalid_not_expired():
    mine = make_token(SECRET, "reset", {"uid": 7})
    theirs = make_token(SECRET, "reset", {"uid": 8})
    forged = mine.split(".")[0] + "." + ".".join(theirs.split(".")[1:])
    with pytest.raises(TokenError) as exc:
        read_token(SECRET, "reset", forged, max_age=3600)
    assert exc.value.expired is False


@pytest.mark.parametrize(("secret", "purpose"), [(SECRET, "verify"), ("t" * 40, "reset")])
def test_token_for_another_purpose_or_secret_is_invalid(secret, purpose):
    token = make_token(SECRET, "reset", {"uid": 7})
    with pytest.raises(TokenError) as exc:
        read_token(secret, purpose, token, max_age=3600)
    assert exc.value.expired is False


def test_token_that_is_not_an_object_is_invalid():
    token = make_token(SECRET, "reset", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(TokenError) as exc:
        read_token(SECRET, "reset", token, max_age=3600)
    assert exc.value.expired is False

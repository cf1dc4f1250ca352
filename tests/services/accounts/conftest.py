"""Fixtures shared by the account service tests."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.fixture
def owner(session):
    return UserFactory(email="owner@firma.se")

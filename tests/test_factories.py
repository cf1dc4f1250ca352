"""Every model has a factory in tests/factories.py, and each one builds a row both databases
accept (constraints, foreign keys and NOT NULL checked by a flush)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from models import Base
from tests import factories

MODELS = sorted(mapper.class_.__name__ for mapper in Base.registry.mappers)
BY_MODEL = {
    each._meta.model.__name__: each
    for each in factories.FACTORIES
    if each is not factories.StaffFactory
}


def test_every_model_has_a_factory():
    assert sorted(BY_MODEL) == MODELS


@pytest.mark.parametrize("name", MODELS)
def test_the_factory_builds_a_row_the_database_accepts(session: Session, name: str):
    first = BY_MODEL[name]()
    second = BY_MODEL[name]()
    session.flush()
    for row in (first, second):
        state = inspect(row)
        assert state.persistent, f"{name} was not written"
        session.refresh(row)  # read back from the database
    if name == "AlertIndexState":  # one row by design
        assert first is second
    else:
        assert inspect(first).identity != inspect(second).identity


def test_staff_factory_builds_a_firmless_facilitator(session: Session):
    staff = factories.StaffFactory()
    session.flush()
    assert staff.is_staff and staff.organisation_id is None

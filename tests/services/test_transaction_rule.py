"""The transaction rule (docs/decisions.md): services work in the caller's transaction. None of
them commits or rolls back, and none attaches listeners to every Session in the process."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "marketplace" / "services"
SOURCES = sorted(SERVICES.rglob("*.py"))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SERVICES.parent.parent)}:{getattr(node, 'lineno', '?')}"


def test_the_services_are_found():
    assert len(SOURCES) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SERVICES)))
def test_no_service_ends_a_transaction_or_listens_on_session_classes(path: Path):
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("commit", "rollback"):
            found.append(f"{_where(path, node)}: .{name}() (the view or job owns the transaction)")
        if name in ("listen", "listens_for") and node.args:
            target = node.args[0]
            if isinstance(target, ast.Name) and target.id in ("Session", "sessionmaker"):
                found.append(f"{_where(path, node)}: a listener on every {target.id}")
    assert not found, "\n".join(found)

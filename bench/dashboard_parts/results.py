"""What one run measured, per backend."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from support import reporting

from dashboard_parts.measure import Series, Statement
from dashboard_parts.store import Prepared


@dataclass
class BackendResult:
    backend: str
    prepared: Prepared
    baselines: dict[str, Series] = field(default_factory=dict)
    dashboard: dict[str, Series] = field(default_factory=dict)  # by filter label
    pages: dict[str, Series] = field(default_factory=dict)  # opportunities, by filter label
    http: dict[str, Series] = field(default_factory=dict)  # GET /staff, by filter label
    statements: dict[str, list[Statement]] = field(default_factory=dict)  # by filter label
    trials: dict[str, dict[str, Series]] = field(default_factory=dict)  # index -> filter -> s
    page_profile: dict[str, list[str]] = field(default_factory=dict)  # filter -> lines
    slowest: str = ""  # the filter with the highest dashboard p95
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)  # filter -> key figures
    elapsed_s: float = 0.0


@dataclass
class Results:
    rows: list[BackendResult] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    machine: reporting.Machine = field(default_factory=reporting.Machine)
    load_average_end: tuple[float, float, float] | None = None
    code: str = ""
    started: float = field(default_factory=time.perf_counter)
    elapsed_s: float = 0.0

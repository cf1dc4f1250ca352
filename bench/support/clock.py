"""Timers and percentiles."""

from __future__ import annotations

import cProfile
import gc
import pstats
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
A = TypeVar("A")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def time_calls(
    call: Callable[[int], T], count: int, warmup: int = 5
) -> tuple[list[float], list[T]]:
    """Milliseconds per call of `call(i)` for i in range(count), after a short warm-up."""
    for i in range(min(warmup, count)):
        call(i)
    gc.collect()
    timings, results = [], []
    for i in range(count):
        started = time.perf_counter()
        result = call(i)
        timings.append((time.perf_counter() - started) * 1000.0)
        results.append(result)
    return timings, results


def time_each(
    query: Callable[[T], tuple[float, A]], items: list[T], warmup: int = 5
) -> tuple[list[float], list[A]]:
    """`query(item)` times itself (milliseconds, answer): for what must be set up before the
    clock starts. The first `warmup` items are run once more, untimed, before the rest."""
    for item in items[:warmup]:
        query(item)
    gc.collect()
    ms, answers = [], []
    for item in items:
        elapsed, answer = query(item)
        ms.append(elapsed)
        answers.append(answer)
    return ms, answers


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def profile(call: Callable[[], Any], title: str, top: int = 25) -> None:
    """Run `call` under cProfile and print the functions with the most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    print(f"\n--- profile: {title} (top {top} by own time) ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)

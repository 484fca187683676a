"""Timing shared by the benchmarks: batches timed with the garbage collector paused (unless
asked not to), and the samples they give."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Samples:
    """Seconds per answer, one per repeat."""

    label: str
    samples: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def time_batch(fn: Callable[[], Any], runs: int, keep_gc: bool) -> float:
    """Seconds to call `fn` `runs` times, after a collection, with gc paused unless kept."""
    gc.collect()
    paused = not keep_gc and gc.isenabled()
    if paused:
        gc.disable()
    try:
        started = time.perf_counter()
        for _ in range(runs):
            fn()
        return time.perf_counter() - started
    finally:
        if paused:
            gc.enable()

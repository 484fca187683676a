"""Pacing outgoing mail: a rate limit to wait for, and back-off delays between retries."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable

import limits

__all__ = ["Backoff", "Pacer", "parse_rate"]


def parse_rate(rate: str) -> tuple[int, float]:
    """``"20/second"``, ``"600/minute"``, ``"100 per hour"`` → (messages, seconds).

    Parsed with the `limits` library; raises ValueError naming the rate when it can't be.
    """
    try:
        item = limits.parse(rate)
    except ValueError as error:
        raise ValueError(f"{rate!r} is not a rate like \"20/second\" or \"100 per hour\" "
                         f"({error})") from None
    if item.amount < 1:
        raise ValueError(f"{rate!r} allows no messages at all")
    return item.amount, float(item.get_expiry())


class Pacer:
    """Lets messages go no faster than `rate` (e.g. ``"20/second"``): a moving window.

    `wait()` returns at once while fewer than N messages went in the last window, else
    sleeps exactly until the oldest of them leaves the window. Thread-safe: waiters queue.

    The window is kept here over the injected monotonic `clock` rather than in `limits`'
    memory storage, which reads the wall clock (`time.time`) and can't be given another.
    """

    def __init__(self, rate: str, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self.amount, self.period = parse_rate(rate)
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Pacer({self.rate!r})"

    def delay(self) -> float:
        """Seconds until one more message may go (0: now)."""
        with self._lock:
            return self._delay(self._clock())

    def wait(self) -> None:
        """Block until one more message may go, and count it as gone."""
        with self._lock:
            now = self._clock()
            while (pause := self._delay(now)) > 0:
                self._sleep(pause)
                now = self._clock()
            self._sent.append(now)

    def _delay(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        if len(self._sent) < self.amount:
            return 0.0
        return self._sent[0] + self.period - now


class Backoff:
    """Delays before retries: `first`, then times `factor` each time, at most `maximum`.

    Each delay is spread by up to ±`jitter` (a fraction) so retries of many messages
    don't all fall due at once; it never exceeds `maximum`.
    """

    def __init__(self, first: float, factor: float = 2, maximum: float = 300, *,
                 jitter: float = 0.1,
                 random_fraction: Callable[[], float] = random.random) -> None:
        if first < 0 or factor < 1 or maximum < first or not 0 <= jitter < 1:
            raise ValueError("Backoff needs 0 <= first <= maximum, factor >= 1 and "
                             "0 <= jitter < 1")
        self.first = first
        self.factor = factor
        self.maximum = maximum
        self.jitter = jitter
        self._random = random_fraction

    def __repr__(self) -> str:
        return f"Backoff(first={self.first}, factor={self.factor}, maximum={self.maximum})"

    def base(self, retry: int) -> float:
        """The delay before retry number `retry` (1: the first retry), without jitter."""
        if retry < 1:
            raise ValueError(f"retries count from 1, not {retry}")
        if self.first == 0:
            return 0.0
        steps = retry - 1
        if self.factor > 1 and steps * math.log(self.factor) >= math.log(self.maximum /
                                                                          self.first):
            return self.maximum
        return min(self.maximum, self.first * self.factor ** steps)

    def delay(self, retry: int) -> float:
        """The delay before retry number `retry` (1: the first retry), with jitter."""
        spread = 1 + self.jitter * (2 * self._random() - 1)
        return min(self.maximum, self.base(retry) * spread)

    __call__ = delay

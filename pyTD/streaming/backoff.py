"""Delays between reconnection attempts: exponential, capped, with jitter (all injectable).

    >>> list(Backoff(first=1.0, factor=2.0, maximum=5.0, jitter=0.0, attempts=4).delays())
    [0.0, 1.0, 2.0, 4.0]
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Iterator


@dataclass
class Backoff:
    """The first attempt is immediate; attempt ``n`` waits ``first * factor**(n-1)``
    seconds (at most ``maximum``), shortened by up to ``jitter`` (a fraction) at random.
    ``attempts`` reconnection attempts are made before giving up."""

    first: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0
    jitter: float = 0.5
    attempts: int = 12
    random: Callable[[], float] = field(default=random.random, repr=False)

    def delays(self) -> Iterator[float]:
        """The wait before each attempt."""
        for n in range(self.attempts):
            if n == 0:
                yield 0.0
                continue
            delay = min(self.maximum, self.first * self.factor ** (n - 1))
            yield delay * (1.0 - self.jitter * self.random())

"""What goes wrong between a client and TD: injected faults and the per-app rate limit.

Faults are drawn from a seeded :class:`random.Random` (one per configured path
prefix), so a given request sequence always meets the same faults::

    sandbox.set_faults(sandbox.api_path("/marketdata/"), error_5xx=0.2, drop=0.1, seed=7)
    sandbox.set_faults(sandbox.api_path("/accounts/"), methods=["POST"], drop=1.0,
                       apply_after=True)

Rules match the start of the full request path; ``sandbox.api_path`` puts a
REST path under the API root.

A fault normally replaces the request (it is not processed); with
``apply_after=True`` the request is processed and then its answer is replaced
or lost, as when an order is placed but the response never arrives.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from pyTD.sandbox.routing import SandboxResponse, td_error

#: Fault kinds, in the order their probabilities are stacked on one random draw.
KINDS = ("error_5xx", "rate_429", "drop", "slow", "malformed")

RATE_LIMIT_MESSAGE = ("Individual App's transactions per seconds restriction reached. "
                      "Please contact us with further questions")
SERVER_ERRORS = {
    500: "An unexpected error has occurred.",
    502: "Bad Gateway",
    503: "The service is temporarily unavailable. Please try again later.",
}
#: The answer of a ``malformed`` fault when there is no body to cut short.
MALFORMED_BODY = b'{"error":false,"data":[{"truncated":'


def rate_limited() -> SandboxResponse:
    """TD's 429: a padded JSON body and no ``Retry-After`` header."""
    return td_error(429, RATE_LIMIT_MESSAGE)


@dataclass(frozen=True)
class Fault:
    """One drawn fault: its kind, and for ``error_5xx`` the status."""

    kind: str
    after: bool = False
    slow_seconds: float = 0.0
    status: int = 0

    def apply(self, serve: Callable[[], SandboxResponse],
              error: Callable[[int, str], SandboxResponse] = td_error
              ) -> Optional[SandboxResponse]:
        """Serve a request under this fault; ``None`` means: close without answering.

        ``error(status, message)`` builds the 429 and 5xx answers (TD's bodies by default).
        """
        if self.kind == "slow":
            if not self.after:
                time.sleep(self.slow_seconds)
                return serve()
            response = serve()
            time.sleep(self.slow_seconds)
            return response
        original = serve() if self.after else None
        if self.kind == "drop":
            return None
        if self.kind == "rate_429":
            return error(429, RATE_LIMIT_MESSAGE)
        if self.kind == "error_5xx":
            return error(self.status, SERVER_ERRORS[self.status])
        body = original.body if original is not None and original.body else MALFORMED_BODY
        return SandboxResponse(200, body[: max(1, len(body) // 2)],
                               {"Content-Type": "application/json"})


@dataclass
class _Rule:
    methods: Optional[frozenset[str]]
    thresholds: list[tuple[float, str]]
    slow_seconds: float
    after: bool
    rng: random.Random


class Faults:
    """Fault rules by path prefix; the longest prefix that matches (and the method) wins."""

    def __init__(self) -> None:
        self._rules: dict[str, _Rule] = {}

    def set(self, prefix: str, *, methods: Optional[Iterable[str]],
            probabilities: dict[str, float], slow_seconds: float, seed: int,
            apply_after: bool) -> None:
        """Add or replace the rule for ``prefix``; probabilities are per kind, summing to <= 1."""
        unknown = set(probabilities) - set(KINDS)
        if unknown:
            raise ValueError(f"Unknown fault kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
        if any(not 0.0 <= p <= 1.0 for p in probabilities.values()):
            raise ValueError(f"Fault probabilities must be between 0 and 1, got {probabilities}")
        total = sum(probabilities.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"Fault probabilities add up to {total:g}, more than 1")
        if slow_seconds < 0:
            raise ValueError(f"slow_seconds must be >= 0, got {slow_seconds}")
        thresholds, upto = [], 0.0
        for kind in KINDS:
            if probabilities.get(kind):
                upto += probabilities[kind]
                thresholds.append((upto, kind))
        self._rules[prefix] = _Rule(
            frozenset(m.upper() for m in methods) if methods is not None else None,
            thresholds, slow_seconds, apply_after, random.Random(seed))  # noqa: S311

    def clear(self) -> None:
        """Remove every fault rule."""
        self._rules.clear()

    def draw(self, method: str, path: str) -> Optional[Fault]:
        """The fault for this request, if any (one random draw per matching request)."""
        matching = [prefix for prefix, rule in self._rules.items() if path.startswith(prefix)
                    and (rule.methods is None or method in rule.methods)]
        if not matching:
            return None
        rule = self._rules[max(matching, key=len)]
        r = rule.rng.random()
        for upto, kind in rule.thresholds:
            if r < upto:
                status = rule.rng.choice(sorted(SERVER_ERRORS)) if kind == "error_5xx" else 0
                return Fault(kind, rule.after, rule.slow_seconds, status)
        return None


class RateLimiter:
    """At most ``limit`` requests per app per window of the clock (TD: a wall-clock minute).

    Windows start at multiples of ``window`` seconds, as TD's minutes reset on
    the minute boundaries of its clock; a shorter ``window`` makes tests fast.
    """

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self._minute: Optional[int] = None
        self._counts: dict[str, int] = {}

    def allow(self, app: str, now: float, limit: int) -> bool:
        """Count one request of ``app``; False once ``limit`` is reached in this window."""
        minute = int(now // self.window)
        if minute != self._minute:
            self._minute, self._counts = minute, {}
        self._counts[app] = self._counts.get(app, 0) + 1
        return self._counts[app] <= limit

    def retry_after(self, now: float) -> int:
        """Whole seconds until the next window starts (at least 1)."""
        return max(1, math.ceil((int(now // self.window) + 1) * self.window - now))

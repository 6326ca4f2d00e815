"""Client-side pacing for a provider's request quota, so that a 429 does not happen.

TD Ameritrade and Schwab allow about 120 requests a minute per app (order
writes have limits of their own, per account, and are never paced or retried).
A :class:`Pacer` keeps every request of one ``api`` inside its :class:`Quota`:
at most ``limit`` requests in any ``window`` seconds, counted from when each
request *finished*, so an answer that was slow to arrive can never make two
requests land in the same window of the server's clock. Under the quota
nothing waits: the first ``limit`` requests go at once, the next ones as the
oldest slot frees up::

    >>> pacer = Pacer(Quota(120, 60.0))
    >>> slot = pacer.acquire()       # blocks only when 120 finished less than 60 s ago
    >>> pacer.release(slot)

Slots live in a :class:`SlotStore`: :class:`LocalSlots` for the threads of
one process (the default), or one a shared token cache provides
(:meth:`pyTD.cache.TokenCache.quota_slots`), so that processes using the same
cache share one quota.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Protocol

from pyTD.exceptions import ConfigurationError, TDError

log = logging.getLogger(__name__)

#: How long a claimed slot may stay unfinished before it counts as finished
#: (a process that died mid-request must not hold a shared slot forever).
STALE_AFTER = 300.0
#: ``TD_QUOTA`` values: ``auto`` (the provider's quota on its own hosts), ``off``,
#: ``N`` (per minute) or ``N/SECONDS``.
_QUOTA_TEXT = re.compile(r"^\s*(\d+)\s*(?:/\s*(\d+(?:\.\d*)?|\.\d+)\s*s?)?\s*$")
_OFF = {"off", "none", "0", "false", "no"}

Notify = Callable[[float], None]

_this_thread = threading.local()


class Abandoned(TDError):
    """A wait for a slot given up (see :func:`abandon_when`); :mod:`pyTD.bulk` never lets it out."""


@contextmanager
def abandon_when(stop: threading.Event) -> Iterator[None]:
    """In this thread, a wait for a slot ends with :class:`Abandoned` once ``stop`` is set.

    A bulk call that failed, or was interrupted (Ctrl+C), stops its other
    threads this way instead of letting them wait out the rate limit.
    """
    _this_thread.stop = stop
    try:
        yield
    finally:
        _this_thread.stop = None


@dataclass(frozen=True)
class Quota:
    """At most ``limit`` requests in any ``window`` seconds.

    >>> Quota.parse("120/60")
    Quota(limit=120, window=60.0)
    >>> Quota.parse("20")            # per minute
    Quota(limit=20, window=60.0)
    """

    limit: int
    window: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1 \
                or not 0 < self.window < float("inf"):
            raise ConfigurationError(
                f"Quota({self.limit!r}, {self.window!r}): the limit must be a whole number "
                "of requests >= 1 and the window a positive number of seconds, e.g. "
                "Quota(120, 60.0).")

    @property
    def interval(self) -> float:
        """Seconds per request at the quota's rate."""
        return self.window / self.limit

    def __str__(self) -> str:
        return f"{self.limit}/{self.window:g}s"

    @classmethod
    def parse(cls, text: str, source: str = "quota") -> Quota:
        """``"N"`` (per minute) or ``"N/SECONDS"``; anything else is a ``ConfigurationError``."""
        match = _QUOTA_TEXT.match(str(text))
        if not match or int(match.group(1)) < 1 or float(match.group(2) or 60.0) <= 0:
            raise ConfigurationError(
                f"{source}={text!r} is not a request quota: use auto (the provider's quota "
                "on its own hosts), off, N (requests per minute, e.g. 120) or N/SECONDS "
                "(e.g. 120/60).")
        return cls(int(match.group(1)), float(match.group(2) or 60.0))


class SlotStore(Protocol):
    """Where a :class:`Pacer` keeps its slots (a shared cache may provide one).

    A slot is claimed before a request and finished after it. A store keeps
    the slots of the last ``window`` seconds and counts unfinished ones as
    busy (for at most ``stale`` seconds after their claim).
    """

    def claim(self, quota: Quota, now: float, stale: float) -> tuple[Optional[str], float]:
        """``(slot id, 0.0)`` when a slot is free; else ``(None, seconds until one may be)``."""

    def finish(self, slot: str, now: float) -> None:
        """Record that the request of ``slot`` finished at ``now``."""


def free_at(claimed: float, finished: Optional[float], quota: Quota, stale: float,
            now: float) -> float:
    """When a slot can be claimed again: ``window`` after its request finished.

    An unfinished slot is expected to finish no sooner than ``now`` (and is
    taken for finished ``stale`` seconds after its claim).
    """
    if finished is None:
        finished = min(max(now, claimed), claimed + stale)
    return finished + quota.window


class LocalSlots:
    """The slots of one process, shared by its threads (the default store)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, tuple[float, Optional[float]]] = {}  # id -> (claimed, finished)
        self._ids = itertools.count()

    def claim(self, quota: Quota, now: float, stale: float) -> tuple[Optional[str], float]:
        """See :meth:`SlotStore.claim`."""
        with self._lock:
            frees = {slot: free_at(claimed, finished, quota, stale, now)
                     for slot, (claimed, finished) in self._slots.items()}
            for slot, when in frees.items():
                if when <= now:
                    del self._slots[slot]
            if len(self._slots) < quota.limit:
                slot = str(next(self._ids))
                self._slots[slot] = (now, None)
                return slot, 0.0
            return None, min(frees.values()) - now

    def finish(self, slot: str, now: float) -> None:
        """See :meth:`SlotStore.finish`."""
        with self._lock:
            if slot in self._slots:
                self._slots[slot] = (self._slots[slot][0], now)


class Pacer:
    """Keeps the requests of every thread (and, with a shared store, process) inside ``quota``.

    ``clock`` and ``sleep`` are injectable (tests use a fake clock). A wait of
    a second or more is reported to ``notify`` (as "waiting Ns for the rate
    limit" in progress displays) and logged at INFO.

    >>> pacer = Pacer(Quota(2, 1.0))
    >>> with pacer.slot():
    ...     pass
    """

    def __init__(self, quota: Quota, store: Optional[SlotStore] = None, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep, stale: float = STALE_AFTER) -> None:
        self.quota = quota
        self.store: SlotStore = store if store is not None else LocalSlots()
        self.clock, self.sleep, self.stale = clock, sleep, stale
        #: Seconds this pacer has made requests wait, summed over threads.
        self.waited = 0.0
        self._waited_lock = threading.Lock()

    def acquire(self, notify: Optional[Notify] = None) -> str:
        """Wait until a request may go; returns its slot (pass it to :meth:`release`)."""
        reported = False
        poll = min(0.5, self.quota.window / 20)
        stop: Optional[threading.Event] = getattr(_this_thread, "stop", None)
        while True:
            if stop is not None and stop.is_set():
                raise Abandoned("The wait for the rate limit was given up.")
            slot, wait = self.store.claim(self.quota, self.clock(), self.stale)
            if slot is not None:
                return slot
            if not reported and wait >= 1.0:
                reported = True
                log.info("waiting %.0fs for the rate limit (%s)", wait, self.quota)
                if notify is not None:
                    notify(wait)
            pause = max(min(wait, poll), 0.001)   # an unfinished slot may free up sooner
            with self._waited_lock:
                self.waited += pause
            self.sleep(pause)

    def release(self, slot: str) -> None:
        """The request of ``slot`` has finished (answered or failed)."""
        self.store.finish(slot, self.clock())

    def slot(self, notify: Optional[Notify] = None) -> _Held:
        """``with pacer.slot(): send()``: :meth:`acquire` and :meth:`release` around a block."""
        return _Held(self, notify)

    def __repr__(self) -> str:
        return f"Pacer({self.quota}, store={type(self.store).__name__})"


class _Held:
    """The slot of one request: its first attempt's, then each retry's."""

    def __init__(self, pacer: Pacer, notify: Optional[Notify]) -> None:
        self.pacer, self.notify = pacer, notify
        self.slot = ""
        self._outer: Optional[_Held] = None

    def __enter__(self) -> str:
        self.slot = self.pacer.acquire(self.notify)
        self._outer, _this_thread.held = getattr(_this_thread, "held", None), self
        return self.slot

    def __exit__(self, *exc: Any) -> None:
        _this_thread.held = self._outer
        self.pacer.release(self.slot)

    def retry(self) -> None:
        """The attempt before has finished: release its slot, wait for one for the retry."""
        self.pacer.release(self.slot)
        self.slot = self.pacer.acquire(self.notify)


def pace_retry() -> None:
    """A retry of this thread's paced request is about to go: it waits for a slot of its own.

    Called by the transport's retry policy before each retry it sends; outside
    a paced request it does nothing.
    """
    held: Optional[_Held] = getattr(_this_thread, "held", None)
    if held is not None:
        held.retry()


def quota_for(value: Any, provider_quota: Optional[Quota], own_host: bool,
              source: str = "quota") -> Optional[Quota]:
    """The quota to pace by: ``value`` (``quota=``/``TD_QUOTA``) resolved.

    ``None``/``"auto"``: the provider's quota when ``base_url`` is the
    provider's own host, else none (a sandbox or proxy is not slowed down
    unless asked); ``"off"``: none; a :class:`Quota`, ``N`` or ``"N/SECONDS"``: that.

    >>> quota_for("auto", Quota(120), own_host=True)
    Quota(limit=120, window=60.0)
    >>> quota_for("auto", Quota(120), own_host=False) is None
    True
    """
    if isinstance(value, Quota):
        return value
    if value is None or str(value).strip().lower() == "auto":
        return provider_quota if own_host else None
    if isinstance(value, bool):
        raise ConfigurationError(f"{source}={value!r} is not a request quota: use auto, off, "
                                 "N (requests per minute) or N/SECONDS.")
    if str(value).strip().lower() in _OFF:
        return None
    return Quota.parse(str(value), source)


def paced(method: str, path: str) -> bool:
    """Whether a request counts against the app's quota: all but order writes.

    Orders have a per-account limit chosen at registration, and are never retried.

    >>> paced("GET", "/accounts/123/orders"), paced("POST", "/accounts/123/orders")
    (True, False)
    """
    return not (method.upper() in ("POST", "PUT", "DELETE", "PATCH")
                and ("/orders" in path or "/savedorders" in path))


class WaitListeners:
    """Who hears of a rate-limit wait on one ``api`` (progress displays), across its threads.

    >>> listeners = WaitListeners()
    >>> with listeners.listening(print):
    ...     listeners.notify(12.0)
    12.0
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Notify] = []

    def notify(self, seconds: float) -> None:
        """Tell every listener that a request waits ``seconds`` for the rate limit."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(seconds)

    def listening(self, listener: Notify) -> _Listening:
        """``with listeners.listening(fn):`` ``fn`` hears of waits until the block ends."""
        return _Listening(self, listener)

    def _add(self, listener: Notify) -> None:
        with self._lock:
            self._listeners.append(listener)

    def _remove(self, listener: Notify) -> None:
        with self._lock:
            self._listeners.remove(listener)


class _Listening:
    def __init__(self, listeners: WaitListeners, listener: Notify) -> None:
        self.listeners, self.listener = listeners, listener

    def __enter__(self) -> None:
        self.listeners._add(self.listener)

    def __exit__(self, *exc: Any) -> None:
        self.listeners._remove(self.listener)

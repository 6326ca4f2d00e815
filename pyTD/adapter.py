"""pyTD's ``HTTPAdapter``: a deadline on every answer, and a record of whether bytes were sent.

The read timeout of ``requests`` applies to each ``recv``: a server that
trickles one byte at a time never trips it. Connections made by
:class:`Adapter` read their answers through a reader that lowers the socket
timeout to what is left of the deadline, so the whole answer (status line,
headers and body) must arrive within ``deadline`` seconds of the request.

They also note, in the :class:`Attempt` the caller opened with :func:`attempt`,
when request bytes were handed to the socket: whether a failed request may
have reached the server is then a fact, not a guess from the exception type.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from typing import Any, Callable, Optional

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

_local = threading.local()


class DeadlineExceeded(Exception):
    """The answer did not complete in time (not an ``OSError``: urllib3 must not retry it)."""


class Attempt:
    """One request's deadline and what its connection saw: whether bytes were sent."""

    def __init__(self, deadline: Optional[float],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.deadline = deadline
        self.clock = clock
        self.sent = False


def current() -> Optional[Attempt]:
    """The attempt opened on this thread, if any."""
    return getattr(_local, "attempt", None)


class attempt:  # used as a function: ``with attempt(deadline) as sending``
    """Open an :class:`Attempt` for the requests this thread sends inside the block.

    A class rather than a generator-based context manager: it runs on every request.
    """

    __slots__ = ("opened", "previous")

    def __init__(self, deadline: Optional[float]) -> None:
        self.opened = Attempt(deadline)
        self.previous: Optional[Attempt] = None

    def __enter__(self) -> Attempt:
        self.previous = getattr(_local, "attempt", None)
        _local.attempt = self.opened
        return self.opened

    def __exit__(self, *exc_info: object) -> None:
        _local.attempt = self.previous


class _DeadlineReader(io.RawIOBase):
    """A socket reader that never waits past ``ends_at`` (nor longer than the read timeout)."""

    def __init__(self, raw: Any, sock: socket.socket, ends_at: float,
                 clock: Callable[[], float]) -> None:
        super().__init__()
        self.raw, self.sock, self.ends_at, self.clock = raw, sock, ends_at, clock
        self.read_timeout = sock.gettimeout()
        self.lowered = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.ends_at - self.clock()
        if left <= 0:
            raise DeadlineExceeded
        by_deadline = self.read_timeout is None or left < self.read_timeout
        if by_deadline or self.lowered:   # else the socket's timeout is already right
            self.sock.settimeout(left if by_deadline else self.read_timeout)
            self.lowered = by_deadline
        try:
            return int(self.raw.readinto(buffer))
        except socket.timeout:
            if by_deadline:
                raise DeadlineExceeded from None
            raise

    def close(self) -> None:
        self.raw.close()
        super().close()


class _DeadlineSocket:
    """What :class:`_Response` hands ``http.client``: its one ``makefile`` reads by deadline."""

    __slots__ = ("clock", "ends_at", "sock")

    def __init__(self, sock: socket.socket, ends_at: float, clock: Callable[[], float]) -> None:
        self.sock, self.ends_at, self.clock = sock, ends_at, clock

    def makefile(self, mode: str) -> io.BufferedReader:
        """``sock.makefile("rb")`` (the only mode ``http.client`` asks for), read by deadline."""
        raw = self.sock.makefile("rb", buffering=0)   # the socket's own reader, unbuffered
        return io.BufferedReader(_DeadlineReader(raw, self.sock, self.ends_at, self.clock))


class _Response(http.client.HTTPResponse):
    """``http.client``'s response, reading through a :class:`_DeadlineReader` when asked to."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        opened = current()
        if opened is not None and opened.deadline is not None:
            timed = _DeadlineSocket(sock, opened.clock() + opened.deadline, opened.clock)
            super().__init__(timed, *args, **kwargs)  # type: ignore[arg-type]  # reads only
        else:
            super().__init__(sock, *args, **kwargs)


class _Noting:
    """Mixin for urllib3 connections: answers read by :class:`_Response`, sends noted."""

    response_class: type[http.client.HTTPResponse] = _Response

    def send(self, data: Any) -> None:
        if self.sock is None:  # type: ignore[attr-defined]
            self.connect()  # type: ignore[attr-defined]  # as http.client would: not a send yet
        opened = current()
        if opened is not None:
            opened.sent = True   # before writing: a partial write may have reached the server
        super().send(data)  # type: ignore[misc]


class _HTTPConnection(_Noting, HTTPConnection):
    pass


class _HTTPSConnection(_Noting, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class Adapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections (direct or through an HTTP proxy) are pyTD's.

    ``routes`` keeps, per origin and TLS/proxy settings, the pool requests go
    through (see :mod:`pyTD.fastpath`); it is emptied whenever the pools are
    dropped or replaced (``close()``, a forked child).
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        self.routes: dict[Any, Any] = {}
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def close(self) -> None:
        """Drop the pools, as ``HTTPAdapter`` does, and the routes to them."""
        super().close()
        self.routes.clear()

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS
        return manager

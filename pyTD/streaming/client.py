"""The asyncio stream client: login, subscriptions by name, and a connection that keeps going.

    >>> stream = AsyncStream(api)                                    # doctest: +SKIP
    >>> await stream.start()                                         # doctest: +SKIP
    >>> await stream.subscribe("quotes", ["AAPL"], ["bid", "ask"])   # doctest: +SKIP
    >>> async for msg in stream:                                     # doctest: +SKIP
    ...     print(msg)

When the connection drops, the server closes it, heartbeats stop or a login is
refused because the access token expired, the client refreshes the token through
the api (the same refresh REST calls use), reconnects after a backoff with jitter,
logs in again and restores every subscription with its fields; consumers receive a
:class:`~pyTD.streaming.records.Status` (``kind="reconnected"``), not an exception.
It gives up with a :class:`~pyTD.exceptions.StreamError` (or the api's
``AuthorizationError`` when the refresh token expired), raised to consumers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import Any, AsyncIterator, Callable, Iterable, Optional, Union

from pyTD.exceptions import (
    StreamCommandError,
    TDError,
    ValidationError,
)
from pyTD.streaming import websockets_module
from pyTD.streaming.backoff import Backoff
from pyTD.streaming.buffer import Item, StreamBuffer
from pyTD.streaming.connection import SUCCESS, Connection
from pyTD.streaming.fields import (
    FIELD_MAPS,
    SNAPSHOTS,
    check_keys,
    service_name,
    streamer_service,
)
from pyTD.streaming.nested import Candle
from pyTD.streaming.records import Message, Status, status
from pyTD.streaming.schwab import SchwabEnvelope
from pyTD.streaming.services import ServiceMethods
from pyTD.streaming.subscriptions import Subscriptions
from pyTD.streaming.td import TDEnvelope

log = logging.getLogger(__name__)

Callback = Callable[[Union[Message, Status]], Any]


class AsyncStream(ServiceMethods, Connection):
    """A streamer client for ``api``'s provider, run in the caller's asyncio loop.

    ``heartbeat_timeout``: seconds without any frame after which the connection is
    considered dead (the streamers send a heartbeat about every 10 s).
    ``buffer_size``: messages kept for a slow consumer (see
    :mod:`pyTD.streaming.buffer`). ``backoff``: reconnection delays and attempts.
    ``qos``: TD's quality of service level (0 express ... 5 delayed) sent at login.
    """

    def __init__(self, api: Any, *, heartbeat_timeout: float = 30.0, buffer_size: int = 10_000,
                 backoff: Optional[Backoff] = None, qos: Optional[int] = None,
                 command_timeout: float = 10.0, open_timeout: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        websockets_module()  # the stream extra is installed (a clear error otherwise)
        self.api = api
        self.provider: str = api.provider.name
        if self.provider not in FIELD_MAPS:
            raise TDError(f"The {api.provider.title} provider has no streamer.")
        self._envelope_class: Union[type[SchwabEnvelope], type[TDEnvelope]] = \
            SchwabEnvelope if self.provider == "schwab" else TDEnvelope
        self.heartbeat_timeout = heartbeat_timeout
        self.command_timeout = command_timeout
        self.open_timeout = open_timeout
        self.backoff = backoff or Backoff()
        self.qos = qos
        self.clock = clock
        self.subscriptions = Subscriptions()
        self._buffer_size = buffer_size
        self._buffer: Optional[StreamBuffer] = None
        self._callbacks: dict[str, list[Callback]] = {}
        self._pending: dict[str, asyncio.Future] = {}
        self._requestid = 0
        self._ws: Any = None
        self._envelope: Any = None
        self._connected: Optional[asyncio.Event] = None
        self._runner: Optional[asyncio.Task] = None
        self._fatal: Optional[BaseException] = None
        self._closing = False
        self._restoring: set[str] = set()
        self._held: list[Item] = []  # data received while restoring, emitted after the status
        self._lost_at: Optional[float] = None
        #: How many times the connection was restored.
        self.reconnects = 0
        #: Frames that could not be decoded (skipped).
        self.malformed = 0

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> AsyncStream:
        """Connect and log in (raises when the first login fails for good)."""
        if self._runner is not None:
            return self
        self._buffer = StreamBuffer(self._buffer_size)
        self._connected = asyncio.Event()
        await self._open()
        self._emit(status("connected", f"connected to the {self.provider} streamer"))
        self._runner = asyncio.ensure_future(self._run())
        return self

    async def close(self) -> None:
        """Log out and close the connection; iteration ends."""
        self._closing = True
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                await asyncio.wait_for(self._send(ws, [self._envelope.request(
                    "ADMIN", "LOGOUT", self._next_id(), {})]), 1.0)
            except Exception:
                log.debug("LOGOUT not sent: the connection is gone")
            await ws.close()
        if self._runner is not None:
            self._runner.cancel()
            try:
                await self._runner
            except (asyncio.CancelledError, Exception):
                log.debug("The stream's runner has ended")
        if self._buffer is not None:
            self._buffer.put(status("closed", "the stream was closed"))

    async def __aenter__(self) -> AsyncStream:
        return await self.start()

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    @property
    def dropped(self) -> dict[str, int]:
        """Messages dropped for a slow consumer, by service."""
        return dict(self._buffer.dropped) if self._buffer is not None else {}

    # -- subscriptions -----------------------------------------------------------------
    def _service(self, service: str) -> str:
        name = streamer_service(self.provider, service)
        if name in SNAPSHOTS:
            raise StreamCommandError(f"{name} answers a GET, not subscriptions: call "
                                     "get_chart_history_futures(symbol, ...) instead.")
        return name

    def _field_ids(self, service: str, fields: Optional[Iterable[str]]) -> tuple[int, ...]:
        return FIELD_MAPS[self.provider][service].ids(
            [fields] if isinstance(fields, str) else fields)

    @staticmethod
    def _keys(keys: Union[str, Iterable[str]]) -> list[str]:
        listed = [keys] if isinstance(keys, str) else list(keys)
        if not listed or not all(isinstance(k, str) and k.strip() for k in listed):
            raise StreamCommandError(f"Pass one or more symbols (non-empty strings), not "
                                     f"{keys!r}.")
        return [k.strip() for k in listed]

    async def subscribe(self, service: str, keys: Union[str, Iterable[str]],
                        fields: Optional[Iterable[str]] = None) -> None:
        """SUBS: stream ``fields`` (names; default all) of ``keys``, replacing the service's keys.

        >>> await stream.subscribe("quotes", ["AAPL", "MSFT"], ["bid", "ask"])  # doctest: +SKIP
        """
        name = self._service(service)
        ids = self._field_ids(name, fields)
        listed = self._keys(keys)
        check_keys(name, listed)
        self.subscriptions.subscribe(name, listed, ids)
        await self._command(name, "SUBS", self.subscriptions.get(name).parameters())  # type: ignore[union-attr]

    async def add(self, service: str, keys: Union[str, Iterable[str]],
                  fields: Optional[Iterable[str]] = None) -> None:
        """ADD: more ``keys`` for a service, keeping the others (and its fields)."""
        name = self._service(service)
        listed = self._keys(keys)
        check_keys(name, listed)
        current = self.subscriptions.get(name)
        ids = current.fields if current is not None else self._field_ids(name, fields)
        self.subscriptions.add(name, listed, ids)
        await self._command(name, "ADD", self.subscriptions.get(name).parameters(listed))  # type: ignore[union-attr]

    async def unsubscribe(self, service: str,
                          keys: Union[str, Iterable[str], None] = None) -> None:
        """UNSUBS: stop ``keys`` (default: all of the service's)."""
        name = self._service(service)
        removed = self.subscriptions.unsubscribe(name, None if keys is None else self._keys(keys))
        if removed:
            await self._command(name, "UNSUBS", {"keys": ",".join(removed)})

    async def view(self, service: str, fields: Iterable[str]) -> None:
        """VIEW: change the fields streamed for every key of ``service``."""
        name = self._service(service)
        ids = self._field_ids(name, fields)
        self.subscriptions.view(name, ids)
        if name in self.subscriptions:
            await self._command(name, "VIEW", {"fields": ",".join(map(str, ids))})

    async def get_chart_history_futures(
            self, symbol: str, frequency: str = "m1", period: Optional[str] = None,
            start: Optional[dt.datetime] = None, end: Optional[dt.datetime] = None,
    ) -> list[Candle]:
        """TD's futures bars (``CHART_HISTORY_FUTURES`` GET): ``frequency`` one of ``m1 m5
        m10 m30 h1 d1 w1 n1``; ``period`` such as ``d5``, ``w4``, ``n10``, ``y1``, or
        ``start`` and ``end`` (aware datetimes).

        >>> bars = await stream.get_chart_history_futures("/ES", period="d1")  # doctest: +SKIP
        >>> bars[-1].close                                                   # doctest: +SKIP
        4531.25
        """
        if "CHART_HISTORY_FUTURES" not in FIELD_MAPS[self.provider]:
            raise StreamCommandError(f"The {self.provider} streamer has no futures chart "
                                     "history; use the REST price history instead.")
        parameters: dict[str, str] = {"symbol": symbol, "frequency": frequency}
        if period is not None and start is None and end is None:
            parameters["period"] = period
        elif period is None and start is not None and end is not None:
            parameters.update(START_TIME=str(int(start.timestamp() * 1000)),
                              END_TIME=str(int(end.timestamp() * 1000)))
        else:
            raise ValidationError("Pass either period (d5, w4, n10, y1...) or both start and "
                                  "end (datetimes).")
        answer = await self._get("CHART_HISTORY_FUTURES", parameters)
        return list(answer.fields.get("candles") or [])

    async def _get(self, service: str, parameters: dict) -> Message:
        """Send a GET and wait for its ``snapshot`` (a ``response`` first is accepted)."""
        assert self._connected is not None, "start() the stream first"
        await asyncio.wait_for(self._connected.wait(), self.command_timeout)
        requestid = self._next_id()
        loop = asyncio.get_running_loop()
        try:
            self._pending[requestid] = waiter = loop.create_future()
            await self._send(self._ws, [self._envelope.request(service, "GET", requestid,
                                                               parameters)])
            while True:
                answer = await asyncio.wait_for(waiter, self.command_timeout)
                if isinstance(answer, Message):
                    return answer
                if answer.get("code") not in SUCCESS:
                    raise StreamCommandError(
                        f"The streamer refused GET {service} (code {answer.get('code')}: "
                        f"{answer.get('msg', '')}).")
                # a response first: the snapshot follows (or came in the same frame)
                current = self._pending[requestid]
                waiter = current if current is not waiter else loop.create_future()
                self._pending[requestid] = waiter
        finally:
            self._pending.pop(requestid, None)

    def _activity_key(self) -> str:
        if self._envelope is None:
            raise StreamCommandError("start() the stream before subscribing to activity.")
        return str(self._envelope.activity_key)

    def on(self, service: str, callback: Callback) -> None:
        """Call ``callback(message)`` for each message of ``service`` (pyTD's name, or
        ``"status"``) instead of queueing it for iteration. It runs in the stream's loop:
        keep it short."""
        key = "status" if service == "status" else service_name(
            self.provider, self._service(service))
        self._callbacks.setdefault(key, []).append(callback)

    # -- consumption ---------------------------------------------------------------------
    def __aiter__(self) -> AsyncIterator[Item]:
        return self

    async def __anext__(self) -> Item:
        return await self.next()

    async def next(self) -> Item:
        """The next message or status; raises the error that ended the stream."""
        items = await self.next_batch(1)
        return items[0]

    async def next_batch(self, limit: int = 1000,
                         timeout: Optional[float] = None) -> list[Item]:
        """Up to ``limit`` queued items, waiting for at least one (``TimeoutError`` after
        ``timeout`` seconds). Items are taken only once the wait is over, so a wait that
        times out or is cancelled leaves every item for the next call."""
        assert self._buffer is not None, "start() the stream first"
        buffer = self._buffer
        if not len(buffer):
            await self._wait_for_items(buffer, timeout)
        first = [buffer.get_nowait()]
        while len(first) < limit and len(buffer):
            first.append(buffer.get_nowait())
        if first and isinstance(first[-1], Status) and first[-1].kind == "closed":
            first.pop()
            if not first:
                raise StopAsyncIteration
        return first

    async def _wait_for_items(self, buffer: StreamBuffer, timeout: Optional[float]) -> None:
        """Until ``buffer`` holds an item; the stream's error (or ``StopAsyncIteration``)
        when it has ended, ``TimeoutError`` after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not len(buffer):
            if self._fatal is not None:
                raise self._fatal
            runner = self._runner
            if runner.done() if runner is not None else self._closing:
                raise StopAsyncIteration
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                raise TimeoutError(f"No stream message within {timeout} s; call again to "
                                   "keep waiting.")
            ready = asyncio.ensure_future(buffer.wait())
            waits = {ready} | ({runner} if runner is not None else set())
            try:
                await asyncio.wait(waits, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            finally:
                ready.cancel()

    def _emit(self, item: Item) -> None:
        if isinstance(item, Message) and item.streamer_service in SNAPSHOTS:
            requestid = str(item.fields.get("request_id"))
            waiter = self._pending.get(requestid)
            if waiter is not None:  # the answer of a GET goes to its caller
                if waiter.done():
                    waiter = self._pending[requestid] = asyncio.get_running_loop().create_future()
                waiter.set_result(item)
                return
        name = item.service if isinstance(item, Message) else "status"
        callbacks = self._callbacks.get(name)
        if callbacks:
            for callback in callbacks:
                try:
                    callback(item)
                except Exception:
                    log.exception("A stream callback for %s failed", name)
            if isinstance(item, Message):
                return
        assert self._buffer is not None
        self._buffer.put(item)

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
import json
import logging
import time
from typing import Any, AsyncIterator, Callable, Iterable, Optional, Union

from pyTD.exceptions import (
    AuthorizationError,
    StreamCommandError,
    StreamConnectionLimitError,
    StreamGaveUpError,
    StreamLoginError,
    TDError,
)
from pyTD.streaming import websockets_module
from pyTD.streaming.backoff import Backoff
from pyTD.streaming.buffer import Item, StreamBuffer
from pyTD.streaming.decode import MalformedFrame, decode_frame, messages
from pyTD.streaming.fields import FIELD_MAPS, service_name, streamer_service
from pyTD.streaming.records import Message, Status, status
from pyTD.streaming.schwab import SchwabEnvelope
from pyTD.streaming.services import ServiceMethods
from pyTD.streaming.subscriptions import Subscriptions
from pyTD.streaming.td import TDEnvelope

log = logging.getLogger(__name__)

#: Response codes that mean success (Schwab may send 26-29 for SUBS/UNSUBS/ADD/VIEW).
SUCCESS = frozenset({0, 26, 27, 28, 29})
LOGIN_DENIED, CLOSE_CONNECTION = 3, 12
Callback = Callable[[Union[Message, Status]], Any]


class _Lost(Exception):
    """The connection ended (dropped, closed by the server, or silent too long)."""


class AsyncStream(ServiceMethods):
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
        return streamer_service(self.provider, service)

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
        self.subscriptions.subscribe(name, listed, ids)
        await self._command(name, "SUBS", self.subscriptions.get(name).parameters())  # type: ignore[union-attr]

    async def add(self, service: str, keys: Union[str, Iterable[str]],
                  fields: Optional[Iterable[str]] = None) -> None:
        """ADD: more ``keys`` for a service, keeping the others (and its fields)."""
        name = self._service(service)
        listed = self._keys(keys)
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

    async def next_batch(self, limit: int = 1000) -> list[Item]:
        """Up to ``limit`` queued items, waiting for at least one."""
        assert self._buffer is not None, "start() the stream first"
        buffer = self._buffer
        if not len(buffer):
            if self._fatal is not None:
                raise self._fatal
            if self._closing and self._runner is None:
                raise StopAsyncIteration
            getter = asyncio.ensure_future(buffer.get())
            waits = {getter} | ({self._runner} if self._runner is not None else set())
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                if self._fatal is not None:
                    raise self._fatal
                raise StopAsyncIteration
            first = [getter.result()]
        else:
            first = [buffer.get_nowait()]
        while len(first) < limit and len(buffer):
            first.append(buffer.get_nowait())
        if first and isinstance(first[-1], Status) and first[-1].kind == "closed":
            first.pop()
            if not first:
                raise StopAsyncIteration
        return first

    def _emit(self, item: Item) -> None:
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

    # -- wire ----------------------------------------------------------------------------
    def _next_id(self) -> str:
        self._requestid += 1
        return str(self._requestid)

    @staticmethod
    async def _send(ws: Any, requests: list[dict]) -> None:
        await ws.send(json.dumps({"requests": requests}, separators=(",", ":")))

    async def _command(self, service: str, command: str, parameters: dict) -> None:
        """Send one command and wait for its response; a connection lost meanwhile is left
        to the reconnection (the registry already holds the change)."""
        assert self._connected is not None, "start() the stream first"
        if self._fatal is not None:
            raise self._fatal
        if not self._connected.is_set():
            return  # reconnecting: the restore sends the registry as it is now
        requestid = self._next_id()
        waiter = asyncio.get_running_loop().create_future()
        self._pending[requestid] = waiter
        try:
            await self._send(self._ws, [self._envelope.request(service, command, requestid,
                                                               parameters)])
            content = await asyncio.wait_for(waiter, self.command_timeout)
        except (_Lost, OSError, asyncio.TimeoutError, websockets_module().ConnectionClosed):
            return
        finally:
            self._pending.pop(requestid, None)
        code = content.get("code")
        if code not in SUCCESS:
            raise StreamCommandError(
                f"The streamer refused {command} {service} (code {code}: "
                f"{content.get('msg', '')}). Check the symbols and the service's limits.")

    async def _open(self) -> None:
        """Bootstrap, connect and log in; one refresh and retry when the login is denied."""
        for attempt in (1, 2):
            envelope: Any = await asyncio.to_thread(self._envelope_class.bootstrap, self.api)
            stale = await asyncio.to_thread(self.api.auth.headers)
            ws = await websockets_module().connect(
                envelope.url, open_timeout=self.open_timeout, close_timeout=1.0,
                ping_interval=None, max_queue=None)
            try:
                await self._send(ws, [envelope.login(self._next_id(), self.qos)])
                content = await self._login_answer(ws)
            except BaseException:
                await ws.close()
                raise
            code = content.get("code")
            if code == 0:
                self._ws, self._envelope = ws, envelope
                assert self._connected is not None
                self._connected.set()
                return
            await ws.close()
            if code != LOGIN_DENIED or attempt == 2:
                break
            log.debug("Streamer login denied; refreshing the access token once")
            await asyncio.to_thread(self.api.auth.refresh_after_401, stale)
        raise StreamLoginError(
            f"The {self.api.provider.title} streamer denied the login (code {code}: "
            f"{content.get('msg', '')}) even with a fresh access token. Check that the app "
            "may stream, or authorize again with `pytd auth login`.")

    async def _login_answer(self, ws: Any) -> dict:
        deadline = self.clock() + self.command_timeout
        while True:
            left = deadline - self.clock()
            if left <= 0:
                raise asyncio.TimeoutError
            frame = decode_frame(await asyncio.wait_for(ws.recv(), left))
            for response in frame.responses:
                if response.get("command") == "LOGIN":
                    return dict(response.get("content") or {})
            for notice in frame.notices:
                self._check_notice(notice)

    def _check_notice(self, notice: dict) -> None:
        content = notice.get("content") or {}
        code = content.get("code")
        if code == CLOSE_CONNECTION:
            raise StreamConnectionLimitError(
                "The streamer closed this connection: another one is open for this user "
                "(one stream per user). Close the other stream (another script or "
                f"notebook) and start again. ({content.get('msg', '')})")
        self._emit(status("notice", f"{notice.get('service', '')}: code {code} "
                          f"{content.get('msg', '')}".strip(), code=code,
                          service=notice.get("service")))

    # -- running -------------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            while not self._closing:
                try:
                    await self._read(self._ws)
                except _Lost:
                    pass
                if self._closing:
                    return
                await self._reconnect()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # a give-up: ends iteration with this error
            self._fatal = exc
            if self._ws is not None:
                await self._ws.close()

    async def _read(self, ws: Any) -> None:
        closed = websockets_module().ConnectionClosed
        while True:
            try:
                text = await asyncio.wait_for(ws.recv(), self.heartbeat_timeout)
            except asyncio.TimeoutError:
                log.debug("No frame for %.1f s: the connection is dead", self.heartbeat_timeout)
                raise _Lost from None
            except (closed, OSError):
                raise _Lost from None
            try:
                frame = decode_frame(text)
            except MalformedFrame as exc:
                self.malformed += 1
                self._emit(status("malformed", f"skipped a malformed frame ({exc})"))
                continue
            for response in frame.responses:
                requestid = str(response.get("requestid"))
                content = dict(response.get("content") or {})
                waiter = self._pending.get(requestid)
                if waiter is not None and not waiter.done():
                    waiter.set_result(content)
                elif requestid in self._restoring:
                    self._restore_answered(requestid, content)
            for notice in frame.notices:
                self._check_notice(notice)
            for entry in frame.data:
                for message in messages(self.provider, entry):
                    self._emit(message)

    async def _reconnect(self) -> None:
        assert self._connected is not None
        self._connected.clear()
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(_Lost())
        if self._lost_at is None:
            self._lost_at = self.clock()
        if self._ws is not None:
            await self._ws.close()
        failures = 0
        for delay in self.backoff.delays():
            await asyncio.sleep(delay)
            if self._closing:
                return
            try:
                await self._open()
                await self._restore()
            except (AuthorizationError, StreamConnectionLimitError):
                raise
            except (OSError, asyncio.TimeoutError, _Lost, MalformedFrame, TDError,
                    websockets_module().WebSocketException) as exc:
                failures += 1
                log.debug("Reconnection attempt %d failed: %s", failures, type(exc).__name__)
                self._connected.clear()
                continue
            return
        raise StreamGaveUpError(
            f"The {self.api.provider.title} streamer could not be reached again after "
            f"{failures} attempts. Check the network, then start the stream again.")

    async def _restore(self) -> None:
        """Send every subscription again (SUBS with its keys and fields); the reader
        announces the reconnection when the last of them is answered."""
        requests = [self._envelope.request(service, command, self._next_id(), parameters)
                    for service, command, parameters in self.subscriptions.commands()]
        self._restoring = {request["requestid"] for request in requests}
        for request in requests:
            await self._send(self._ws, [request])
        if not requests:
            self._restored()

    def _restore_answered(self, requestid: str, content: dict) -> None:
        if content.get("code") not in SUCCESS:
            log.warning("The streamer refused a restored subscription: code %s %s",
                        content.get("code"), content.get("msg", ""))
        self._restoring.discard(requestid)
        if not self._restoring:
            self._restored()

    def _restored(self) -> None:
        """Every subscription is back: tell the consumers, before any data that follows."""
        lost_at, self._lost_at = self._lost_at, None
        downtime = self.clock() - (lost_at if lost_at is not None else self.clock())
        self.reconnects += 1
        count = self.subscriptions.key_count
        self._emit(status("reconnected", f"reconnected after {downtime:.1f} s, {count} "
                          f"subscription{'s' if count != 1 else ''} restored",
                          downtime=downtime, restored=count,
                          dropped=self._buffer.total_dropped if self._buffer else 0))

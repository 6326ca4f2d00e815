"""The connection half of the stream client: login, commands, reading, reconnection.

:class:`Connection` is the base of :class:`~pyTD.streaming.client.AsyncStream`;
it owns the socket and the protocol, and hands every decoded item to ``_emit``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable, Optional, Union

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
from pyTD.streaming.records import status
from pyTD.streaming.schwab import SchwabEnvelope
from pyTD.streaming.subscriptions import Subscriptions
from pyTD.streaming.td import TDEnvelope

log = logging.getLogger(__name__)
#: The websockets library logs every frame at DEBUG, LOGIN (and its token) included: its
#: logger here never goes below INFO, whatever level pyTD or the root logger is set to.
WIRE_LOG = logging.getLogger("pyTD.streaming.wire")
WIRE_LOG.setLevel(logging.INFO)

#: Response codes that mean success (Schwab may send 26-29 for SUBS/UNSUBS/ADD/VIEW).
SUCCESS = frozenset({0, 26, 27, 28, 29})
LOGIN_DENIED, CLOSE_CONNECTION = 3, 12


class _Lost(Exception):
    """The connection ended (dropped, closed by the server, or silent too long)."""


class Connection:
    """Socket, login and reconnection state; the attributes are set by the subclass."""

    api: Any
    provider: str
    _envelope_class: Union[type[SchwabEnvelope], type[TDEnvelope]]
    heartbeat_timeout: float
    command_timeout: float
    open_timeout: float
    backoff: Backoff
    qos: Optional[int]
    clock: Callable[[], float]
    subscriptions: Subscriptions
    _buffer: Optional[StreamBuffer]
    _pending: dict[str, asyncio.Future]
    _requestid: int
    _ws: Any
    _envelope: Any
    _connected: Optional[asyncio.Event]
    _fatal: Optional[BaseException]
    _closing: bool
    _restoring: set[str]
    _held: list[Item]
    _lost_at: Optional[float]
    reconnects: int
    malformed: int

    def _emit(self, item: Item) -> None:
        raise NotImplementedError

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
                ping_interval=None, max_queue=None, logger=WIRE_LOG)
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
                    if self._restoring:  # after the reconnected status, in arrival order
                        self._held.append(message)
                    else:
                        self._emit(message)

    async def _reconnect(self) -> None:
        assert self._connected is not None
        self._connected.clear()
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(_Lost())
        if self._lost_at is None:
            self._lost_at = self.clock()
            self._emit(status("disconnected", "the connection was lost; reconnecting"))
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
        """Every subscription is back: tell the consumers, then hand over the data that
        arrived while the other subscriptions were being restored."""
        lost_at, self._lost_at = self._lost_at, None
        downtime = self.clock() - (lost_at if lost_at is not None else self.clock())
        self.reconnects += 1
        count = self.subscriptions.key_count
        self._emit(status("reconnected", f"reconnected after {downtime:.1f} s, {count} "
                          f"subscription{'s' if count != 1 else ''} restored",
                          downtime=downtime, restored=count,
                          dropped=self._buffer.total_dropped if self._buffer else 0))
        held, self._held = self._held, []
        for message in held:
            self._emit(message)

"""The sandbox's streamer: a WebSocket server for TD's or Schwab's streamer protocol.

It runs on its own port of 127.0.0.1 (an asyncio loop on a background thread),
started the first time the user principals (TD) or the user preference (Schwab) are
asked for, whose ``streamerInfo.streamerSocketUrl`` points at it. Logins are checked
against the sandbox's access tokens; ticks come from the sandbox's price models
and clock::

    from pyTD.sandbox.streaming import streamer
    s = streamer(sandbox)          # started on first use, stopped with the sandbox
    s.url                          # "ws://127.0.0.1:PORT/ws"
    s.set_faults(drop=0.02, seed=3)
    s.drop_connections()
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Optional

from pyTD.sandbox.streaming.faults import StreamFaults
from pyTD.sandbox.streaming.session import Closed, Session
from pyTD.sandbox.streaming.wire import Wire
from pyTD.streaming.connection import WIRE_LOG

log = logging.getLogger(__name__)

#: The name of the streamer in ``sandbox.store``.
STORE = "streamer"


class Streamer:
    """The streamer of one sandbox. ``tick_interval``/``heartbeat_interval`` in wall seconds."""

    def __init__(self, sandbox: Any, *, tick_interval: float = 0.5,
                 heartbeat_interval: float = 10.0) -> None:
        import websockets.asyncio.server  # the stream extra

        self._serve = websockets.asyncio.server.serve
        self.sandbox = sandbox
        self.wire = Wire(sandbox.provider.name)
        self.tick_interval = tick_interval
        self.heartbeat_interval = heartbeat_interval
        self.faults = StreamFaults()
        self.sessions: set[Session] = set()
        self._loop = asyncio.new_event_loop()
        self._thread: Optional[threading.Thread] = None
        self._server: Any = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Streamer:
        """Bind and serve from a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                            name="pyTD-sandbox-streamer")
            self._thread.start()

            async def listen() -> Any:
                return await self._serve(self._connection, "127.0.0.1", 0, compression=None,
                                         logger=WIRE_LOG)
            self._server = self._run(listen())
            self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Close every connection and the listening socket; stop the thread."""
        if self._thread is None:
            return
        server, self._server = self._server, None

        async def close() -> None:
            server.close()
            await server.wait_closed()
        self._run(close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None
        self._loop.close()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:PORT/ws``."""
        return f"ws://127.0.0.1:{self.port}/ws"

    # -- faults --------------------------------------------------------------------------
    def set_faults(self, *, drop: float = 0.0, stall: float = 0.0, malformed: float = 0.0,
                   refuse_login: float = 0.0, stall_seconds: float = 60.0,
                   seed: Optional[int] = None) -> None:
        """Faults per frame sent and per LOGIN (see :mod:`pyTD.sandbox.streaming.faults`)."""
        faults = StreamFaults(drop, stall, malformed, refuse_login, stall_seconds,
                              self.sandbox.seed if seed is None else seed)
        self._loop.call_soon_threadsafe(setattr, self, "faults", faults)

    def clear_faults(self) -> None:
        """No more faults."""
        self.set_faults()

    def drop_connections(self) -> int:
        """Cut every open connection now (no close frame), as a network failure does."""
        async def drop() -> int:
            sessions = list(self.sessions)
            for session in sessions:
                session.ws.transport.abort()
            return len(sessions)
        dropped: int = self._run(drop())
        self.sandbox.count("streamer", "drops", dropped)
        return dropped

    def stall_connections(self, seconds: float) -> int:
        """Make every open connection silent (no data, no heartbeats) for ``seconds``."""
        async def stall() -> int:
            for session in self.sessions:
                session.stall(seconds)
            return len(self.sessions)
        stalled: int = self._run(stall())
        return stalled

    def refuse_logins(self, count: int = 1) -> None:
        """Refuse the next ``count`` LOGINs with code 3, whatever their token."""
        def refuse() -> None:
            self.faults.refuse_next += count
        self._loop.call_soon_threadsafe(refuse)

    def sessions_of(self) -> list[dict[str, Any]]:
        """The subscriptions of each open, logged-in connection (a copy)."""
        async def copy() -> list[dict[str, Any]]:
            return [{service: {"keys": list(sub["keys"]), "fields": sub["fields"]}
                     for service, sub in session.subs.items()}
                    for session in self.sessions if session.owner is not None]
        subscriptions: list[dict[str, Any]] = self._run(copy())
        return subscriptions

    # -- serving -------------------------------------------------------------------------
    async def logged_in(self, session: Session) -> None:
        """One streamer per user: an older session of the same app gets code 12."""
        for other in list(self.sessions):
            if other is not session and other.owner == session.owner:
                self.sessions.discard(other)
                await other.kicked()

    async def _connection(self, ws: Any) -> None:
        if ws.request.path != "/ws":
            await ws.close(1008, "the streamer lives at /ws")
            return
        session = Session(self, ws)
        self.sessions.add(session)
        pump = asyncio.ensure_future(self._pump(session))
        try:
            async for text in ws:
                await session.handle(text)
        except Closed:
            pass
        except Exception as exc:
            log.debug("Streamer connection ended: %s", type(exc).__name__)
        finally:
            pump.cancel()
            self.sessions.discard(session)
            await ws.close()

    async def _pump(self, session: Session) -> None:
        """Ticks every ``tick_interval`` and heartbeats every ``heartbeat_interval``."""
        loop = asyncio.get_running_loop()
        next_beat = loop.time() + self.heartbeat_interval
        try:
            while True:
                await asyncio.sleep(self.tick_interval)
                if session.owner is None:
                    continue
                await session.tick()
                if loop.time() >= next_beat:
                    next_beat = loop.time() + self.heartbeat_interval
                    await session.heartbeat()
        except Closed:
            pass
        except Exception as exc:
            log.debug("Streamer pump ended: %s", type(exc).__name__)


def streamer(sandbox: Any, **options: Any) -> Streamer:
    """The sandbox's streamer, started on first use (with ``options``, e.g.
    ``heartbeat_interval=0.2``; they are ignored once it runs)."""
    running: Streamer = sandbox.store(STORE, lambda: Streamer(sandbox, **options).start())
    return running

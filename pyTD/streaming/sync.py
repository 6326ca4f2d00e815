"""The stream for scripts and notebooks: blocking calls, ``for msg in s``, ``async for`` too.

The asyncio client runs on a background thread of its own; every method here
waits for it. ``api.stream()`` returns one of these::

    with api.stream() as s:
        s.subscribe_quotes(["AAPL", "MSFT"], fields=["bid", "ask", "last", "volume"])
        s.subscribe_chart("AAPL")
        for msg in s:
            print(msg.service, msg.key, msg.fields)

From asyncio code, ``async for msg in s`` waits without blocking the caller's loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import deque
from typing import Any, AsyncIterator, Coroutine, Iterable, Iterator, Optional, TypeVar

from pyTD.streaming.buffer import Item
from pyTD.streaming.client import AsyncStream, Callback
from pyTD.streaming.nested import Candle
from pyTD.streaming.services import Fields, Keys, ServiceMethods

T = TypeVar("T")


class Stream(ServiceMethods):
    """A blocking facade over :class:`~pyTD.streaming.client.AsyncStream` (same keywords).

    ``start()`` connects (``with`` does it for you); ``close()`` stops the thread.
    """

    def __init__(self, api: Any, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="pyTD-stream")
        self._thread.start()
        self.client: AsyncStream = self._call(_build(api, options))
        self._batch: deque[Item] = deque()
        self._started = False

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def start(self) -> Stream:
        """Connect and log in."""
        if not self._started:
            self._call(self.client.start())
            self._started = True
        return self

    def close(self) -> None:
        """Log out, close the connection and stop the background thread."""
        if self._loop.is_closed():
            return
        if self._started:
            self._call(self.client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> Stream:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # -- commands ------------------------------------------------------------------------
    def subscribe(self, service: str, keys: Keys, fields: Fields = None) -> None:
        """SUBS (see :meth:`AsyncStream.subscribe`); starts the stream when needed."""
        self.start()
        self._call(self.client.subscribe(service, keys, fields))

    def add(self, service: str, keys: Keys, fields: Fields = None) -> None:
        """ADD (see :meth:`AsyncStream.add`)."""
        self.start()
        self._call(self.client.add(service, keys, fields))

    def unsubscribe(self, service: str, keys: Optional[Keys] = None) -> None:
        """UNSUBS (see :meth:`AsyncStream.unsubscribe`)."""
        self._call(self.client.unsubscribe(service, keys))

    def view(self, service: str, fields: Iterable[str]) -> None:
        """VIEW (see :meth:`AsyncStream.view`)."""
        self._call(self.client.view(service, fields))

    def get_chart_history_futures(self, symbol: str, frequency: str = "m1",
                                  period: Optional[str] = None,
                                  start: Optional[dt.datetime] = None,
                                  end: Optional[dt.datetime] = None) -> list[Candle]:
        """TD's futures bars (see :meth:`AsyncStream.get_chart_history_futures`).

        >>> s.get_chart_history_futures("/ES", period="d1")[-1].close  # doctest: +SKIP
        4531.25
        """
        self.start()
        return self._call(self.client.get_chart_history_futures(symbol, frequency, period,
                                                                start, end))

    def on(self, service: str, callback: Callback) -> None:
        """Per-service callback (runs on the stream's thread; see :meth:`AsyncStream.on`)."""
        self._loop.call_soon_threadsafe(self.client.on, service, callback)

    def _activity_key(self) -> str:
        self.start()
        return str(self.client._envelope.activity_key)

    @property
    def dropped(self) -> dict[str, int]:
        """Messages dropped for a slow consumer, by service."""
        return self.client.dropped

    # -- consumption ---------------------------------------------------------------------
    def next(self, timeout: Optional[float] = None) -> Item:
        """The next message or status (``TimeoutError`` after ``timeout`` seconds; the
        timeout is kept by the stream's loop, so no message is lost to it)."""
        if not self._batch:
            self._batch.extend(self._call(self.client.next_batch(timeout=timeout)))
        return self._batch.popleft()

    def __iter__(self) -> Iterator[Item]:
        self.start()
        while True:
            try:
                yield self.next()
            except StopAsyncIteration:
                return

    def __aiter__(self) -> AsyncIterator[Item]:
        return self._async_items()

    async def _async_items(self) -> AsyncIterator[Item]:
        while True:
            if not self._batch:
                future = asyncio.run_coroutine_threadsafe(self.client.next_batch(), self._loop)
                try:
                    batch: list[Item] = await asyncio.wrap_future(future)
                    self._batch.extend(batch)
                except StopAsyncIteration:
                    return
            yield self._batch.popleft()


async def _build(api: Any, options: dict) -> AsyncStream:
    return AsyncStream(api, **options)

"""Streaming: live quotes, charts, books and account activity over the streamer WebSocket.

Needs the ``stream`` extra (``pip install "pytd-ameritrade[stream]"``); it is
imported on first use only::

    s = api.stream()
    s.subscribe_quotes(["AAPL", "MSFT"], fields=["bid", "ask", "last", "volume"])
    for msg in s:
        print(msg.key, msg.fields)
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pyTD.exceptions import ConfigurationError

__all__ = ["AsyncStream", "Backoff", "Message", "Status", "Stream", "messages_frame"]


@cache
def websockets_module() -> Any:
    """The ``websockets`` package, or a ``ConfigurationError`` that says how to install it."""
    try:
        import websockets
        import websockets.asyncio.client
    except ImportError as exc:
        raise ConfigurationError('Streaming needs the websockets package: '
                                 'pip install "pytd-ameritrade[stream]"') from exc
    return _Websockets(websockets)


class _Websockets:
    """The parts of ``websockets`` the client uses."""

    def __init__(self, module: Any) -> None:
        self.connect = module.asyncio.client.connect
        self.ConnectionClosed = module.ConnectionClosed
        self.WebSocketException = module.WebSocketException


def __getattr__(name: str) -> Any:
    if name in ("AsyncStream",):
        from pyTD.streaming.client import AsyncStream
        return AsyncStream
    if name == "Stream":
        from pyTD.streaming.sync import Stream
        return Stream
    if name == "Backoff":
        from pyTD.streaming.backoff import Backoff
        return Backoff
    if name in ("Message", "Status"):
        from pyTD.streaming import records
        return getattr(records, name)
    if name == "messages_frame":
        from pyTD.streaming.frame import messages_frame
        return messages_frame
    raise AttributeError(f"module 'pyTD.streaming' has no attribute {name!r}")

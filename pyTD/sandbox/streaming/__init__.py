"""The sandbox's streamer (TD and Schwab protocols) over the sandbox's models; needs the
``stream`` extra. :func:`streamer` returns a sandbox's streamer, started on first use."""

from __future__ import annotations

from typing import Any

__all__ = ["streamer"]


def streamer(sandbox: Any, **options: Any) -> Any:
    """The :class:`~pyTD.sandbox.streaming.server.Streamer` of ``sandbox``, started on first use
    (``options``: ``tick_interval``, ``heartbeat_interval`` in seconds).

    >>> streamer(sandbox).url                          # doctest: +SKIP
    'ws://127.0.0.1:53122/ws'
    """
    from pyTD.sandbox.streaming.server import streamer as running

    return running(sandbox, **options)


def socket_url(sandbox: Any, default: str) -> str:
    """``streamerInfo.streamerSocketUrl`` for the sandbox: its streamer's URL, or ``default``
    (the provider's) when the ``stream`` extra is not installed."""
    try:
        import websockets  # noqa: F401 - only checking that the extra is there
    except ImportError:
        return default
    return str(streamer(sandbox).url)


def remember_td_token(sandbox: Any, streamer_token: str, access_token: str) -> None:
    """Let the TD streamer accept ``streamer_token`` while ``access_token`` is valid."""
    from pyTD.sandbox.streaming.wire import td_streamer_tokens

    with sandbox.lock:
        td_streamer_tokens(sandbox)[streamer_token] = access_token

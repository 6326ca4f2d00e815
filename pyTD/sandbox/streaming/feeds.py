"""What one streamer session sends for books, time and sales and screeners.

Books and screeners are "Whole" services: the whole item, each tick it changed. Time
and sales is "All Sequence": every trade since the last message of the key (one per
minute when the clock jumped, the last :data:`CATCH_UP` minutes at most), each with a
``seq``. ``TIMESALE_OPTIONS`` is accepted and sends nothing, as on TD.
"""

from __future__ import annotations

from typing import Any

from pyTD.sandbox.streaming import books, screeners, ticks

BOOKS = frozenset({"LISTED_BOOK", "NASDAQ_BOOK", "NYSE_BOOK", "OPTIONS_BOOK"})
TIMESALES = frozenset({"TIMESALE_EQUITY", "TIMESALE_FUTURES", "TIMESALE_FOREX"})
SCREENERS = frozenset(screeners.PREFIXES)
#: Every service served here (``TIMESALE_OPTIONS`` too: it never sends data).
SERVICES = BOOKS | TIMESALES | SCREENERS | {"TIMESALE_OPTIONS"}
#: Minutes of trades sent at most when the clock jumped since the last message.
CATCH_UP = 60


class Feeds:
    """The state of one session's Whole and time-and-sales subscriptions."""

    def __init__(self, sandbox: Any, wire: Any) -> None:
        self.sandbox, self.wire = sandbox, wire
        self._whole: dict[tuple[str, str], dict[str, Any]] = {}
        self._last_trade: dict[tuple[str, str], int] = {}
        self._seq = 0

    def forget(self, service: str, keys: Any = None, *, trades: bool = True) -> None:
        """Send ``keys`` (all of the service's for None) afresh: after UNSUBS, or after VIEW
        with ``trades=False`` (whole items again; trades already sent are not repeated)."""
        for state in (self._whole, self._last_trade) if trades else (self._whole,):
            for known in [k for k in state if k[0] == service and (keys is None or k[1] in keys)]:
                del state[known]

    def items(self, service: str, key: str, ids: tuple[int, ...], now: float) -> list[dict]:
        """The ``content`` items of ``key`` to send now (none when nothing is new)."""
        seed = self.sandbox.seed
        if service in SCREENERS:
            values = screeners.screener(seed, service, key, now)
            return self._if_changed(service, key, values, ids)
        symbol = self.wire.model_symbol(key)
        if not symbol or not self.sandbox.universe.knows(symbol):
            return []
        if service in BOOKS:
            level_one = ticks.level_one(seed, symbol, now, lots=False)
            values = books.book(seed, symbol, level_one) if level_one else None
            return self._if_changed(service, key, values, ids)
        if service in TIMESALES:
            return self._trades(service, key, symbol, ids, now)
        return []

    def _if_changed(self, service: str, key: str, values: Any, ids: tuple[int, ...]) -> list:
        if values is None:
            return []
        item = self.wire.item(service, key, values, ids)
        if self._whole.get((service, key)) == item:
            return []
        self._whole[(service, key)] = item
        return [item]

    def _trades(self, service: str, key: str, symbol: str, ids: tuple[int, ...],
                now: float) -> list[dict]:
        seed, last = self.sandbox.seed, self._last_trade.get((service, key))
        moments = [now]
        if last is not None:  # the end of each minute since the last trade sent
            start = max(last // 60_000 * 60, int(now) // 60 * 60 - 60 * CATCH_UP)
            moments = [m + 59.999 for m in range(start, int(now) // 60 * 60, 60)] + moments
        trades: dict[int, dict[str, Any]] = {}
        for moment in moments:
            values = ticks.level_one(seed, symbol, moment, lots=False)
            found = books.trade(values) if values else None
            if found is not None and (last is None or found["trade_time"] > last):
                trades[found["trade_time"]] = found
        items = []
        for when in sorted(trades):
            self._seq += 1
            items.append(dict(self.wire.item(service, key, trades[when], ids), seq=self._seq))
            self._last_trade[(service, key)] = when
        return items

"""The nested parts of streamed items as typed records: book levels, screener items, candles.

A book side (``msg["bids"]``, ``msg["asks"]``) is a list of :class:`BookLevel`, best
first; a screener's ``msg["items"]`` a list of :class:`ScreenerItem`::

    >>> from pyTD.streaming.nested import book_side
    >>> level = book_side([{"0": 13.12, "1": 31600, "2": 1,
    ...                     "3": [{"0": "NYSE", "1": 31600, "2": 49786299}]}])[0]
    >>> level.price, level.size, level.market_makers[0].id, level.market_makers[0].quote_time
    (13.12, 31600, 'NYSE', datetime.time(13, 49, 46, 299000))
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Union

_UTC = dt.timezone.utc
_DAY_MS = 86_400_000


def _number(kind: type, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return value
    try:
        return kind(float(value)) if kind is int else kind(value)
    except ValueError:
        return value


def quote_time(value: Any) -> Union[dt.time, dt.datetime, Any]:
    """A market maker's quote time: milliseconds since Eastern midnight become a ``time``
    (Eastern); a larger number is taken as epoch milliseconds (an aware UTC datetime)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return value
    if value >= _DAY_MS:
        return dt.datetime.fromtimestamp(value / 1000, _UTC)
    ms = int(value)
    return dt.time(ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000 * 1000)


def epoch_time(value: Any) -> Any:
    """Epoch milliseconds as an aware UTC datetime (anything else kept)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return value
    return dt.datetime.fromtimestamp(value / 1000, _UTC)


@dataclass(frozen=True)
class MarketMaker:
    """One participant at a price level: its ``id`` (``NSDQ``, ``edgx``...), ``size``
    (shares) and ``quote_time`` (TD calls this field a sequence; see :func:`quote_time`)."""

    id: str
    size: int
    quote_time: Any


@dataclass(frozen=True)
class BookLevel:
    """One price level of a book side: ``price``, aggregate ``size`` (shares), the
    ``market_maker_count`` and the :class:`MarketMaker` entries."""

    price: float
    size: int
    market_maker_count: int
    market_makers: tuple[MarketMaker, ...]


@dataclass(frozen=True)
class ScreenerItem:
    """One row of a screener, as sent (``net_percent_change`` is a fraction: 0.0318 = 3.18 %)."""

    symbol: str
    description: str
    last_price: float
    net_change: float
    net_percent_change: float
    market_share: float
    total_volume: int
    volume: int
    trades: int


@dataclass(frozen=True)
class Candle:
    """One bar of a ``CHART_HISTORY_FUTURES`` answer."""

    time: Any
    open: float
    high: float
    low: float
    close: float
    volume: float


def _items(value: Any) -> list:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def book_side(value: Any) -> Any:
    """The price levels of one side, as :class:`BookLevel` records (a non-list is kept)."""
    if not isinstance(value, list):
        return value
    return [BookLevel(_number(float, level.get("0")), _number(int, level.get("1")),
                      _number(int, level.get("2")),
                      tuple(MarketMaker(str(m.get("0", "")), _number(int, m.get("1")),
                                        quote_time(m.get("2")))
                            for m in _items(level.get("3"))))
            for level in _items(value)]


def screener_items(value: Any) -> Any:
    """A screener's rows as :class:`ScreenerItem` records (a non-list is kept)."""
    if not isinstance(value, list):
        return value
    return [ScreenerItem(str(i.get("symbol", "")), str(i.get("description", "")),
                         _number(float, i.get("lastPrice")), _number(float, i.get("netChange")),
                         _number(float, i.get("netPercentChange")),
                         _number(float, i.get("marketShare")),
                         _number(int, i.get("totalVolume")), _number(int, i.get("volume")),
                         _number(int, i.get("trades")))
            for i in _items(value)]


def candles(value: Any) -> Any:
    """Chart-history bars (``{"0": time, "1": open, ... "5": volume}``) as :class:`Candle`."""
    if not isinstance(value, list):
        return value
    return [Candle(epoch_time(c.get("0")), *(_number(float, c.get(str(i))) for i in range(1, 6)))
            for c in _items(value)]

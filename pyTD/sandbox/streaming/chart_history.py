"""TD's ``CHART_HISTORY_FUTURES``: one ``GET`` answered with one ``snapshot`` frame.

The bars are those of the price model, as the streamed one-minute bars and the REST
price history: minute bars over whole trading days (futures trade around the
clock), day bars merged by week or month. ``parameters``: ``symbol``, ``frequency``
(``m1 m5 m10 m30 h1 d1 w1 n1``) and either ``period`` (``d5``, ``w4``, ``n10``,
``y1``: days, weeks, months, years back from now) or ``START_TIME`` and ``END_TIME``
(epoch ms)::

    >>> candles_item(0, "/ES", {"symbol": "/ES", "frequency": "x"}, "2", 1.8e9)
    Traceback (most recent call last):
    ...
    ValueError: frequency 'x' is not one of m1, m5, m10, m30, h1, d1, w1, n1
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

from pyTD.sandbox.data.calendar import DAY, local_date, trading_days
from pyTD.sandbox.data.prices import Bar, digits, minute_bars
from pyTD.sandbox.market.history import (
    _OTHER_MINUTE_DEPTH,
    MINUTE_DEPTH_DAYS,
    _day_candles,
    _months_before,
)

FREQUENCIES: dict[str, Any] = {"m1": 1, "m5": 5, "m10": 10, "m30": 30, "h1": 60,
                               "d1": "daily", "w1": "weekly", "n1": "monthly"}
_PERIOD = re.compile(r"(?P<unit>[dwny])(?P<count>[1-9][0-9]?)\Z")
#: Candles per answer at most (a bigger answer would not fit a client's frame limit).
MAX_CANDLES = 10_000


def _parameter(parameters: dict, name: str) -> Optional[str]:
    value = parameters.get(name, parameters.get(name.lower()))
    return None if value is None or value == "" else str(value)


def _span(parameters: dict, now: float) -> tuple[int, int]:
    """``(start, end)`` in epoch seconds from ``period`` or ``START_TIME``/``END_TIME``."""
    start, end, period = (_parameter(parameters, n) for n in ("START_TIME", "END_TIME",
                                                               "period"))
    if start is not None and end is not None:
        if not (start.isdigit() and end.isdigit()) or int(start) >= int(end):
            raise ValueError("START_TIME and END_TIME are epoch milliseconds, START_TIME "
                             "before END_TIME")
        return int(start) // 1000, min(int(end) // 1000, int(now))
    match = _PERIOD.match(period or "")
    if match is None:
        raise ValueError("give a period (d5, w4, n10, y1: days, weeks, months, years) or "
                         "START_TIME and END_TIME in epoch milliseconds")
    count, today = int(match["count"]), local_date(now)
    days = {"d": count, "w": 7 * count}.get(match["unit"])
    first = today - dt.timedelta(days=days) if days is not None else \
        _months_before(today, count if match["unit"] == "n" else 12 * count)
    return int(now) - (today - first).days * DAY, int(now)


def _bars(seed: int, symbol: str, frequency: Any, start: int, end: int, now: float) -> list:
    first, last = local_date(start), local_date(max(start, end - 1))
    if isinstance(frequency, str):
        bars: list[Bar] = _day_candles(seed, symbol, first, last, frequency)
        return [b for b in bars if start <= b.time < end]
    depth = MINUTE_DEPTH_DAYS.get(frequency, _OTHER_MINUTE_DEPTH)
    first = max(first, local_date(now) - dt.timedelta(days=depth))
    return [bar for day in trading_days(first, last)
            for bar in minute_bars(seed, symbol, day, 0, 1440, frequency)
            if start <= bar.time and bar.time + 60 * frequency <= end]


def candles_item(seed: int, symbol: str, parameters: dict, requestid: str, now: float,
                 known: bool = True) -> dict[str, Any]:
    """The ``content`` item answering a GET: ``"0"`` request id, ``"1"`` 0 (no error),
    ``"2"`` candle count, ``"3"`` candles (none for a symbol not ``known``); a
    ``ValueError`` says what was wrong."""
    if not symbol:
        raise ValueError("symbol is required (a futures symbol such as /ES)")
    name = _parameter(parameters, "frequency") or "m1"
    if name not in FREQUENCIES:
        raise ValueError(f"frequency {name!r} is not one of " + ", ".join(FREQUENCIES))
    start, end = _span(parameters, now)
    bars = _bars(seed, symbol, FREQUENCIES[name], start, end, now) if known else []
    if len(bars) > MAX_CANDLES:
        raise ValueError(f"{len(bars)} candles is more than {MAX_CANDLES}: ask for a shorter "
                         "period or a coarser frequency")
    places = digits(seed, symbol) if bars else 2
    candles = [{"0": b.time * 1000, "1": round(b.open, places), "2": round(b.high, places),
                "3": round(b.low, places), "4": round(b.close, places), "5": float(b.volume)}
               for b in bars]
    return {"0": requestid, "1": 0, "2": len(candles), "3": candles, "key": symbol}

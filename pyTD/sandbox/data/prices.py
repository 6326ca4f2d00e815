"""Seeded random-walk prices: a pure function of ``(seed, symbol, time)``.

The log price wanders on three nested grids, so any instant can be evaluated
without replaying history: a daily level (smooth noise at several scales plus a
daily shock), a Brownian bridge through 48 half-hour knots between two daily
levels, and a Brownian bridge through the 30 minutes of each half hour. Values
are constant within a minute, half-hour knots are shared by both grids, so
minute, daily and quote data agree where they meet.

A symbol that tracks an index (:data:`~pyTD.sandbox.data.universe.TRACKS`: SPY,
``/ES``, ...) draws its path from the index's, around its own price level: its
log price is the index's plus a constant, so both move together, minute by minute.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

from pyTD.sandbox.data import seeded, universe
from pyTD.sandbox.data.calendar import (
    CLOSE,
    OPEN,
    POST_CLOSE,
    PRE_OPEN,
    day_number,
    is_trading_day,
    local_date,
    local_epoch,
    minute_of_day,
    previous_trading_day,
)

_SCALES = ((400, 0.30), (60, 0.10), (10, 0.04), (1, 0.012))


@lru_cache(maxsize=65536)
def _knot(seed: int, symbol: str, scale: int, index: int) -> float:
    return 2.0 * seeded.unit(seed, "knot", symbol, scale, index) - 1.0


@lru_cache(maxsize=4096)
def volatility(seed: int, symbol: str) -> float:
    """A per-symbol volatility factor (forex and indices move less; trackers as their index)."""
    symbol = universe.leader(symbol)
    factor = 0.6 + 0.8 * seeded.unit(seed, "vol", symbol)
    kind = universe.asset_type(symbol)
    if kind == "FOREX":
        return factor * 0.3
    if kind == "INDEX":
        return factor * 0.6
    return factor


@lru_cache(maxsize=65536)
def level(seed: int, symbol: str, day: int) -> float:
    """Log price at Eastern midnight of day number ``day``."""
    source, total = universe.leader(symbol), 0.0
    for scale, amplitude in _SCALES:
        i, frac = divmod(day, scale)
        a, b = _knot(seed, source, scale, i), _knot(seed, source, scale, i + 1)
        total += amplitude * (a + (b - a) * frac / scale)
    return math.log(universe.base_price(seed, symbol)) + volatility(seed, symbol) * total


def _bridge(rand, start: float, end: float, steps: int, sigma: float) -> tuple:
    walk = [0.0]
    for _ in range(steps):
        walk.append(walk[-1] + rand.gauss(0.0, sigma))
    drift = walk[-1]
    return tuple(start + (end - start) * k / steps + walk[k] - drift * k / steps
                 for k in range(steps + 1))


@lru_cache(maxsize=8192)
def _half_hours(seed: int, symbol: str, day: int) -> tuple:
    """49 log prices at each half hour of day ``day`` (both midnights included)."""
    rand = seeded.rng(seed, "day", universe.leader(symbol), day)
    sigma = 0.002 * volatility(seed, symbol)
    return _bridge(rand, level(seed, symbol, day), level(seed, symbol, day + 1), 48, sigma)


@lru_cache(maxsize=32768)
def _minutes(seed: int, symbol: str, day: int, half_hour: int) -> tuple:
    knots = _half_hours(seed, symbol, day)
    rand = seeded.rng(seed, "half", universe.leader(symbol), day, half_hour)
    sigma = 0.002 * volatility(seed, symbol) / math.sqrt(30)
    return _bridge(rand, knots[half_hour], knots[half_hour + 1], 30, sigma)


def log_price(seed: int, symbol: str, day: int, minute: int) -> float:
    """Log price ``minute`` minutes after Eastern midnight of day number ``day``."""
    if minute >= 1440:
        return log_price(seed, symbol, day + 1, minute - 1440)
    half, rest = divmod(minute, 30)
    return _minutes(seed, symbol, day, half)[rest]


def price_at(seed: int, symbol: str, epoch: float) -> float:
    """The price at ``epoch`` seconds (constant within each minute)."""
    return math.exp(log_price(seed, symbol, day_number(local_date(epoch)), minute_of_day(epoch)))


def digits(seed: int, symbol: str) -> int:
    """Decimal places prices of ``symbol`` are quoted with."""
    if universe.asset_type(symbol) == "FOREX":
        return 4
    return 4 if universe.base_price(seed, symbol) < 1 else 2


@dataclass
class Bar:
    """One OHLCV bar; ``time`` in epoch seconds."""

    time: int
    open: float
    high: float
    low: float
    close: float
    volume: int

    def candle(self, places: int) -> dict:
        """The bar as a TD ``Candle``."""
        return {"open": round(self.open, places), "high": round(self.high, places),
                "low": round(self.low, places), "close": round(self.close, places),
                "volume": self.volume, "datetime": self.time * 1000}


def _wick(seed: int, symbol: str, *key: object) -> float:
    return 1.0 + 0.002 * seeded.unit(seed, "wick", universe.leader(symbol), *key)


def daily_volume(seed: int, symbol: str) -> int:
    """Typical shares traded per regular session."""
    return int(2e5 * 500 ** seeded.unit(seed, "volume", symbol))


@lru_cache(maxsize=16384)
def day_bar(seed: int, symbol: str, day: dt.date) -> Bar:
    """The regular-session bar of ``day``, stamped at midnight US/Central as TD did."""
    n = day_number(day)
    knots = [math.exp(v) for v in _half_hours(seed, symbol, n)[OPEN // 30: CLOSE // 30 + 1]]
    volume = int(daily_volume(seed, symbol) * (0.5 + seeded.unit(seed, "dayvol", symbol, n)))
    return Bar(local_epoch(day, 60), knots[0], max(knots) * _wick(seed, symbol, n, "h"),
               min(knots) / _wick(seed, symbol, n, "l"), knots[-1], volume)


def minute_bars(seed: int, symbol: str, day: dt.date, first: int, last: int,
                frequency: int) -> list[Bar]:
    """Bars of ``frequency`` minutes from minute ``first`` to ``last`` (exclusive) of ``day``."""
    n, bars = day_number(day), []
    per_minute = daily_volume(seed, symbol) / (CLOSE - OPEN)
    for start in range(first, last, frequency):
        end = min(start + frequency, last)
        path = [math.exp(log_price(seed, symbol, n, m)) for m in range(start, end + 1)]
        volume = int(per_minute * (end - start) * 2 * seeded.unit(seed, "mvol", symbol, n, start))
        if not OPEN <= start < CLOSE:
            volume //= 20
        bars.append(Bar(local_epoch(day, start), path[0],
                        max(path) * _wick(seed, symbol, n, start, "h") ** 0.25,
                        min(path) / _wick(seed, symbol, n, start, "l") ** 0.25,
                        path[-1], volume))
    return bars


def merge(bars: list[Bar]) -> Bar:
    """Several consecutive bars as one (stamped with the first)."""
    return Bar(bars[0].time, bars[0].open, max(b.high for b in bars), min(b.low for b in bars),
               bars[-1].close, sum(b.volume for b in bars))


@dataclass
class Snapshot:
    """What a quote needs: last trade, today's bar so far, previous close, 52-week range."""

    time: int
    last: float
    open: float
    high: float
    low: float
    close: float
    regular_last: float
    volume: int
    high52: float
    low52: float


def _last_time(symbol: str, now: float) -> tuple[dt.date, int]:
    """The session day and the epoch second of the latest trade at ``now``."""
    minute_now = int(now) // 60 * 60
    if universe.asset_type(symbol) in ("FOREX", "FUTURE"):
        return local_date(now), minute_now
    today = local_date(now)
    if is_trading_day(today) and minute_of_day(now) >= PRE_OPEN:
        return today, min(minute_now, local_epoch(today, POST_CLOSE - 1))
    day = previous_trading_day(today)
    return day, local_epoch(day, POST_CLOSE - 1)


def snapshot(seed: int, symbol: str, now: float) -> Snapshot:
    """Quote data of ``symbol`` at ``now`` (epoch seconds)."""
    day, when = _last_time(symbol, now)
    last = price_at(seed, symbol, when)
    open_at, close_at = local_epoch(day, OPEN), local_epoch(day, CLOSE)
    if universe.asset_type(symbol) in ("FOREX", "FUTURE"):
        open_at = local_epoch(day, 0)
    prev = day_bar(seed, symbol, previous_trading_day(day))
    if when < open_at:
        opened, points, regular = last, [last], prev.close
    else:
        opened = price_at(seed, symbol, open_at)
        n = day_number(day)
        knots = _half_hours(seed, symbol, n)[(open_at - local_epoch(day, 0)) // 1800:
                                             minute_of_day(when) // 30 + 1]
        points = [opened, last, *map(math.exp, knots)]
        regular = price_at(seed, symbol, min(when, close_at - 60))
    elapsed = max(0.0, min(1.0, (when - open_at) / (close_at - open_at)))
    volume = int(daily_volume(seed, symbol) * elapsed
                 * (0.5 + seeded.unit(seed, "qv", symbol, day)))
    n = day_number(day)
    weekly = [math.exp(level(seed, symbol, n - 7 * k)) for k in range(1, 53)]
    high, low = max(points), min(points)
    return Snapshot(when, last, opened, high, low, prev.close, regular, volume,
                    max(high, *weekly) * 1.01, min(low, *weekly) * 0.99)


"""Price history: ``GET /marketdata/{symbol}/pricehistory`` with TD's parameter matrix."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from pyTD.sandbox.data.calendar import (
    CLOSE,
    DAY,
    OPEN,
    POST_CLOSE,
    PRE_OPEN,
    is_trading_day,
    local_date,
    local_epoch,
    previous_trading_day,
    trading_days,
)
from pyTD.sandbox.data.prices import Bar, day_bar, digits, merge, minute_bars
from pyTD.sandbox.routing import (
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    bool_arg,
    int_arg,
    json_response,
)

#: periodType -> (allowed periods, default period, allowed frequencyTypes, default one).
PERIODS = {
    "day": ((1, 2, 3, 4, 5, 10), 10, ("minute",), "minute"),
    "month": ((1, 2, 3, 6), 1, ("daily", "weekly"), "weekly"),
    "year": ((1, 2, 3, 5, 10, 15, 20), 1, ("daily", "weekly", "monthly"), "monthly"),
    "ytd": ((1,), 1, ("daily", "weekly"), "weekly"),
}
#: frequencyType -> allowed frequencies (the first is the default).
FREQUENCIES = {"minute": (1, 5, 10, 15, 30), "daily": (1,), "weekly": (1,), "monthly": (1,)}
#: How far back minute data reaches (1-minute bars ~48 days, coarser ~9 months).
MINUTE_DEPTH_DAYS = {1: 48}
_OTHER_MINUTE_DEPTH = 270


def _choice(req: SandboxRequest, name: str, allowed: tuple, default, context: str = ""):
    value = req.arg(name)
    if value is None or value == "":
        return default
    if isinstance(allowed[0], int):
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None and number == int(number) and int(number) in allowed:
            return int(number)
    elif value in allowed:
        return value
    raise BadRequest(f"Invalid {name} '{value}'{context}: allowed values are "
                     + ", ".join(map(str, allowed)))


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    while True:
        try:
            return dt.date(year, month, day.day)
        except ValueError:
            day = day - dt.timedelta(days=1)


def _start_of_period(end: dt.date, period_type: str, period: int) -> dt.date:
    if period_type == "day":
        days = trading_days(end - dt.timedelta(days=3 * period + 10), end)
        return days[-period] if len(days) >= period else end
    if period_type == "month":
        return _months_before(end, period) + dt.timedelta(days=1)
    if period_type == "year":
        return _months_before(end, 12 * period) + dt.timedelta(days=1)
    return dt.date(end.year, 1, 1)


def _minute_candles(seed: int, symbol: str, first: dt.date, last: dt.date, start: int,
                    end: int, frequency: int, extended: bool) -> list[Bar]:
    session = (PRE_OPEN, POST_CLOSE) if extended else (OPEN, CLOSE)
    bars = []
    for day in trading_days(first, last):
        for bar in minute_bars(seed, symbol, day, session[0], session[1], frequency):
            if start <= bar.time and bar.time + 60 * frequency <= end:
                bars.append(bar)
    return bars


def _day_candles(seed: int, symbol: str, first: dt.date, last: dt.date,
                 frequency_type: str) -> list[Bar]:
    groups: dict[tuple, list[Bar]] = {}
    for day in trading_days(first, last):
        key = {"daily": (day,), "weekly": day.isocalendar()[:2],
               "monthly": (day.year, day.month)}[frequency_type]
        groups.setdefault(key, []).append(day_bar(seed, symbol, day))
    return [merge(bars) for bars in groups.values()]


def _epoch_ms(req: SandboxRequest, name: str) -> Optional[int]:
    value = int_arg(req, name, minimum=0)
    return None if value is None else value // 1000


def get_price_history(sandbox: SandboxLike, req: SandboxRequest, symbol: str) -> SandboxResponse:
    """``GET /marketdata/{symbol}/pricehistory``; ``{"candles": [], "symbol": ...,
    "empty": true}`` for an unknown symbol, as TD answered."""
    period_type = _choice(req, "periodType", tuple(PERIODS), "day")
    periods, default_period, frequency_types, default_type = PERIODS[period_type]
    context = f" for periodType '{period_type}'"
    period = _choice(req, "period", periods, default_period, context)
    frequency_type = _choice(req, "frequencyType", frequency_types, default_type, context)
    frequency = _choice(req, "frequency", FREQUENCIES[frequency_type],
                        FREQUENCIES[frequency_type][0], f" for frequencyType '{frequency_type}'")
    extended = bool_arg(req, "needExtendedHoursData", True)
    start, end = _epoch_ms(req, "startDate"), _epoch_ms(req, "endDate")
    now = int(sandbox.clock())
    if end is None:  # documented default: the previous trading day
        end = local_epoch(previous_trading_day(local_date(now)), 0) + DAY
    end = min(end, now)
    end_day = local_date(end - 1)
    if start is None:
        start_day = _start_of_period(end_day, period_type, period)
        start = local_epoch(start_day, 0)
    start_day = local_date(start)
    candles: list[Bar] = []
    if sandbox.universe.knows(symbol) and start < end:
        if frequency_type == "minute":
            depth = MINUTE_DEPTH_DAYS.get(frequency, _OTHER_MINUTE_DEPTH)
            start_day = max(start_day, local_date(now) - dt.timedelta(days=depth))
            candles = _minute_candles(sandbox.seed, symbol, start_day, end_day, start, end,
                                      frequency, extended)
        else:
            if not is_trading_day(end_day) or local_epoch(end_day, CLOSE) > end:
                end_day = previous_trading_day(end_day)
            candles = _day_candles(sandbox.seed, symbol, start_day, end_day, frequency_type)
    places = digits(sandbox.seed, symbol) if candles else 2
    return json_response({"candles": [bar.candle(places) for bar in candles],
                          "symbol": symbol, "empty": not candles})

"""A simple US exchange calendar: Eastern time by US DST rules, weekends and holidays."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

DAY = 86400
_EPOCH = dt.date(1970, 1, 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (Mon=0) of a month; ``n=-1`` for the last."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def is_dst(day: dt.date) -> bool:
    """Whether US daylight saving time is in effect at noon on ``day`` (2007 rules)."""
    start = _nth_weekday(day.year, 3, 6, 2)
    end = _nth_weekday(day.year, 11, 6, 1)
    return start <= day < end


def utc_offset(day: dt.date) -> int:
    """Eastern time's UTC offset in hours on ``day`` (-4 or -5)."""
    return -4 if is_dst(day) else -5


def offset_text(day: dt.date) -> str:
    """``-04:00`` or ``-05:00``."""
    return f"-{-utc_offset(day):02d}:00"


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    n = h + ell - 7 * m + 114
    return dt.date(year, n // 31, n % 31 + 1)


def _observed(day: dt.date) -> dt.date:
    """A holiday on Saturday is observed Friday, on Sunday the Monday after."""
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


@lru_cache(maxsize=256)
def holidays(year: int) -> frozenset:
    """Exchange holidays of ``year`` (NYSE's regular set)."""
    days = {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Presidents' Day
        _easter(year) - dt.timedelta(days=2),  # Good Friday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _observed(dt.date(year, 7, 4)),
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(dt.date(year, 12, 25)),
    }
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != 5:  # a Saturday New Year's Day is not observed
        days.add(_observed(new_year))
    if year >= 2022:
        days.add(_observed(dt.date(year, 6, 19)))  # Juneteenth
    return frozenset(days)


def is_trading_day(day: dt.date) -> bool:
    """Weekdays that are not exchange holidays."""
    return day.weekday() < 5 and day not in holidays(day.year)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH).days


def local_date(epoch: float) -> dt.date:
    """The Eastern calendar date at ``epoch`` seconds."""
    guess = dt.datetime.fromtimestamp(epoch - 5 * 3600, dt.timezone.utc).date()
    return dt.datetime.fromtimestamp(epoch + utc_offset(guess) * 3600, dt.timezone.utc).date()


def local_epoch(day: dt.date, minutes: int) -> int:
    """Epoch seconds of ``minutes`` after Eastern midnight on ``day``."""
    return day_number(day) * DAY + minutes * 60 - utc_offset(day) * 3600


def minute_of_day(epoch: float) -> int:
    """Minutes since Eastern midnight at ``epoch``."""
    return int(epoch - local_epoch(local_date(epoch), 0)) // 60


def trading_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """Trading days from ``first`` to ``last`` inclusive."""
    out, day = [], first
    while day <= last:
        if is_trading_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def previous_trading_day(day: dt.date) -> dt.date:
    """The last trading day strictly before ``day``."""
    day -= dt.timedelta(days=1)
    while not is_trading_day(day):
        day -= dt.timedelta(days=1)
    return day


def last_trading_day(day: dt.date) -> dt.date:
    """``day`` if it is a trading day, else the one before it."""
    return day if is_trading_day(day) else previous_trading_day(day)


#: Equity sessions in minutes after Eastern midnight.
PRE_OPEN, OPEN, CLOSE, POST_CLOSE = 7 * 60, 9 * 60 + 30, 16 * 60, 20 * 60

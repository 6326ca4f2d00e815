"""Option math and listings: Black-Scholes greeks, a volatility smile, expirations, strikes."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Optional

from pyTD.sandbox.data import seeded, universe
from pyTD.sandbox.data.calendar import is_trading_day

#: Continuously compounded risk-free rate used for every theoretical value.
RATE = 0.05
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
#: Option roots of the indices (``SPX_...`` options settle on ``$SPX.X``).
INDEX_ROOTS = universe.INDEX_ROOTS


def month_code(day: dt.date) -> str:
    """``JAN`` ... ``DEC``."""
    return _MONTHS[day.month - 1]


def _cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


@dataclass
class Greeks:
    """Black-Scholes value and sensitivities (theta per day, vega and rho per 1 %)."""

    value: float
    delta: float
    gamma: float
    theta: float
    vega: float
    rho: float
    d1: float


def black_scholes(spot: float, strike: float, years: float, vol: float, put: bool,
                  rate: float = RATE) -> Greeks:
    """European option value and greeks."""
    years, vol = max(years, 1e-6), max(vol, 1e-4)
    root = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + (rate + vol * vol / 2) * years) / root
    d2 = d1 - root
    disc = strike * math.exp(-rate * years)
    decay = -spot * _pdf(d1) * vol / (2 * math.sqrt(years))
    gamma = _pdf(d1) / (spot * root)
    vega = spot * _pdf(d1) * math.sqrt(years) / 100
    if put:
        return Greeks(disc * _cdf(-d2) - spot * _cdf(-d1), _cdf(d1) - 1, gamma,
                      (decay + rate * disc * _cdf(-d2)) / 365, vega,
                      -disc * years * _cdf(-d2) / 100, d1)
    return Greeks(spot * _cdf(d1) - disc * _cdf(d2), _cdf(d1), gamma,
                  (decay - rate * disc * _cdf(d2)) / 365, vega,
                  disc * years * _cdf(d2) / 100, d1)


def implied_vol(seed: int, underlying: str, spot: float, strike: float, years: float) -> float:
    """A smile: higher away from the money and for short expirations."""
    base = 0.18 + 0.35 * seeded.unit(seed, "iv", underlying)
    skew = math.log(strike / spot)
    return base * (1 + 2.5 * skew * skew - 0.4 * skew) * (1 + 0.01 / math.sqrt(max(years, 0.01)))


def third_friday(year: int, month: int) -> dt.date:
    """The third Friday of a month: the standard monthly option expiration."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)


def _trading_before(day: dt.date) -> dt.date:
    """``day``, or the trading day before it when it is a holiday."""
    while not is_trading_day(day):
        day -= dt.timedelta(days=1)
    return day


def expirations(today: dt.date) -> list[tuple[dt.date, str]]:
    """``(date, type)``: eight weekly Fridays (``S``) and monthlies (``R``) up to ~6 months."""
    out: dict[dt.date, str] = {}
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7)
    for week in range(8):
        out[_trading_before(friday + dt.timedelta(weeks=week))] = "S"
    year, month = today.year, today.month
    for _ in range(7):
        monthly = _trading_before(third_friday(year, month))
        if monthly >= today:
            out[monthly] = "R"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted((day, kind) for day, kind in out.items() if day >= today)


def strike_step(spot: float) -> float:
    """Distance between listed strikes at ``spot``."""
    for limit, step in ((5, 0.5), (25, 1.0), (100, 2.5), (500, 5.0), (2500, 10.0)):
        if spot < limit:
            return step
    return 50.0


def strikes(spot: float, each_side: int = 20) -> list[float]:
    """Strikes around ``spot``: ``each_side`` below and above the nearest one."""
    step = strike_step(spot)
    center = round(spot / step) * step
    return [round(center + k * step, 2) for k in range(-each_side, each_side + 1)
            if center + k * step > 0]


def strike_text(strike: float) -> str:
    """``150``, ``42.5`` and ``.5`` as in TD option symbols."""
    text = f"{strike:.3f}".rstrip("0").rstrip(".")
    return text[1:] if text.startswith("0.") else text


def option_symbol(root: str, expiry: dt.date, put: bool, strike: float) -> str:
    """``AAPL_011524C150``."""
    return f"{root}_{expiry:%m%d%y}{'P' if put else 'C'}{strike_text(strike)}"


@dataclass
class OptionSymbol:
    """A parsed option symbol."""

    root: str
    underlying: str
    expiry: dt.date
    put: bool
    strike: float


def parse_option(symbol: str) -> Optional[OptionSymbol]:
    """Parse ``AAPL_011524C150``; None when it is no valid option symbol."""
    m = universe.OPTION_SYMBOL.match(symbol)
    if not m:
        return None
    try:
        expiry = dt.date(2000 + int(m["year"]), int(m["month"]), int(m["day"]))
    except ValueError:
        return None
    strike = float(m["strike"])
    if strike <= 0:
        return None
    root = m["underlying"]
    underlying = next((idx for idx, r in INDEX_ROOTS.items() if r == root), root)
    return OptionSymbol(root, underlying, expiry, m["putcall"] == "P", strike)


_CALL_MONTHS, _PUT_MONTHS = "ABCDEFGHIJKL", "MNOPQRSTUVWX"


def option_cusip(opt: OptionSymbol) -> str:
    """The CUSIP TD and Schwab give an option: ``0``, the root padded with dots to five,
    the month letter (``A``-``L`` calls, ``M``-``X`` puts), the day, the year's last digit
    and the strike in thousandths (seven digits).

    >>> option_cusip(OptionSymbol("WMT", "WMT", dt.date(2026, 6, 5), False, 121.0))
    '0WMT..F560121000'
    """
    letter = (_PUT_MONTHS if opt.put else _CALL_MONTHS)[opt.expiry.month - 1]
    return (f"0{opt.root.ljust(5, '.')}{letter}{opt.expiry.day}{opt.expiry.year % 10}"
            f"{round(opt.strike * 1000):07d}")


def option_description(opt: OptionSymbol) -> str:
    """How orders and positions describe an option: ``AAPL Dec 4 2026 190.0 Call``."""
    return (f"{opt.root} {opt.expiry:%b} {opt.expiry.day} {opt.expiry.year} "
            f"{float(opt.strike)} {'Put' if opt.put else 'Call'}")


def root_of(underlying: str) -> str:
    """The option root of an underlying symbol."""
    return INDEX_ROOTS.get(underlying, underlying)

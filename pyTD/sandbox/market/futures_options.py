"""Options on futures (``./ESH27C4500``): what is listed and their quotes, priced off the
futures' price as equity options are priced off their underlying
(:func:`pyTD.sandbox.market.contracts.contract`).

A symbol is ``./`` + the future's root + its month code + the year (one digit as TD
writes it, two as Schwab does) + ``C``/``P`` + the strike. Listed are the options on the
next :data:`LISTED_CONTRACTS` quarterly contracts of every future of the universe, expiring
with them (third Friday), at :data:`EACH_SIDE` strikes either side of the future's price
level; any other strike or month is not listed and has no quote.

    >>> listed_strikes(0, "/ES")[:3]
    [4000.0, 4050.0, 4100.0]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from pyTD.sandbox.data import seeded, universe
from pyTD.sandbox.data.calendar import CLOSE, local_date, local_epoch
from pyTD.sandbox.data.options import OptionSymbol, strikes, third_friday
from pyTD.sandbox.market.contracts import contract, market_of

#: Futures month codes, January to December.
MONTH_CODES = "FGHJKMNQUVXZ"
#: How many quarterly contracts (Mar/Jun/Sep/Dec) have options listed.
LISTED_CONTRACTS = 3
#: Listed strikes either side of the strike nearest the future's price level.
EACH_SIDE = 10
#: The trading hours futures and their options carry.
TRADING_HOURS = "GLBX(de=1640;0=-17)"


def front_quarter(today: dt.date) -> dt.date:
    """Expiration (third Friday of Mar/Jun/Sep/Dec) of the front quarterly contract."""
    year, month = today.year, (today.month + 2) // 3 * 3
    if third_friday(year, month) < today:
        year, month = (year + 1, 3) if month == 12 else (year, month + 3)
    return third_friday(year, month)


def listed_expirations(today: dt.date) -> list[dt.date]:
    """The expirations of the quarterly contracts with listed options, nearest first."""
    first = front_quarter(today)
    out = []
    for k in range(LISTED_CONTRACTS):
        months = first.month - 1 + 3 * k
        out.append(third_friday(first.year + months // 12, months % 12 + 1))
    return out


def listed_strikes(seed: int, future: str) -> list[float]:
    """The listed strikes of ``future``'s options (around its price level)."""
    return strikes(universe.base_price(seed, future), EACH_SIDE)


def contract_symbol(future: str, expiry: dt.date) -> str:
    """The contract of ``future`` expiring ``expiry``: ``/ESH27``."""
    return f"{future}{MONTH_CODES[expiry.month - 1]}{expiry:%y}"


def multiplier(seed: int, future: str) -> float:
    """Dollars per point of ``future`` (and of its options)."""
    return float(10 + int(40 * seeded.unit(seed, "mult", future)))


@dataclass(frozen=True)
class FutureOption:
    """A parsed futures-option symbol."""

    future: str
    expiry: dt.date
    put: bool
    strike: float
    year_digits: int


def parse_future_option(symbol: str, today: dt.date) -> Optional[FutureOption]:
    """Parse ``./ESH27C4500`` or ``./ESH7C4500`` (a one-digit year is the first year from
    ``today``'s on that ends in it); None when it is no futures-option symbol."""
    m = universe.FUTURE_OPTION_SYMBOL.match(symbol)
    if not m or float(m["strike"]) <= 0:
        return None
    digits = m["year"]
    year = (2000 + int(digits) if len(digits) == 2
            else today.year + (int(digits) - today.year) % 10)
    expiry = third_friday(year, MONTH_CODES.index(m["month"]) + 1)
    return FutureOption("/" + m["root"], expiry, m["putcall"] == "P", float(m["strike"]),
                        len(digits))


def future_option_quote(seed: int, symbol: str, now: float, delayed: bool) -> Optional[dict]:
    """The quote of a listed futures option in the model's (TD's) key names; None when
    malformed or not listed."""
    today = local_date(now)
    fo = parse_future_option(symbol, today)
    if (fo is None or universe.asset_type(fo.future) != "FUTURE"
            or fo.expiry not in listed_expirations(today)
            or fo.strike not in listed_strikes(seed, fo.future)):
        return None
    market = market_of(seed, fo.future, now)
    c = contract(seed, OptionSymbol(fo.future, fo.future, fo.expiry, fo.put, fo.strike), "R",
                 market)
    points = multiplier(seed, fo.future)
    return {
        "assetType": "FUTURE_OPTION", "assetMainType": "FUTURE_OPTION", "symbol": symbol,
        "description": c["description"], "bidPrice": c["bid"], "askPrice": c["ask"],
        "lastPrice": c["last"], "bidSize": c["bidSize"], "askSize": c["askSize"],
        "lastSize": c["lastSize"], "totalVolume": c["totalVolume"],
        "openPrice": c["openPrice"], "highPrice": c["highPrice"], "lowPrice": c["lowPrice"],
        "closePrice": c["closePrice"], "netChange": c["netChange"],
        "futurePercentChange": round(c["percentChange"] / 100, 6),
        "netPercentChangeInDouble": c["percentChange"], "markChange": c["markChange"],
        "quoteTimeInLong": c["quoteTimeInLong"], "tradeTimeInLong": c["tradeTimeInLong"],
        "mark": c["mark"], "openInterest": c["openInterest"], "tick": 0.01,
        "tickAmount": round(0.01 * points, 2), "exchange": "E", "exchangeName": "XCME",
        "securityStatus": "Normal", "product": fo.future, "tradingHours": TRADING_HOURS,
        "isTradable": True, "futureMultiplier": points,
        "futureSettlementPrice": c["closePrice"],
        "futureExpirationDate": local_epoch(fo.expiry, CLOSE) * 1000,
        "expirationStyle": "A", "strikePrice": c["strikePrice"],
        "contractType": "P" if fo.put else "C",
        "underlying": contract_symbol(fo.future, fo.expiry), "delayed": delayed,
    }

"""What the sandbox streams, by field name, from the same models as its REST answers.

Level-one values come from :func:`pyTD.sandbox.market.quotes.quote` at the same
instant, so a streamed quote equals the REST quote of that sandbox time; chart bars
are :func:`pyTD.sandbox.data.prices.minute_bars`, the bars of the price history.
Times are epoch milliseconds, days are days since 1970-01-01 (the wire's units).

    >>> level_one(0, "AAPL", 1_800_000_000.0, lots=False)["bid"]   # doctest: +SKIP
    187.31
"""

from __future__ import annotations

from typing import Any, Optional

from pyTD.sandbox.data.calendar import day_number, local_date, local_epoch, minute_of_day
from pyTD.sandbox.data.prices import digits, minute_bars
from pyTD.sandbox.market.quotes import quote

#: Field name -> the REST quote's keys that hold it (the first present wins).
_FROM_QUOTE = {
    "bid": ("bidPrice", "bidPriceInDouble"), "ask": ("askPrice", "askPriceInDouble"),
    "last": ("lastPrice", "lastPriceInDouble"), "bid_size": ("bidSize", "bidSizeInLong"),
    "ask_size": ("askSize", "askSizeInLong"), "last_size": ("lastSize", "lastSizeInLong"),
    "volume": ("totalVolume",), "high": ("highPrice", "highPriceInDouble"),
    "low": ("lowPrice", "lowPriceInDouble"), "close": ("closePrice", "closePriceInDouble"),
    "open": ("openPrice", "openPriceInDouble"),
    "net_change": ("netChange", "changeInDouble"), "mark": ("mark",),
    "description": ("description",), "exchange_name": ("exchangeName",),
    "exchange_id": ("exchange",), "bid_id": ("bidId",), "ask_id": ("askId",),
    "last_id": ("lastId",), "security_status": ("securityStatus",),
    "high_52_week": ("52WkHigh", "52WkHighInDouble"),
    "low_52_week": ("52WkLow", "52WkLowInDouble"), "pe_ratio": ("peRatio",),
    "dividend_amount": ("divAmount",), "dividend_yield": ("divYield",),
    "dividend_date": ("divDate",), "marginable": ("marginable",),
    "volatility": ("volatility",), "nav": ("nAV",), "digits": ("digits",),
    "quote_time": ("quoteTimeInLong",), "trade_time": ("tradeTimeInLong",),
    "regular_market_last": ("regularMarketLastPrice",),
    "regular_market_last_size": ("regularMarketLastSize",),
    "regular_market_net_change": ("regularMarketNetChange",),
    "regular_market_trade_time": ("regularMarketTradeTimeInLong",),
    "net_percent_change": ("netPercentChangeInDouble",),
    "percent_change": ("percentChange", "futurePercentChange"),
    "open_interest": ("openInterest",), "tick": ("tick",), "tick_amount": ("tickAmount",),
    "product": ("product",), "trading_hours": ("tradingHours",),
    "is_tradable": ("isTradable",), "multiplier": ("futureMultiplier", "multiplier"),
    "is_active": ("futureIsActive",), "settlement_price": ("futureSettlementPrice",),
    "active_symbol": ("futureActiveSymbol",), "expiration_date": ("futureExpirationDate",),
    "expiration_style": ("expirationStyle",),
    "market_maker": ("marketMaker",), "strike": ("strikePrice",),
    "contract_type": ("contractType",), "underlying": ("underlying",),
    "delta": ("delta",), "gamma": ("gamma",), "theta": ("theta",), "vega": ("vega",),
    "rho": ("rho",), "underlying_price": ("underlyingPrice",),
    "days_to_expiration": ("daysToExpiration",), "time_value": ("timeValue",),
    "theoretical_value": ("theoreticalOptionValue",), "deliverables": ("deliverables",),
}
_LOTS = ("bid_size", "ask_size")


def level_one(seed: int, symbol: str, now: float, *, lots: bool,
              delayed: bool = False) -> Optional[dict[str, Any]]:
    """Level-one values of ``symbol`` at ``now`` by field name; None for a malformed symbol.

    ``lots``: sizes in lots of 100 shares for equities (Schwab), as its REST quote.
    """
    body = quote(seed, symbol, now, delayed)
    if body is None:
        return None
    values: dict[str, Any] = {}
    for name, keys in _FROM_QUOTE.items():
        for key in keys:
            if key in body:
                values[name] = body[key]
                break
    if lots and body.get("assetMainType") == "EQUITY":
        for name in _LOTS:
            if name in values:
                values[name] //= 100
    if "quote_time" in values:
        values["quote_day"] = values["trade_day"] = day_number(local_date(now))
    values["shortable"] = body.get("shortable", True)
    return values


def chart_bar(seed: int, symbol: str, now: float) -> dict[str, Any]:
    """The latest completed one-minute bar at ``now``, by field name."""
    day = local_date(now)
    minute = minute_of_day(now)
    start = minute - 1 if minute else 0
    bar = minute_bars(seed, symbol, day, start, start + 1, 1)[0]
    places = digits(seed, symbol)
    return {"open": round(bar.open, places), "high": round(bar.high, places),
            "low": round(bar.low, places), "close": round(bar.close, places),
            "volume": float(bar.volume), "sequence": start - 7 * 60,
            "chart_time": local_epoch(day, start) * 1000, "chart_day": day_number(day)}

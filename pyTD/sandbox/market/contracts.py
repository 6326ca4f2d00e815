"""Option contracts priced off the underlying: chain entries and option quotes."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Optional

from pyTD.sandbox.data import seeded, universe
from pyTD.sandbox.data.calendar import CLOSE, POST_CLOSE, local_date, local_epoch
from pyTD.sandbox.data.options import (
    RATE,
    OptionSymbol,
    black_scholes,
    implied_vol,
    option_symbol,
    parse_option,
)
from pyTD.sandbox.data.prices import snapshot

_GREEKS = ("volatility", "delta", "gamma", "theta", "vega", "rho")
OPTIONABLE = ("EQUITY", "ETF", "INDEX")


@dataclass
class Market:
    """What prices a contract: the underlying now and at the last close, time and overrides."""

    spot: float
    prev_spot: float
    now: float
    today: dt.date
    vol: Optional[float] = None
    rate: float = RATE
    days: Optional[int] = None


def contract(seed: int, opt: OptionSymbol, kind: str, market: Market) -> dict:
    """One chain contract with the live field list (greeks ``"NaN"`` far from the money)."""
    symbol = option_symbol(opt.root, opt.expiry, opt.put, opt.strike)
    expires = local_epoch(opt.expiry, CLOSE)
    years = (market.days / 365 if market.days is not None
             else max(expires - market.now, 0) / (365 * 86400))
    vol = market.vol or implied_vol(seed, opt.underlying, market.spot, opt.strike, years)
    g = black_scholes(market.spot, opt.strike, years, vol, opt.put, market.rate)
    prev = black_scholes(market.prev_spot, opt.strike, years + 1 / 365, vol, opt.put,
                         market.rate).value
    intrinsic = max(0.0, (opt.strike - market.spot) if opt.put else (market.spot - opt.strike))
    value = max(g.value, intrinsic)
    half = max(0.01, round(value * 0.015, 2))
    bid, ask = max(0.0, round(value - half, 2)), round(value + half, 2)
    last, close = round(value, 2), round(max(prev, 0.0), 2)
    u = seeded.unit(seed, "contract", symbol, market.today)
    volume = int(5000 * u * math.exp(-abs(g.d1)))
    bid_size, ask_size = 1 + int(u * 97) % 60, 1 + int(u * 313) % 60
    when = int(market.now) // 60 * 60000
    dte = (opt.expiry - market.today).days
    far = abs(g.d1) > 3.0
    body = {
        "putCall": "PUT" if opt.put else "CALL", "symbol": symbol,
        "description": f"{opt.root} {opt.expiry:%b} {opt.expiry.day} {opt.expiry.year} "
                       f"{opt.strike:g} {'Put' if opt.put else 'Call'}"
                       + (" (Weekly)" if kind == "S" else ""),
        "exchangeName": "OPR", "bid": bid, "ask": ask, "last": last, "mark": round(
            (bid + ask) / 2, 2), "bidSize": bid_size, "askSize": ask_size,
        "bidAskSize": f"{bid_size}X{ask_size}", "lastSize": 0,
        "highPrice": round(max(last, close) * 1.02, 2) if volume else 0.0,
        "lowPrice": round(min(last, close) * 0.98, 2) if volume else 0.0,
        "openPrice": close if volume else 0.0, "closePrice": close, "totalVolume": volume,
        "tradeDate": None, "tradeTimeInLong": when - 60000 * int(30 * u),
        "quoteTimeInLong": when, "netChange": round(last - close, 2),
        "volatility": round(vol * 100, 3), "delta": round(g.delta, 3),
        "gamma": round(g.gamma, 3), "theta": round(g.theta, 3), "vega": round(g.vega, 3),
        "rho": round(g.rho, 3), "openInterest": int(20000 * seeded.unit(seed, "oi", symbol)
                                                    * math.exp(-abs(g.d1))),
        "timeValue": round(max(0.0, last - intrinsic), 2),
        "theoreticalOptionValue": round(g.value, 3), "theoreticalVolatility": 29.0,
        "optionDeliverablesList": None, "strikePrice": float(opt.strike),
        "expirationDate": expires * 1000, "daysToExpiration": dte, "expirationType": kind,
        "lastTradingDay": local_epoch(opt.expiry, POST_CLOSE) * 1000, "multiplier": 100.0,
        "settlementType": " ", "deliverableNote": "",
        "isIndexOption": True if opt.underlying.startswith("$") else None,
        "percentChange": round(100 * (last - close) / close, 2) if close else 0.0,
        "markChange": round((bid + ask) / 2 - close, 2),
        "markPercentChange": round(100 * ((bid + ask) / 2 - close) / close, 2) if close else 0.0,
        "nonStandard": False, "mini": False,
        "inTheMoney": intrinsic > 0,
    }
    if far:
        body.update(dict.fromkeys(_GREEKS, "NaN"))
    return body


def market_of(seed: int, underlying: str, now: float) -> Market:
    """The underlying's price now and at its previous close."""
    snap = snapshot(seed, underlying, now)
    return Market(round(snap.last, 2), round(snap.close, 2), now, local_date(now))


def option_quote(seed: int, symbol: str, now: float, delayed: bool) -> Optional[dict]:
    """A quote of an option symbol; None when malformed or not on an optionable underlying."""
    opt = parse_option(symbol)
    if opt is None or universe.asset_type(opt.underlying) not in OPTIONABLE:
        return None
    market = market_of(seed, opt.underlying, now)
    monthly = opt.expiry.weekday() == 4 and 15 <= opt.expiry.day <= 21
    kind = "R" if monthly else "S"
    c = contract(seed, opt, kind, market)
    return {
        "assetType": "OPTION", "assetMainType": "OPTION",
        "symbol": symbol, "description": c["description"], "bidPrice": c["bid"],
        "bidSize": c["bidSize"], "askPrice": c["ask"], "askSize": c["askSize"],
        "lastPrice": c["last"], "lastSize": c["lastSize"], "openPrice": c["openPrice"],
        "highPrice": c["highPrice"], "lowPrice": c["lowPrice"], "closePrice": c["closePrice"],
        "netChange": c["netChange"], "totalVolume": c["totalVolume"],
        "quoteTimeInLong": c["quoteTimeInLong"], "tradeTimeInLong": c["tradeTimeInLong"],
        "mark": c["mark"], "openInterest": c["openInterest"], "volatility": c["volatility"],
        "moneyIntrinsicValue": round(c["last"] - c["timeValue"], 2),
        "multiplier": c["multiplier"], "strikePrice": c["strikePrice"],
        "contractType": "P" if opt.put else "C", "underlying": opt.underlying,
        "timeValue": c["timeValue"],
        "deliverables": f"{opt.underlying.lstrip('$')}(100)",
        "delta": c["delta"], "gamma": c["gamma"], "theta": c["theta"], "vega": c["vega"],
        "rho": c["rho"], "securityStatus": "Normal",
        "theoreticalOptionValue": c["theoreticalOptionValue"],
        "underlyingPrice": market.spot, "uvExpirationType": kind, "exchange": "o",
        "exchangeName": "OPR", "settlementType": " ", "digits": 2, "delayed": delayed,
    }


"""Quotes: ``GET /marketdata/quotes`` and ``GET /marketdata/{symbol}/quotes``, with bodies
in TD's live shapes: equity/ETF, index, future, forex and option. Futures options are
quoted for the streamer and Schwab's quotes (:mod:`pyTD.sandbox.market.futures_options`),
not by these TD routes."""

from __future__ import annotations

from typing import Optional

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox.data import cusips, seeded, universe
from pyTD.sandbox.data.calendar import CLOSE, local_date, local_epoch
from pyTD.sandbox.data.prices import Snapshot, digits, snapshot
from pyTD.sandbox.market.contracts import option_quote
from pyTD.sandbox.market.futures_options import (
    TRADING_HOURS,
    contract_symbol,
    front_quarter,
    future_option_quote,
    multiplier,
)
from pyTD.sandbox.routing import (
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    json_response,
    td_error,
)

_EXCHANGE_CODES = {"NASDAQ": ("q", "NASD"), "NYSE": ("n", "NYSE"), "Pacific": ("p", "PACIFIC")}


def _prices(seed: int, symbol: str, snap: Snapshot) -> dict:
    """Rounded last/bid/ask/open/high/low/close and the changes, shared by every shape."""
    places = digits(seed, symbol)
    tick = 10.0**-places
    last = round(snap.last, places)
    half = max(tick, round(snap.last * 0.0002, places))
    close = round(snap.close, places)
    change = round(last - close, places)
    return {
        "last": last, "bid": round(last - half, places), "ask": round(last + half, places),
        "open": round(snap.open, places), "high": round(snap.high, places),
        "low": round(snap.low, places), "close": close, "change": change,
        "percent": round(100.0 * change / close, 4) if close else 0.0,
        "regular": round(snap.regular_last, places), "places": places,
        "high52": round(snap.high52, places), "low52": round(snap.low52, places),
    }


def _sizes(seed: int, symbol: str, when: int) -> tuple[int, int, int]:
    u = seeded.unit(seed, "sizes", symbol, when)
    return 100 * (1 + int(u * 20)), 100 * (1 + int(u * 977) % 15), 100 * (1 + int(u * 331) % 5)


def equity_quote(seed: int, symbol: str, now: float, delayed: bool) -> dict:
    """An ``EQUITY``/``ETF`` quote."""
    snap = snapshot(seed, symbol, now)
    p = _prices(seed, symbol, snap)
    code, name = _EXCHANGE_CODES[universe.exchange(seed, symbol)]
    bid_size, ask_size, last_size = _sizes(seed, symbol, snap.time)
    regular_change = round(p["regular"] - p["close"], p["places"])
    pe, div = universe.pe_ratio(seed, symbol), universe.dividend(seed, symbol)
    span = min(59000.0, max(0.0, now - snap.time) * 1000)
    trade_ms = snap.time * 1000 + int(span * seeded.unit(seed, "trade", symbol, snap.time))
    return {
        "assetType": universe.asset_type(symbol), "assetMainType": "EQUITY",
        "cusip": cusips.cusip(seed, symbol), "symbol": symbol,
        "description": universe.describe(symbol),
        "bidPrice": p["bid"], "bidSize": bid_size, "bidId": code.upper(),
        "askPrice": p["ask"], "askSize": ask_size, "askId": code.upper(),
        "lastPrice": p["last"], "lastSize": last_size, "lastId": "D",
        "openPrice": p["open"], "highPrice": p["high"], "lowPrice": p["low"],
        "bidTick": " ", "closePrice": p["close"], "netChange": p["change"],
        "totalVolume": snap.volume, "quoteTimeInLong": trade_ms,
        "tradeTimeInLong": trade_ms, "mark": p["last"],
        "exchange": code, "exchangeName": name, "marginable": True, "shortable": True,
        "volatility": round(0.005 + 0.03 * seeded.unit(seed, "qvol", symbol), 4),
        "digits": p["places"] + 2, "52WkHigh": p["high52"], "52WkLow": p["low52"], "nAV": 0.0,
        "peRatio": pe, "divAmount": div,
        "divYield": round(100 * div / p["last"], 2) if p["last"] else 0.0,
        "divDate": "2020-08-19 00:00:00.000" if div else "", "securityStatus": "Normal",
        "regularMarketLastPrice": p["regular"], "regularMarketLastSize": last_size // 100,
        "regularMarketNetChange": regular_change, "regularMarketTradeTimeInLong": trade_ms,
        "netPercentChangeInDouble": p["percent"], "markChangeInDouble": p["change"],
        "markPercentChangeInDouble": p["percent"],
        "regularMarketPercentChangeInDouble": round(100.0 * regular_change / p["close"], 4)
        if p["close"] else 0.0,
        "delayed": delayed,
    }


def index_quote(seed: int, symbol: str, now: float, delayed: bool) -> dict:
    """An ``INDEX`` quote (``$SPX.X``, ``$DJI``, ``$COMPX``)."""
    snap = snapshot(seed, symbol, now)
    p = _prices(seed, symbol, snap)
    return {
        "assetType": "INDEX", "assetMainType": "INDEX", "cusip": "", "symbol": symbol,
        "description": universe.describe(symbol), "lastPrice": p["last"], "openPrice": p["open"],
        "highPrice": p["high"], "lowPrice": p["low"], "closePrice": p["close"],
        "netChange": p["change"], "totalVolume": snap.volume,
        "tradeTimeInLong": snap.time * 1000, "exchange": "x", "exchangeName": "IND",
        "digits": 2, "52WkHigh": p["high52"], "52WkLow": p["low52"],
        "securityStatus": "Normal", "netPercentChangeInDouble": p["percent"],
        "delayed": delayed,
    }


def _in_double(seed: int, symbol: str, snap: Snapshot, delayed: bool) -> dict:
    """The ``...InDouble`` fields shared by futures and forex."""
    p = _prices(seed, symbol, snap)
    bid_size, ask_size, last_size = _sizes(seed, symbol, snap.time)
    return {
        "symbol": symbol, "description": universe.describe(symbol),
        "bidPriceInDouble": p["bid"], "askPriceInDouble": p["ask"],
        "lastPriceInDouble": p["last"], "bidSizeInLong": bid_size, "askSizeInLong": ask_size,
        "lastSizeInLong": last_size, "closePriceInDouble": p["close"],
        "changeInDouble": p["change"], "percentChange": p["percent"],
        "highPriceInDouble": p["high"], "lowPriceInDouble": p["low"],
        "openPriceInDouble": p["open"], "totalVolume": snap.volume,
        "quoteTimeInLong": snap.time * 1000, "tradeTimeInLong": snap.time * 1000,
        "digits": p["places"], "securityStatus": "Active", "tick": 10.0**-p["places"],
        "tickAmount": 10.0**-p["places"], "mark": p["last"],
        "52WkHighInDouble": p["high52"], "52WkLowInDouble": p["low52"], "delayed": delayed,
    }


def forex_quote(seed: int, symbol: str, now: float, delayed: bool) -> dict:
    """A ``FOREX`` quote (``EUR/USD``)."""
    body = _in_double(seed, symbol, snapshot(seed, symbol, now), delayed)
    body.update({"assetType": "FOREX", "assetMainType": "FOREX", "exchange": "T",
                 "exchangeName": "GFT", "product": "", "tradingHours": "",
                 "isTradable": True, "marketMaker": ""})
    return body


def future_quote(seed: int, symbol: str, now: float, delayed: bool) -> dict:
    """A ``FUTURE`` quote (``/ES``); the active contract is the next quarterly one."""
    snap = snapshot(seed, symbol, now)
    expiry = front_quarter(local_date(now))
    body = _in_double(seed, symbol, snap, delayed)
    body.update({
        "assetType": "FUTURE", "assetMainType": "FUTURE", "exchange": "E",
        "exchangeName": "XCME", "product": symbol, "tradingHours": TRADING_HOURS,
        "isTradable": True, "marketMaker": "",
        "openInterest": int(1e6 * seeded.unit(seed, "oi", symbol)),
        "futurePercentChange": round(body["percentChange"] / 100, 6),
        "futureMultiplier": multiplier(seed, symbol),
        "futureIsActive": True, "futureSettlementPrice": body["closePriceInDouble"],
        "futureActiveSymbol": contract_symbol(symbol, expiry),
        "futureExpirationDate": local_epoch(expiry, CLOSE) * 1000,
    })
    return body


def quote(seed: int, symbol: str, now: float, delayed: bool) -> Optional[dict]:
    """The quote of any well-formed ``symbol``; None for a malformed one."""
    kind = universe.asset_type(symbol)
    if kind is None:
        return None
    if kind == "OPTION":
        return option_quote(seed, symbol, now, delayed)
    if kind == "FUTURE_OPTION":
        return future_option_quote(seed, symbol, now, delayed)
    builder = {"INDEX": index_quote, "FOREX": forex_quote, "FUTURE": future_quote}.get(
        kind, equity_quote)
    return builder(seed, symbol, now, delayed)


# -- routes -------------------------------------------------------------------------

def quotes_for(sandbox: SandboxLike, symbols: list[str], delayed: bool) -> dict:
    """Quotes of ``symbols`` keyed by symbol; unknown and malformed symbols are left out
    as TD did (``{}`` when none is known), and so are futures options (streamed only: TD's
    REST quotes of them are not documented)."""
    now = sandbox.clock()
    out = {}
    for symbol in symbols:
        if (not sandbox.universe.knows(symbol)
                or universe.asset_type(symbol) == "FUTURE_OPTION"):
            continue
        body = quote(sandbox.seed, symbol, now, delayed)
        if body is not None:
            out[symbol] = body
    return out


def get_quotes(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /marketdata/quotes?symbol=A,B``."""
    raw = req.arg("symbol")
    if not raw:
        return td_error(400, "symbol is required")
    symbols = list(dict.fromkeys(s.strip() for s in raw.split(",") if s.strip()))
    if len(symbols) > TD_AMERITRADE.max_quote_symbols:
        return td_error(406, "Too many symbols: at most "
                        f"{TD_AMERITRADE.max_quote_symbols} per request")
    return json_response(quotes_for(sandbox, symbols, req.delayed))


def get_quote(sandbox: SandboxLike, req: SandboxRequest, symbol: str) -> SandboxResponse:
    """``GET /marketdata/{symbol}/quotes``."""
    return json_response(quotes_for(sandbox, [symbol], req.delayed))

"""Market-data endpoints of the sandbox: quotes, price history, chains, movers, hours,
instruments. ``register(router)`` adds them all (``BEARER_OR_APIKEY``)."""

from __future__ import annotations

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox.data import universe
from pyTD.sandbox.data.prices import snapshot
from pyTD.sandbox.market_chains import get_chain
from pyTD.sandbox.market_history import get_price_history
from pyTD.sandbox.market_hours import get_hours, get_market_hours
from pyTD.sandbox.market_instruments import get_instrument, search_instruments
from pyTD.sandbox.market_quotes import quote
from pyTD.sandbox.routing import (
    BEARER_OR_APIKEY,
    BadRequest,
    Router,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    enum_arg,
    json_response,
    td_error,
)

#: Movers come in tens, as on TD.
MOVERS = 10


def quotes_for(sandbox: SandboxLike, symbols: list[str], delayed: bool) -> dict:
    """Quotes of ``symbols`` keyed by symbol; malformed symbols are left out as TD did."""
    now = sandbox.clock()
    out = {}
    for symbol in symbols:
        body = quote(sandbox.seed, symbol, now, delayed)
        if body is not None:
            out[symbol] = body
    return out


def get_quotes(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /v1/marketdata/quotes?symbol=A,B``."""
    raw = req.arg("symbol")
    if not raw:
        return td_error(400, "symbol is required")
    symbols = list(dict.fromkeys(s.strip() for s in raw.split(",") if s.strip()))
    if len(symbols) > TD_AMERITRADE.max_quote_symbols:
        return td_error(406, "Too many symbols: at most "
                        f"{TD_AMERITRADE.max_quote_symbols} per request")
    return json_response(quotes_for(sandbox, symbols, req.delayed))


def get_quote(sandbox: SandboxLike, req: SandboxRequest, symbol: str) -> SandboxResponse:
    """``GET /v1/marketdata/{symbol}/quotes``."""
    return json_response(quotes_for(sandbox, [symbol], req.delayed))


def get_movers(sandbox: SandboxLike, req: SandboxRequest, index: str) -> SandboxResponse:
    """``GET /v1/marketdata/{index}/movers``: an ARRAY of up to ten, biggest move first.

    ``change=percent`` (the default) reports the change as a fraction of the close.
    """
    if index not in universe.INDEX_MEMBERS:
        raise BadRequest(f"Invalid index '{index}': allowed values are "
                         + ", ".join(universe.INDEX_MEMBERS))
    direction = enum_arg(req, "direction", ("up", "down"))
    change = enum_arg(req, "change", ("value", "percent"), "percent")
    seed, now = sandbox.seed, sandbox.clock()
    movers = []
    for symbol in universe.INDEX_MEMBERS[index]:
        snap = snapshot(seed, symbol, now)
        last, close = round(snap.last, 2), round(snap.close, 2)
        moved = last - close if change == "value" else (last - close) / close
        movers.append({"change": round(moved, 4), "description": universe.describe(symbol),
                       "direction": "up" if moved >= 0 else "down", "last": last,
                       "symbol": symbol, "totalVolume": snap.volume})
    if direction:
        movers = [m for m in movers if m["direction"] == direction]
    movers.sort(key=lambda m: (-abs(m["change"]), m["symbol"]))
    return json_response(movers[:MOVERS])


def register(router: Router) -> None:
    """Add every market-data route to ``router``."""
    for pattern, handler in (
        (r"/v1/marketdata/quotes", get_quotes),
        (r"/v1/marketdata/chains", get_chain),
        (r"/v1/marketdata/hours", get_hours),
        (r"/v1/marketdata/(?P<symbol>[^/]+)/quotes", get_quote),
        (r"/v1/marketdata/(?P<symbol>[^/]+)/pricehistory", get_price_history),
        (r"/v1/marketdata/(?P<index>[^/]+)/movers", get_movers),
        (r"/v1/marketdata/(?P<market>[^/]+)/hours", get_market_hours),
        (r"/v1/instruments", search_instruments),
        (r"/v1/instruments/(?P<cusip>[^/]+)", get_instrument),
    ):
        router.add("GET", pattern, handler, BEARER_OR_APIKEY)

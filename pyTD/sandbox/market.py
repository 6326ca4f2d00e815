"""Market-data endpoints of the sandbox: quotes, price history, chains, movers, hours,
instruments. ``register(router)`` adds them all (``BEARER_OR_APIKEY``)."""

from __future__ import annotations

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox.market_chains import get_chain
from pyTD.sandbox.market_quotes import quote
from pyTD.sandbox.routing import (
    BEARER_OR_APIKEY,
    Router,
    SandboxRequest,
    SandboxResponse,
    json_response,
    td_error,
)


def quotes_for(sandbox, symbols: list[str], delayed: bool) -> dict:
    """Quotes of ``symbols`` keyed by symbol; malformed symbols are left out as TD did."""
    now = sandbox.clock()
    out = {}
    for symbol in symbols:
        body = quote(sandbox.seed, symbol, now, delayed)
        if body is not None:
            out[symbol] = body
    return out


def get_quotes(sandbox, req: SandboxRequest) -> SandboxResponse:
    """``GET /v1/marketdata/quotes?symbol=A,B``."""
    raw = req.arg("symbol")
    if raw is None:
        return td_error(400, "symbol is required")
    symbols = list(dict.fromkeys(s.strip() for s in raw.split(",") if s.strip()))
    if len(symbols) > TD_AMERITRADE.max_quote_symbols:
        return td_error(406, "Too many symbols: at most "
                        f"{TD_AMERITRADE.max_quote_symbols} per request")
    return json_response(quotes_for(sandbox, symbols, req.delayed))


def get_quote(sandbox, req: SandboxRequest, symbol: str) -> SandboxResponse:
    """``GET /v1/marketdata/{symbol}/quotes``."""
    return json_response(quotes_for(sandbox, [symbol], req.delayed))


def register(router: Router) -> None:
    """Add every market-data route to ``router``."""
    router.add("GET", r"/v1/marketdata/quotes", get_quotes, BEARER_OR_APIKEY)
    router.add("GET", r"/v1/marketdata/(?P<symbol>[^/]+)/quotes", get_quote, BEARER_OR_APIKEY)
    router.add("GET", r"/v1/marketdata/chains", get_chain, BEARER_OR_APIKEY)

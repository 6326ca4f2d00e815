"""Instruments: search, fundamentals and CUSIP look-up (``/instruments``)."""

from __future__ import annotations

import re
from typing import Optional

from pyTD.sandbox.data import cusips, seeded, universe
from pyTD.sandbox.data.prices import snapshot
from pyTD.sandbox.routing import (
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    enum_arg,
    json_response,
    required,
    td_error,
)

PROJECTIONS = ("symbol-search", "symbol-regex", "desc-search", "desc-regex", "fundamental")
_EXCHANGES = {"INDEX": "IND", "FUTURE": "XCME", "FOREX": "GFT", "OPTION": "OPR",
              "FUTURE_OPTION": "XCME"}


def instrument(seed: int, symbol: str) -> Optional[dict]:
    """``{cusip, symbol, description, exchange, assetType}``; None when malformed.

    CUSIPs stay strings (``037833100``); indices, futures, forex and options carry none.
    """
    kind = universe.asset_type(symbol)
    if kind is None:
        return None
    body = {"cusip": cusips.cusip(seed, symbol), "symbol": symbol,
            "description": universe.describe(symbol),
            "exchange": _EXCHANGES.get(kind) or universe.exchange(seed, symbol), "assetType": kind}
    if kind in _EXCHANGES:
        del body["cusip"]
    return body


def fundamental(seed: int, symbol: str, now: float) -> dict:
    """TD's ``FundamentalData`` for ``symbol``: every field, synthetic and stable."""
    snap = snapshot(seed, symbol, now)

    def u(name: str, low: float, high: float, places: int = 4) -> float:
        return round(low + (high - low) * seeded.unit(seed, "fund", symbol, name), places)

    div = universe.dividend(seed, symbol)
    eps = round(snap.close / universe.pe_ratio(seed, symbol), 4)
    shares = u("shares", 5e7, 1.6e10, 0)
    date = "2023-08-11 00:00:00.000" if div else " "
    return {
        "symbol": symbol, "high52": round(snap.high52, 2), "low52": round(snap.low52, 2),
        "dividendAmount": div, "dividendYield": round(100 * div / snap.close, 2),
        "dividendDate": date, "peRatio": universe.pe_ratio(seed, symbol),
        "pegRatio": u("peg", 0.2, 4), "pbRatio": u("pb", 0.8, 40), "prRatio": u("pr", 0.5, 15),
        "pcfRatio": u("pcf", 3, 40), "grossMarginTTM": u("gmt", 10, 80),
        "grossMarginMRQ": u("gmm", 10, 80), "netProfitMarginTTM": u("npt", -5, 35),
        "netProfitMarginMRQ": u("npm", -5, 35), "operatingMarginTTM": u("omt", -5, 45),
        "operatingMarginMRQ": u("omm", -5, 45), "returnOnEquity": u("roe", -10, 150),
        "returnOnAssets": u("roa", -5, 30), "returnOnInvestment": u("roi", -5, 60),
        "quickRatio": u("qr", 0.3, 3), "currentRatio": u("cr", 0.5, 3.5),
        "interestCoverage": u("ic", 0, 50), "totalDebtToCapital": u("tdc", 0, 70),
        "ltDebtToEquity": u("ltde", 0, 200), "totalDebtToEquity": u("tde", 0, 250),
        "epsTTM": eps, "epsChangePercentTTM": u("ecp", -30, 60), "epsChangeYear": u("ecy", -30, 60),
        "epsChange": u("ec", -2, 2), "revChangeYear": u("rcy", -20, 40),
        "revChangeTTM": u("rct", -20, 40), "revChangeIn": u("rci", -10, 20),
        "sharesOutstanding": shares, "marketCapFloat": round(shares * u("float", 0.7, 1) / 1e6, 4),
        "marketCap": round(shares * snap.close / 1e6, 4), "bookValuePerShare": u("bvps", 1, 80),
        "shortIntToFloat": u("sif", 0.2, 15), "shortIntDayToCover": u("sidc", 0.5, 8),
        "divGrowthRate3Year": u("dgr", 0, 12) if div else 0.0,
        "dividendPayAmount": round(div / 4, 4), "dividendPayDate": date,
        "beta": u("beta", 0.4, 2.2), "vol1DayAvg": u("v1", 1e6, 9e7, 0),
        "vol10DayAvg": u("v10", 1e6, 9e7, 0), "vol3MonthAvg": u("v3", 1e6, 9e7, 0),
    }


def _regex(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error:
        raise BadRequest(f"Invalid regular expression '{pattern}'", 406) from None


def _exact(seed: int, known: universe.Universe, term: str) -> Optional[dict]:
    """An exact symbol or a CUSIP of the universe; None when unknown."""
    security = universe.BY_CUSIP.get(term)
    symbol = security.symbol if security else term
    return instrument(seed, symbol) if known.knows(symbol) else None


def search_instruments(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /instruments?symbol=...&projection=...``: an object keyed by symbol.

    Unknown symbols are left out (``{}`` when nothing is found), as TD did.
    """
    term = required(req, "symbol")
    projection = enum_arg(req, "projection", PROJECTIONS, "symbol-search")
    seed, known, found = sandbox.seed, sandbox.universe, []
    if projection in ("symbol-search", "fundamental"):
        found = [_exact(seed, known, t.strip()) for t in term.split(",") if t.strip()]
    elif projection == "symbol-regex":
        pattern = _regex(term)
        found = [instrument(seed, s) for s in known.listed() if pattern.fullmatch(s)]
    elif projection == "desc-regex":
        pattern = _regex(term)
        found = [instrument(seed, s) for s in known.listed()
                 if pattern.search(universe.describe(s))]
    else:
        words = term.lower()
        found = [instrument(seed, s) for s in known.listed()
                 if words in universe.describe(s).lower()]
    out = {item["symbol"]: item for item in found if item}
    if projection == "fundamental":
        now = sandbox.clock()
        for symbol, item in out.items():
            item["fundamental"] = fundamental(seed, symbol, now)
    return json_response(out)


def get_instrument(sandbox: SandboxLike, req: SandboxRequest, cusip: str) -> SandboxResponse:
    """``GET /instruments/{cusip}``: an ARRAY of one instrument, 404 when unknown."""
    security = universe.BY_CUSIP.get(cusip)
    if security is None:
        return td_error(404, f"Instrument with cusip {cusip} not found")
    return json_response([instrument(sandbox.seed, security.symbol)])

"""Option chains: ``GET /marketdata/chains`` in TD's live shape."""

from __future__ import annotations

from typing import Any

from pyTD.sandbox.data import universe
from pyTD.sandbox.data.options import (
    RATE,
    OptionSymbol,
    expirations,
    implied_vol,
    month_code,
    root_of,
    strike_step,
    strikes,
)
from pyTD.sandbox.market.contracts import OPTIONABLE, contract, market_of
from pyTD.sandbox.market.quotes import quote
from pyTD.sandbox.routing import (
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    bool_arg,
    date_arg,
    enum_arg,
    int_arg,
    json_response,
    number_arg,
)

STRATEGIES = ("SINGLE", "ANALYTICAL", "COVERED", "VERTICAL", "CALENDAR", "STRANGLE",
              "STRADDLE", "BUTTERFLY", "CONDOR", "DIAGONAL", "COLLAR", "ROLL")
RANGES = ("ITM", "NTM", "OTM", "SAK", "SBK", "SNK", "ALL")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
          "ALL")


def _strike_ok(strike: float, put: bool, spot: float, wanted: str) -> bool:
    """Whether ``strike`` falls in a chain ``range``."""
    itm = strike > spot if put else strike < spot
    near = abs(strike - spot) <= 0.05 * spot
    return {"ALL": True, "ITM": itm, "OTM": not itm and strike != spot, "NTM": near,
            "SNK": near, "SAK": strike > spot, "SBK": strike < spot}[wanted]


def get_chain(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /marketdata/chains``; ``"status": "FAILED"`` with empty maps for an unknown
    or non-optionable symbol."""
    symbol = req.arg("symbol")
    if not symbol:
        raise BadRequest("symbol is required")
    contract_type = enum_arg(req, "contractType", ("CALL", "PUT", "ALL"), "ALL")
    strike_count = int_arg(req, "strikeCount", minimum=1)
    include_quotes = bool_arg(req, "includeQuotes", False)
    strategy = enum_arg(req, "strategy", STRATEGIES, "SINGLE")
    interval = number_arg(req, "interval")
    only_strike = number_arg(req, "strike")
    wanted = enum_arg(req, "range", RANGES, "ALL")
    from_date, to_date = date_arg(req, "fromDate"), date_arg(req, "toDate")
    volatility = number_arg(req, "volatility")
    underlying_price = number_arg(req, "underlyingPrice")
    interest_rate = number_arg(req, "interestRate")
    days = int_arg(req, "daysToExpiration", minimum=0)
    exp_month = enum_arg(req, "expMonth", MONTHS, "ALL")
    option_type = enum_arg(req, "optionType", ("S", "NS", "ALL"), "ALL")
    seed, now = sandbox.seed, sandbox.clock()
    body: dict[str, Any] = {
        "symbol": symbol, "status": "FAILED", "underlying": None, "strategy": strategy,
        "interval": interval or 0.0, "isDelayed": req.delayed,
        "isIndex": symbol.startswith("$"), "interestRate": RATE * 100,
        "underlyingPrice": 0.0, "volatility": 29.0, "daysToExpiration": 0.0,
        "numberOfContracts": 0, "callExpDateMap": {}, "putExpDateMap": {}}
    if universe.asset_type(symbol) not in OPTIONABLE or not sandbox.universe.knows(symbol):
        return json_response(body)
    market = market_of(seed, symbol, now)
    if strategy == "ANALYTICAL":
        market.spot = underlying_price or market.spot
        market.vol = volatility / 100 if volatility else None
        market.rate = interest_rate / 100 if interest_rate is not None else RATE
        market.days = days
    listed = strikes(market.spot)
    if strike_count is not None:
        listed = sorted(sorted(listed, key=lambda k: abs(k - market.spot))[:strike_count])
    if only_strike is not None:
        listed = [k for k in listed if abs(k - only_strike) < 1e-9]
    maps: dict[bool, dict] = {False: {}, True: {}}
    sides = [put for put in (False, True)
             if contract_type == "ALL" or (contract_type == "PUT") == put]
    for expiry, kind in expirations(market.today) if option_type != "NS" else []:
        if (from_date and expiry < from_date) or (to_date and expiry > to_date) or (
                exp_month != "ALL" and month_code(expiry) != exp_month):
            continue
        key = f"{expiry.isoformat()}:{(expiry - market.today).days}"
        for put in sides:
            for strike in listed:
                if _strike_ok(strike, put, market.spot, wanted):
                    opt = OptionSymbol(root_of(symbol), symbol, expiry, put, strike)
                    maps[put].setdefault(key, {})[str(float(strike))] = [
                        contract(seed, opt, kind, market)]
    count = sum(len(strikes_) for side in maps.values() for strikes_ in side.values())
    iv = implied_vol(seed, symbol, market.spot, market.spot, 30 / 365)
    body.update({
        "status": "SUCCESS", "underlyingPrice": market.spot,
        "volatility": round(market.vol * 100 if market.vol else iv * 100, 3),
        "interestRate": round(market.rate * 100, 4),
        "interval": interval if interval is not None else (
            0.0 if strategy == "SINGLE" else strike_step(market.spot)),
        "numberOfContracts": count, "callExpDateMap": maps[False], "putExpDateMap": maps[True],
        "underlying": _underlying(seed, symbol, now, req.delayed) if include_quotes else None,
    })
    return json_response(body)


def _underlying(seed: int, symbol: str, now: float, delayed: bool) -> dict:
    """The chain's ``underlying`` block (``includeQuotes=TRUE``)."""
    q = quote(seed, symbol, now, delayed) or {}
    last, close = q["lastPrice"], q["closePrice"]
    return {
        "ask": q.get("askPrice", last), "askSize": q.get("askSize", 0),
        "bid": q.get("bidPrice", last), "bidSize": q.get("bidSize", 0),
        "change": q["netChange"], "close": close, "delayed": delayed,
        "description": q["description"],
        "exchangeName": {"q": "NAS", "n": "NYS", "p": "PAC", "x": "IND"}[q["exchange"]],
        "fiftyTwoWeekHigh": q["52WkHigh"], "fiftyTwoWeekLow": q["52WkLow"],
        "highPrice": q["highPrice"], "last": last, "lowPrice": q["lowPrice"],
        "mark": q.get("mark", last), "markChange": q["netChange"],
        "markPercentChange": q["netPercentChangeInDouble"], "openPrice": q["openPrice"],
        "percentChange": q["netPercentChangeInDouble"],
        "quoteTime": q.get("quoteTimeInLong", q["tradeTimeInLong"]),
        "symbol": symbol, "totalVolume": q["totalVolume"], "tradeTime": q["tradeTimeInLong"],
    }

"""Option chains: ``GET /marketdata/chains`` in TD's live shape.

``strategy=SINGLE`` (and ``ANALYTICAL``, ``COVERED``) answers the contracts by
expiration and strike. A spread strategy (:data:`SPREADS`) answers TD's strategy
chain instead: empty contract maps and a ``monthlyStrategyList``, one entry per
expiration (and option type), each with the spreads of that expiration as
``primaryLeg``/``secondaryLeg``, ``strategyStrike`` and the spread's bid and ask
(what selling and buying the whole spread would get).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Iterator

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
from pyTD.sandbox.market.contracts import OPTIONABLE, Market, contract, market_of
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
#: Strategies answered as a strategy chain (``monthlyStrategyList``).
SPREADS = ("VERTICAL", "CALENDAR", "STRANGLE", "STRADDLE", "BUTTERFLY", "CONDOR", "DIAGONAL",
           "COLLAR", "ROLL")
#: A spread's legs: (ratio: + bought, - sold; put; strike steps from the listed strike;
#: second expiration).
Shape = tuple[tuple[int, bool, int, bool], ...]
_CALL, _PUT = False, True
#: Each spread's legs, given the chain's side (``put``; ignored by spreads of both types).
SHAPES: dict[str, Callable[[bool], Shape]] = {
    "VERTICAL": lambda put: ((1, put, 0, False), (-1, put, 1, False)),
    "CALENDAR": lambda put: ((-1, put, 0, False), (1, put, 0, True)),
    "DIAGONAL": lambda put: ((-1, put, 0, False), (1, put, 1, True)),
    "ROLL": lambda put: ((-1, put, 0, False), (1, put, 0, True)),
    "BUTTERFLY": lambda put: ((1, put, -1, False), (-2, put, 0, False), (1, put, 1, False)),
    "CONDOR": lambda put: ((1, put, 0, False), (-1, put, 1, False), (-1, put, 2, False),
                           (1, put, 3, False)),
    "STRADDLE": lambda put: ((1, _CALL, 0, False), (1, _PUT, 0, False)),
    "STRANGLE": lambda put: ((1, _CALL, 1, False), (1, _PUT, 0, False)),
    "COLLAR": lambda put: ((1, _PUT, -1, False), (-1, _CALL, 1, False)),
}
#: Spreads made of calls and puts: one entry per expiration, whatever ``contractType``.
_BOTH_TYPES = ("STRADDLE", "STRANGLE", "COLLAR")
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
    step = interval or strike_step(market.spot)
    if strike_count is not None:
        listed = sorted(sorted(listed, key=lambda k: abs(k - market.spot))[:strike_count])
    if only_strike is not None:
        listed = [k for k in listed if abs(k - only_strike) < 1e-9]
    maps: dict[bool, dict] = {False: {}, True: {}}
    sides = [put for put in (False, True)
             if contract_type == "ALL" or (contract_type == "PUT") == put]
    listings = expirations(market.today) if option_type != "NS" else []
    wanted_expiries = [(e, k) for e, k in listings
                       if not ((from_date and e < from_date) or (to_date and e > to_date) or (
                           exp_month != "ALL" and month_code(e) != exp_month))]
    if strategy in SPREADS:
        months = list(_monthly_strategies(seed, symbol, market, strategy, sides, step, listed,
                                          wanted_expiries, listings, wanted))
        body.update({"status": "SUCCESS", "underlyingPrice": market.spot,
                     "volatility": round(implied_vol(seed, symbol, market.spot, market.spot,
                                                     30 / 365) * 100, 3),
                     "interval": step, "intervals": [step],
                     "numberOfContracts": sum(len(m["optionStrategyList"]) for m in months),
                     "monthlyStrategyList": months,
                     "underlying": _underlying(seed, symbol, now, req.delayed)
                     if include_quotes else None})
        return json_response(body)
    for expiry, kind in wanted_expiries:
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


def _leg(seed: int, symbol: str, expiry: tuple[dt.date, str], put: bool, strike: float,
         market: Market) -> dict:
    """A strategy leg: the contract's symbol, description, bid, ask and range."""
    opt = OptionSymbol(root_of(symbol), symbol, expiry[0], put, strike)
    c = contract(seed, opt, expiry[1], market)
    return {"symbol": c["symbol"], "putCallInd": "P" if put else "C",
            "description": c["description"], "bid": c["bid"], "ask": c["ask"],
            "range": "ITM" if c["inTheMoney"] else "OTM", "strikePrice": c["strikePrice"],
            "totalVolume": c["totalVolume"]}


def _spread(seed: int, symbol: str, shape: Shape, strike: float, step: float,
            near: tuple[dt.date, str], far: tuple[dt.date, str], market: Market) -> dict:
    """One entry of ``optionStrategyList``: its first two legs and the whole spread's quote."""
    legs = [(ratio, _leg(seed, symbol, far if later else near, put,
                         round(strike + offset * step, 2), market))
            for ratio, put, offset, later in shape]
    bid = sum(r * (leg["bid"] if r > 0 else leg["ask"]) for r, leg in legs)
    ask = sum(r * (leg["ask"] if r > 0 else leg["bid"]) for r, leg in legs)
    strikes_ = dict.fromkeys(str(leg["strikePrice"]) for _, leg in legs)
    return {"primaryLeg": legs[0][1], "secondaryLeg": legs[1][1],
            "strategyStrike": "/".join(strikes_), "strategyBid": round(bid, 2),
            "strategyAsk": round(ask, 2)}


def _monthly_strategies(seed: int, symbol: str, market: Market, strategy: str,
                        sides: list[bool], step: float, listed: list[float],
                        wanted: list[tuple[dt.date, str]], listings: list[tuple[dt.date, str]],
                        strike_range: str) -> Iterator[dict]:
    """The ``monthlyStrategyList`` of a spread strategy, nearest expiration first."""
    make = SHAPES[strategy]
    two_dates = any(later for _, _, _, later in make(False))
    for near in wanted:
        later = [e for e in listings if e[0] > near[0]]
        far = later[0] if two_dates and later else near
        if two_dates and not later:
            continue
        for put in [False] if strategy in _BOTH_TYPES else sides:
            shape = make(put)
            spreads = [_spread(seed, symbol, shape, strike, step, near, far, market)
                       for strike in listed
                       if _strike_ok(strike, shape[0][1], market.spot, strike_range)
                       and all(strike + offset * step > 0 for _, _, offset, _ in shape)]
            if not spreads:
                continue
            yield {"month": f"{near[0]:%b}", "year": near[0].year, "day": near[0].day,
                   "daysToExp": (near[0] - market.today).days,
                   "secondaryMonth": f"{far[0]:%b}", "secondaryYear": far[0].year,
                   "secondaryDay": far[0].day, "secondaryDaysToExp": (far[0] - market.today).days,
                   "type": "P" if shape[0][1] else "C",
                   "secondaryType": "P" if shape[1][1] else "C",
                   "leap": False, "secondaryLeap": False, "optionStrategyList": spreads}

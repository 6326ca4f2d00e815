"""Schwab's other market-data routes over the TD mode's handlers and the shared data:
price history, chains, expiration chain, movers, market hours and instruments.

Where the TD handler computes the same thing, it is called with the request's
parameters in TD's spelling and its answer is rewritten in Schwab's shape.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable

from pyTD.sandbox.data import universe
from pyTD.sandbox.data.calendar import local_date, previous_trading_day
from pyTD.sandbox.data.options import expirations, root_of
from pyTD.sandbox.data.prices import daily_volume, day_bar, snapshot
from pyTD.sandbox.market import chains, history, instruments
from pyTD.sandbox.market.contracts import OPTIONABLE
from pyTD.sandbox.routing import (
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    bool_arg,
    enum_arg,
    json_response,
)
from pyTD.sandbox.schwab.errors import market_error
from pyTD.sandbox.schwab.symbols import to_model, to_schwab

#: TD's expiration kinds in Schwab's letters: monthly ``R`` is standard ``S``, ``S`` weekly.
_EXPIRATION_TYPES = {"R": "S", "S": "W"}
MOVER_INDICES = ("$DJI", "$COMPX", "$SPX", "NYSE", "NASDAQ", "OTCBB", "INDEX_ALL", "EQUITY_ALL",
                 "OPTION_ALL", "OPTION_PUT", "OPTION_CALL")
MOVER_SORTS = ("VOLUME", "TRADES", "PERCENT_CHANGE_UP", "PERCENT_CHANGE_DOWN")
PROJECTIONS = (*instruments.PROJECTIONS, "search")


def _as_td(req: SandboxRequest, **query: str) -> SandboxRequest:
    """A copy of ``req`` whose query has ``query`` set (``""``: removed)."""
    merged = {**req.query, **{k: [v] for k, v in query.items()}}
    return dataclasses.replace(req, query={k: v for k, v in merged.items() if v != [""]})


def _symbol(req: SandboxRequest) -> tuple[str, str]:
    symbol = req.arg("symbol")
    if not symbol:
        raise BadRequest("symbol is required")
    return symbol, to_model(symbol)


def get_price_history(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /marketdata/v1/pricehistory?symbol=...``; ``needPreviousClose`` adds the close
    of the trading day before."""
    symbol, model = _symbol(req)
    previous = bool_arg(req, "needPreviousClose", False)
    response = history.get_price_history(sandbox, req, model or symbol)
    body = response.body
    body["symbol"] = symbol
    if previous and model and sandbox.universe.knows(model):
        day = previous_trading_day(local_date(sandbox.clock()))
        bar = day_bar(sandbox.seed, model, day)
        # Stamped as that day's daily candle is (the reference's example: 06:00 UTC in winter).
        body["previousClose"] = round(bar.close, 2)
        body["previousCloseDate"] = int(bar.time) * 1000
    return response


def _iso(ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def _contract(c: dict, underlying: str, spot: float) -> dict:
    model_symbol, strike, put = c["symbol"], c["strikePrice"], c["putCall"] == "PUT"
    root = model_symbol.split("_")[0]
    intrinsic = round(max(0.0, (strike - spot) if put else (spot - strike)), 2)
    expiry = dt.date.fromisoformat(_iso(c["expirationDate"])[:10])
    out = {k: v for k, v in c.items() if k not in ("tradeDate", "isIndexOption")}
    out.update({
        "symbol": to_schwab(model_symbol),
        "description": f"{root} {expiry:%m/%d/%Y} {strike:.2f} {'P' if put else 'C'}",
        "optionDeliverablesList": [{"symbol": underlying, "assetType": "INDEX"
                                    if underlying.startswith("$") else "STOCK",
                                    "deliverableUnits": 100.0}],
        "expirationDate": _iso(c["expirationDate"]),
        "expirationType": _EXPIRATION_TYPES.get(c["expirationType"], "S"),
        "settlementType": "P", "deliverableNote": f"100 {underlying}",
        "intrinsicValue": intrinsic, "extrinsicValue": round(c["last"] - intrinsic, 2),
        "optionRoot": root, "exerciseType": "E" if underlying.startswith("$") else "A",
        "high52Week": round(max(c["last"], c["closePrice"]) * 1.8, 2),
        "low52Week": round(min(c["last"], c["closePrice"]) * 0.4, 2),
        "pennyPilot": True,
    })
    return out


def get_chain(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /marketdata/v1/chains``: TD's chain with Schwab's parameters and contract names."""
    symbol, model = _symbol(req)
    enum_arg(req, "entitlement", ("PN", "NP", "PP"))
    include = bool_arg(req, "includeUnderlyingQuote", False)
    response = chains.get_chain(sandbox, _as_td(req, symbol=model or "?", includeQuotes=str(
        include).lower(), includeUnderlyingQuote=""))
    body: dict[str, Any] = response.body
    kind = universe.asset_type(model) if model else None
    body.update({"symbol": symbol, "isIndex": symbol.startswith("$"),
                 "assetMainType": "INDEX" if kind == "INDEX" else "EQUITY",
                 "assetSubType": "ETF" if kind == "ETF" else "COE" if kind == "EQUITY"
                 else None, "isChainTruncated": False})
    if body.get("underlying"):
        body["underlying"]["symbol"] = symbol
    for month in body.get("monthlyStrategyList", []):  # a strategy chain: TD's shape
        for spread in month["optionStrategyList"]:
            for leg in (spread["primaryLeg"], spread["secondaryLeg"]):
                leg["symbol"] = to_schwab(leg["symbol"])
    for side in ("callExpDateMap", "putExpDateMap"):
        body[side] = {expiry: {strike: [_contract(c, symbol, body["underlyingPrice"])
                                        for c in contracts]
                               for strike, contracts in strikes.items()}
                      for expiry, strikes in body[side].items()}
    return response


def get_expiration_chain(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /marketdata/v1/expirationchain?symbol=...``: 404 for an unknown underlying."""
    _, model = _symbol(req)
    if not model or universe.asset_type(model) not in OPTIONABLE or \
            not sandbox.universe.knows(model):
        return market_error(404)
    today = local_date(sandbox.clock())
    return json_response({"expirationList": [
        {"expirationDate": day.isoformat(), "daysToExpiration": (day - today).days,
         "expirationType": _EXPIRATION_TYPES[kind], "settlementType": "P",
         "optionRoots": root_of(model).lstrip("$"), "standard": True}
        for day, kind in expirations(today)]})


def _members(index: str) -> tuple[str, ...]:
    equities = tuple(s.symbol for s in universe.UNIVERSE.values() if s.asset_type == "EQUITY")
    by_exchange = {"NYSE": "NYSE", "NASDAQ": "NASDAQ"}
    if index in universe.INDEX_MEMBERS or to_model(index) in universe.INDEX_MEMBERS:
        return universe.INDEX_MEMBERS[to_model(index)]
    if index in by_exchange:
        return tuple(s for s in equities if universe.UNIVERSE[s].exchange == by_exchange[index])
    if index == "EQUITY_ALL":
        return equities
    if index == "INDEX_ALL":
        return tuple(s for s in universe.UNIVERSE if s.startswith("$"))
    return ()  # OTCBB and the option screeners: nothing in the sandbox's universe


def mover_rows(seed: int, now: float, index: str, sort: str) -> list[dict[str, Any]]:
    """Every mover of ``index`` at ``now`` in Schwab's row shape, sorted by ``sort`` (one of
    :data:`MOVER_SORTS` or ``AVERAGE_PERCENT_VOLUME``, the volume against a usual day's)."""
    rows: list[dict[str, Any]] = []
    for model in _members(index):
        snap = snapshot(seed, model, now)
        last, close = round(snap.last, 2), round(snap.close, 2)
        rows.append({"description": universe.describe(model), "volume": snap.volume,
                     "lastPrice": last, "netChange": round(last - close, 2),
                     "marketShare": 0.0, "totalVolume": snap.volume,
                     "trades": snap.volume // 97 + 1,
                     "netPercentChange": round((last - close) / close, 4) if close else 0.0,
                     "symbol": to_schwab(model)})
    total = sum(r["volume"] for r in rows) or 1
    for row in rows:
        row["marketShare"] = round(100 * row["volume"] / total, 2)
    keys: dict[str, Callable[[dict[str, Any]], float]] = {
        "VOLUME": lambda r: -r["volume"], "TRADES": lambda r: -r["trades"],
        "PERCENT_CHANGE_UP": lambda r: -r["netPercentChange"],
        "PERCENT_CHANGE_DOWN": lambda r: r["netPercentChange"],
        "AVERAGE_PERCENT_VOLUME": lambda r: -r["volume"] / daily_volume(
            seed, to_model(r["symbol"]))}
    key = keys[sort]
    if sort == "PERCENT_CHANGE_UP":
        rows = [r for r in rows if r["netPercentChange"] > 0]
    elif sort == "PERCENT_CHANGE_DOWN":
        rows = [r for r in rows if r["netPercentChange"] < 0]
    rows.sort(key=lambda r: (key(r), r["symbol"]))
    return rows


def get_movers(sandbox: SandboxLike, req: SandboxRequest, index: str) -> SandboxResponse:
    """``GET /marketdata/v1/movers/{symbol_id}?sort=&frequency=``: ``{"screeners": [...]}``,
    at most ten."""
    if index not in MOVER_INDICES:
        raise BadRequest(f"Invalid symbol_id '{index}': allowed values are "
                         + ", ".join(MOVER_INDICES))
    sort = enum_arg(req, "sort", MOVER_SORTS, "VOLUME")
    enum_arg(req, "frequency", ("0", "1", "5", "10", "30", "60"))
    return json_response({"screeners": mover_rows(sandbox.seed, sandbox.clock(), index,
                                                  sort)[:10]})


def _instrument(seed: int, item: dict, now: float) -> dict:
    symbol = item["symbol"]
    out = {"cusip": item["cusip"]} if "cusip" in item else {}
    out.update({"symbol": to_schwab(symbol), "description": item["description"].upper(),
                "exchange": item["exchange"], "assetType": item["assetType"]})
    if "fundamental" in item:
        fund = dict(item.pop("fundamental"), symbol=to_schwab(symbol))
        fund.update({"avg10DaysVolume": int(fund["vol10DayAvg"]),
                     "avg1DayVolume": int(fund["vol1DayAvg"]),
                     "avg3MonthVolume": int(fund["vol3MonthAvg"]),
                     "declarationDate": "2024-08-01 00:00:00.0", "dividendFreq": 4
                     if fund["dividendAmount"] else 0, "eps": fund["epsTTM"],
                     "dtnVolume": int(snapshot(seed, symbol, now).volume),
                     "nextDividendPayDate": "2024-11-15 00:00:00.0",
                     "nextDividendDate": "2024-11-12 00:00:00.0", "fundLeverageFactor": 0.0})
        out = {"fundamental": fund, **out}
    return out


def search_instruments(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /marketdata/v1/instruments?symbol=&projection=``: ``{"instruments": [...]}``."""
    projection = enum_arg(req, "projection", PROJECTIONS)
    if projection is None:
        raise BadRequest("projection is required")
    term, _ = _symbol(req)
    if projection in ("symbol-search", "fundamental"):
        term = ",".join(to_model(t.strip()) or "?" for t in term.split(","))
    td_projection = "symbol-regex" if projection == "search" else projection
    found = instruments.search_instruments(sandbox, _as_td(req, symbol=term,
                                                           projection=td_projection)).body
    now = sandbox.clock()
    return json_response({"instruments": [_instrument(sandbox.seed, item, now)
                                          for item in found.values()]})


def get_instrument(sandbox: SandboxLike, req: SandboxRequest, cusip: str) -> SandboxResponse:
    """``GET /marketdata/v1/instruments/{cusip_id}``: the live wrapper, 404 when unknown."""
    security = universe.BY_CUSIP.get(cusip)
    found = instruments.instrument(sandbox.seed, security.symbol) if security else None
    if found is None:
        return market_error(404, f"Instrument with cusip {cusip} not found")
    return json_response({"instruments": [_instrument(sandbox.seed, found, sandbox.clock())]})

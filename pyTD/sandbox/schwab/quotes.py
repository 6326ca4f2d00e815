"""Schwab's quotes: ``GET /marketdata/v1/quotes`` and ``/marketdata/v1/{symbol_id}/quotes``.

Each quote is the shared model's quote (:func:`pyTD.sandbox.market.quotes.quote`)
regrouped into Schwab's nested sections (``quote``, ``reference``, ``regular``,
``fundamental``, ``extended``) with Schwab's field names (reference §5.1).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Optional

from pyTD.provider import SCHWAB
from pyTD.sandbox.data import seeded
from pyTD.sandbox.data.calendar import local_date
from pyTD.sandbox.market.quotes import quote
from pyTD.sandbox.routing import SandboxLike, SandboxRequest, SandboxResponse, json_response
from pyTD.sandbox.schwab.errors import market_error
from pyTD.sandbox.schwab.symbols import to_model, to_schwab

FIELDS = ("quote", "fundamental", "extended", "reference", "regular")
_FIELDS_DETAIL = ("valid fields should be any of all,fundamental,reference,extended,quote,"
                  "regular or empty value")
_MIC = {"q": ("XNAS", "Q", "NASDAQ"), "n": ("XNYS", "N", "NYSE"), "p": ("ARCX", "P", "NYSE Arca")}


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T04:00:00Z"


def _common(q: dict) -> dict:
    return {"closePrice": q["closePrice"], "highPrice": q["highPrice"],
            "lowPrice": q["lowPrice"], "openPrice": q["openPrice"],
            "netChange": q["netChange"], "totalVolume": q["totalVolume"]}


def _equity(seed: int, q: dict, now: float) -> dict:
    mic, code, name = _MIC[q["exchange"]]
    percent = q["netPercentChangeInDouble"]
    today = local_date(now)
    eps = round(q["lastPrice"] / q["peRatio"], 4) if q["peRatio"] else 0.0
    return {
        "assetMainType": "EQUITY", "assetSubType": "ETF" if q["assetType"] == "ETF" else "COE",
        "quoteType": "NBBO",
        "fundamental": {
            "avg10DaysVolume": float(q["totalVolume"]), "avg1YearVolume": float(
                int(q["totalVolume"] * 1.1)),
            "declarationDate": _stamp(today - dt.timedelta(days=80)),
            "divAmount": q["divAmount"], "divExDate": _stamp(today - dt.timedelta(days=60)),
            "divFreq": 4 if q["divAmount"] else 0, "divPayAmount": round(q["divAmount"] / 4, 4),
            "divPayDate": _stamp(today - dt.timedelta(days=55)), "divYield": q["divYield"],
            "eps": eps, "fundLeverageFactor": 0.0,
            "lastEarningsDate": _stamp(today - dt.timedelta(days=80)),
            "nextDivExDate": _stamp(today + dt.timedelta(days=30)),
            "nextDivPayDate": _stamp(today + dt.timedelta(days=35)), "peRatio": q["peRatio"]},
        "quote": {
            "52WeekHigh": q["52WkHigh"], "52WeekLow": q["52WkLow"], "askMICId": mic,
            "askPrice": q["askPrice"], "askSize": q["askSize"] // 100,
            "askTime": q["quoteTimeInLong"], "bidMICId": mic, "bidPrice": q["bidPrice"],
            "bidSize": q["bidSize"] // 100, "bidTime": q["quoteTimeInLong"], **_common(q),
            "lastMICId": mic, "lastPrice": q["lastPrice"], "lastSize": q["lastSize"] // 100,
            "mark": q["mark"], "markChange": q["markChangeInDouble"],
            "markPercentChange": q["markPercentChangeInDouble"], "netPercentChange": percent,
            "postMarketChange": round(q["lastPrice"] - q["regularMarketLastPrice"], 4),
            "postMarketPercentChange": round(
                100 * (q["lastPrice"] - q["regularMarketLastPrice"]) / q["lastPrice"], 4)
            if q["lastPrice"] else 0.0,
            "quoteTime": q["quoteTimeInLong"], "securityStatus": "Normal",
            "tradeTime": q["tradeTimeInLong"], "volatility": q["volatility"]},
        "reference": {"cusip": q["cusip"], "description": q["description"], "exchange": code,
                      "exchangeName": name, "isHardToBorrow": False, "isShortable": True,
                      "htbQuantity": int(1e7 * seeded.unit(seed, "htb", q["symbol"])),
                      "htbRate": 0.0},
        "regular": {"regularMarketLastPrice": q["regularMarketLastPrice"],
                    "regularMarketLastSize": q["regularMarketLastSize"],
                    "regularMarketNetChange": q["regularMarketNetChange"],
                    "regularMarketPercentChange": q["regularMarketPercentChangeInDouble"],
                    "regularMarketTradeTime": q["regularMarketTradeTimeInLong"]},
        "extended": {"askPrice": q["askPrice"], "askSize": q["askSize"] // 100,
                     "bidPrice": q["bidPrice"], "bidSize": q["bidSize"] // 100,
                     "lastPrice": q["lastPrice"], "lastSize": q["lastSize"] // 100,
                     "mark": q["mark"], "quoteTime": q["quoteTimeInLong"], "totalVolume": 0,
                     "tradeTime": q["tradeTimeInLong"]},
    }


def _index(seed: int, q: dict, now: float) -> dict:
    return {"assetMainType": "INDEX",
            "quote": {"52WeekHigh": q["52WkHigh"], "52WeekLow": q["52WkLow"], **_common(q),
                      "lastPrice": q["lastPrice"],
                      "netPercentChange": q["netPercentChangeInDouble"],
                      "securityStatus": "Unknown", "tradeTime": q["tradeTimeInLong"]},
            "reference": {"description": q["description"], "exchange": "0",
                          "exchangeName": "Index"}}


def _doubles(q: dict) -> dict:
    """The quote fields futures and forex share, from the model's ``...InDouble`` names."""
    return {"askPrice": q["askPriceInDouble"], "askSize": q["askSizeInLong"],
            "bidPrice": q["bidPriceInDouble"], "bidSize": q["bidSizeInLong"],
            "closePrice": q["closePriceInDouble"], "highPrice": q["highPriceInDouble"],
            "lastPrice": q["lastPriceInDouble"], "lastSize": q["lastSizeInLong"],
            "lowPrice": q["lowPriceInDouble"], "mark": q["mark"],
            "netChange": q["changeInDouble"], "openPrice": q["openPriceInDouble"],
            "quoteTime": q["quoteTimeInLong"], "securityStatus": "Unknown",
            "tick": q["tick"], "tickAmount": q["tickAmount"], "totalVolume": q["totalVolume"],
            "tradeTime": q["tradeTimeInLong"]}


def _future(seed: int, q: dict, now: float) -> dict:
    return {"assetMainType": "FUTURE",
            "quote": {**_doubles(q), "futurePercentChange": q["futurePercentChange"],
                      "openInterest": q["openInterest"], "settleTime": q["tradeTimeInLong"]},
            "reference": {"description": q["description"], "exchange": "@",
                          "exchangeName": "XCME", "futureActiveSymbol": q["futureActiveSymbol"],
                          "futureExpirationDate": q["futureExpirationDate"],
                          "futureIsActive": True, "futureIsTradable": True,
                          "futureMultiplier": q["futureMultiplier"], "futurePriceFormat": "D,D",
                          "futureSettlementPrice": q["futureSettlementPrice"],
                          "futureTradingHours": q["tradingHours"], "product": q["symbol"]}}


def _forex(seed: int, q: dict, now: float) -> dict:
    return {"assetMainType": "FOREX",
            "quote": {**_doubles(q), "52WeekHigh": q["52WkHighInDouble"],
                      "52WeekLow": q["52WkLowInDouble"], "netPercentChange": q["percentChange"]},
            "reference": {"description": q["description"], "exchange": "T",
                          "exchangeName": "GFT", "isTradable": True, "marketMaker": "",
                          "product": q["symbol"], "tradingHours": ""}}


def _option(seed: int, q: dict, now: float) -> dict:
    from pyTD.sandbox.data.options import parse_option

    opt = parse_option(q["symbol"])
    assert opt is not None  # the model quoted it
    keys = ("askPrice", "askSize", "bidPrice", "bidSize", "closePrice", "delta", "gamma",
            "highPrice", "lastPrice", "lastSize", "lowPrice", "mark", "moneyIntrinsicValue",
            "netChange", "openInterest", "openPrice", "rho", "theoreticalOptionValue", "theta",
            "timeValue", "totalVolume", "underlyingPrice", "vega", "volatility")
    body = {key: q[key] for key in keys}
    body.update({"quoteTime": q["quoteTimeInLong"], "tradeTime": q["tradeTimeInLong"],
                 "securityStatus": "Normal"})
    days = (opt.expiry - local_date(now)).days
    return {"assetMainType": "OPTION", "quote": body, "reference": {
        "contractType": q["contractType"], "daysToExpiration": days,
        "deliverables": q["deliverables"], "description": q["description"], "exchange": "o",
        "exchangeName": "OPR", "exerciseType": "E" if opt.underlying.startswith("$") else "A",
        "expirationDay": opt.expiry.day, "expirationMonth": opt.expiry.month,
        "expirationType": "S" if q["uvExpirationType"] == "R" else "W",
        "expirationYear": opt.expiry.year, "isPennyPilot": True, "multiplier": 100.0,
        "settlementType": "P", "strikePrice": q["strikePrice"],
        "underlying": to_schwab(opt.underlying), "uvExpirationType": "S"
        if q["uvExpirationType"] == "R" else "W"}}


def _future_option(seed: int, q: dict, now: float) -> dict:
    keys = ("askPrice", "askSize", "bidPrice", "bidSize", "closePrice", "highPrice",
            "lastPrice", "lastSize", "lowPrice", "mark", "markChange", "netChange",
            "openInterest", "openPrice", "securityStatus", "tick", "tickAmount", "totalVolume")
    body = {key: q[key] for key in keys}
    body.update({"askMICId": "XCME", "bidMICId": "XCME", "lastMICId": "XCME",
                 "netPercentChange": q["netPercentChangeInDouble"],
                 "quoteTime": q["quoteTimeInLong"], "tradeTime": q["tradeTimeInLong"],
                 "settlemetPrice": q["futureSettlementPrice"]})  # sic, as Schwab spells it
    return {"assetMainType": "FUTURE_OPTION", "quote": body, "reference": {
        "contractType": q["contractType"], "description": q["description"],
        "exchange": q["exchange"], "exchangeName": q["exchangeName"],
        "multiplier": q["futureMultiplier"], "expirationDate": q["futureExpirationDate"],
        "expirationStyle": q["expirationStyle"], "strikePrice": q["strikePrice"],
        "underlying": q["underlying"]}}


_SHAPES: dict[str, Callable[[int, dict, float], dict]] = {
    "INDEX": _index, "FUTURE": _future, "FOREX": _forex, "OPTION": _option,
    "FUTURE_OPTION": _future_option}


def schwab_quote(sandbox: SandboxLike, symbol: str,
                 fields: tuple[str, ...] = ()) -> Optional[dict]:
    """The Schwab quote of a Schwab ``symbol`` (``fields``: only those sections), or None
    when it does not exist."""
    model = to_model(symbol)
    if not model or not sandbox.universe.knows(model):
        return None
    now = sandbox.clock()
    q = quote(sandbox.seed, model, now, False)
    if q is None:
        return None
    shape = _SHAPES.get(q["assetMainType"], _equity)(sandbox.seed, q, now)
    sections = fields or ("quote", "reference", "regular", "fundamental")
    out: dict[str, Any] = {"assetMainType": shape.pop("assetMainType")}
    for key in ("assetSubType", "quoteType"):
        if key in shape:
            out[key] = shape.pop(key)
    out.update({"realtime": True, "ssid": int(1e9 * seeded.unit(sandbox.seed, "ssid", model)),
                "symbol": symbol})
    out.update({name: body for name, body in shape.items() if name in sections})
    return out


def indicative_quote(sandbox: SandboxLike, etf: str, fields: tuple[str, ...] = ()) -> dict:
    """The ``$ETF.IV`` quote (intraday indicative value) of a known ETF, index-shaped."""
    now = sandbox.clock()
    q = quote(sandbox.seed, etf, now, False) or {}
    shape = _index(sandbox.seed, q, now)
    shape["reference"]["description"] = f"{q.get('description', etf)} INDICATIVE VALUE"
    sections = fields or ("quote", "reference")
    out: dict[str, Any] = {"assetMainType": shape.pop("assetMainType"), "realtime": True,
                           "symbol": f"${etf}.IV"}
    out.update({name: body for name, body in shape.items() if name in sections})
    return out


def _fields(req: SandboxRequest) -> Optional[tuple[str, ...]]:
    """The requested sections (``()``: the default), ``None`` when a name is invalid."""
    names = [f.strip() for f in (req.arg("fields") or "").split(",") if f.strip()]
    if any(name not in (*FIELDS, "all") for name in names):
        return None
    return () if not names or "all" in names else tuple(names)


def _bad_fields() -> SandboxResponse:
    return market_error(400, _FIELDS_DETAIL, {"parameter": "fields"})


def get_quotes(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /marketdata/v1/quotes?symbols=A,B&fields=...&indicative=...``: unknown symbols
    are listed under ``errors.invalidSymbols``."""
    symbols = list(dict.fromkeys(s.strip() for s in (req.arg("symbols") or "").split(",")
                                 if s.strip()))
    if not symbols:
        return market_error(400, "Search combination should have min of 1.", {"pointer": [
            "/data/attributes/symbols", "/data/attributes/cusips", "/data/attributes/ssids"]})
    if len(symbols) > SCHWAB.max_quote_symbols:
        return market_error(400, "Search combination should not exceed "
                            f"{SCHWAB.max_quote_symbols}.")
    fields = _fields(req)
    if fields is None:
        return _bad_fields()
    indicative = (req.arg("indicative") or "false").lower()
    if indicative not in ("true", "false"):
        return market_error(400, "indicative should be true or false",
                            {"parameter": "indicative"})
    out: dict[str, Any] = {}
    invalid = []
    for symbol in symbols:
        body = schwab_quote(sandbox, symbol, fields)
        if body is None:
            invalid.append(symbol)
        else:
            out[symbol] = body
            if indicative == "true" and body.get("assetSubType") == "ETF":
                out[f"${symbol}.IV"] = indicative_quote(sandbox, symbol, fields)
    if invalid:
        out["errors"] = {"invalidSymbols": invalid}
    return json_response(out)


def get_quote(sandbox: SandboxLike, req: SandboxRequest, symbol: str) -> SandboxResponse:
    """``GET /marketdata/v1/{symbol_id}/quotes``: 404 for an unknown symbol."""
    fields = _fields(req)
    if fields is None:
        return _bad_fields()
    body = schwab_quote(sandbox, symbol, fields)
    if body is None:
        return market_error(404)
    return json_response({symbol: body})

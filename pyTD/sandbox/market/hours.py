"""Market hours: ``GET /marketdata/hours`` and ``GET /marketdata/{market}/hours``."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from pyTD.sandbox.data.calendar import is_trading_day, local_date, offset_text
from pyTD.sandbox.routing import (
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    date_arg,
    json_response,
    required,
)

MARKETS = ("EQUITY", "OPTION", "FUTURE", "BOND", "FOREX")

#: market -> [(product, productName, marketType, {session: [(start, end), ...]})]; times are
#: Eastern ``HH:MM``, a start before the previous midnight is written ``-HH:MM``.
_PRODUCTS: dict[str, list[tuple[str, Optional[str], str, dict[str, list[tuple[str, str]]]]]] = {
    "EQUITY": [("EQ", "equity", "EQUITY", {"preMarket": [("07:00", "09:30")],
                                           "regularMarket": [("09:30", "16:00")],
                                           "postMarket": [("16:00", "20:00")]})],
    "OPTION": [("EQO", "equity option", "OPTION", {"regularMarket": [("09:30", "16:00")]}),
               ("IND", "index option", "OPTION", {"regularMarket": [("09:30", "16:15")]})],
    "FUTURE": [("ES", "E-mini S&P 500 Index Futures", "FUTURE",
                {"preMarket": [("-18:00", "09:30")],
                 "regularMarket": [("09:30", "16:15"), ("16:30", "17:00")]}),
               ("CL", "Light Sweet Crude Oil Futures", "FUTURE",
                {"preMarket": [("-18:00", "09:00")], "regularMarket": [("09:00", "17:00")]})],
    "BOND": [("BON", "bond", "BOND", {"preMarket": [("07:30", "08:00")],
                                      "regularMarket": [("08:00", "17:00")]})],
    "FOREX": [("forex", None, "FOREX", {"regularMarket": [("-17:00", "17:00")]})],
}


def _stamp(day: dt.date, hhmm: str) -> str:
    if hhmm.startswith("-"):
        day, hhmm = day - dt.timedelta(days=1), hhmm[1:]
    return f"{day.isoformat()}T{hhmm}:00{offset_text(day)}"


def market_hours(market: str, day: dt.date) -> dict:
    """``{product: Hours}`` of one market on ``day``."""
    is_open = is_trading_day(day)
    out = {}
    for product, name, market_type, sessions in _PRODUCTS[market]:
        label = None if market == "FOREX" else "NULL"  # TD's two spellings of "none"
        out[product] = {
            "date": day.isoformat(), "marketType": market_type,
            "exchange": label, "category": label,
            "product": product, "productName": name, "isOpen": is_open,
            "sessionHours": {session: [{"start": _stamp(day, a), "end": _stamp(day, b)}
                                       for a, b in spans]
                             for session, spans in sessions.items()} if is_open else None,
        }
    return out


def _day(sandbox: SandboxLike, req: SandboxRequest) -> dt.date:
    return date_arg(req, "date") or local_date(sandbox.clock())


def _market(name: str) -> str:
    market = name.upper()
    if market not in MARKETS:
        raise BadRequest(f"Invalid market '{name}': allowed values are {', '.join(MARKETS)}")
    return market


def get_hours(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /marketdata/hours?markets=EQUITY,OPTION&date=yyyy-MM-dd``."""
    markets = [_market(m.strip()) for m in required(req, "markets").split(",") if m.strip()]
    day = _day(sandbox, req)
    return json_response({m.lower(): market_hours(m, day) for m in dict.fromkeys(markets)})


def get_market_hours(sandbox: SandboxLike, req: SandboxRequest, market: str) -> SandboxResponse:
    """``GET /marketdata/{market}/hours``."""
    name = _market(market)
    return json_response({name.lower(): market_hours(name, _day(sandbox, req))})

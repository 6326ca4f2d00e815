"""Trading hours: ``GET /marketdata/hours`` and ``/marketdata/{market}/hours``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

from pyTD import output
from pyTD.endpoints import Call, EndpointRequest
from pyTD.validation import DateArg, check_enum_list, date_param

if TYPE_CHECKING:
    from pyTD.api import api as Client

MARKETS = ("EQUITY", "OPTION", "FUTURE", "BOND", "FOREX")


def get_market_hours(markets: Union[str, list[str]] = "EQUITY",
                     date: Optional[DateArg] = None, output_format: Optional[str] = None,
                     api: Optional[Client] = None) -> Any:
    """Hours of one or several markets (EQUITY, OPTION, FUTURE, BOND, FOREX) on a day.

    ``date`` is a date, a datetime or ``"yyyy-MM-dd"`` (TD's default: today).
    Market names are accepted in any case and sent as the provider spells them
    (TD Ameritrade ``EQUITY``, Charles Schwab ``equity``).
    JSON: the provider's map ``market -> product -> Hours`` (Schwab's ``Hours`` add
    ``sessionHours`` lists and ``"NULL"`` strings). pandas: one row per market and
    product (index ``(market, product)``), ``"NULL"`` as ``None``, and
    ``sessionHours`` flattened into UTC datetime columns ``preMarket.start``,
    ``preMarket.end``, ``regularMarket.start``, ``regularMarket.end``,
    ``postMarket.start``, ``postMarket.end`` (``NaT`` when closed). A session in
    several spans (a futures market's 16:15-16:30 break) gives its first start
    and its last end; the JSON keeps every span.

    >>> from pyTD.market import get_market_hours
    >>> get_market_hours(["EQUITY", "OPTION"], date="2024-01-31")  # doctest: +SKIP
    {'equity': {'EQ': {'isOpen': True, ...}}, 'option': {...}}
    """
    names = check_enum_list("markets", markets, MARKETS)
    params = {} if date is None else {"date": date_param("date", date)}
    call = Call(api, output_format)
    if call.api.provider.lower_market_ids:
        names = [name.lower() for name in names]
    if len(names) == 1:
        data = call.get("market_hours", params, market=names[0])
    else:
        data = call.get("hours", {**params, "markets": ",".join(names)})
    return call.render(data or {}, _frame)


class MarketHours(EndpointRequest):
    """pyTD 0.0.x's ``MarketHours(markets, date, output_format, api).execute()``."""

    function = staticmethod(get_market_hours)


#: The sessions of ``sessionHours``, each flattened into ``<session>.start``/``<session>.end``.
SESSIONS = ("preMarket", "regularMarket", "postMarket")


def _flat_sessions(hours: dict[str, Any]) -> dict[str, Any]:
    """``hours`` with ``sessionHours`` as ``<session>.start``/``.end`` (first start, last end)."""
    spans = hours.get("sessionHours") or {}
    flat = {key: None if value == "NULL" else value
            for key, value in hours.items() if key != "sessionHours"}
    for session in (*SESSIONS, *(name for name in spans if name not in SESSIONS)):
        parts = spans.get(session) or []
        flat[f"{session}.start"] = parts[0].get("start") if parts else None
        flat[f"{session}.end"] = parts[-1].get("end") if parts else None
    return flat


def _frame(data: dict[str, Any]) -> Any:
    pd = output.pandas()
    rows = {(market, product): _flat_sessions(hours)
            for market, products in data.items() for product, hours in products.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    columns: list[Any] = list(zip(*rows)) or [[], []]
    frame.index = pd.MultiIndex.from_arrays(columns,
                                            names=["market", "product"])
    for column in frame.columns:
        if column.endswith((".start", ".end")):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame

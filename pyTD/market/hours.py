"""Trading hours: ``GET /marketdata/hours`` and ``/marketdata/{market}/hours``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

from pyTD import output
from pyTD.endpoints import EndpointRequest, fetch
from pyTD.validation import DateArg, check_enum_list, date_param

if TYPE_CHECKING:
    from pyTD.api import api as Client

MARKETS = ("EQUITY", "OPTION", "FUTURE", "BOND", "FOREX")


def get_market_hours(markets: Union[str, list[str]] = "EQUITY",
                     date: Optional[DateArg] = None, output_format: Optional[str] = None,
                     api: Optional[Client] = None) -> Any:
    """Hours of one or several markets (EQUITY, OPTION, FUTURE, BOND, FOREX) on a day.

    ``date`` is a date, a datetime or ``"yyyy-MM-dd"`` (TD's default: today).
    JSON: TD's map ``market -> product -> Hours``. pandas: one row per market and
    product (index ``(market, product)``), closed sessions as ``None``.

    >>> from pyTD.market import get_market_hours
    >>> get_market_hours(["EQUITY", "OPTION"], date="2024-01-31")  # doctest: +SKIP
    {'equity': {'EQ': {'isOpen': True, ...}}, 'option': {...}}
    """
    names = check_enum_list("markets", markets, MARKETS)
    params = {} if date is None else {"date": date_param("date", date)}
    if len(names) == 1:
        return fetch(api, "market_hours", _frame, output_format=output_format, params=params,
                     empty={}, market=names[0])
    params["markets"] = ",".join(names)
    return fetch(api, "hours", _frame, output_format=output_format, params=params, empty={})


class MarketHours(EndpointRequest):
    """pyTD 0.0.x's ``MarketHours(markets, date, output_format, api).execute()``."""

    function = staticmethod(get_market_hours)


def _frame(data: dict[str, Any]) -> Any:
    pd = output.pandas()
    rows = {(market, product): {key: None if value == "NULL" else value
                                for key, value in hours.items()}
            for market, products in data.items() for product, hours in products.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    columns: list[Any] = list(zip(*rows)) or [[], []]
    frame.index = pd.MultiIndex.from_arrays(columns,
                                            names=["market", "product"])
    return frame

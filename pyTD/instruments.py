"""Instrument search and lookup: ``GET /instruments`` and ``GET /instruments/{cusip}``."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.endpoints import fetch
from pyTD.exceptions import ValidationError
from pyTD.validation import Symbols, check_enum, check_text, normalize_symbols

if TYPE_CHECKING:
    from pyTD.api import api as Client

PROJECTIONS = ("symbol-search", "symbol-regex", "desc-search", "desc-regex", "fundamental")


def get_instruments(symbol: Symbols, *, projection: str = "symbol-search",
                    api: Optional[Client] = None,
                    output_format: Optional[str] = None) -> Any:
    """Search instruments by symbol, symbol regex, description or description regex.

    ``projection`` is one of ``symbol-search`` (exact symbols or CUSIPs; a list is
    allowed), ``symbol-regex`` (``"XYZ.*"``), ``desc-search``, ``desc-regex`` or
    ``fundamental`` (see also :func:`pyTD.market.get_fundamentals`).
    JSON: ``{symbol: instrument}``; pandas: one row per instrument (index ``symbol``).

    >>> from pyTD.instruments import get_instruments
    >>> get_instruments("MSF.*", projection="symbol-regex")  # doctest: +SKIP
    {'MSFT': {'cusip': '594918104', 'symbol': 'MSFT', 'assetType': 'EQUITY', ...}}
    """
    projection = check_enum("projection", projection, PROJECTIONS)
    if projection == "symbol-search":
        query = ",".join(normalize_symbols(symbol, "symbol"))
    else:  # a pattern or description: commas are part of it
        query = check_text("symbol", symbol)
    return fetch(api, "instruments", lambda d: output.records_frame(list(d.values()),
                                                                    index="symbol"),
                 output_format=output_format, params={"symbol": query, "projection": projection},
                 empty={})


def get_instrument(cusip: str, *, api: Optional[Client] = None,
                   output_format: Optional[str] = None) -> Any:
    """The instrument with this CUSIP (a string: leading zeros matter).

    JSON: TD's one-element list; pandas: one row (index ``cusip``).

    >>> from pyTD.instruments import get_instrument
    >>> get_instrument("037833100")  # doctest: +SKIP
    [{'cusip': '037833100', 'symbol': 'AAPL', 'assetType': 'EQUITY', ...}]
    """
    if isinstance(cusip, numbers.Number):
        raise ValidationError(f"cusip must be a string such as '037833100', not a number "
                              f"({cusip!r}): a number loses the leading zeros. Pass it quoted.")
    return fetch(api, "instrument", lambda d: output.records_frame(d, index="cusip"),
                 output_format=output_format, empty=[],
                 cusip=check_text("cusip", cusip, "037833100"))

"""Instrument search and lookup: ``GET /instruments`` and ``GET /instruments/{cusip}``."""

from __future__ import annotations

import numbers
import re
from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.endpoints import Call, EndpointRequest
from pyTD.exceptions import ResourceNotFound, ValidationError
from pyTD.validation import Symbols, check_enum, check_text, normalize_symbols

if TYPE_CHECKING:
    from pyTD.api import api as Client

PROJECTIONS = ("symbol-search", "symbol-regex", "desc-search", "desc-regex", "fundamental")
#: Nine letters or digits, at least one a digit: a CUSIP rather than a ticker.
_CUSIP = re.compile(r"(?=.*\d)[0-9A-Za-z]{9}")


def get_instruments(symbol: Symbols, *, projection: str = "symbol-search",
                    api: Optional[Client] = None,
                    output_format: Optional[str] = None) -> Any:
    """Search instruments by symbol, symbol regex, description or description regex.

    ``projection`` is one of ``symbol-search`` (exact symbols or CUSIPs; a list is
    allowed), ``symbol-regex`` (``"XYZ.*"``), ``desc-search``, ``desc-regex`` or
    ``fundamental`` (see also :func:`pyTD.market.get_fundamentals`); Charles Schwab
    also takes ``search`` (a regex on symbols).
    JSON: ``{symbol: instrument}`` on every provider (Schwab's
    ``{"instruments": [...]}`` is keyed by symbol); pandas: one row per instrument
    (index ``symbol``). Nothing found raises :class:`~pyTD.exceptions.ResourceNotFound`.

    >>> from pyTD.instruments import get_instruments
    >>> get_instruments("MSF.*", projection="symbol-regex")  # doctest: +SKIP
    {'MSFT': {'cusip': '594918104', 'symbol': 'MSFT', 'assetType': 'EQUITY', ...}}
    """
    call = Call(api, output_format)
    projection = check_enum("projection", projection, call.api.provider.instrument_projections)
    if projection == "symbol-search":
        query = ",".join(normalize_symbols(symbol, "symbol"))
    else:  # a pattern or description: commas are part of it
        query = check_text("symbol", symbol)
    data = _by_symbol(call.get("instruments", {"symbol": query, "projection": projection}))
    if not data:
        raise ResourceNotFound(f"No instrument matches {query!r} ({projection}): check the "
                               "spelling, or try projection='desc-search' to search names.")
    return call.render(data, lambda d: output.records_frame(list(d.values()), index="symbol"))


def get_instrument(symbol_or_cusip: str, *, projection: Optional[str] = None,
                   api: Optional[Client] = None, output_format: Optional[str] = None) -> Any:
    """One instrument by CUSIP (a string: leading zeros matter) or by symbol.

    A CUSIP (nine letters and digits) is looked up at ``/instruments/{cusip}``:
    JSON is TD's one-element list (Schwab's object or ``{"instruments": [...]}``
    becomes the same list), pandas one row (index ``cusip``). A symbol,
    or any ``projection=``, goes through :func:`get_instruments` (``symbol-search``
    by default), as pyTD 0.0.x did: ``{symbol: instrument}``. Nothing found
    raises :class:`~pyTD.exceptions.ResourceNotFound`.

    >>> from pyTD.instruments import get_instrument
    >>> get_instrument("037833100")  # doctest: +SKIP
    [{'cusip': '037833100', 'symbol': 'AAPL', 'assetType': 'EQUITY', ...}]
    >>> get_instrument("AAPL")  # doctest: +SKIP
    {'AAPL': {'cusip': '037833100', 'symbol': 'AAPL', 'assetType': 'EQUITY', ...}}
    """
    if isinstance(symbol_or_cusip, numbers.Number):
        raise ValidationError(f"symbol_or_cusip must be a string such as '037833100' or "
                              f"'AAPL', not a number ({symbol_or_cusip!r}): a number loses a "
                              "CUSIP's leading zeros. Pass it quoted.")
    name = check_text("symbol_or_cusip", symbol_or_cusip, "037833100")
    if projection is not None or not _CUSIP.fullmatch(name):
        return get_instruments(name, projection=projection or "symbol-search", api=api,
                               output_format=output_format)
    call = Call(api, output_format)
    data = _as_list(call.get("instrument", cusip=name))
    if not data:
        raise ResourceNotFound(f"No instrument has the CUSIP {name!r}: check it, or search "
                               "with pyTD.instruments.get_instruments.")
    return call.render(data, lambda d: output.records_frame(d, index="cusip"))


def _by_symbol(answer: Any) -> Any:
    """TD's ``{symbol: instrument}`` as is; Schwab's ``{"instruments": [...]}`` keyed by symbol."""
    if isinstance(answer, dict) and isinstance(answer.get("instruments"), list):
        return {item["symbol"]: item for item in answer["instruments"]
                if isinstance(item, dict) and item.get("symbol")}
    return answer


def _as_list(answer: Any) -> Any:
    """TD's list as is; Schwab's ``{"instruments": [...]}`` or bare instrument as a list."""
    if isinstance(answer, dict):
        if isinstance(answer.get("instruments"), list):
            return [item for item in answer["instruments"] if isinstance(item, dict)]
        return [answer] if answer else []
    return answer


class Instruments(EndpointRequest):
    """pyTD 0.0.x's ``Instruments(symbol, projection=...).execute()``: :func:`get_instruments`."""

    function = staticmethod(get_instruments)

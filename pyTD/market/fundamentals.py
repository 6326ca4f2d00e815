"""Fundamental data: ``GET /instruments?projection=fundamental``, one request per symbol."""

from __future__ import annotations

from typing import Any, Optional

from pyTD import output
from pyTD.endpoints import resolve_api
from pyTD.validation import Symbols, normalize_symbols


def get_fundamentals(symbols: Symbols, *, api: Any = None,
                     output_format: Optional[str] = None) -> Any:
    """Fundamentals (P/E, dividends, margins, ...) of one or more symbols.

    TD serves one exact symbol per request; several symbols are fetched in turn.
    JSON: ``{symbol: {cusip, symbol, description, exchange, assetType, fundamental}}``;
    pandas: one row per symbol (index ``symbol``) with the ``FundamentalData`` columns.

    >>> from pyTD.market import get_fundamentals
    >>> get_fundamentals(["AAPL", "MSFT"], output_format="pandas")["peRatio"]  # doctest: +SKIP
    """
    names = normalize_symbols(symbols)
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    data: dict[str, Any] = {}
    for name in names:
        data.update(api.request("GET", "/instruments",
                                params={"symbol": name, "projection": "fundamental"}) or {})
    return output.render(data, fmt, _frame)


def _frame(data: dict[str, Any]) -> Any:
    records = [{**(item.get("fundamental") or {}), "symbol": symbol}
               for symbol, item in data.items()]
    return output.records_frame(records, index="symbol")

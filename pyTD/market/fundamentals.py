"""Fundamental data: ``GET /instruments?projection=fundamental``, one request per symbol."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.endpoints import Call, check_found, missing_keys
from pyTD.validation import Symbols, normalize_symbols

if TYPE_CHECKING:
    from pyTD.api import api as Client


def get_fundamentals(symbols: Symbols, *, api: Optional[Client] = None,
                     output_format: Optional[str] = None) -> Any:
    """Fundamentals (P/E, dividends, margins, ...) of one or more symbols.

    TD serves one exact symbol per request; several symbols are fetched in turn.
    JSON: ``{symbol: {cusip, symbol, description, exchange, assetType, fundamental}}``;
    pandas: one row per symbol (index ``symbol``) with the ``FundamentalData`` columns.
    Symbols TD does not know are left out with a warning in the log; when it
    knows none of them, :class:`~pyTD.exceptions.ResourceNotFound` names them.

    >>> from pyTD.market import get_fundamentals
    >>> get_fundamentals(["AAPL", "MSFT"], output_format="pandas")["peRatio"]  # doctest: +SKIP
    """
    names = normalize_symbols(symbols)
    call = Call(api, output_format)
    data: dict[str, Any] = {}
    for name in names:
        data.update(_by_symbol(call.get("instruments",
                                        {"symbol": name, "projection": "fundamental"})))
    check_found("fundamentals", names, missing_keys(names, data))
    return call.render(data, _frame)


def _by_symbol(answer: Any) -> dict[str, Any]:
    """TD's ``{symbol: instrument}`` as is; Schwab's ``{"instruments": [...]}`` keyed by symbol."""
    if isinstance(answer, dict) and isinstance(answer.get("instruments"), list):
        return {item["symbol"]: item for item in answer["instruments"]
                if isinstance(item, dict) and item.get("symbol")}
    return answer or {}


def _frame(data: dict[str, Any]) -> Any:
    records = [{**(item.get("fundamental") or {}), "symbol": symbol}
               for symbol, item in data.items()]
    return output.records_frame(records, index="symbol")

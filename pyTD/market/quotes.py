"""Real-time (or delayed) quotes: ``GET /marketdata/quotes`` and ``/marketdata/{symbol}/quotes``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.endpoints import Call, EndpointRequest, check_found, missing_keys
from pyTD.validation import Symbols, normalize_symbols

if TYPE_CHECKING:
    from pyTD.api import api as Client


def get_quotes(symbols: Symbols, output_format: Optional[str] = None,
               api: Optional[Client] = None) -> Any:
    """Quotes for one or more symbols, as ``{symbol: quote}`` or one row per symbol.

    Any number of symbols may be asked for: they are sent in batches of the
    provider's ``max_quote_symbols`` and the answers merged. Futures and forex
    symbols containing ``/`` (``/ES``, ``AUD/USD``) are supported. Symbols TD
    has no quote for are left out with a warning in the log; when it has none
    of them, :class:`~pyTD.exceptions.ResourceNotFound` names them.

    >>> from pyTD.market import get_quotes
    >>> get_quotes(["AAPL", "MSFT"])["AAPL"]["lastPrice"]  # doctest: +SKIP
    209.35
    >>> get_quotes("AAPL", output_format="pandas").loc["AAPL", "lastPrice"]  # doctest: +SKIP
    209.35
    """
    names = normalize_symbols(symbols)
    call = Call(api, output_format)
    if len(names) == 1 and "/" not in names[0]:
        data = call.get("quote", symbol=names[0]) or {}
    else:
        provider = call.api.provider
        size = provider.max_quote_symbols
        key = "symbols" if provider.option_symbol_style == "osi" else "symbol"
        data = {}
        for start in range(0, len(names), size):
            batch = ",".join(names[start:start + size])
            data.update(call.get("quotes", {key: batch}) or {})
    check_found("quote", names, missing_keys(names, data))
    return call.render(data, lambda d: _frame(d, names))


class Quotes(EndpointRequest):
    """pyTD 0.0.x's ``Quotes(symbols, output_format, api).execute()``: :func:`get_quotes`."""

    function = staticmethod(get_quotes)


def _frame(data: dict[str, Any], names: list[str]) -> Any:
    pd = output.pandas()
    rank = {name: i for i, name in enumerate(names)}
    ordered = sorted(data, key=lambda name: rank.get(name, len(rank)))
    frame = pd.DataFrame.from_dict({name: data[name] for name in ordered}, orient="index")
    frame.index.name = "symbol"
    return frame

"""Real-time (or delayed) quotes: ``GET /marketdata/quotes`` and ``/marketdata/{symbol}/quotes``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.endpoints import Call
from pyTD.validation import Symbols, normalize_symbols

if TYPE_CHECKING:
    from pyTD.api import api as Client


def get_quotes(symbols: Symbols, *, api: Optional[Client] = None,
               output_format: Optional[str] = None) -> Any:
    """Quotes for one or more symbols, as ``{symbol: quote}`` or one row per symbol.

    Any number of symbols may be asked for: they are sent in batches of the
    provider's ``max_quote_symbols`` and the answers merged. Futures and forex
    symbols containing ``/`` (``/ES``, ``AUD/USD``) are supported.

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
        size = call.api.provider.max_quote_symbols
        data = {}
        for start in range(0, len(names), size):
            batch = ",".join(names[start:start + size])
            data.update(call.get("quotes", {"symbol": batch}) or {})
    return call.render(data, lambda d: _frame(d, names))


def _frame(data: dict[str, Any], names: list[str]) -> Any:
    pd = output.pandas()
    rank = {name: i for i, name in enumerate(names)}
    ordered = sorted(data, key=lambda name: rank.get(name, len(rank)))
    frame = pd.DataFrame.from_dict({name: data[name] for name in ordered}, orient="index")
    frame.index.name = "symbol"
    return frame

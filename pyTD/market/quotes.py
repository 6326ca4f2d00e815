"""Real-time (or delayed) quotes: ``GET /marketdata/quotes`` and ``/marketdata/{symbol}/quotes``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

from pyTD import output
from pyTD.bulk import fetch_all
from pyTD.endpoints import Call, EndpointRequest, check_found, missing_keys
from pyTD.exceptions import NotSupportedError
from pyTD.progress import ProgressArg
from pyTD.symbols import in_provider_form
from pyTD.validation import Symbols, bool_param, check_enum_list, normalize_symbols

if TYPE_CHECKING:
    from pyTD.api import api as Client
    from pyTD.provider import Provider


def get_quotes(symbols: Symbols, output_format: Optional[str] = None,
               api: Optional[Client] = None, *,
               fields: Union[str, Iterable[str], None] = None,
               indicative: Optional[bool] = None, progress: ProgressArg = None) -> Any:
    """Quotes for one or more symbols, as ``{symbol: quote}`` or one row per symbol.

    Any number of symbols may be asked for: they are sent in batches of the
    provider's ``max_quote_symbols`` and the answers merged. Futures and forex
    symbols containing ``/`` (``/ES``, ``AUD/USD``) are supported. Index and
    option symbols may be written in either provider's form (``$SPX.X`` or
    ``$SPX``, ``AAPL_051724C190`` or ``AAPL  240517C00190000``); they are sent,
    and keyed in the answer, in the active provider's form. Symbols the provider
    has no quote for are left out with a warning in the log (Schwab's
    ``errors`` entry is removed); when it has none of them,
    :class:`~pyTD.exceptions.ResourceNotFound` names them.

    On Schwab each quote is nested by section (``quote``, ``reference``,
    ``fundamental``, ``regular``); the pandas frame flattens the sections into
    ``section.field`` columns (``quote.lastPrice``). Schwab also takes
    ``fields=`` (some of ``quote``, ``fundamental``, ``extended``,
    ``reference``, ``regular``: only those sections are answered) and
    ``indicative=True`` (an ``$ABC.IV`` quote beside each ETF ``ABC``); on TD
    Ameritrade both raise :class:`~pyTD.exceptions.NotSupportedError`. In the frame,
    epoch-millisecond times (TD's ``quoteTimeInLong``, ``tradeTimeInLong``, Schwab's
    ``quote.quoteTime``, ``quote.tradeTime``, ...) are UTC datetimes.

    Several batches are fetched a few at a time inside the api's request
    quota (:mod:`pyTD.pacing`); ``progress=True`` (or a callable receiving
    ``(done, total)`` symbols) reports them (:mod:`pyTD.progress`).

    >>> from pyTD.market import get_quotes
    >>> get_quotes(["AAPL", "MSFT"])["AAPL"]["lastPrice"]  # doctest: +SKIP
    209.35
    >>> get_quotes("AAPL", output_format="pandas").loc["AAPL", "lastPrice"]  # doctest: +SKIP
    209.35
    """
    call = Call(api, output_format)
    provider = call.api.provider
    names = [in_provider_form(name, provider) for name in normalize_symbols(symbols)]
    options = _options(provider, fields, indicative)
    if len(names) == 1 and "/" not in names[0] and " " not in names[0] and not options:
        data = call.get("quote", symbol=names[0]) or {}
    else:
        size = provider.max_quote_symbols
        batches = [names[start:start + size] for start in range(0, len(names), size)]
        data = {}
        for answer in fetch_all(
                batches, lambda batch: call.get("quotes", {
                    **options, provider.quote_symbols_param: ",".join(batch)}),
                call.api, progress=progress, label="quotes",
                sizes=[len(batch) for batch in batches]):
            data.update(answer or {})
    data.pop("errors", None)  # Schwab: {"invalidSymbols": [...]}, reported as missing below
    check_found("quote", names, missing_keys(names, data))
    return call.render(data, lambda d: _frame(d, names))


def _options(provider: Provider, fields: Union[str, Iterable[str], None],
             indicative: Optional[bool]) -> dict[str, str]:
    """The ``fields``/``indicative`` query parameters, refused where the provider has none."""
    options: dict[str, str] = {}
    for name, value, supported in (("fields", fields, bool(provider.quote_sections)),
                                   ("indicative", indicative, provider.indicative_quotes)):
        if value is not None and not supported:
            raise NotSupportedError(f"{provider.title} quotes take no {name}= (a Charles "
                                    f"Schwab argument): leave it out.")
    if fields is not None:
        options["fields"] = ",".join(check_enum_list("fields", fields, provider.quote_sections))
    if indicative is not None:
        options["indicative"] = bool_param("indicative", indicative)
    return options


class Quotes(EndpointRequest):
    """pyTD 0.0.x's ``Quotes(symbols, output_format, api).execute()``: :func:`get_quotes`."""

    function = staticmethod(get_quotes)


def _frame(data: dict[str, Any], names: list[str]) -> Any:
    pd = output.pandas()
    rank = {name: i for i, name in enumerate(names)}
    ordered = sorted(data, key=lambda name: rank.get(name, len(rank)))
    rows = {name: _flat(data[name]) for name in ordered}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "symbol"
    return output.epoch_ms_to_datetimes(frame)


def _flat(quote: Any) -> Any:
    """A quote with its nested sections (Schwab) as ``section.field`` keys; TD's is flat already."""
    if not isinstance(quote, dict):
        return quote
    flat: dict[str, Any] = {}
    for key, value in quote.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{field}": inner for field, inner in value.items()})
        else:
            flat[key] = value
    return flat

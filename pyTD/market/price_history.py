"""Candles: ``GET /marketdata/{symbol}/pricehistory``, with TD's period/frequency rules
checked before anything is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.bulk import fetch_all
from pyTD.endpoints import Call, EndpointRequest, check_found, td_names
from pyTD.exceptions import ResponseFormatError, ValidationError
from pyTD.progress import ProgressArg
from pyTD.validation import (
    Symbols,
    TimeArg,
    bool_param,
    check_enum,
    check_order,
    normalize_symbols,
    to_epoch_ms,
)

if TYPE_CHECKING:
    from pyTD.api import api as Client

#: Allowed ``period`` values per ``period_type`` (TD's defaults: 10, 1, 1, 1).
PERIODS = {"day": (1, 2, 3, 4, 5, 10), "month": (1, 2, 3, 6),
           "year": (1, 2, 3, 5, 10, 15, 20), "ytd": (1,)}
#: Allowed ``frequency_type`` values per ``period_type`` (defaults below).
FREQUENCY_TYPES = {"day": ("minute",), "month": ("daily", "weekly"),
                   "year": ("daily", "weekly", "monthly"), "ytd": ("daily", "weekly")}
DEFAULT_FREQUENCY_TYPE = {"day": "minute", "month": "weekly", "year": "monthly", "ytd": "weekly"}
#: Allowed ``frequency`` values per ``frequency_type`` (default 1).
FREQUENCIES = {"minute": (1, 5, 10, 15, 30), "daily": (1,), "weekly": (1,), "monthly": (1,)}
FIELDS = ("open", "high", "low", "close", "volume")


@td_names(periodType="period_type", frequencyType="frequency_type", startDate="start_date",
          endDate="end_date", needExtendedHoursData="need_extended_hours_data")
def get_price_history(symbol_or_symbols: Symbols, *, period_type: Optional[str] = None,
                      period: Optional[int] = None, frequency_type: Optional[str] = None,
                      frequency: Optional[int] = None, start_date: Optional[TimeArg] = None,
                      end_date: Optional[TimeArg] = None,
                      need_extended_hours_data: Optional[bool] = None,
                      api: Optional[Client] = None,
                      output_format: Optional[str] = None,
                      extended: Optional[bool] = None,
                      progress: ProgressArg = None) -> Any:
    """Price history (candles) of one symbol, or of several (one request each).

    ``period_type`` is ``day`` (TD's default), ``month``, ``year`` or ``ytd``; the
    allowed ``period`` and ``frequency_type`` depend on it, and ``frequency`` on the
    frequency type (see :data:`PERIODS`, :data:`FREQUENCY_TYPES`, :data:`FREQUENCIES`).
    ``start_date``/``end_date`` are datetimes (naive = UTC), dates or epoch ms;
    given without ``period``/``period_type``/``frequency``/``frequency_type``, they
    ask for daily candles (``periodType=month&frequencyType=daily``), as the
    original pyTD did: TD's own default (one-minute candles of recent days)
    would return nothing for a range in the past. ``extended`` is the original
    pyTD's name of ``need_extended_hours_data``; TD's camelCase names
    (``periodType=``, ``startDate=``, ...) are accepted too.

    Several symbols are fetched a few at a time, inside the api's request
    quota (:mod:`pyTD.pacing`), and returned in the order asked for.
    ``progress=True`` shows a bar (``tqdm``, the ``progress`` extra) or a line
    on standard error, with the waits for the rate limit; a callable receives
    ``(done, total)`` symbols instead (:mod:`pyTD.progress`).

    A symbol without candles (TD's ``"empty": true``: an unknown symbol, or no
    trading in the range) raises :class:`~pyTD.exceptions.ResourceNotFound`;
    with several symbols, those are left out with a warning in the log, and
    the error is raised only when none has candles.

    JSON: TD's ``CandleList`` (a dict ``symbol -> CandleList`` for several symbols).
    pandas: a frame on a UTC ``DatetimeIndex`` named ``datetime`` with columns
    open/high/low/close/volume (``(symbol, field)`` columns for several symbols).

    >>> from pyTD.market import get_price_history
    >>> get_price_history("AAPL", period_type="month", period=6,
    ...                   frequency_type="daily", output_format="pandas")  # doctest: +SKIP
    """
    names = normalize_symbols(symbol_or_symbols, "symbol_or_symbols")
    if extended is not None:
        if need_extended_hours_data is not None:
            raise ValidationError("extended and need_extended_hours_data are the same "
                                  "setting: pass only one of them.")
        need_extended_hours_data = extended
    if (start_date is not None or end_date is not None) and \
            (period_type, period, frequency_type, frequency) == (None, None, None, None):
        period_type, frequency_type = "month", "daily"
    params = _params(period_type, period, frequency_type, frequency, start_date, end_date,
                     need_extended_hours_data)
    call = Call(api, output_format)
    if "{symbol}" in call.api.provider.paths.get("price_history", "{symbol}"):
        def fetch(name: str) -> Any:
            return call.get("price_history", params, symbol=name)
    else:  # Schwab: the symbol is a query parameter
        def fetch(name: str) -> Any:
            return call.get("price_history", {**params, "symbol": name})
    data = dict(zip(names, fetch_all(names, fetch, call.api, progress=progress,
                                     label="price history")))
    empty = [name for name, candle_list in data.items() if not _candles(name, candle_list)]
    check_found("price history", names, empty,
                "check the symbol(s), and that the period or date range covers trading days.")
    if isinstance(symbol_or_symbols, str) and len(names) == 1:
        return call.render(data[names[0]], _frame)
    return call.render({name: data[name] for name in names if name not in empty},
                       _multi_frame)


def _candles(symbol: str, candle_list: Any) -> list[Any]:
    """The candles of one answer (``[]`` for TD's empty answer); a malformed one is refused."""
    if candle_list is None:
        return []
    candles = candle_list.get("candles") if isinstance(candle_list, dict) else None
    if candles is None and isinstance(candle_list, dict) and candle_list.get("empty"):
        return []
    if not isinstance(candles, list):
        raise ResponseFormatError(f"The price history of {symbol!r} has no list of candles: "
                                  "retry, or report it.")
    return candles


def _params(period_type: Optional[str], period: Optional[int], frequency_type: Optional[str],
            frequency: Optional[int], start_date: Optional[TimeArg], end_date: Optional[TimeArg],
            extended: Optional[bool]) -> dict[str, Any]:
    """TD's query parameters, after checking every rule of the period/frequency matrix."""
    params: dict[str, Any] = {}
    ptype = "day"
    if period_type is not None:
        ptype = params["periodType"] = check_enum("period_type", period_type, tuple(PERIODS))
    context = f"with period_type '{ptype}'" + ("" if period_type else " (the default)")
    if period is not None:
        params["period"] = check_enum(f"period {context}", period, PERIODS[ptype])
    ftype = DEFAULT_FREQUENCY_TYPE[ptype]
    if frequency_type is not None:
        ftype = params["frequencyType"] = check_enum(f"frequency_type {context}",
                                                     frequency_type, FREQUENCY_TYPES[ptype])
    if frequency is not None:
        params["frequency"] = check_enum(f"frequency with frequency_type '{ftype}'",
                                         frequency, FREQUENCIES[ftype])
    start = None if start_date is None else to_epoch_ms("start_date", start_date)
    end = None if end_date is None else to_epoch_ms("end_date", end_date)
    check_order("start_date", start, "end_date", end)
    if start is not None and end is not None and period is not None:
        raise ValidationError("period cannot be combined with both start_date and end_date; "
                              "drop period, or one of the dates.")
    if start is not None:
        params["startDate"] = start
    if end is not None:
        params["endDate"] = end
    if extended is not None:
        params["needExtendedHoursData"] = bool_param("need_extended_hours_data", extended)
    return params


class PriceHistory(EndpointRequest):
    """pyTD 0.0.x's ``PriceHistory(symbols, **kwargs).execute()``: :func:`get_price_history`."""

    function = staticmethod(get_price_history)


def _frame(candle_list: Any) -> Any:
    pd = output.pandas()
    frame = pd.DataFrame(candle_list["candles"], columns=["datetime", *FIELDS])
    frame.index = output.utc_from_ms(frame.pop("datetime"))
    return frame


def _multi_frame(data: dict[str, Any]) -> Any:
    pd = output.pandas()
    frames = {name: _frame(candle_list) for name, candle_list in data.items()}
    return pd.concat(frames, axis=1, names=["symbol", "field"])

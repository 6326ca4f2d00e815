"""Candles: ``GET /marketdata/{symbol}/pricehistory``, with TD's period/frequency rules
checked before anything is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.bulk import fetch_all
from pyTD.endpoints import Call, EndpointRequest, check_found, td_names
from pyTD.exceptions import NotSupportedError, ResponseFormatError, ValidationError
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
          endDate="end_date", needExtendedHoursData="need_extended_hours_data",
          needPreviousClose="need_previous_close")
def get_price_history(symbol_or_symbols: Symbols, *, period_type: Optional[str] = None,
                      period: Optional[int] = None, frequency_type: Optional[str] = None,
                      frequency: Optional[int] = None, start_date: Optional[TimeArg] = None,
                      end_date: Optional[TimeArg] = None,
                      need_extended_hours_data: Optional[bool] = None,
                      api: Optional[Client] = None,
                      output_format: Optional[str] = None,
                      extended: Optional[bool] = None,
                      need_previous_close: Optional[bool] = None,
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
    (``periodType=``, ``startDate=``, ...) are accepted too. On Charles Schwab,
    ``need_previous_close=True`` adds ``previousClose`` and ``previousCloseDate``
    to the answer (on TD Ameritrade it raises
    :class:`~pyTD.exceptions.NotSupportedError`).

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
    pandas: columns open/high/low/close/volume (``(symbol, field)`` columns for
    several symbols); intraday (minute) candles on a UTC ``DatetimeIndex`` named
    ``datetime``, daily, weekly and monthly ones on their trading day: a
    ``DatetimeIndex`` named ``date`` of midnights without a time zone, the
    exchange's calendar day in New York (see :func:`candle_frequency`).

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
    period_type, frequency_type = _dated_default(period_type, period, frequency_type, frequency,
                                                 start_date, end_date)
    params = _params(period_type, period, frequency_type, frequency, start_date, end_date,
                     need_extended_hours_data)
    intraday = candle_frequency(period_type, frequency_type) == "minute"
    call = Call(api, output_format)
    if need_previous_close is not None:
        if not call.api.provider.previous_close:
            raise NotSupportedError(f"{call.api.provider.title} price history takes no "
                                    "need_previous_close= (a Charles Schwab argument): "
                                    "leave it out.")
        params["needPreviousClose"] = bool_param("need_previous_close", need_previous_close)
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
        return call.render(data[names[0]], lambda d: _frame(d, intraday))
    return call.render({name: data[name] for name in names if name not in empty},
                       lambda d: _multi_frame(d, intraday))


def _dated_default(period_type: Optional[str], period: Optional[int],
                   frequency_type: Optional[str], frequency: Optional[int],
                   start_date: Optional[TimeArg], end_date: Optional[TimeArg]
                   ) -> tuple[Optional[str], Optional[str]]:
    """``(period_type, frequency_type)``: daily candles for dates given without a period."""
    if (start_date is not None or end_date is not None) and \
            (period_type, period, frequency_type, frequency) == (None, None, None, None):
        return "month", "daily"
    return period_type, frequency_type


def candle_frequency(period_type: Optional[str] = None, frequency_type: Optional[str] = None, *,
                     period: Optional[int] = None, frequency: Optional[int] = None,
                     start_date: Optional[TimeArg] = None,
                     end_date: Optional[TimeArg] = None) -> str:
    """The frequency type of the candles a :func:`get_price_history` call gets.

    ``minute`` candles are intraday; ``daily``, ``weekly`` and ``monthly`` ones
    stand for trading days (and are indexed by date in pandas).

    >>> candle_frequency(), candle_frequency("year"), candle_frequency(start_date="2024-01-02")
    ('minute', 'monthly', 'daily')
    """
    period_type, frequency_type = _dated_default(period_type, period, frequency_type, frequency,
                                                 start_date, end_date)
    return (frequency_type or DEFAULT_FREQUENCY_TYPE[(period_type or "day").lower()]).lower()


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
        params["period"] = check_enum(f"period {context}", period, PERIODS[ptype],
                                      arguments={"period": None, "period_type": repr(ptype)})
    ftype = DEFAULT_FREQUENCY_TYPE[ptype]
    if frequency_type is not None:
        ftype = params["frequencyType"] = check_enum(
            f"frequency_type {context}", frequency_type, FREQUENCY_TYPES[ptype],
            arguments={"frequency_type": None, "period_type": repr(ptype)})
    if frequency is not None:
        params["frequency"] = check_enum(
            f"frequency with frequency_type '{ftype}'", frequency, FREQUENCIES[ftype],
            arguments={"frequency": None, "frequency_type": repr(ftype)})
    start = None if start_date is None else to_epoch_ms("start_date", start_date)
    end = None if end_date is None else to_epoch_ms("end_date", end_date)
    check_order("start_date", start, "end_date", end)
    if start is not None and end is not None and period is not None:
        raise ValidationError("period cannot be combined with both start_date and end_date; "
                              "drop period, or one of the dates.",
                              arguments=dict.fromkeys(("period", "start_date", "end_date")))
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


def _frame(candle_list: Any, intraday: bool = True) -> Any:
    """Candles on a UTC ``DatetimeIndex`` named ``datetime`` (intraday), or on their trading
    day (``date``: midnight, no time zone) for daily and longer candles."""
    pd = output.pandas()
    frame = pd.DataFrame(candle_list["candles"], columns=["datetime", *FIELDS])
    stamps = output.utc_from_ms(frame.pop("datetime"))
    frame.index = stamps if intraday else output.exchange_days(stamps)
    return frame


def _multi_frame(data: dict[str, Any], intraday: bool = True) -> Any:
    pd = output.pandas()
    frames = {name: _frame(candle_list, intraday) for name, candle_list in data.items()}
    return pd.concat(frames, axis=1, names=["symbol", "field"])

"""JSON or pandas output: the format check and the small table builders the wrappers share.

pandas is imported on first use only; without it, asking for ``"pandas"`` raises a
:class:`~pyTD.exceptions.ConfigurationError` that says how to install it::

    from pyTD.output import resolve_format, render
    fmt = resolve_format(a, "pandas")          # checked before any request
    render({"AAPL": {"lastPrice": 1.0}}, fmt, lambda d: records_frame(list(d.values())))
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional, Sequence

from pyTD.exceptions import ConfigurationError
from pyTD.validation import check_enum

FORMATS = ("json", "pandas")


def resolve_format(api: Any, output_format: Optional[str]) -> str:
    """``output_format``, or the api's default, checked to be ``json`` or ``pandas``."""
    value = getattr(api, "output_format", "json") if output_format is None else output_format
    fmt = check_enum("output_format", value, FORMATS)
    if fmt == "pandas":
        pandas()
    return fmt


def pandas() -> Any:
    """The pandas module, or a ``ConfigurationError`` that says how to install it."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ConfigurationError('output_format="pandas" needs pandas: '
                                 'pip install "pytd-ameritrade[pandas]"') from exc
    return pd


def render(data: Any, fmt: str, to_frame: Callable[[Any], Any]) -> Any:
    """``data`` itself for ``json``; ``to_frame(data)`` for ``pandas``."""
    return to_frame(data) if fmt == "pandas" else data


def records_frame(records: Sequence[Any], *, index: Optional[str] = None,
                  columns: Sequence[str] = ()) -> Any:
    """A DataFrame with one row per record; nested objects become ``a.b`` columns.

    Lists (order legs, watchlist items) stay as cells. ``columns`` come first and
    always exist (empty input gives an empty frame with them); ``index`` becomes
    the index.
    """
    pd = pandas()
    frame = pd.json_normalize(list(records)) if records else pd.DataFrame()
    for column in columns:
        if column not in frame.columns:
            frame[column] = pd.Series(dtype=object)
    if columns:
        frame = frame[[*columns, *(c for c in frame.columns if c not in columns)]]
    if index is not None:
        if index not in frame.columns:
            frame[index] = pd.Series(dtype=object)
        frame = frame.set_index(index)
    return frame


def nan_strings_to_float(frame: Any) -> Any:
    """Columns holding TD's ``"NaN"`` strings become float columns with real NaNs."""
    pd = pandas()
    for column in frame.columns:
        series = frame[column]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        is_nan = series.map(lambda v: isinstance(v, str) and v == "NaN")
        if is_nan.any():
            cleaned = series.mask(is_nan, float("nan"))
            try:
                frame[column] = pd.to_numeric(cleaned)
            except (TypeError, ValueError):
                frame[column] = cleaned
    return frame


def utc_from_ms(values: Any, name: str = "datetime") -> Any:
    """A UTC ``DatetimeIndex`` named ``name`` from epoch milliseconds."""
    pd = pandas()
    return pd.DatetimeIndex(pd.to_datetime(list(values), unit="ms", utc=True), name=name)


#: The time zone of the US exchanges' calendar, which dates daily candles.
EXCHANGE_TIME_ZONE = "America/New_York"


def exchange_days(stamps: Any, name: str = "date") -> Any:
    """The trading days (midnights, no time zone) of aware timestamps, named ``name``.

    TD stamps a daily candle at midnight in Chicago (05:00 or 06:00 UTC); its
    day is the calendar day in New York::

        >>> list(exchange_days(utc_from_ms([1594357200000])).strftime("%Y-%m-%d"))
        ['2020-07-10']
    """
    pd = pandas()
    days = pd.DatetimeIndex(stamps).tz_convert(EXCHANGE_TIME_ZONE).tz_localize(None).normalize()
    return pd.DatetimeIndex(days, name=name)


#: Column names (the part after the last ``.``) of epoch-millisecond times in quotes.
_EPOCH_MS_NAME = re.compile(r"(Time|TimeInLong|Date|Day)$")
#: The earliest epoch milliseconds taken for a time (1973): ``expirationDay`` 16 is a day.
_EPOCH_MS_FLOOR = 10 ** 11


def epoch_ms_to_datetimes(frame: Any, keep: Sequence[str] = ()) -> Any:
    """Integer epoch-millisecond columns (``quoteTimeInLong``, ``tradeTime``,
    ``quote.quoteTime``, ``lastTradingDay``...) become UTC datetimes; missing ones ``NaT``.

    A column is converted when its name ends in ``Time``, ``TimeInLong``, ``Date``
    or ``Day`` and every value in it is a whole number of milliseconds after
    1973; strings (``divDate``) and small numbers (``expirationDay``) are left
    alone, and so are the columns named in ``keep``.
    """
    pd = pandas()
    for column in frame.columns:
        series = frame[column]
        if column in keep or not _EPOCH_MS_NAME.search(str(column).rpartition(".")[2]) or \
                pd.api.types.is_bool_dtype(series):
            continue
        present = series.notna()
        numbers = pd.to_numeric(series.where(present), errors="coerce")
        given = numbers[present]
        if len(given) and not given.isna().any() and (given % 1 == 0).all() \
                and (given >= _EPOCH_MS_FLOOR).all():
            frame[column] = pd.to_datetime(numbers, unit="ms", utc=True)
    return frame

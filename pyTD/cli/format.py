"""Plain-text tables for the command line, and the rows ``pytd`` shows for each endpoint.

>>> rows = [["AAPL", 189.5, 52_000_000], ["/ES", None, 0]]
>>> print(table(["symbol", "last", "volume"], rows))
symbol    last      volume
------  ------  ----------
AAPL    189.50  52,000,000
/ES          -           0

Each column has its own number format: money and percentages with 2 decimals
(:func:`fixed`), quantities whole when they are (:func:`quantity`), prices with
the decimals their instrument needs, row by row (:func:`prices`), so one forex
quote does not turn every stock price into 4 decimals.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Optional, Sequence
from zoneinfo import ZoneInfo

from pyTD.market.movers import mover_change, movers_of

#: Where US exchanges keep their calendar: daily candles are dated in this zone.
EXCHANGE_ZONE = ZoneInfo("America/New_York")

#: Decimals shown for floats: at least ``MIN_DECIMALS``, up to ``MAX_DECIMALS`` when needed.
MIN_DECIMALS, MAX_DECIMALS = 2, 4


class Fixed(float):
    """A float shown with its own number of decimals; a CSV file still gets every digit.

    ``shown`` is the value the table rounds, when the float itself is already
    rounded (for a CSV file) and rounding it again could change the last digit.

    >>> cell(Fixed(1.12, 4)), str(Fixed(1.12, 4)), cell(Fixed(0.385, 2, shown=0.38496))
    ('1.1200', '1.12', '0.38')
    """

    decimals: int
    shown: float

    def __new__(cls, value: float, decimals: int, shown: Optional[float] = None) -> Fixed:
        number = super().__new__(cls, value)
        number.decimals = decimals
        number.shown = value if shown is None else shown
        return number


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _decimals(value: float) -> int:
    """Decimals ``value`` needs (between the bounds): 189.5 -> 2, 0.0312 -> 4."""
    places = f"{value:.{MAX_DECIMALS}f}".rstrip("0").partition(".")[2]
    return max(MIN_DECIMALS, len(places))


def fixed(value: Any, decimals: int = MIN_DECIMALS) -> Any:
    """``value`` shown with ``decimals`` whatever the column's other values (non-numbers unchanged).

    >>> cell(fixed(973476.2159, 0)), fixed("NaN")
    ('973,476', 'NaN')
    """
    return Fixed(value, decimals) if _is_number(value) else value


def quantity(value: Any) -> Any:
    """A quantity: whole numbers as ints (``165.0`` -> ``165``), fractions as they are."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def price_decimals(values: Sequence[Any], tick: Any = None) -> int:
    """Decimals for prices of one instrument: its ``tick``'s (the price increment forex
    and futures quotes carry) when given, else as many as ``values`` need (2 to 4).

    >>> price_decimals([1.12], tick=0.0001), price_decimals([189.5, 0.25])
    (4, 2)
    >>> price_decimals([0.1234])
    4
    """
    if _is_number(tick) and 0 < tick < 1:
        return max(MIN_DECIMALS, _decimals(float(tick)))
    return max([MIN_DECIMALS] + [_decimals(v) for v in values
                                 if isinstance(v, float) and not math.isnan(v)])


def prices(values: Sequence[Any], tick: Any = None) -> list[Any]:
    """Prices of one instrument, all shown with :func:`price_decimals`.

    >>> [cell(v) for v in prices([1.1205, 1.12], tick=0.0001)]
    ['1.1205', '1.1200']
    """
    decimals = price_decimals(values, tick)
    return [fixed(v, decimals) for v in values]


def cell(value: Any, decimals: int = MIN_DECIMALS) -> str:
    """A value as table text: floats with ``decimals``, ints grouped, ``-`` for missing.

    >>> cell(1234567), cell(0.5, 4), cell(None), cell(True)
    ('1,234,567', '0.5000', '-', 'yes')
    """
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fixed):
        return f"{value.shown:,.{value.decimals}f}"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _column_decimals(values: Iterable[Any]) -> int:
    """Decimals for a column's plain floats: 2, or up to 4 when one needs them."""
    return max([MIN_DECIMALS] + [_decimals(v) for v in values if isinstance(v, float)
                                 and not isinstance(v, Fixed) and not math.isnan(v)])


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned text columns, numbers right-aligned, with a header rule.

    A column's plain floats share one number of decimals: 2, or up to 4 when
    some value needs them (option deltas); :class:`Fixed` values keep their own::

        >>> print(table(["symbol", "delta"], [["A", 0.5123], ["B", -0.25]]))
        symbol    delta
        ------  -------
        A        0.5123
        B       -0.2500
    """
    columns = list(zip(*rows)) if rows else [() for _ in headers]
    numeric = [any(v is not None for v in col) and all(_is_number(v) for v in col if v is not None)
               for col in columns]
    decimals = [_column_decimals(col) for col in columns]
    texts = [[cell(v, decimals[i]) for i, v in enumerate(row)] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(list(headers)), line(["-" * w for w in widths]),
                      *(line(r) for r in texts)])


# -- values ------------------------------------------------------------------------------------

def duration_text(seconds: float) -> str:
    """A remaining lifetime in words, rounded down: ``89 days``, ``29 minutes``, ``1 second``.

    >>> duration_text(90 * 86400 - 5), duration_text(1790), duration_text(7200)
    ('89 days', '29 minutes', '2 hours')
    """
    seconds = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def iso_utc(epoch_ms: Optional[float]) -> Optional[str]:
    """Epoch milliseconds as ``YYYY-MM-DDTHH:MM:SSZ`` (``None`` stays ``None``).

    >>> iso_utc(1594378800000)
    '2020-07-10T11:00:00Z'
    """
    if epoch_ms is None:
        return None
    when = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def exchange_day(epoch_ms: Optional[float]) -> Optional[str]:
    """The trading day (``YYYY-MM-DD``, New York) of a daily candle's epoch milliseconds.

    TD stamps a daily candle at midnight in Chicago, 05:00 or 06:00 UTC:

    >>> exchange_day(1594357200000)
    '2020-07-10'
    """
    if epoch_ms is None:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, tz=EXCHANGE_ZONE).strftime("%Y-%m-%d")


def _number(value: Any) -> Optional[float]:
    """A number, or ``None`` for TD's ``"NaN"`` strings and other non-numbers."""
    return value if _is_number(value) else None


def percent(value: Any, scale: float = 1.0) -> Any:
    """A percentage to show: ``value * scale`` with 2 decimals (4 in a CSV file; non-numbers
    unchanged).

    >>> cell(percent(0.012345, 100)), str(percent(0.012345, 100)), cell(percent(0.38496))
    ('1.23', '1.2345', '0.38')
    """
    if not _is_number(value):
        return value
    exact = float(value) * scale
    return Fixed(round(exact, 4), 2, shown=exact)


def percent_change(change: Any, base: Any) -> Optional[float]:
    """``change`` in percent of ``base`` (the previous close), ``None`` when either is missing.

    >>> percent_change(-1.5, 150.0)
    -1.0
    """
    if not (_is_number(change) and _is_number(base)) or base == 0:
        return None
    return float(change) / float(base) * 100


def _first(item: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present in ``item`` (TD names fields per asset type)."""
    return next((item[key] for key in keys if item.get(key) is not None), None)


# -- rows of each command -----------------------------------------------------------------------

#: Column headers and rows, ready for :func:`table` (or a CSV writer).
Table = tuple[list[str], list[list[Any]]]


def _quote_percent(quote: Mapping[str, Any], change: Any, close: Any) -> Any:
    """The %change of a quote: from its change and close, else the provider's own field.

    TD and Schwab send percent fields (``netPercentChangeInDouble``,
    ``netPercentChange``, ``percentChange``) in percent; ``futurePercentChange``
    is a fraction; an option quote on TD has none.
    """
    computed = percent_change(change, close)
    if computed is not None:
        return percent(computed)
    given = _first(quote, "netPercentChangeInDouble", "netPercentChange", "percentChange")
    if given is not None:
        return percent(given)
    return percent(quote.get("futurePercentChange"), 100)


def quote_rows(quotes: Mapping[str, Mapping[str, Any]]) -> Table:
    """One row per quote, whatever its asset type (equity, index, option, future, forex).

    Prices show the decimals of their instrument (a forex pair's 4, a stock's 2),
    and %change is computed from the change and the previous close shown.
    """
    quotes = {symbol: {**q, **q["quote"]} if isinstance(q.get("quote"), Mapping) else q
              for symbol, q in quotes.items()}   # Schwab nests the prices under "quote"
    rows = []
    for symbol, q in quotes.items():
        change = _first(q, "netChange", "changeInDouble")
        close = _first(q, "closePriceInDouble", "closePrice")
        shown = prices([_first(q, "lastPrice", "lastPriceInDouble"),
                        _first(q, "bidPrice", "bidPriceInDouble"),
                        _first(q, "askPrice", "askPriceInDouble"), change], q.get("tick"))
        rows.append([symbol, *shown, _quote_percent(q, change, close), q.get("totalVolume")])
    return ["symbol", "last", "bid", "ask", "change", "%change", "volume"], rows


def candle_rows(candle_list: Mapping[str, Any], intraday: bool = True) -> Table:
    """One row per candle: intraday ones at their UTC time, daily and longer ones by trading day."""
    when = iso_utc if intraday else exchange_day
    rows = [[when(c.get("datetime")), *prices([c.get(k) for k in ("open", "high", "low",
                                                                   "close")]),
             c.get("volume")]
            for c in candle_list.get("candles") or []]
    return ["datetime" if intraday else "date", "open", "high", "low", "close", "volume"], rows


#: Up to this many candles, a summary shows them all.
SUMMARY_MIN_CANDLES = 10


def candle_summary(parts: Table, symbol: str) -> str:
    """The first and last candles of ``parts`` (from :func:`candle_rows`), their count, and how
    to see every row; up to :data:`SUMMARY_MIN_CANDLES` candles, all of them.

    >>> days = [[f"2024-01-{day:02d}", float(day)] for day in range(2, 31)]
    >>> print(candle_summary((["date", "close"], days), "AAPL"))
    date        close
    ----------  -----
    2024-01-02   2.00
    ...
    2024-01-30  30.00
    29 candles of AAPL, 2024-01-02 to 2024-01-30.
    Every candle: --all, --csv FILE or --json.
    """
    headers, rows = parts
    if len(rows) <= SUMMARY_MIN_CANDLES:
        return table(headers, rows)
    lines = table(headers, [rows[0], rows[-1]]).splitlines()
    return "\n".join([*lines[:3], "...", lines[3],
                      f"{len(rows):,} candles of {symbol}, {rows[0][0]} to {rows[-1][0]}.",
                      "Every candle: --all, --csv FILE or --json."])


def chain_rows(chain: Mapping[str, Any]) -> Table:
    """One row per contract of both maps, by expiration, strike, then calls before puts."""
    rows: list[list[Any]] = []
    for map_name in ("callExpDateMap", "putExpDateMap"):
        for exp_key, strikes in (chain.get(map_name) or {}).items():
            expiration = exp_key.partition(":")[0]
            for strike, contracts in strikes.items():
                rows.extend([expiration, float(strike), c.get("putCall"),
                             *prices([_number(c.get(k)) for k in ("bid", "ask", "last")]),
                             c.get("totalVolume"), c.get("openInterest"),
                             fixed(_number(c.get("delta")), 3)]
                            for c in contracts)
    headers = ["expiration", "strike", "put/call", "bid", "ask", "last", "volume", "open int",
               "delta"]
    return headers, sorted(rows, key=lambda r: (r[0], r[1], r[2] or ""))


def _utc_offset(when: datetime) -> str:
    """`` (UTC-05:00)`` for an aware datetime, nothing for a naive one."""
    delta = when.utcoffset()
    if delta is None:
        return ""
    hours, minutes = divmod(abs(int(delta.total_seconds())) // 60, 60)
    return f" (UTC{'-' if delta.total_seconds() < 0 else '+'}{hours:02d}:{minutes:02d})"


def _session_text(spans: Sequence[Mapping[str, str]]) -> Optional[str]:
    """``09:30-16:00 (UTC-05:00)``; a span that starts on another day shows both dates."""
    parts, offset = [], ""
    for span in spans:
        start = datetime.fromisoformat(span["start"])
        end = datetime.fromisoformat(span["end"])
        if start.date() == end.date():
            parts.append(f"{start:%H:%M}-{end:%H:%M}")
        else:
            parts.append(f"{start:%m-%d %H:%M} - {end:%m-%d %H:%M}")
        offset = _utc_offset(end)
    return ", ".join(parts) + offset if parts else None


def hours_rows(hours: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Table:
    """One row per market and product; closed markets have no session.

    ``trading day`` is TD's ``isOpen``: whether the market trades on that date at all,
    not whether it is open right now.
    """
    rows = [[market, product, bool(h.get("isOpen")),
             _session_text((h.get("sessionHours") or {}).get("regularMarket") or [])]
            for market, products in hours.items() for product, h in products.items()]
    return ["market", "product", "trading day", "regular session"], rows


def _direction(change: Optional[float]) -> Optional[str]:
    """``up`` or ``down`` by the sign of ``change``."""
    if change is None or change == 0:
        return None
    return "up" if change > 0 else "down"


def mover_rows(data: Any, by_percent: bool = True) -> Table:
    """One row per mover of either provider: the change in price units and in percent.

    ``by_percent``: TD's movers were ranked by percent change (its ``change`` is
    then a fraction); see :func:`pyTD.market.movers.mover_change`.
    """
    rows = []
    for m in movers_of(data):
        last, change, pct = mover_change(m, by_percent)
        decimals = price_decimals([last])   # a change computed from a percent has more digits
        direction = m.get("direction") or _direction(change)   # Schwab's entries have none
        rows.append([m.get("symbol"), m.get("description"), direction, fixed(last, decimals),
                     fixed(change, decimals), percent(pct), _first(m, "totalVolume", "volume")])
    return ["symbol", "description", "direction", "last", "change", "%change", "volume"], rows

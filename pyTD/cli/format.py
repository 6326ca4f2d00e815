"""Plain-text tables for the command line, and the rows ``pytd`` shows for each endpoint.

>>> rows = [["AAPL", 189.5, 52_000_000], ["/ES", None, 0]]
>>> print(table(["symbol", "last", "volume"], rows))
symbol    last      volume
------  ------  ----------
AAPL    189.50  52,000,000
/ES          -           0
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Mapping, Optional, Sequence

#: Decimals shown for floats: at least ``MIN_DECIMALS``, up to ``MAX_DECIMALS`` when needed.
MIN_DECIMALS, MAX_DECIMALS = 2, 4


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _decimals(value: float) -> int:
    """Decimals ``value`` needs (between the bounds): 189.5 -> 2, 0.0312 -> 4."""
    places = f"{value:.{MAX_DECIMALS}f}".rstrip("0").partition(".")[2]
    return max(MIN_DECIMALS, len(places))


def cell(value: Any, decimals: int = MIN_DECIMALS) -> str:
    """A value as table text: floats with ``decimals``, ints grouped, ``-`` for missing.

    >>> cell(1234567), cell(0.5, 4), cell(None), cell(True)
    ('1,234,567', '0.5000', '-', 'yes')
    """
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned text columns, numbers right-aligned, with a header rule.

    A column's floats share one number of decimals: 2, or up to 4 when some
    value needs them (forex prices, option deltas)::

        >>> print(table(["symbol", "delta"], [["A", 0.5123], ["B", -0.25]]))
        symbol    delta
        ------  -------
        A        0.5123
        B       -0.2500
    """
    columns = list(zip(*rows)) if rows else [() for _ in headers]
    numeric = [any(v is not None for v in col) and all(_is_number(v) for v in col if v is not None)
               for col in columns]
    decimals = [max([MIN_DECIMALS] + [_decimals(v) for v in col if isinstance(v, float)
                                      and not math.isnan(v)])
                for col in columns]
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


def _number(value: Any) -> Optional[float]:
    """A number, or ``None`` for TD's ``"NaN"`` strings and other non-numbers."""
    return value if _is_number(value) else None


def _percent(value: Any, scale: float = 1.0) -> Any:
    """A percentage to show: ``value * scale`` with 2 decimals (non-numbers unchanged)."""
    return round(value * scale, 2) if _is_number(value) else value


def _first(item: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present in ``item`` (TD names fields per asset type)."""
    return next((item[key] for key in keys if item.get(key) is not None), None)


# -- rows of each command -----------------------------------------------------------------------

#: Column headers and rows, ready for :func:`table` (or a CSV writer).
Table = tuple[list[str], list[list[Any]]]


def quote_rows(quotes: Mapping[str, Mapping[str, Any]]) -> Table:
    """One row per quote, whatever its asset type (equity, index, option, future, forex)."""
    quotes = {symbol: {**q, **q["quote"]} if isinstance(q.get("quote"), Mapping) else q
              for symbol, q in quotes.items()}   # Schwab nests the prices under "quote"
    rows = [[symbol, _first(q, "lastPrice", "lastPriceInDouble"),
             _first(q, "bidPrice", "bidPriceInDouble"), _first(q, "askPrice", "askPriceInDouble"),
             _first(q, "netChange", "changeInDouble"),
             _percent(_first(q, "netPercentChangeInDouble", "netPercentChange", "percentChange",
                             "markPercentChangeInDouble")),
             q.get("totalVolume")]
            for symbol, q in quotes.items()]
    return ["symbol", "last", "bid", "ask", "change", "%change", "volume"], rows


def candle_rows(candle_list: Mapping[str, Any]) -> Table:
    """One row per candle, the time in ISO UTC."""
    rows = [[iso_utc(c.get("datetime")), c.get("open"), c.get("high"), c.get("low"),
             c.get("close"), c.get("volume")]
            for c in candle_list.get("candles") or []]
    return ["datetime", "open", "high", "low", "close", "volume"], rows


def chain_rows(chain: Mapping[str, Any]) -> Table:
    """One row per contract of both maps, by expiration, strike, then calls before puts."""
    rows: list[list[Any]] = []
    for map_name in ("callExpDateMap", "putExpDateMap"):
        for exp_key, strikes in (chain.get(map_name) or {}).items():
            expiration = exp_key.partition(":")[0]
            for strike, contracts in strikes.items():
                rows.extend([expiration, float(strike), c.get("putCall"), _number(c.get("bid")),
                             _number(c.get("ask")), _number(c.get("last")),
                             c.get("totalVolume"), c.get("openInterest"),
                             _number(c.get("delta"))]
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


def mover_rows(movers: Sequence[Mapping[str, Any]], percent: bool) -> Table:
    """One row per mover; with ``percent`` TD's fractional change is shown in percent."""
    rows = [[m.get("symbol"), m.get("description"), m.get("direction"), m.get("last"),
             _percent(m.get("change"), 100) if percent else m.get("change"),
             m.get("totalVolume")]
            for m in movers]
    change = "%change" if percent else "change"
    return ["symbol", "description", "direction", "last", change, "volume"], rows

"""Schwab's screeners (``SCREENER_EQUITY``, ``SCREENER_OPTION``) from the REST movers model.

A key is ``<PREFIX>_<SORTFIELD>_<FREQUENCY>`` (``NASDAQ_VOLUME_30``,
``$DJI_PERCENT_CHANGE_UP_60``); its items are the REST movers of that prefix sorted as
the key says, at most ten. The sandbox ranks over the whole day whatever the
frequency, and its universe has no option movers: option screeners send no items.

    >>> parse_key("$DJI_PERCENT_CHANGE_UP_60")
    ('$DJI', 'PERCENT_CHANGE_UP', 60)
"""

from __future__ import annotations

from typing import Any, Optional

from pyTD.sandbox.schwab.market import mover_rows
from pyTD.streaming.fields import SCREENER_KEY

PREFIXES = {"SCREENER_EQUITY": ("$COMPX", "$DJI", "$SPX.X", "$SPX", "INDEX_ALL", "NYSE",
                                "NASDAQ", "OTCBB", "EQUITY_ALL"),
            "SCREENER_OPTION": ("OPTION_PUT", "OPTION_CALL", "OPTION_ALL")}
#: Items per screener message, as the REST movers.
ITEMS = 10


def parse_key(key: str) -> Optional[tuple[str, str, int]]:
    """``(prefix, sort field, frequency)`` of a screener key; None when malformed."""
    match = SCREENER_KEY.match(key)
    if match is None:
        return None
    return match["prefix"], match["sort"], int(match["frequency"])


def screener(seed: int, service: str, key: str, now: float) -> Optional[dict[str, Any]]:
    """The screener ``key`` of ``service`` at ``now`` by field name; None for a key that is
    malformed or whose prefix belongs to the other screener."""
    parsed = parse_key(key)
    if parsed is None or parsed[0] not in PREFIXES[service]:
        return None
    prefix, sort, frequency = parsed
    index = "$SPX" if prefix == "$SPX.X" else prefix  # the guide's spelling, REST's index
    rows = mover_rows(seed, now, index, sort)[:ITEMS]
    return {"timestamp": int(now) // 60 * 60_000, "sort_field": sort, "frequency": frequency,
            "items": rows}

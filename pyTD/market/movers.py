"""Top movers of an index: ``GET /marketdata/{index}/movers``."""

from __future__ import annotations

from typing import Any, Optional

from pyTD import output
from pyTD.endpoints import resolve_api
from pyTD.validation import check_enum, quote_segment

INDEXES = ("$COMPX", "$DJI", "$SPX.X")
DIRECTIONS = ("up", "down")
CHANGES = ("value", "percent")


def get_movers(index: str, *, direction: Optional[str] = None, change: Optional[str] = None,
               api: Any = None, output_format: Optional[str] = None) -> Any:
    """The top (up to 10) movers of ``$COMPX``, ``$DJI`` or ``$SPX.X``.

    ``direction`` is ``up`` or ``down``; ``change`` is ``percent`` (TD's default) or
    ``value``. JSON: a list of movers; pandas: one row per mover.

    >>> from pyTD.market import get_movers
    >>> get_movers("$DJI", direction="up", change="percent")  # doctest: +SKIP
    [{'change': 0.031, 'description': '...', 'direction': 'up', 'last': 209.68, ...}]
    """
    params = {}
    if direction is not None:
        params["direction"] = check_enum("direction", direction, DIRECTIONS)
    if change is not None:
        params["change"] = check_enum("change", change, CHANGES)
    path = f"/marketdata/{quote_segment(check_enum('index', index, INDEXES))}/movers"
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    data = api.request("GET", path, params=params) or []
    return output.render(data, fmt, output.records_frame)

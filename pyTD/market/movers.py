"""Top movers of an index: ``GET /marketdata/{index}/movers``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.endpoints import EndpointRequest, fetch
from pyTD.validation import check_enum

if TYPE_CHECKING:
    from pyTD.api import api as Client

INDEXES = ("$COMPX", "$DJI", "$SPX.X")
DIRECTIONS = ("up", "down")
CHANGES = ("value", "percent")


def get_movers(index: str, direction: Optional[str] = None, change: Optional[str] = None,
               output_format: Optional[str] = None, api: Optional[Client] = None) -> Any:
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
    return fetch(api, "movers", output.records_frame, output_format=output_format,
                 params=params, empty=[], index=check_enum("index", index, INDEXES))


class Movers(EndpointRequest):
    """pyTD 0.0.x's ``Movers(index, direction, change, output_format, api).execute()``."""

    function = staticmethod(get_movers)

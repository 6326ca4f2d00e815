"""Movers: ``GET /marketdata/{index}/movers``, the biggest moves of an index's members."""

from __future__ import annotations

from typing import Any

from pyTD.sandbox.data import universe
from pyTD.sandbox.data.prices import snapshot
from pyTD.sandbox.routing import (
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    enum_arg,
    json_response,
)

#: Movers come in tens, as on TD.
MOVERS = 10


def get_movers(sandbox: SandboxLike, req: SandboxRequest, index: str) -> SandboxResponse:
    """``GET /marketdata/{index}/movers``: an ARRAY of up to ten, biggest move first.

    ``change=percent`` (the default) reports the change as a fraction of the close.
    """
    if index not in universe.INDEX_MEMBERS:
        raise BadRequest(f"Invalid index '{index}': allowed values are "
                         + ", ".join(universe.INDEX_MEMBERS))
    direction = enum_arg(req, "direction", ("up", "down"))
    change = enum_arg(req, "change", ("value", "percent"), "percent")
    seed, now = sandbox.seed, sandbox.clock()
    movers: list[dict[str, Any]] = []
    for symbol in universe.INDEX_MEMBERS[index]:
        snap = snapshot(seed, symbol, now)
        last, close = round(snap.last, 2), round(snap.close, 2)
        moved = last - close if change == "value" else (last - close) / close
        movers.append({"change": round(moved, 4), "description": universe.describe(symbol),
                       "direction": "up" if moved >= 0 else "down", "last": last,
                       "symbol": symbol, "totalVolume": snap.volume})
    if direction:
        movers = [m for m in movers if m["direction"] == direction]
    movers.sort(key=lambda m: (-abs(m["change"]), m["symbol"]))
    return json_response(movers[:MOVERS])

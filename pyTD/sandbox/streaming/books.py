"""Order books and time and sales of the sandbox streamer, drawn from the level-one values.

A book's best bid and ask are the level-one bid and ask of the same instant (so the
REST quote's), with the level-one sizes (in shares) as their aggregate sizes; deeper
levels step one tick away each, their sizes and market makers drawn from the seed.
A trade is the level-one last price and size at its trade time. Wire units: book and
trade times in epoch ms, market makers' quote times in ms since Eastern midnight.

    >>> values = ticks.level_one(0, "AAPL", 1_800_000_000.0, lots=False)   # doctest: +SKIP
    >>> book(0, "AAPL", values)["bids"][0]["0"] == values["bid"]           # doctest: +SKIP
    True
"""

from __future__ import annotations

from typing import Any, Optional

from pyTD.sandbox.data import seeded, universe
from pyTD.sandbox.data.calendar import local_date, local_epoch
from pyTD.sandbox.data.prices import digits

#: Price levels per side.
DEPTH = 5
_EQUITY_MAKERS = ("NSDQ", "NYSE", "edgx", "arcx", "batx", "iexg")
_OPTION_MAKERS = ("CBOE", "PHLX", "ISEX", "AMEX", "BOXE", "MIAX")


def _makers(seed: int, symbol: str, side: str, level: int, lots: int, stamp: int,
            since_midnight: int) -> list[dict[str, Any]]:
    """Market makers sharing ``lots`` hundred shares: ``{"0": id, "1": size, "2": time}``."""
    names = _OPTION_MAKERS if universe.asset_type(symbol) == "OPTION" else _EQUITY_MAKERS
    count = max(1, min(lots, 1 + int(4 * seeded.unit(seed, "makers", symbol, side, level, stamp))))
    first = int(len(names) * seeded.unit(seed, "maker", symbol, side, level))
    out = []
    for i in range(count):
        share = lots // count + (lots % count if i == 0 else 0)
        lag = int(5000 * seeded.unit(seed, "lag", symbol, side, level, i, stamp))
        out.append({"0": names[(first + i) % len(names)], "1": 100 * share,
                    "2": max(0, since_midnight - lag)})
    return out


def _side(seed: int, symbol: str, side: str, best: float, best_size: int, step: float,
          places: int, stamp: int, since_midnight: int) -> list[dict[str, Any]]:
    levels = []
    for level in range(DEPTH):
        price = round(best - level * step if side == "bid" else best + level * step, places)
        if price <= 0:
            break
        lots = max(1, best_size // 100) if level == 0 else \
            1 + int(30 * seeded.unit(seed, "depth", symbol, side, level, stamp))
        makers = _makers(seed, symbol, side, level, lots, stamp, since_midnight)
        levels.append({"0": price, "1": 100 * lots, "2": len(makers), "3": makers})
    return levels


def book(seed: int, symbol: str, values: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The book of ``symbol`` by field name (levels in the wire's nested form), from its
    level-one ``values`` in shares; None when it has no bid and ask (an index)."""
    bid, ask = values.get("bid"), values.get("ask")
    if not bid or not ask:
        return None
    option = universe.asset_type(symbol) == "OPTION"
    places = 2 if option else digits(seed, symbol)
    step = 10.0 ** -places
    stamp = int(values.get("quote_time") or 0)
    midnight = local_epoch(local_date(stamp / 1000), 0) * 1000
    since_midnight = stamp - midnight
    sides = {side: _side(seed, symbol, side, price, int(values.get(f"{side}_size") or 100),
                         step, places, stamp, since_midnight)
             for side, price in (("bid", bid), ("ask", ask))}
    return {"book_time": stamp, "bids": sides["bid"], "asks": sides["ask"]}


def trade(values: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The last trade in level-one ``values`` by time-and-sales field name (None without one).

    ``last_sequence`` counts tenths of a second since Eastern midnight, so it grows
    with every later trade of the day.
    """
    when, last = values.get("trade_time"), values.get("last")
    if not when or last is None:
        return None
    midnight = local_epoch(local_date(when / 1000), 0) * 1000
    return {"trade_time": when, "last": last, "last_size": float(values.get("last_size") or 0),
            "last_sequence": (when - midnight) // 100}

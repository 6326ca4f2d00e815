"""Fills: open orders followed along the sandbox's prices, minute by minute.

:func:`settle` brings every open order of a sandbox up to ``sandbox.clock()``.
An order can fill only in the minutes of its session (``NORMAL`` 9:30-16:00,
``AM`` 7:00-9:30, ``PM`` 16:00-20:00, ``SEAMLESS`` all three, New York time, on
trading days), at the synthetic price of that minute (an option: the mark of
its contract):

- ``MARKET`` fills in the first session minute; ``LIMIT`` when the price
  reaches the limit (a buy at or below it, a sell at or above it);
  ``NET_DEBIT``/``NET_CREDIT`` when the spread's net price does;
- ``STOP`` when the price reaches the stop, ``STOP_LIMIT`` then as a limit;
  ``TRAILING_STOP`` when the price comes back ``stopPriceOffset`` (a value or a
  percent) from its best since the order started; ``MARKET_ON_CLOSE`` in the
  last minute of the session; other types never fill.

A ``DAY`` order not filled by the end of its session day is ``EXPIRED``; a
``FILL_OR_KILL`` or ``IMMEDIATE_OR_CANCEL`` one not filled in its first
session minute is ``CANCELED``. A fill books the legs in the account's
:class:`~pyTD.sandbox.accounts.models.Ledger`, starts the orders a ``TRIGGER``
order triggers and cancels the other orders of an ``OCO``. Test time moves
with the sandbox's injectable ``clock``::

    clock.now += 3600
    settle(sandbox)        # what the order book's reads do first
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator, Optional

from pyTD.sandbox.accounts.models import AccountsState, state
from pyTD.sandbox.data.calendar import (
    CLOSE,
    OPEN,
    POST_CLOSE,
    PRE_OPEN,
    is_trading_day,
    local_date,
    local_epoch,
    minute_of_day,
)
from pyTD.sandbox.data.options import parse_option
from pyTD.sandbox.data.prices import price_at
from pyTD.sandbox.market.contracts import option_quote
from pyTD.sandbox.routing import SandboxLike, td_time

#: Minutes after New York midnight each order session covers, ``[start, end)``.
SESSION_MINUTES = {"NORMAL": (OPEN, CLOSE), "AM": (PRE_OPEN, OPEN), "PM": (CLOSE, POST_CLOSE),
                   "SEAMLESS": (PRE_OPEN, POST_CLOSE)}
#: Statuses of an order that may still fill.
LIVE = ("QUEUED", "WORKING")
BUYS = ("BUY", "BUY_TO_COVER", "BUY_TO_OPEN", "BUY_TO_CLOSE")
_IMMEDIATE = ("FILL_OR_KILL", "IMMEDIATE_OR_CANCEL")
_LOOK_AHEAD_DAYS = 10  # holidays and weekends between an order and its session day


def _window(session: Optional[str]) -> tuple[int, int]:
    return SESSION_MINUTES.get(session or "NORMAL", SESSION_MINUTES["NORMAL"])


def in_session(session: Optional[str], epoch: float) -> bool:
    """Whether ``epoch`` falls in the minutes of an order ``session``."""
    start, end = _window(session)
    return is_trading_day(local_date(epoch)) and start <= minute_of_day(epoch) < end


def session_end(session: Optional[str], epoch: float) -> float:
    """When the first session of ``session``'s kind that ends after ``epoch`` ends."""
    _, end = _window(session)
    day = local_date(epoch)
    for _ in range(_LOOK_AHEAD_DAYS):
        if is_trading_day(day) and local_epoch(day, end) > epoch:
            return float(local_epoch(day, end))
        day += dt.timedelta(days=1)
    return float(local_epoch(day, end))


def _session_minutes(session: Optional[str], after: float, until: float) -> Iterator[int]:
    """Epochs of the session minutes that start in ``(after, until]``."""
    start, end = _window(session)
    day, last = local_date(after), local_date(until)
    while day <= last:
        if is_trading_day(day):
            first = max(local_epoch(day, start), (int(after) // 60 + 1) * 60)
            stop = min(local_epoch(day, end) - 60, int(until) // 60 * 60)
            yield from range(first, stop + 1, 60)
        day += dt.timedelta(days=1)


def leg_price(seed: int, symbol: str, epoch: float) -> Optional[float]:
    """The price a leg trades at in the minute of ``epoch``: the synthetic last price, or
    an option's mark; None for a symbol without prices."""
    if parse_option(symbol) is not None:
        quote = option_quote(seed, symbol, epoch, False)
        return float(quote["mark"]) if quote else None
    return round(price_at(seed, symbol, epoch), 2)


def _sign(leg: dict) -> int:
    return 1 if leg["instruction"] in BUYS else -1


def _reached(order: dict, progress: dict, prices: list[float]) -> bool:
    """Whether ``order`` fills at ``prices`` (one per leg); may change ``progress``."""
    legs, kind = order["orderLegCollection"], order.get("orderType")
    base = order["quantity"] or 1.0
    net = sum(_sign(leg) * leg["quantity"] / base * p for leg, p in zip(legs, prices))
    single = len(legs) == 1
    buying = _sign(legs[0]) > 0 if single else net >= 0
    level = prices[0] if single else abs(net)
    limit, stop = float(order.get("price") or 0.0), float(order.get("stopPrice") or 0.0)
    if kind in ("MARKET", "NET_ZERO"):
        return True
    if kind == "NET_DEBIT":
        return net <= limit
    if kind == "NET_CREDIT":
        return -net >= limit
    if kind == "LIMIT":
        return level <= limit if buying else level >= limit
    if kind in ("STOP", "STOP_LIMIT"):
        if not progress.get("triggered"):
            progress["triggered"] = level >= stop if buying else level <= stop
        if not progress["triggered"]:
            return False
        return kind == "STOP" or (level <= limit if buying else level >= limit)
    if kind == "TRAILING_STOP" and order.get("stopPriceOffset") is not None:
        best = progress.get("best", level)
        best = min(best, level) if buying else max(best, level)
        progress["best"] = best
        offset = order["stopPriceOffset"]
        if order.get("stopPriceLinkType") == "PERCENT":
            offset = best * offset / 100
        return level >= best + offset if buying else level <= best - offset
    return False


def _scan(seed: int, order: dict, progress: dict, until: float
          ) -> tuple[Optional[int], list[float]]:
    """The first minute up to ``until`` in which ``order`` fills, and the legs' prices then.

    ``progress`` (``checked``: the last minute looked at) moves to ``until``.
    """
    symbols = [leg["instrument"]["symbol"] for leg in order["orderLegCollection"]]
    for minute in _session_minutes(order.get("session"), progress["checked"], until):
        progress["checked"], progress["active"] = minute, True
        quoted = [leg_price(seed, s, minute) for s in symbols]
        prices = [p for p in quoted if p is not None]
        if len(prices) < len(quoted) or (order.get("orderType") == "MARKET_ON_CLOSE"
                                         and minute_of_day(minute) != CLOSE - 1):
            continue
        if _reached(order, progress, prices):
            return minute, prices
        if order.get("duration") in _IMMEDIATE:
            progress["killed"] = minute
            return None, []
    progress["checked"] = max(progress["checked"], until)
    return None, []


def activate(st: AccountsState, order: dict, epoch: float, this_minute: bool = False) -> None:
    """Start ``order`` (and, for an OCO, the orders it holds) at ``epoch``; it can fill
    from the next minute on, or from the minute of ``epoch`` (``this_minute``)."""
    if order["orderStrategyType"] == "OCO":
        order["status"] = "WORKING"
        for child in order.get("childOrderStrategies", []):
            activate(st, child, epoch, this_minute)
        return
    order["status"] = "WORKING" if in_session(order.get("session"), epoch) else "QUEUED"
    expires = (session_end(order.get("session"), epoch) if order.get("duration") == "DAY"
               else None)
    st.progress[order["orderId"]] = {"since": epoch, "checked": epoch - 60 * this_minute,
                                     "expires": expires}


def close(order: dict, status: str, epoch: float) -> None:
    """Mark ``order`` closed with ``status`` at ``epoch``."""
    order.update({"status": status, "cancelable": False, "editable": False,
                  "closeTime": td_time(epoch)})


def close_tree(st: AccountsState, order: dict, status: str, epoch: float) -> None:
    """Close ``order`` with ``status``; the orders in it that had not closed yet (what it
    would have triggered, or held) are CANCELED with it."""
    for child in order.get("childOrderStrategies", []):
        if child["status"] in (*LIVE, "AWAITING_PARENT_ORDER"):
            close_tree(st, child, "CANCELED", epoch)
    st.progress.pop(order["orderId"], None)
    close(order, status, epoch)


def _fill(sandbox: SandboxLike, st: AccountsState, order: dict, minute: int,
          prices: list[float]) -> float:
    """Fill ``order`` at ``prices``: the order, its executions and the account's ledger."""
    when = max(float(minute), st.progress.pop(order["orderId"])["since"])
    ledger = st.ledger(str(order["accountId"]))
    legs = []
    for leg, price in zip(order["orderLegCollection"], prices):
        instrument = leg["instrument"]
        ledger.trade(instrument["symbol"], instrument["assetType"],
                     _sign(leg) * leg["quantity"], price)
        legs.append({"legId": leg["legId"], "quantity": leg["quantity"],
                     "mismarkedQuantity": 0.0, "price": price, "time": td_time(when)})
    order.update({"filledQuantity": order["quantity"], "remainingQuantity": 0.0,
                  "orderActivityCollection": [{
                      "activityType": "EXECUTION", "executionType": "FILL",
                      "quantity": order["quantity"], "orderRemainingQuantity": 0.0,
                      "executionLegs": legs}]})
    close(order, "FILLED", when)
    sandbox.count("orders", "filled")
    return when


def _horizon(progress: dict, until: float) -> float:
    """How far an order can be followed: ``until``, or its expiry when that comes first."""
    return min(until, progress["expires"]) if progress["expires"] else until


def _advance(sandbox: SandboxLike, st: AccountsState, order: dict, until: float) -> None:
    """Follow ``order`` (and what it holds or triggers) up to ``until``."""
    if order["orderStrategyType"] == "OCO":
        _advance_oco(sandbox, st, order, until)
        return
    progress = st.progress.get(order["orderId"])
    if order["status"] == "FILLED":  # what it triggered works on
        for child in order.get("childOrderStrategies", []):
            _advance(sandbox, st, child, until)
    if order["status"] not in LIVE or progress is None:
        return
    minute, prices = _scan(sandbox.seed, order, progress, _horizon(progress, until))
    if progress.get("active"):
        order["status"] = "WORKING"
    if minute is not None:
        filled = _fill(sandbox, st, order, minute, prices)
        for child in order.get("childOrderStrategies", []):
            activate(st, child, filled)
            _advance(sandbox, st, child, until)
    elif "killed" in progress:
        close_tree(st, order, "CANCELED", progress["killed"] + 60)
    elif progress["expires"] and until >= progress["expires"]:
        close_tree(st, order, "EXPIRED", progress["expires"])


def _advance_oco(sandbox: SandboxLike, st: AccountsState, oco: dict, until: float) -> None:
    """Follow the orders of an OCO; the first to fill cancels the others."""
    if oco["status"] not in LIVE:
        return
    children = oco.get("childOrderStrategies", [])
    first: Optional[tuple[int, dict, list[float]]] = None
    for child in children:
        progress = st.progress.get(child["orderId"])
        if child["status"] not in LIVE or progress is None or child["orderStrategyType"] != (
                "SINGLE"):
            continue
        minute, prices = _scan(sandbox.seed, child, dict(progress), _horizon(progress, until))
        if minute is not None and (first is None or minute < first[0]):
            first = (minute, child, prices)
    if first is None:
        for child in children:
            _advance(sandbox, st, child, until)
        if all(c["status"] not in LIVE for c in children):
            close(oco, children[0]["status"] if children else "CANCELED", until)
        return
    minute, winner, prices = first
    for child in children:
        if child is not winner:
            progress = st.progress.get(child["orderId"])
            if progress is not None:
                _advance(sandbox, st, child, minute - 1)
            if child["status"] in LIVE:
                close_tree(st, child, "CANCELED", minute)
    filled = _fill(sandbox, st, winner, minute, prices)
    close(oco, "FILLED", filled)


def settle(sandbox: SandboxLike) -> None:
    """Bring every open order of ``sandbox`` up to its clock (hold ``sandbox.lock``)."""
    st, now = state(sandbox), sandbox.clock()
    for order in list(st.orders.values()):
        _advance(sandbox, st, order, now)

"""Account activity of the sandbox: what changed in its order book, as streamer messages.

Each streamer session remembers the status it last reported for every order; a new
order, or a new status, becomes one ``ACCT_ACTIVITY`` item: TD's message types with
an XML body, Schwab's event types with a JSON body (reference §2.7.10, §3.8.10)::

    seen = statuses(sandbox)                 # on SUBS
    for account, kind, body in changes(sandbox, seen, schwab=True):
        ...
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from pyTD.sandbox.accounts.fills import settle
from pyTD.sandbox.accounts.models import state

#: Order status -> (TD message type, Schwab event type).
EVENTS = {"NEW": ("OrderEntryRequest", "OrderCreated"),
          "CANCELED": ("UROUT", "CancelAccepted"),
          "FILLED": ("OrderFill", "OrderFillCompleted"),
          "REPLACED": ("OrderCancelReplaceRequest", "OrderUROutCompleted"),
          "REJECTED": ("OrderRejection", "OrderRejected")}
_TD_XML = ('<?xml version="1.0" encoding="iso-8859-1"?><{kind}Message '
           'xmlns="urn:xmlns:beb.ameritrade.com"><OrderGroupID><AccountKey>{account}'
           '</AccountKey></OrderGroupID><Order><OrderKey>{order}</OrderKey><Security><Symbol>'
           '{symbol}</Symbol></Security><OriginalQuantity>{quantity:g}</OriginalQuantity>'
           '</Order><ActivityTimestamp>{time}</ActivityTimestamp></{kind}Message>')


def _body(order: dict, kind: str, schwab: bool) -> str:
    legs = order.get("orderLegCollection") or [{}]
    symbol = legs[0].get("instrument", {}).get("symbol", "")
    account = str(order["accountId"])
    if schwab:
        return json.dumps({"SchwabOrderID": str(order["orderId"]), "AccountNumber": account,
                           "BaseEvent": {"EventType": kind, f"{kind}Event": {
                               "EventType": kind, "Symbol": symbol,
                               "Status": order["status"]}}})
    return _TD_XML.format(kind=kind, account=account, order=order["orderId"], symbol=symbol,
                          quantity=order.get("quantity", 0.0), time=order.get("enteredTime", ""))


def statuses(sandbox: Any) -> dict[int, str]:
    """The status of every order now: where a new subscription starts from."""
    with sandbox.lock:
        settle(sandbox)
        return {int(o["orderId"]): str(o["status"]) for o in state(sandbox).orders.values()}


def changes(sandbox: Any, seen: dict[int, str], *, schwab: bool) -> Iterator[tuple[str, str, str]]:
    """``(account, message type, body)`` for every order new or changed since ``seen``
    (updated in place). Open orders are first brought up to the sandbox's clock, so
    fills arrive as the market moves, not only when the REST API is asked."""
    with sandbox.lock:
        settle(sandbox)
        orders = [dict(o) for o in state(sandbox).orders.values()]
    for order in orders:
        order_id, status = int(order["orderId"]), str(order["status"])
        before = seen.get(order_id)
        if before == status:
            continue
        seen[order_id] = status
        steps = ("NEW", status) if before is None else (status,)  # placed and closed between ticks
        for event in (EVENTS[step] for step in steps if step in EVENTS):
            kind = event[1] if schwab else event[0]
            yield str(order["accountId"]), kind, _body(order, kind, schwab)

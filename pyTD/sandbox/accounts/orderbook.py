"""The order book: orders and saved orders of the sandbox's accounts, and how they change.

:class:`OrderBook` places, replaces and cancels orders and keeps saved orders;
it owns the rules (identifiers, statuses, which orders can still change) over
the dicts of :class:`~pyTD.sandbox.accounts.models.AccountsState`. Routes parse
a request, check its body against their wire format, call the book and build
the response::

    book = order_book(sandbox)
    placed = book.place("123456789", order)       # a copy of the stored order
    book.cancel("123456789", str(placed["orderId"]))

Unknown accounts and orders raise :class:`~pyTD.sandbox.routing.BadRequest`
404, changing a closed order (a filled one too) raises it 400. Every method holds
the sandbox's lock and first brings the orders up to the sandbox's clock
(:func:`~pyTD.sandbox.accounts.fills.settle`): orders fill, expire and trigger
as the synthetic prices move.
"""

from __future__ import annotations

import copy
from typing import Collection, Optional

from pyTD.sandbox.accounts.fills import activate, close_tree, settle
from pyTD.sandbox.accounts.models import AccountsState, instrument, require_account, state
from pyTD.sandbox.routing import BadRequest, SandboxLike, int_id, td_time

#: Every status an order can have.
STATUSES = ("AWAITING_PARENT_ORDER", "AWAITING_CONDITION", "AWAITING_MANUAL_REVIEW", "ACCEPTED",
            "AWAITING_UR_OUT", "PENDING_ACTIVATION", "QUEUED", "WORKING", "REJECTED",
            "PENDING_CANCEL", "CANCELED", "PENDING_REPLACE", "REPLACED", "FILLED", "EXPIRED")
#: Statuses after which an order can no longer be replaced or cancelled.
CLOSED = ("CANCELED", "REPLACED", "FILLED", "EXPIRED", "REJECTED")
#: Instructions that close a position (the default ``positionEffect`` is CLOSING).
CLOSING = ("SELL", "BUY_TO_COVER", "BUY_TO_CLOSE", "SELL_TO_CLOSE")


class OrderBook:
    """Orders and saved orders of one sandbox (state in ``state(sandbox)``).

    Orders are kept as the ``OrderGet`` the routes serve; ``order`` arguments are
    request bodies already checked by the routes' schema.
    """

    def __init__(self, sandbox: SandboxLike) -> None:
        self.sandbox = sandbox

    @property
    def accounts(self) -> AccountsState:
        """The account state the book lives in (created on first use)."""
        return state(self.sandbox)

    # -- orders ------------------------------------------------------------------------------

    def place(self, account_id: str, order: dict) -> dict:
        """Add ``order`` to an account: a copy of the new stored order."""
        require_account(account_id)
        with self.sandbox.lock:
            settle(self.sandbox)
            new = self._start(account_id, order)
            return copy.deepcopy(new)

    def _start(self, account_id: str, order: dict) -> dict:
        """Record ``order`` and let it work from this minute on."""
        st = self.accounts
        new = self._record(account_id, order, st.new_id())
        st.orders[new["orderId"]] = new
        activate(st, new, self.sandbox.clock(), this_minute=True)
        settle(self.sandbox)
        return new

    def get(self, account_id: str, order_id: str) -> dict:
        """A copy of one order of an account (404 when there is no such order)."""
        with self.sandbox.lock:
            settle(self.sandbox)
            return copy.deepcopy(self._find(account_id, order_id))

    def orders(self, account_id: Optional[str] = None, *, since: Optional[str] = None,
               until: Optional[str] = None, statuses: Collection[str] = ()) -> list[dict]:
        """Copies of the orders of one account (or all), newest first.

        ``since``/``until`` bound ``enteredTime`` (inclusive, same text format);
        ``statuses`` keeps only orders with one of them.
        """
        with self.sandbox.lock:
            settle(self.sandbox)
            orders = [copy.deepcopy(o) for o in self.accounts.orders.values()
                      if account_id is None or str(o["accountId"]) == account_id]
        orders.sort(key=lambda o: (o["enteredTime"], o["orderId"]), reverse=True)
        return [o for o in orders
                if (since is None or since <= o["enteredTime"])
                and (until is None or o["enteredTime"] <= until)
                and (not statuses or o["status"] in statuses)]

    def replace(self, account_id: str, order_id: str, order: dict) -> dict:
        """Close an order as REPLACED and place ``order`` instead: a copy of the new one."""
        with self.sandbox.lock:
            settle(self.sandbox)
            self._close(self._find(account_id, order_id), "REPLACED")
            return copy.deepcopy(self._start(account_id, order))

    def cancel(self, account_id: str, order_id: str) -> None:
        """Close an order (and the orders it holds or triggers) as CANCELED; 400 when it
        is closed already (filled, cancelled, replaced or expired)."""
        with self.sandbox.lock:
            settle(self.sandbox)
            self._close(self._find(account_id, order_id), "CANCELED")

    # -- saved orders ------------------------------------------------------------------------

    def save(self, account_id: str, order: dict) -> dict:
        """Keep ``order`` as a saved order of an account: a copy of it."""
        require_account(account_id)
        with self.sandbox.lock:
            st = self.accounts
            saved_id = st.new_id()
            st.saved_orders[saved_id] = self._saved(account_id, order, saved_id)
            return copy.deepcopy(st.saved_orders[saved_id])

    def saved(self, account_id: str) -> list[dict]:
        """Copies of the saved orders of an account, oldest first."""
        require_account(account_id)
        with self.sandbox.lock:
            return [copy.deepcopy(o) for o in self.accounts.saved_orders.values()
                    if str(o["accountId"]) == account_id]

    def get_saved(self, account_id: str, saved_id: str) -> dict:
        """A copy of one saved order (404 when there is no such saved order)."""
        with self.sandbox.lock:
            return copy.deepcopy(self._find(account_id, saved_id, saved=True))

    def replace_saved(self, account_id: str, saved_id: str, order: dict) -> dict:
        """Replace a saved order by ``order`` under the same id: a copy of it."""
        with self.sandbox.lock:
            number = self._find(account_id, saved_id, saved=True)["savedOrderId"]
            saved_orders = self.accounts.saved_orders
            saved_orders[number] = self._saved(account_id, order, number)
            return copy.deepcopy(saved_orders[number])

    def delete_saved(self, account_id: str, saved_id: str) -> None:
        """Delete a saved order."""
        with self.sandbox.lock:
            old = self._find(account_id, saved_id, saved=True)
            del self.accounts.saved_orders[old["savedOrderId"]]

    # -- rules -------------------------------------------------------------------------------

    def _find(self, account_id: str, order_id: str, saved: bool = False) -> dict:
        """The stored (saved) order ``order_id`` of an account; 404 when there is none."""
        require_account(account_id)
        what = "Saved order" if saved else "Order"
        number = int_id(order_id, what)
        store = self.accounts.saved_orders if saved else self.accounts.orders
        order = store.get(number)
        if order is None or str(order["accountId"]) != account_id:
            raise BadRequest(f"{what} {order_id} not found", 404)
        return order

    def _close(self, order: dict, status: str) -> None:
        if order["status"] in CLOSED:
            raise BadRequest(f"Order {order['orderId']} is {order['status']} and cannot be "
                             "changed")
        close_tree(self.accounts, order, status, self.sandbox.clock())

    def _record(self, account_id: str, order: dict, order_id: int) -> dict:
        """The stored ``OrderGet`` of a request ``order`` (children get ids of their own).

        Its status waits for :func:`~pyTD.sandbox.accounts.fills.activate`; an OCO
        keeps only its strategy and the orders it holds, as TD returned it.
        """
        now = self.sandbox.clock()
        common = {"orderId": order_id, "cancelable": True, "editable": True,
                  "status": "AWAITING_PARENT_ORDER", "enteredTime": td_time(now),
                  "tag": "API_TDAM:App", "accountId": int(account_id)}
        children = [self._record(account_id, child, self.accounts.new_id())
                    for child in order.get("childOrderStrategies") or []]
        if order["orderStrategyType"] == "OCO":
            return {"orderStrategyType": "OCO", **common, "childOrderStrategies": children}
        out = {key: value for key, value in order.items()
               if key not in ("orderLegCollection", "childOrderStrategies")}
        for key in ("price", "stopPrice", "stopPriceOffset", "activationPrice"):
            if key in out:
                out[key] = float(out[key])
        legs = []
        for number, leg in enumerate(order.get("orderLegCollection") or [], 1):
            instruction = leg["instruction"].upper()
            asset = leg["instrument"]["assetType"]
            legs.append({
                "orderLegType": asset, "legId": number,
                "instrument": instrument(self.sandbox.seed, leg["instrument"]["symbol"], asset),
                "instruction": instruction,
                "positionEffect": leg.get("positionEffect",
                                          "CLOSING" if instruction in CLOSING else "OPENING"),
                "quantity": float(leg["quantity"])})
        quantity = legs[0]["quantity"] if legs else 0.0
        out.update({
            "complexOrderStrategyType": order.get("complexOrderStrategyType", "NONE"),
            "quantity": quantity, "filledQuantity": 0.0, "remainingQuantity": quantity,
            "requestedDestination": order.get("requestedDestination", "AUTO"),
            "destinationLinkName": "AutoRoute", "orderLegCollection": legs, **common})
        if children:
            out["childOrderStrategies"] = children
        return out

    def _saved(self, account_id: str, order: dict, saved_id: int) -> dict:
        body = self._record(account_id, order, saved_id)
        for key in ("orderId", "status", "enteredTime"):
            del body[key]
        body.update({"savedOrderId": saved_id, "savedTime": td_time(self.sandbox.clock())})
        return body


def order_book(sandbox: SandboxLike) -> OrderBook:
    """The order book of ``sandbox``."""
    return OrderBook(sandbox)

"""TD's order routes: place, get, list, replace and cancel orders; saved orders.

Each handler parses the request, checks an order body against TD's schema
(:mod:`~pyTD.sandbox.accounts.order_schema`), calls the
:class:`~pyTD.sandbox.accounts.orderbook.OrderBook` and builds TD's answer.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox.accounts.models import require_account
from pyTD.sandbox.accounts.order_schema import order_is_valid, symbol_problem
from pyTD.sandbox.accounts.orderbook import STATUSES, order_book
from pyTD.sandbox.data.calendar import local_date
from pyTD.sandbox.routing import (
    BEARER,
    VALIDATION_ERROR,
    BadRequest,
    Router,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    int_arg,
    json_body,
    json_response,
    td_time,
)

#: TD's body for any invalid order.
ORDER_INVALID = VALIDATION_ERROR


def entered_time(text: str, name: str, end: bool) -> str:
    """A ``fromEnteredTime``/``toEnteredTime`` as a comparable ``enteredTime`` string."""
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise BadRequest(f"Invalid {name} '{text}'") from None
        return day.isoformat() + ("T23:59:59+0000" if end else "T00:00:00+0000")
    normal = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text.replace("Z", "+00:00"))
    try:
        moment = dt.datetime.fromisoformat(normal)
    except ValueError:
        raise BadRequest(f"Invalid {name} '{text}': expected yyyy-MM-dd") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return td_time(moment.timestamp())


def _window(req: SandboxRequest, now: float) -> tuple[str, str]:
    """``(from, to)`` entered times: the query's, by default the last 60 days."""
    to_text, from_text = req.arg("toEnteredTime"), req.arg("fromEnteredTime")
    until = entered_time(to_text, "toEnteredTime", True) if to_text else td_time(now)
    since = entered_time(from_text, "fromEnteredTime", False) if from_text else td_time(
        now - 60 * 86400)
    return since, until


def list_orders(sandbox: SandboxLike, req: SandboxRequest, account_id: Optional[str] = None
                ) -> SandboxResponse:
    """``GET /accounts/{id}/orders`` and ``GET /orders?accountId=``."""
    account_id = account_id or req.arg("accountId")
    if account_id is not None:
        require_account(account_id)
    limit = int_arg(req, "maxResults", minimum=1)
    since, until = _window(req, sandbox.clock())
    statuses = [s.strip() for s in (req.arg("status") or "").split(",") if s.strip()]
    for status in statuses:
        if status not in STATUSES:
            raise BadRequest(f"Invalid status '{status}': allowed values are "
                             + ", ".join(STATUSES))
    orders = order_book(sandbox).orders(account_id, since=since, until=until, statuses=statuses)
    return json_response(orders[:limit] if limit else orders)


def get_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, order_id: str
              ) -> SandboxResponse:
    """``GET /accounts/{id}/orders/{orderId}``."""
    return json_response(order_book(sandbox).get(account_id, order_id))


def order_refusal(sandbox: SandboxLike, order: dict) -> Optional[str]:
    """Why the server refuses the symbols of a well-formed order (None: it does not)."""
    return symbol_problem(order, sandbox.universe.knows, local_date(sandbox.clock()))


def _validated(sandbox: SandboxLike, req: SandboxRequest) -> dict:
    order = json_body(req, ORDER_INVALID)
    if not order_is_valid(order) or order_refusal(sandbox, order):
        raise BadRequest(ORDER_INVALID)
    return order


def _created(sandbox: SandboxLike, account_id: str, order: dict) -> SandboxResponse:
    """TD's answer to a new order: 201, empty body, ``Location`` of the order."""
    location = (f"{sandbox.url}{TD_AMERITRADE.root_path}/accounts/{account_id}/orders/"
                f"{order['orderId']}")
    return SandboxResponse(201, b"", {"Location": location})


def place_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str) -> SandboxResponse:
    """``POST /accounts/{id}/orders``: 201, empty body, ``Location`` of the new order."""
    require_account(account_id)
    placed = order_book(sandbox).place(account_id, _validated(sandbox, req))
    sandbox.count("orders", "placed")
    return _created(sandbox, account_id, placed)


def replace_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, order_id: str
                  ) -> SandboxResponse:
    """``PUT /accounts/{id}/orders/{orderId}``: old one REPLACED, a new one created (201)."""
    book = order_book(sandbox)
    book.get(account_id, order_id)  # an unknown order is a 404 before the body is read
    placed = book.replace(account_id, order_id, _validated(sandbox, req))
    sandbox.count("orders", "replaced")
    return _created(sandbox, account_id, placed)


def cancel_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, order_id: str
                 ) -> SandboxResponse:
    """``DELETE /accounts/{id}/orders/{orderId}``: 200 empty; twice is a 400."""
    order_book(sandbox).cancel(account_id, order_id)
    sandbox.count("orders", "cancelled")
    return SandboxResponse(200, b"")


# -- saved orders ----------------------------------------------------------------------

def create_saved_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str
                       ) -> SandboxResponse:
    """``POST /accounts/{id}/savedorders``: 200, empty body."""
    require_account(account_id)
    order_book(sandbox).save(account_id, _validated(sandbox, req))
    sandbox.count("savedorders", "created")
    return SandboxResponse(200, b"")


def list_saved_orders(sandbox: SandboxLike, req: SandboxRequest, account_id: str
                      ) -> SandboxResponse:
    """``GET /accounts/{id}/savedorders``."""
    return json_response(order_book(sandbox).saved(account_id))


def get_saved_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, saved_id: str
                    ) -> SandboxResponse:
    """``GET /accounts/{id}/savedorders/{savedOrderId}``."""
    return json_response(order_book(sandbox).get_saved(account_id, saved_id))


def replace_saved_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str,
                        saved_id: str) -> SandboxResponse:
    """``PUT /accounts/{id}/savedorders/{savedOrderId}``: 200, empty body."""
    book = order_book(sandbox)
    book.get_saved(account_id, saved_id)  # 404 before the body is read
    book.replace_saved(account_id, saved_id, _validated(sandbox, req))
    sandbox.count("savedorders", "replaced")
    return SandboxResponse(200, b"")


def delete_saved_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str,
                       saved_id: str) -> SandboxResponse:
    """``DELETE /accounts/{id}/savedorders/{savedOrderId}``: 200, empty body."""
    order_book(sandbox).delete_saved(account_id, saved_id)
    sandbox.count("savedorders", "deleted")
    return SandboxResponse(200, b"")


def register(router: Router) -> None:
    """Add the order and saved-order routes."""
    account = r"/accounts/(?P<account_id>[^/]+)"
    router.add("GET", r"/orders", list_orders, BEARER)
    router.add("GET", account + r"/orders", list_orders, BEARER)
    router.add("POST", account + r"/orders", place_order, BEARER)
    one = account + r"/orders/(?P<order_id>[^/]+)"
    router.add("GET", one, get_order, BEARER)
    router.add("PUT", one, replace_order, BEARER)
    router.add("DELETE", one, cancel_order, BEARER)
    router.add("GET", account + r"/savedorders", list_saved_orders, BEARER)
    router.add("POST", account + r"/savedorders", create_saved_order, BEARER)
    saved = account + r"/savedorders/(?P<saved_id>[^/]+)"
    router.add("GET", saved, get_saved_order, BEARER)
    router.add("PUT", saved, replace_saved_order, BEARER)
    router.add("DELETE", saved, delete_saved_order, BEARER)


"""Orders: list, get, place, replace and cancel (``/orders``, ``/accounts/{id}/orders``).

Placing, replacing and cancelling are never retried by pyTD: a duplicated order
costs money. When their outcome is unknown the error says to check
:func:`get_orders` before sending again.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

from pyTD import output
from pyTD.endpoints import resolve_api
from pyTD.exceptions import TDQueryError
from pyTD.transport import redacted
from pyTD.validation import (
    DateArg,
    Id,
    account_path,
    check_enum,
    check_int,
    check_mapping,
    check_order,
    id_segment,
    to_date,
)

STATUSES = ("AWAITING_PARENT_ORDER", "AWAITING_CONDITION", "AWAITING_MANUAL_REVIEW",
            "ACCEPTED", "AWAITING_UR_OUT", "PENDING_ACTIVATION", "QUEUED", "WORKING",
            "REJECTED", "PENDING_CANCEL", "CANCELED", "PENDING_REPLACE", "REPLACED", "FILLED",
            "EXPIRED")

_TRAILING_ID = re.compile(r"/(\d+)/?\Z")


def get_orders(account_id: Optional[Id] = None, *, max_results: Optional[int] = None,
               from_entered_time: Optional[DateArg] = None,
               to_entered_time: Optional[DateArg] = None, status: Optional[str] = None,
               api: Any = None, output_format: Optional[str] = None) -> Any:
    """Orders of one account, or of every linked account when ``account_id`` is None.

    ``from_entered_time``/``to_entered_time`` are days (date, datetime or
    ``"yyyy-MM-dd"``; TD's default: the last 60 days); ``status`` is one of
    :data:`STATUSES`. pandas: one row per order (index ``orderId``).

    >>> from pyTD.accounts import get_orders
    >>> get_orders("123456789", status="WORKING", max_results=10)  # doctest: +SKIP
    """
    params: dict[str, Any] = {}
    if max_results is not None:
        params["maxResults"] = check_int("max_results", max_results)
    start = None if from_entered_time is None else to_date("from_entered_time",
                                                           from_entered_time)
    end = None if to_entered_time is None else to_date("to_entered_time", to_entered_time)
    check_order("from_entered_time", start, "to_entered_time", end)
    if start is not None:
        params["fromEnteredTime"] = start.isoformat()
    if end is not None:
        params["toEnteredTime"] = end.isoformat()
    if status is not None:
        params["status"] = check_enum("status", status, STATUSES)
    path = "/orders" if account_id is None else f"{account_path(account_id)}/orders"
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    data = api.request("GET", path, params=params) or []
    return output.render(data, fmt, lambda d: output.records_frame(d, index="orderId"))


def get_order(account_id: Id, order_id: Id, *, api: Any = None,
              output_format: Optional[str] = None) -> Any:
    """One order (``OrderGet``); pandas: a one-row frame (index ``orderId``).

    >>> get_order("123456789", 987654321)["status"]  # doctest: +SKIP
    'FILLED'
    """
    path = _order_path(account_id, order_id)
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    data = api.request("GET", path)
    return output.render(data, fmt, lambda d: output.records_frame([d], index="orderId"))


def place_order(account_id: Id, order: Mapping[str, Any], *, api: Any = None) -> int:
    """Place ``order`` (TD's ``Order`` JSON) and return the new order's id.

    >>> place_order("123456789", {"orderType": "MARKET", "session": "NORMAL",
    ...     "duration": "DAY", "orderStrategyType": "SINGLE",
    ...     "orderLegCollection": [{"instruction": "BUY", "quantity": 1,
    ...         "instrument": {"symbol": "XYZ", "assetType": "EQUITY"}}]})  # doctest: +SKIP
    1001
    """
    path = f"{account_path(account_id)}/orders"
    body = check_mapping("order", order)
    response = resolve_api(api).request("POST", path, json=body, raw=True)
    return id_from_location(response, f"get_orders({account_id!r})")


def replace_order(account_id: Id, order_id: Id, order: Mapping[str, Any], *,
                  api: Any = None) -> int:
    """Replace an open order by ``order``; TD cancels it and returns the new order's id.

    >>> replace_order("123456789", 1001, new_order)  # doctest: +SKIP
    1002
    """
    path = _order_path(account_id, order_id)
    body = check_mapping("order", order)
    response = resolve_api(api).request("PUT", path, json=body, raw=True)
    return id_from_location(response, f"get_orders({account_id!r})")


def cancel_order(account_id: Id, order_id: Id, *, api: Any = None) -> None:
    """Cancel an open order.

    >>> cancel_order("123456789", 1002)  # doctest: +SKIP
    """
    resolve_api(api).request("DELETE", _order_path(account_id, order_id))


def id_from_location(response: Any, check: str) -> int:
    """The id at the end of the ``Location`` header of a create/replace response.

    Without one, a ``TDQueryError`` says the change may have been applied and to
    run ``check`` before sending it again.
    """
    location = response.headers.get("Location") or ""
    match = _TRAILING_ID.search(urlsplit(location).path)
    if match is None:
        request = response.request
        raise TDQueryError(
            f"{request.method} {urlsplit(request.url).path} answered HTTP "
            f"{response.status_code} without a readable id in its Location header "
            f"({location!r}). It may have been applied: check {check} before sending it again.",
            status_code=response.status_code, response=redacted(response))
    return int(match.group(1))


def _order_path(account_id: Id, order_id: Id) -> str:
    return f"{account_path(account_id)}/orders/{id_segment('order_id', order_id)}"

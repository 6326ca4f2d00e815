"""Orders: list, get, place, replace and cancel (``/orders``, ``/accounts/{id}/orders``).

Placing, replacing and cancelling are never retried by pyTD: a duplicated order
costs money. When their outcome is unknown the error says to check
:func:`get_orders` before sending again.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.accounts.hashes import uses_hashes, with_account
from pyTD.endpoints import change, create, fetch, resolve_api
from pyTD.orders import as_order_json
from pyTD.orders.builder import Order
from pyTD.validation import (
    DateArg,
    Id,
    check_enum,
    check_id,
    check_int,
    check_order,
    to_date,
)

if TYPE_CHECKING:
    from pyTD.api import api as Client

STATUSES = ("AWAITING_PARENT_ORDER", "AWAITING_CONDITION", "AWAITING_MANUAL_REVIEW",
            "ACCEPTED", "AWAITING_UR_OUT", "PENDING_ACTIVATION", "QUEUED", "WORKING",
            "REJECTED", "PENDING_CANCEL", "CANCELED", "PENDING_REPLACE", "REPLACED", "FILLED",
            "EXPIRED")


def get_orders(account_id: Optional[Id] = None, *, max_results: Optional[int] = None,
               from_entered_time: Optional[DateArg] = None,
               to_entered_time: Optional[DateArg] = None, status: Optional[str] = None,
               api: Optional[Client] = None, output_format: Optional[str] = None) -> Any:
    """Orders of one account, or of every linked account when ``account_id`` is None.

    ``from_entered_time``/``to_entered_time`` are days (date, datetime or
    ``"yyyy-MM-dd"``; TD's default: the last 60 days); ``status`` is one of
    :data:`STATUSES`. pandas: one row per order (index ``orderId``).

    >>> from pyTD.accounts import get_orders
    >>> get_orders("123456789", status="WORKING", max_results=10)  # doctest: +SKIP
    """
    client = resolve_api(api)
    params: dict[str, Any] = {}
    if max_results is not None:
        params["maxResults"] = check_int("max_results", max_results)
    if uses_hashes(client):
        params.update(window_params(client, "from_entered_time", from_entered_time,
                                    "to_entered_time", to_entered_time,
                                    "fromEnteredTime", "toEnteredTime"))
    else:
        start = None if from_entered_time is None else to_date("from_entered_time",
                                                               from_entered_time)
        end = None if to_entered_time is None else to_date("to_entered_time",
                                                           to_entered_time)
        check_order("from_entered_time", start, "to_entered_time", end)
        if start is not None:
            params["fromEnteredTime"] = start.isoformat()
        if end is not None:
            params["toEnteredTime"] = end.isoformat()
    if status is not None:
        params["status"] = check_enum("status", status, STATUSES)
    if account_id is None:
        return fetch(client, "orders", _frame, output_format=output_format, params=params,
                     empty=[])
    return with_account(client, check_id("account_id", account_id), lambda segment: fetch(
        client, "account_orders", _frame, output_format=output_format, params=params,
        empty=[], account_id=segment))


def get_order(account_id: Id, order_id: Id, *, api: Optional[Client] = None,
              output_format: Optional[str] = None) -> Any:
    """One order (``OrderGet``); pandas: a one-row frame (index ``orderId``).

    >>> get_order("123456789", 987654321)["status"]  # doctest: +SKIP
    'FILLED'
    """
    ids = _order_ids(account_id, order_id)
    client = resolve_api(api)
    return with_account(client, ids["account_id"], lambda segment: fetch(
        client, "order", lambda d: _frame([d]), output_format=output_format,
        account_id=segment, order_id=ids["order_id"]))


def place_order(account_id: Id, order: Order, *, api: Optional[Client] = None) -> int:
    """Place ``order`` (a :class:`~pyTD.orders.OrderBuilder` or TD's ``Order`` JSON) and
    return the new order's id.

    The order is checked first (:func:`pyTD.orders.check_order`): what the
    provider would refuse for its shape raises ``ValidationError`` and nothing
    is sent.

    >>> place_order("123456789", {"orderType": "MARKET", "session": "NORMAL",
    ...     "duration": "DAY", "orderStrategyType": "SINGLE",
    ...     "orderLegCollection": [{"instruction": "BUY", "quantity": 1,
    ...         "instrument": {"symbol": "XYZ", "assetType": "EQUITY"}}]})  # doctest: +SKIP
    1001
    """
    account = check_id("account_id", account_id)
    client = resolve_api(api)
    body = as_order_json(order, client.provider, today=_today(client))
    return with_account(client, account, lambda segment: create(
        client, "POST", "account_orders", f"get_orders({account_id!r})", json=body,
        account_id=segment))


def replace_order(account_id: Id, order_id: Id, order: Order, *,
                  api: Optional[Client] = None) -> int:
    """Replace an open order by ``order``; TD cancels it and returns the new order's id.

    >>> replace_order("123456789", 1001, new_order)  # doctest: +SKIP
    1002
    """
    ids = _order_ids(account_id, order_id)
    client = resolve_api(api)
    body = as_order_json(order, client.provider, today=_today(client))
    return with_account(client, ids["account_id"], lambda segment: create(
        client, "PUT", "order", f"get_orders({account_id!r})", json=body,
        account_id=segment, order_id=ids["order_id"]))


def preview_order(account_id: Id, order: Order, *, api: Optional[Client] = None) -> Any:
    """What the provider would do with ``order``, without placing it (Schwab only).

    Returns the provider's preview (validation results, commissions, the
    resulting balances). On a provider without previews (TD Ameritrade)
    :class:`~pyTD.exceptions.NotSupportedError` is raised before anything is sent.

    >>> preview_order("123456789", equity_buy_limit("AAPL", 10, "150"))  # doctest: +SKIP
    {'orderId': 0, 'orderStrategy': {...}, 'orderValidationResult': {...}, ...}
    """
    account = check_id("account_id", account_id)
    client = resolve_api(api)
    client.provider.path("preview_order", account_id=account)  # NotSupportedError first
    body = as_order_json(order, client.provider, today=_today(client))
    return with_account(client, account, lambda segment: client.request(
        "POST", client.provider.path("preview_order", account_id=segment), json=body))


def cancel_order(account_id: Id, order_id: Id, *, api: Optional[Client] = None) -> None:
    """Cancel an open order.

    >>> cancel_order("123456789", 1002)  # doctest: +SKIP
    """
    ids = _order_ids(account_id, order_id)
    client = resolve_api(api)
    with_account(client, ids["account_id"], lambda segment: change(
        client, "DELETE", "order", account_id=segment, order_id=ids["order_id"]))


def _today(client: Client) -> date:
    """Today by the api's clock (UTC), which decides whether an option has expired."""
    return datetime.fromtimestamp(client.auth.clock(), timezone.utc).date()


#: The window Schwab's order and transaction lists default to when none is given.
DEFAULT_WINDOW = timedelta(days=60)


def _instant(name: str, value: DateArg, end: bool) -> datetime:
    """A UTC datetime from a datetime, a date (its start, or its end for ``end``) or a string."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str) and "T" in value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    day = to_date(name, value)
    return datetime.combine(day, time.max if end else time.min, timezone.utc)


def _iso(moment: datetime) -> str:
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def window_params(client: Client, start_name: str, start: Optional[DateArg], end_name: str,
                  end: Optional[DateArg], start_key: str, end_key: str) -> dict[str, str]:
    """Schwab's required ISO date-time window; by default the last 60 days up to now."""
    now = datetime.fromtimestamp(client.auth.clock(), timezone.utc)
    stop = now if end is None else _instant(end_name, end, True)
    begin = stop - DEFAULT_WINDOW if start is None else _instant(start_name, start, False)
    check_order(start_name, begin, end_name, stop)
    return {start_key: _iso(begin), end_key: _iso(stop)}


def _frame(orders: list[Any]) -> Any:
    return output.records_frame(orders, index="orderId")


def _order_ids(account_id: Id, order_id: Id) -> dict[str, Any]:
    return {"account_id": check_id("account_id", account_id),
            "order_id": check_id("order_id", order_id)}

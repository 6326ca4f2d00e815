"""Saved orders: ``/accounts/{accountId}/savedorders`` (create, list, get, replace, delete)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

from pyTD import output
from pyTD.endpoints import change, fetch
from pyTD.validation import Id, check_id, check_mapping

if TYPE_CHECKING:
    from pyTD.api import api as Client


def create_saved_order(account_id: Id, order: Mapping[str, Any], *,
                       api: Optional[Client] = None) -> None:
    """Save ``order`` (TD's ``Order`` JSON) without placing it.

    TD answers with an empty body: :func:`get_saved_orders` lists the new one.

    >>> from pyTD.accounts import create_saved_order
    >>> create_saved_order("123456789", order)  # doctest: +SKIP
    """
    body = check_mapping("order", order)
    change(api, "POST", "saved_orders", json=body, account_id=check_id("account_id", account_id))


def get_saved_orders(account_id: Id, *, api: Optional[Client] = None,
                     output_format: Optional[str] = None) -> Any:
    """The saved orders of an account; pandas: one row per order (index ``savedOrderId``).

    >>> get_saved_orders("123456789")  # doctest: +SKIP
    """
    return fetch(api, "saved_orders", _frame, output_format=output_format, empty=[],
                 account_id=check_id("account_id", account_id))


def get_saved_order(account_id: Id, saved_order_id: Id, *, api: Optional[Client] = None,
                    output_format: Optional[str] = None) -> Any:
    """One saved order (``SavedOrderGet``); pandas: a one-row frame.

    >>> get_saved_order("123456789", 5001)["savedOrderId"]  # doctest: +SKIP
    5001
    """
    return fetch(api, "saved_order", lambda d: _frame([d]), output_format=output_format,
                 **_ids(account_id, saved_order_id))


def replace_saved_order(account_id: Id, saved_order_id: Id, order: Mapping[str, Any], *,
                        api: Optional[Client] = None) -> None:
    """Replace a saved order by ``order``.

    >>> replace_saved_order("123456789", 5001, order)  # doctest: +SKIP
    """
    body = check_mapping("order", order)
    change(api, "PUT", "saved_order", json=body, **_ids(account_id, saved_order_id))


def delete_saved_order(account_id: Id, saved_order_id: Id, *,
                       api: Optional[Client] = None) -> None:
    """Delete a saved order.

    >>> delete_saved_order("123456789", 5001)  # doctest: +SKIP
    """
    change(api, "DELETE", "saved_order", **_ids(account_id, saved_order_id))


def _frame(orders: list[Any]) -> Any:
    return output.records_frame(orders, index="savedOrderId")


def _ids(account_id: Id, saved_order_id: Id) -> dict[str, Any]:
    return {"account_id": check_id("account_id", account_id),
            "saved_order_id": check_id("saved_order_id", saved_order_id)}

"""Saved orders: ``/accounts/{accountId}/savedorders`` (create, list, get, replace, delete)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from pyTD import output
from pyTD.endpoints import resolve_api
from pyTD.validation import Id, account_path, check_mapping, id_segment


def create_saved_order(account_id: Id, order: Mapping[str, Any], *, api: Any = None) -> None:
    """Save ``order`` (TD's ``Order`` JSON) without placing it.

    TD answers with an empty body: :func:`get_saved_orders` lists the new one.

    >>> from pyTD.accounts import create_saved_order
    >>> create_saved_order("123456789", order)  # doctest: +SKIP
    """
    body = check_mapping("order", order)
    resolve_api(api).request("POST", f"{account_path(account_id)}/savedorders", json=body)


def get_saved_orders(account_id: Id, *, api: Any = None,
                     output_format: Optional[str] = None) -> Any:
    """The saved orders of an account; pandas: one row per order (index ``savedOrderId``).

    >>> get_saved_orders("123456789")  # doctest: +SKIP
    """
    path = f"{account_path(account_id)}/savedorders"
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    data = api.request("GET", path) or []
    return output.render(data, fmt, lambda d: output.records_frame(d, index="savedOrderId"))


def get_saved_order(account_id: Id, saved_order_id: Id, *, api: Any = None,
                    output_format: Optional[str] = None) -> Any:
    """One saved order (``SavedOrderGet``); pandas: a one-row frame.

    >>> get_saved_order("123456789", 5001)["savedOrderId"]  # doctest: +SKIP
    5001
    """
    path = _path(account_id, saved_order_id)
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    data = api.request("GET", path)
    return output.render(data, fmt, lambda d: output.records_frame([d], index="savedOrderId"))


def replace_saved_order(account_id: Id, saved_order_id: Id, order: Mapping[str, Any], *,
                        api: Any = None) -> None:
    """Replace a saved order by ``order``.

    >>> replace_saved_order("123456789", 5001, order)  # doctest: +SKIP
    """
    body = check_mapping("order", order)
    resolve_api(api).request("PUT", _path(account_id, saved_order_id), json=body)


def delete_saved_order(account_id: Id, saved_order_id: Id, *, api: Any = None) -> None:
    """Delete a saved order.

    >>> delete_saved_order("123456789", 5001)  # doctest: +SKIP
    """
    resolve_api(api).request("DELETE", _path(account_id, saved_order_id))


def _path(account_id: Id, saved_order_id: Id) -> str:
    return f"{account_path(account_id)}/savedorders/{id_segment('saved_order_id', saved_order_id)}"

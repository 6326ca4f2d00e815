"""Static watchlists: ``/accounts/{accountId}/watchlists`` and ``/accounts/watchlists``.

Items are given as symbols (equities) or as TD ``watchlistItems`` dicts::

    create_watchlist("123456789", "Tech", ["AAPL", "MSFT"])
    create_watchlist("123456789", "Index", [{"instrument": {"symbol": "$SPX.X",
                                                            "assetType": "INDEX"}}])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from pyTD import output
from pyTD.endpoints import change, create, fetch
from pyTD.exceptions import ValidationError
from pyTD.validation import Id, Items, check_id, check_text, normalize_symbols

if TYPE_CHECKING:
    from pyTD.api import api as Client


def create_watchlist(account_id: Id, name: str, symbols_or_items: Items, *,
                     api: Optional[Client] = None) -> int:
    """Create a watchlist and return its id.

    >>> from pyTD.accounts import create_watchlist
    >>> create_watchlist("123456789", "Tech", ["AAPL", "MSFT"])  # doctest: +SKIP
    3001
    """
    account = check_id("account_id", account_id)
    body = {"name": check_text("name", name, "Tech"), "watchlistItems": _items(symbols_or_items)}
    return create(api, "POST", "watchlists", f"get_watchlists({account_id!r})", json=body,
                  account_id=account)


def get_watchlists(account_id: Optional[Id] = None, *, api: Optional[Client] = None,
                   output_format: Optional[str] = None) -> Any:
    """The watchlists of one account, or of every linked account when ``account_id`` is None.

    pandas: one row per item, with the watchlist's ``accountId``, ``watchlistId`` and
    ``name`` beside the item's columns (``instrument.symbol``, ``quantity``, ...).

    >>> get_watchlists(output_format="pandas")  # doctest: +SKIP
    """
    if account_id is None:
        return fetch(api, "all_watchlists", _frame, output_format=output_format, empty=[])
    return fetch(api, "watchlists", _frame, output_format=output_format, empty=[],
                 account_id=check_id("account_id", account_id))


def get_watchlist(account_id: Id, watchlist_id: Id, *, api: Optional[Client] = None,
                  output_format: Optional[str] = None) -> Any:
    """One watchlist; pandas: one row per item.

    >>> get_watchlist("123456789", 3001)["watchlistItems"]  # doctest: +SKIP
    """
    return fetch(api, "watchlist", lambda d: _frame([d]), output_format=output_format,
                 **_ids(account_id, watchlist_id))


def replace_watchlist(account_id: Id, watchlist_id: Id, name: str, symbols_or_items: Items, *,
                      api: Optional[Client] = None) -> None:
    """Replace a watchlist's name and items (PUT).

    >>> replace_watchlist("123456789", 3001, "Tech", ["AAPL", "NVDA"])  # doctest: +SKIP
    """
    body = {"name": check_text("name", name, "Tech"),
            "watchlistId": check_id("watchlist_id", watchlist_id),
            "watchlistItems": _items(symbols_or_items)}
    change(api, "PUT", "watchlist", json=body, **_ids(account_id, watchlist_id))


def update_watchlist(account_id: Id, watchlist_id: Id, *, name: Optional[str] = None,
                     symbols_or_items: Optional[Items] = None,
                     api: Optional[Client] = None) -> None:
    """Rename a watchlist and/or change its items (PATCH); give ``name``, items or both.

    Items with a ``sequenceId`` update that item; items without one are added.

    >>> update_watchlist("123456789", 3001, name="Big tech")  # doctest: +SKIP
    """
    if name is None and symbols_or_items is None:
        raise ValidationError("update_watchlist needs name=... and/or symbols_or_items=...; "
                              "pass what should change.")
    body: dict[str, Any] = {"watchlistId": check_id("watchlist_id", watchlist_id)}
    if name is not None:
        body["name"] = check_text("name", name, "Tech")
    if symbols_or_items is not None:
        body["watchlistItems"] = _items(symbols_or_items)
    change(api, "PATCH", "watchlist", json=body, **_ids(account_id, watchlist_id))


def delete_watchlist(account_id: Id, watchlist_id: Id, *, api: Optional[Client] = None) -> None:
    """Delete a watchlist.

    >>> delete_watchlist("123456789", 3001)  # doctest: +SKIP
    """
    change(api, "DELETE", "watchlist", **_ids(account_id, watchlist_id))


def _ids(account_id: Id, watchlist_id: Id) -> dict[str, Any]:
    return {"account_id": check_id("account_id", account_id),
            "watchlist_id": check_id("watchlist_id", watchlist_id)}


def _items(symbols_or_items: Items) -> list[dict[str, Any]]:
    """TD ``watchlistItems``: symbols become equity items, dicts are sent as given."""
    if isinstance(symbols_or_items, str):
        symbols_or_items = normalize_symbols(symbols_or_items, "symbols_or_items")
    items = list(symbols_or_items) if isinstance(symbols_or_items, Sequence) else []
    if not items:
        raise ValidationError("symbols_or_items must be a non-empty list of symbols such as "
                              "['AAPL', 'MSFT'] or of watchlist item dicts.")
    out = []
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("instrument"), Mapping):
            out.append(dict(item))
        elif isinstance(item, str):
            symbol = check_text("symbols_or_items", item)
            out.append({"instrument": {"symbol": symbol, "assetType": "EQUITY"}})
        else:
            raise ValidationError(
                f"symbols_or_items must hold symbols or dicts with an 'instrument' "
                f"({{'instrument': {{'symbol': 'AAPL', 'assetType': 'EQUITY'}}}}); got {item!r}.")
    return out


def _frame(watchlists: list[Any]) -> Any:
    rows = [{**item, "accountId": w.get("accountId"), "watchlistId": w.get("watchlistId"),
             "name": w.get("name")}
            for w in watchlists for item in w.get("watchlistItems") or []]
    return output.records_frame(rows, columns=("accountId", "watchlistId", "name"))

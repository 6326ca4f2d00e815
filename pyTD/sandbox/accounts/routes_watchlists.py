"""Static watchlists: create, list, get, replace, patch and delete."""

from __future__ import annotations

import copy
from typing import Any, Optional

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox.accounts.models import ACCOUNT_IDS, require_account, state
from pyTD.sandbox.data import universe
from pyTD.sandbox.routing import (
    BEARER,
    BadRequest,
    Router,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    json_body,
    json_response,
)

ASSET_TYPES = ("EQUITY", "OPTION", "MUTUAL_FUND", "FIXED_INCOME", "INDEX")
_INVALID = "A validation error occurred while processing the request."
_NUMBERS = ("quantity", "averagePrice", "commission")


def _item(raw: Any, sequence_id: int) -> dict:
    """A stored ``Item`` from a ``NewItem``/``UpdatedItem``; 400 when malformed."""
    if not isinstance(raw, dict) or not isinstance(raw.get("instrument"), dict):
        raise BadRequest(_INVALID)
    instrument = raw["instrument"]
    symbol, asset = instrument.get("symbol"), instrument.get("assetType")
    if not isinstance(symbol, str) or not symbol or asset not in ASSET_TYPES:
        raise BadRequest(_INVALID)
    item: dict = {"sequenceId": sequence_id}
    for key in _NUMBERS:
        value = raw.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadRequest(_INVALID)
        item[key] = float(value)
    if "purchasedDate" in raw:
        item["purchasedDate"] = raw["purchasedDate"]
    item["instrument"] = {"symbol": symbol, "description": universe.describe(symbol)
                          if universe.asset_type(symbol) else symbol, "assetType": asset}
    item["status"] = "UNCHANGED"
    return item


def _name(body: dict, required: bool) -> Optional[str]:
    name = body.get("name")
    if name is None and not required:
        return None
    if not isinstance(name, str) or not name.strip():
        raise BadRequest(_INVALID)
    return name


def _items(body: dict, required: bool) -> list:
    """The raw ``watchlistItems`` (none given and not ``required``: an empty list)."""
    items = body.get("watchlistItems")
    if items is None and not required:
        return []
    if not isinstance(items, list) or (required and not items):
        raise BadRequest(_INVALID)
    return items


def _body(req: SandboxRequest) -> dict:
    body = json_body(req, _INVALID)
    if not isinstance(body, dict):
        raise BadRequest(_INVALID)
    return body


def _find(sandbox: SandboxLike, account_id: str, watchlist_id: str) -> dict:
    require_account(account_id)
    found = state(sandbox).watchlists.get(watchlist_id)
    if found is None or found["accountId"] != account_id:
        raise BadRequest(f"Watchlist {watchlist_id} not found", 404)
    return found


def create_watchlist(sandbox: SandboxLike, req: SandboxRequest, account_id: str) -> SandboxResponse:
    """``POST /accounts/{id}/watchlists``: 201, empty body, ``Location``."""
    require_account(account_id)
    body = _body(req)
    name, raw_items = _name(body, True), _items(body, True)
    items = [_item(raw, number) for number, raw in enumerate(raw_items, 1)]
    with sandbox.lock:
        st = state(sandbox)
        watchlist_id = str(st.new_id())
        st.watchlists[watchlist_id] = {"name": name, "watchlistId": watchlist_id,
                                       "accountId": account_id, "status": "UNCHANGED",
                                       "watchlistItems": items}
    sandbox.count("watchlists", "created")
    location = (f"{sandbox.url}{TD_AMERITRADE.root_path}/accounts/{account_id}/watchlists/"
                f"{watchlist_id}")
    return SandboxResponse(201, b"", {"Location": location})


def _listing(sandbox: SandboxLike, account_ids: tuple) -> SandboxResponse:
    with sandbox.lock:
        return json_response([copy.deepcopy(w) for w in state(sandbox).watchlists.values()
                              if w["accountId"] in account_ids])


def list_all_watchlists(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /accounts/watchlists``: the watchlists of every account."""
    return _listing(sandbox, ACCOUNT_IDS)


def list_watchlists(sandbox: SandboxLike, req: SandboxRequest, account_id: str) -> SandboxResponse:
    """``GET /accounts/{id}/watchlists``."""
    return _listing(sandbox, (require_account(account_id),))


def get_watchlist(sandbox: SandboxLike, req: SandboxRequest, account_id: str, watchlist_id: str
                  ) -> SandboxResponse:
    """``GET /accounts/{id}/watchlists/{watchlistId}``."""
    with sandbox.lock:
        return json_response(copy.deepcopy(_find(sandbox, account_id, watchlist_id)))


def _check_id(body: dict, watchlist_id: str) -> None:
    given = body.get("watchlistId")
    if given is not None and str(given) != watchlist_id:
        raise BadRequest(_INVALID)


def _change(sandbox: SandboxLike, req: SandboxRequest, account_id: str, watchlist_id: str, *,
            whole: bool) -> tuple[dict, Optional[str], list]:
    """The watchlist a PUT (``whole``) or PATCH changes, and the body's name and items."""
    found = _find(sandbox, account_id, watchlist_id)
    body = _body(req)
    _check_id(body, watchlist_id)
    return found, _name(body, whole), _items(body, whole)


def replace_watchlist(sandbox: SandboxLike, req: SandboxRequest, account_id: str, watchlist_id: str
                      ) -> SandboxResponse:
    """``PUT``: name and items replaced wholesale (204)."""
    with sandbox.lock:
        found, name, raw_items = _change(sandbox, req, account_id, watchlist_id, whole=True)
        items = [_item(raw, number) for number, raw in enumerate(raw_items, 1)]
        found.update({"name": name, "watchlistItems": items, "status": "UPDATED"})
    sandbox.count("watchlists", "replaced")
    return SandboxResponse(204, b"")


def patch_watchlist(sandbox: SandboxLike, req: SandboxRequest, account_id: str, watchlist_id: str
                    ) -> SandboxResponse:
    """``PATCH``: rename; items with a ``sequenceId`` change that item, others are appended."""
    with sandbox.lock:
        found, name, raw_items = _change(sandbox, req, account_id, watchlist_id, whole=False)
        items = {item["sequenceId"]: item for item in copy.deepcopy(found["watchlistItems"])}
        next_id = max(items, default=0)
        for raw in raw_items:
            number = raw.get("sequenceId") if isinstance(raw, dict) else None
            if number is None:
                next_id += 1
                items[next_id] = _item(raw, next_id)
            elif number in items and not isinstance(number, bool):
                items[number] = {**_item(raw, number), "status": "UPDATED"}
            else:
                raise BadRequest(_INVALID)
        found.update({"name": name or found["name"], "status": "UPDATED",
                      "watchlistItems": [items[k] for k in sorted(items)]})
    sandbox.count("watchlists", "patched")
    return SandboxResponse(204, b"")


def delete_watchlist(sandbox: SandboxLike, req: SandboxRequest, account_id: str, watchlist_id: str
                     ) -> SandboxResponse:
    """``DELETE``: 204."""
    with sandbox.lock:
        _find(sandbox, account_id, watchlist_id)
        del state(sandbox).watchlists[watchlist_id]
    sandbox.count("watchlists", "deleted")
    return SandboxResponse(204, b"")


def register(router: Router) -> None:
    """Add the watchlist routes (``/accounts/watchlists`` must precede account routes)."""
    router.add("GET", r"/accounts/watchlists", list_all_watchlists, BEARER)
    base = r"/accounts/(?P<account_id>[^/]+)/watchlists"
    router.add("GET", base, list_watchlists, BEARER)
    router.add("POST", base, create_watchlist, BEARER)
    one = base + r"/(?P<watchlist_id>[^/]+)"
    router.add("GET", one, get_watchlist, BEARER)
    router.add("PUT", one, replace_watchlist, BEARER)
    router.add("PATCH", one, patch_watchlist, BEARER)
    router.add("DELETE", one, delete_watchlist, BEARER)

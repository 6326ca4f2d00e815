"""Orders and saved orders: place, get, list, replace, cancel, validated like TD."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any, Optional

from pyTD.sandbox.accounts_state import ORDER_INVALID, require_account, state
from pyTD.sandbox.data import cusips, universe
from pyTD.sandbox.data.calendar import CLOSE, OPEN, is_trading_day, local_date, minute_of_day
from pyTD.sandbox.routing import (
    BEARER,
    BadRequest,
    Router,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    int_arg,
    int_id,
    json_body,
    json_response,
    td_time,
)

SESSIONS = ("NORMAL", "AM", "PM", "SEAMLESS")
DURATIONS = ("DAY", "GOOD_TILL_CANCEL", "FILL_OR_KILL")
ORDER_TYPES = ("MARKET", "LIMIT", "STOP", "STOP_LIMIT", "TRAILING_STOP", "MARKET_ON_CLOSE",
               "EXERCISE", "TRAILING_STOP_LIMIT", "NET_DEBIT", "NET_CREDIT", "NET_ZERO")
STRATEGY_TYPES = ("SINGLE", "OCO", "TRIGGER")
STATUSES = ("AWAITING_PARENT_ORDER", "AWAITING_CONDITION", "AWAITING_MANUAL_REVIEW", "ACCEPTED",
            "AWAITING_UR_OUT", "PENDING_ACTIVATION", "QUEUED", "WORKING", "REJECTED",
            "PENDING_CANCEL", "CANCELED", "PENDING_REPLACE", "REPLACED", "FILLED", "EXPIRED")
#: Instructions each orderable asset type accepts.
INSTRUCTIONS = {"EQUITY": ("BUY", "SELL", "BUY_TO_COVER", "SELL_SHORT"),
                "OPTION": ("BUY_TO_OPEN", "BUY_TO_CLOSE", "SELL_TO_OPEN", "SELL_TO_CLOSE")}
_OPTIONAL_ENUMS = {
    "complexOrderStrategyType": (
        "NONE", "COVERED", "VERTICAL", "BACK_RATIO", "CALENDAR", "DIAGONAL", "STRADDLE",
        "STRANGLE", "COLLAR_SYNTHETIC", "BUTTERFLY", "CONDOR", "IRON_CONDOR", "VERTICAL_ROLL",
        "COLLAR_WITH_STOCK", "DOUBLE_DIAGONAL", "UNBALANCED_BUTTERFLY", "UNBALANCED_CONDOR",
        "UNBALANCED_IRON_CONDOR", "UNBALANCED_VERTICAL_ROLL", "CUSTOM"),
    "requestedDestination": ("INET", "ECN_ARCA", "CBOE", "AMEX", "PHLX", "ISE", "BOX", "NYSE",
                             "NASDAQ", "BATS", "C2", "AUTO"),
    "stopPriceLinkBasis": ("MANUAL", "BASE", "TRIGGER", "LAST", "BID", "ASK", "ASK_BID", "MARK",
                           "AVERAGE"),
    "stopPriceLinkType": ("VALUE", "PERCENT", "TICK"),
    "stopType": ("STANDARD", "BID", "ASK", "LAST", "MARK"),
    "priceLinkType": ("VALUE", "PERCENT", "TICK"),
    "taxLotMethod": ("FIFO", "LIFO", "HIGH_COST", "LOW_COST", "AVERAGE_COST", "SPECIFIC_LOT"),
    "specialInstruction": ("ALL_OR_NONE", "DO_NOT_REDUCE", "ALL_OR_NONE_DO_NOT_REDUCE"),
}
_OPTIONAL_ENUMS["priceLinkBasis"] = _OPTIONAL_ENUMS["stopPriceLinkBasis"]
_NEEDS_PRICE = {"LIMIT": ("price",), "STOP": ("stopPrice",), "STOP_LIMIT": ("price", "stopPrice"),
                "NET_DEBIT": ("price",), "NET_CREDIT": ("price",)}
_CLOSING = ("SELL", "BUY_TO_COVER", "BUY_TO_CLOSE", "SELL_TO_CLOSE")


def _number(value: Any) -> Optional[float]:
    """A positive number given as a number or a numeric string (TD accepted both)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _leg_ok(leg: Any) -> bool:
    if not isinstance(leg, dict) or not isinstance(leg.get("instrument"), dict):
        return False
    instrument = leg["instrument"]
    symbol, asset = instrument.get("symbol"), instrument.get("assetType")
    instruction = leg.get("instruction")
    return (isinstance(symbol, str) and universe.asset_type(symbol) is not None
            and asset in INSTRUCTIONS and isinstance(instruction, str)
            and instruction.upper() in INSTRUCTIONS[asset]
            and _number(leg.get("quantity")) is not None
            and leg.get("positionEffect", "OPENING") in ("OPENING", "CLOSING", "AUTOMATIC"))


def order_is_valid(order: Any) -> bool:
    """Whether TD would accept ``order`` (the request ``Order`` schema and §2.1 rules)."""
    if not isinstance(order, dict):
        return False
    strategy = order.get("orderStrategyType")
    children = order.get("childOrderStrategies")
    if strategy not in STRATEGY_TYPES or (children is not None and not isinstance(children,
                                                                                  list)):
        return False
    if strategy == "OCO":
        return len(children or []) >= 2 and all(map(order_is_valid, children))
    if (order.get("orderType") not in ORDER_TYPES or order.get("session") not in SESSIONS
            or order.get("duration") not in DURATIONS):
        return False
    if any(key in order and order[key] not in allowed
           for key, allowed in _OPTIONAL_ENUMS.items()):
        return False
    if any(_number(order.get(key)) is None for key in _NEEDS_PRICE.get(order["orderType"], ())):
        return False
    legs = order.get("orderLegCollection")
    if not isinstance(legs, list) or not legs or not all(map(_leg_ok, legs)):
        return False
    if strategy == "TRIGGER" and not children:
        return False
    return all(map(order_is_valid, children or []))


def _status(now: float) -> str:
    """``WORKING`` during the regular session, else ``QUEUED``."""
    day, minute = local_date(now), minute_of_day(now)
    return "WORKING" if is_trading_day(day) and OPEN <= minute < CLOSE else "QUEUED"


def build_order(sandbox: SandboxLike, account_id: str, order: dict, order_id: int) -> dict:
    """An ``OrderGet`` for a validated request ``order``."""
    now, seed = sandbox.clock(), sandbox.seed
    out = {key: value for key, value in order.items()
           if key not in ("orderLegCollection", "childOrderStrategies")}
    for key in ("price", "stopPrice", "stopPriceOffset", "activationPrice"):
        if key in out:
            out[key] = float(out[key])
    legs = []
    for number, leg in enumerate(order.get("orderLegCollection") or [], 1):
        instruction = leg["instruction"].upper()
        symbol = leg["instrument"]["symbol"]
        legs.append({
            "orderLegType": leg["instrument"]["assetType"], "legId": number,
            "instrument": {"assetType": leg["instrument"]["assetType"],
                           "cusip": cusips.cusip(seed, symbol), "symbol": symbol},
            "instruction": instruction,
            "positionEffect": leg.get("positionEffect",
                                      "CLOSING" if instruction in _CLOSING else "OPENING"),
            "quantity": float(leg["quantity"])})
    quantity = legs[0]["quantity"] if legs else 0.0
    out.update({
        "complexOrderStrategyType": order.get("complexOrderStrategyType", "NONE"),
        "quantity": quantity, "filledQuantity": 0.0, "remainingQuantity": quantity,
        "requestedDestination": order.get("requestedDestination", "AUTO"),
        "destinationLinkName": "AutoRoute", "orderLegCollection": legs,
        "orderId": order_id, "cancelable": True, "editable": True, "status": _status(now),
        "enteredTime": td_time(now), "tag": "API_TDAM:App",
        "accountId": int(account_id),
    })
    if order.get("childOrderStrategies"):
        st = state(sandbox)
        out["childOrderStrategies"] = [build_order(sandbox, account_id, child, st.new_id())
                                       for child in order["childOrderStrategies"]]
    return out


def orders_of(sandbox: SandboxLike, account_id: Optional[str]) -> list[dict]:
    """Orders of one account (or all), newest first."""
    with sandbox.lock:
        orders = [copy.deepcopy(o) for o in state(sandbox).orders.values()
                  if account_id is None or str(o["accountId"]) == account_id]
    return sorted(orders, key=lambda o: (o["enteredTime"], o["orderId"]), reverse=True)


def _entered(text: str, name: str, end: bool) -> str:
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


def list_orders(sandbox: SandboxLike, req: SandboxRequest, account_id: Optional[str] = None
                ) -> SandboxResponse:
    """``GET /v1/accounts/{id}/orders`` and ``GET /v1/orders?accountId=``."""
    account_id = account_id or req.arg("accountId")
    if account_id is not None:
        require_account(account_id)
    limit = int_arg(req, "maxResults", minimum=1)
    now = sandbox.clock()
    to_text = _entered(req.arg("toEnteredTime"), "toEnteredTime", True) if req.arg(
        "toEnteredTime") else td_time(now)
    from_text = _entered(req.arg("fromEnteredTime"), "fromEnteredTime", False) if req.arg(
        "fromEnteredTime") else td_time(now - 60 * 86400)
    statuses = [s.strip() for s in (req.arg("status") or "").split(",") if s.strip()]
    for status in statuses:
        if status not in STATUSES:
            raise BadRequest(f"Invalid status '{status}': allowed values are "
                             + ", ".join(STATUSES))
    orders = [o for o in orders_of(sandbox, account_id)
              if from_text <= o["enteredTime"] <= to_text
              and (not statuses or o["status"] in statuses)]
    return json_response(orders[:limit] if limit else orders)


def _find(sandbox: SandboxLike, account_id: str, order_id: str, saved: bool = False) -> dict:
    require_account(account_id)
    what = "Saved order" if saved else "Order"
    number = int_id(order_id, what)
    store = state(sandbox).saved_orders if saved else state(sandbox).orders
    order = store.get(number)
    if order is None or str(order["accountId"]) != account_id:
        raise BadRequest(f"{what} {order_id} not found", 404)
    return order


def get_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, order_id: str
              ) -> SandboxResponse:
    """``GET /v1/accounts/{id}/orders/{orderId}``."""
    with sandbox.lock:
        return json_response(copy.deepcopy(_find(sandbox, account_id, order_id)))


def _validated(req: SandboxRequest) -> dict:
    order = json_body(req)
    if not order_is_valid(order):
        raise BadRequest(ORDER_INVALID)
    return order


def _location(sandbox: SandboxLike, account_id: str, order_id: int) -> str:
    return f"{sandbox.url}/v1/accounts/{account_id}/orders/{order_id}"


def place_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str) -> SandboxResponse:
    """``POST /v1/accounts/{id}/orders``: 201, empty body, ``Location`` of the new order."""
    require_account(account_id)
    order = _validated(req)
    with sandbox.lock:
        st = state(sandbox)
        new = build_order(sandbox, account_id, order, st.new_id())
        st.orders[new["orderId"]] = new
    sandbox.count("orders", "placed")
    return SandboxResponse(201, b"", {"Location": _location(sandbox, account_id, new["orderId"])})


def _close(sandbox: SandboxLike, order: dict, status: str) -> None:
    if order["status"] in ("CANCELED", "REPLACED", "FILLED", "EXPIRED", "REJECTED"):
        raise BadRequest(f"Order {order['orderId']} is {order['status']} and cannot be changed")
    order.update({"status": status, "cancelable": False, "editable": False,
                  "closeTime": td_time(sandbox.clock())})


def replace_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, order_id: str
                  ) -> SandboxResponse:
    """``PUT /v1/accounts/{id}/orders/{orderId}``: old one REPLACED, a new one created (201)."""
    with sandbox.lock:
        old = _find(sandbox, account_id, order_id)
        order = _validated(req)
        _close(sandbox, old, "REPLACED")
        st = state(sandbox)
        new = build_order(sandbox, account_id, order, st.new_id())
        st.orders[new["orderId"]] = new
    sandbox.count("orders", "replaced")
    return SandboxResponse(201, b"", {"Location": _location(sandbox, account_id, new["orderId"])})


def cancel_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, order_id: str
                 ) -> SandboxResponse:
    """``DELETE /v1/accounts/{id}/orders/{orderId}``: 200 empty; twice is a 400."""
    with sandbox.lock:
        _close(sandbox, _find(sandbox, account_id, order_id), "CANCELED")
    sandbox.count("orders", "cancelled")
    return SandboxResponse(200, b"")


# -- saved orders ----------------------------------------------------------------------

def _saved(sandbox: SandboxLike, account_id: str, order: dict, saved_id: int) -> dict:
    body = build_order(sandbox, account_id, order, saved_id)
    for key in ("orderId", "status", "enteredTime"):
        del body[key]
    body.update({"savedOrderId": saved_id, "savedTime": td_time(sandbox.clock())})
    return body


def create_saved_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str
                       ) -> SandboxResponse:
    """``POST /v1/accounts/{id}/savedorders``: 200, empty body."""
    require_account(account_id)
    order = _validated(req)
    with sandbox.lock:
        st = state(sandbox)
        saved_id = st.new_id()
        st.saved_orders[saved_id] = _saved(sandbox, account_id, order, saved_id)
    sandbox.count("savedorders", "created")
    return SandboxResponse(200, b"")


def list_saved_orders(sandbox: SandboxLike, req: SandboxRequest, account_id: str
                      ) -> SandboxResponse:
    """``GET /v1/accounts/{id}/savedorders``."""
    require_account(account_id)
    with sandbox.lock:
        return json_response([copy.deepcopy(o) for o in state(sandbox).saved_orders.values()
                              if str(o["accountId"]) == account_id])


def get_saved_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, saved_id: str
                    ) -> SandboxResponse:
    """``GET /v1/accounts/{id}/savedorders/{savedOrderId}``."""
    with sandbox.lock:
        return json_response(copy.deepcopy(_find(sandbox, account_id, saved_id, saved=True)))


def replace_saved_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, saved_id: str
                        ) -> SandboxResponse:
    """``PUT /v1/accounts/{id}/savedorders/{savedOrderId}``: 200, empty body."""
    with sandbox.lock:
        old = _find(sandbox, account_id, saved_id, saved=True)
        order = _validated(req)
        number = old["savedOrderId"]
        state(sandbox).saved_orders[number] = _saved(sandbox, account_id, order, number)
    sandbox.count("savedorders", "replaced")
    return SandboxResponse(200, b"")


def delete_saved_order(sandbox: SandboxLike, req: SandboxRequest, account_id: str, saved_id: str
                       ) -> SandboxResponse:
    """``DELETE /v1/accounts/{id}/savedorders/{savedOrderId}``: 200, empty body."""
    with sandbox.lock:
        old = _find(sandbox, account_id, saved_id, saved=True)
        del state(sandbox).saved_orders[old["savedOrderId"]]
    sandbox.count("savedorders", "deleted")
    return SandboxResponse(200, b"")


def register(router: Router) -> None:
    """Add the order and saved-order routes."""
    account = r"/v1/accounts/(?P<account_id>[^/]+)"
    router.add("GET", r"/v1/orders", list_orders, BEARER)
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


"""Schwab's order routes over the shared order book: list, place, get, replace, cancel,
and preview.

Requests use Schwab's symbols (OCC options) and schema (more enumerations, no
``requestedDestination``); the book stores the universe's symbols, and answers
carry ``accountNumber`` (an integer here) and ``instrumentId``. Place and replace
answer 201 with the new order's ``Location``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from typing import Any, Callable, Optional

from pyTD.sandbox.accounts.order_schema import TD_ORDER_SCHEMA, order_is_valid
from pyTD.sandbox.accounts.orderbook import STATUSES, order_book
from pyTD.sandbox.accounts.routes_orders import entered_time, order_refusal
from pyTD.sandbox.market.quotes import quote
from pyTD.sandbox.routing import (
    VALIDATION_ERROR,
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    int_arg,
    json_body,
    json_response,
    td_time,
)
from pyTD.sandbox.schwab.accounts import account_of, schwab_instrument
from pyTD.sandbox.schwab.errors import CORREL_HEADER, correl_id, trader_error
from pyTD.sandbox.schwab.symbols import to_model, to_schwab

#: Schwab's statuses: TD's and six more.
SCHWAB_STATUSES = (*STATUSES, "AWAITING_STOP_CONDITION", "NEW", "AWAITING_RELEASE_TIME",
                   "PENDING_ACKNOWLEDGEMENT", "PENDING_RECALL", "UNKNOWN")
_TD = TD_ORDER_SCHEMA
SCHWAB_ORDER_SCHEMA = dataclasses.replace(
    _TD,
    durations=(*_TD.durations, "IMMEDIATE_OR_CANCEL", "END_OF_WEEK", "END_OF_MONTH",
               "NEXT_END_OF_MONTH"),
    order_types=(*_TD.order_types, "CABINET", "NON_MARKETABLE", "LIMIT_ON_CLOSE"),
    strategy_types=(*_TD.strategy_types, "CANCEL", "RECALL", "PAIR", "FLATTEN", "TWO_DAY_SWAP",
                    "BLAST_ALL"),
    instructions={**_TD.instructions,
                  "EQUITY": (*_TD.instructions["EQUITY"], "SELL_SHORT_EXEMPT")},
    optional_enums={**{k: v for k, v in _TD.optional_enums.items()
                       if k != "requestedDestination"},
                    "complexOrderStrategyType": (*_TD.optional_enums["complexOrderStrategyType"],
                                                 "MUTUAL_FUND_SWAP"),
                    "taxLotMethod": (*_TD.optional_enums["taxLotMethod"], "LOSS_HARVESTER")},
    forbidden=("requestedDestination",),
)


def _map_symbols(order: Any, convert: Any) -> Any:
    """``order`` with every leg's instrument symbol converted (recursing into children)."""
    if not isinstance(order, dict):
        return order
    out = dict(order)
    legs = order.get("orderLegCollection")
    if isinstance(legs, list):
        out["orderLegCollection"] = []
        for leg in legs:
            leg = copy.deepcopy(leg)
            instrument = leg.get("instrument") if isinstance(leg, dict) else None
            if isinstance(instrument, dict) and isinstance(instrument.get("symbol"), str):
                instrument["symbol"] = convert(instrument["symbol"])
            out["orderLegCollection"].append(leg)
    if isinstance(order.get("childOrderStrategies"), list):
        out["childOrderStrategies"] = [_map_symbols(c, convert)
                                       for c in order["childOrderStrategies"]]
    return out


def render(seed: int, order: dict) -> dict:
    """A stored order in Schwab's shape: Schwab's instruments, ``accountNumber``, and
    executions with ``activityId`` and the legs' ``instrumentId``."""
    out = {key: value for key, value in order.items()
           if key not in ("orderLegCollection", "childOrderStrategies",
                          "orderActivityCollection")}
    out["accountNumber"] = out.pop("accountId")
    ids: dict[int, int] = {}
    if "orderLegCollection" in order:
        out["orderLegCollection"] = []
        for leg in order["orderLegCollection"]:
            instrument = schwab_instrument(seed, leg["instrument"])
            ids[leg["legId"]] = instrument["instrumentId"]
            out["orderLegCollection"].append({**leg, "instrument": instrument})
    if "orderActivityCollection" in order:
        out["orderActivityCollection"] = [
            {"activityType": a["activityType"],
             "activityId": order["orderId"] * 10 + number, **{
                 k: v for k, v in a.items() if k not in ("activityType", "executionLegs")},
             "executionLegs": [{**e, "instrumentId": ids.get(e["legId"])}
                               for e in a["executionLegs"]]}
            for number, a in enumerate(order["orderActivityCollection"], 1)]
    if "childOrderStrategies" in order:
        out["childOrderStrategies"] = [render(seed, c) for c in order["childOrderStrategies"]]
    return out


class Refused(BadRequest):
    """An order Schwab refuses: 400 ``{"message": ..., "errors": [why]}``."""

    def __init__(self, why: str) -> None:
        super().__init__(VALIDATION_ERROR)
        self.why = why


def _answers_refusals(handler: Callable[..., SandboxResponse]) -> Callable[..., SandboxResponse]:
    """``handler`` answering a :class:`Refused` order with Schwab's ``ServiceError``."""
    @functools.wraps(handler)
    def serve(*args: Any, **kwargs: str) -> SandboxResponse:
        try:
            return handler(*args, **kwargs)
        except Refused as exc:
            return trader_error(400, exc.message, [exc.why])
    return serve


def _validated(sandbox: SandboxLike, req: SandboxRequest) -> dict:
    order = json_body(req, VALIDATION_ERROR)
    model = _map_symbols(order, lambda s: to_model(s) or "?")
    if not order_is_valid(model, SCHWAB_ORDER_SCHEMA):
        raise BadRequest(VALIDATION_ERROR)
    why = order_refusal(sandbox, model)
    if why:
        raise Refused(why)
    return model


def _bound(req: SandboxRequest, name: str, end: bool) -> str:
    text = req.arg(name)
    if not text:
        raise BadRequest(f"{name} is required: both fromEnteredTime and toEnteredTime must "
                         "be set")
    return entered_time(text, name, end)


def list_orders(sandbox: SandboxLike, req: SandboxRequest, account: Optional[str] = None
                ) -> SandboxResponse:
    """``GET /trader/v1/accounts/{hash}/orders`` and ``GET /trader/v1/orders`` (all accounts)."""
    account_id = account_of(sandbox, account) if account is not None else None
    since, until = _bound(req, "fromEnteredTime", False), _bound(req, "toEnteredTime", True)
    status = req.arg("status")
    if status and status not in SCHWAB_STATUSES:
        raise BadRequest(f"Invalid status '{status}': allowed values are "
                         + ", ".join(SCHWAB_STATUSES))
    limit = int_arg(req, "maxResults", minimum=1) or 3000
    orders = order_book(sandbox).orders(account_id, since=since, until=until,
                                        statuses=[status] if status else [])
    return json_response([render(sandbox.seed, o) for o in orders[:limit]])


def get_order(sandbox: SandboxLike, req: SandboxRequest, account: str, order_id: str
              ) -> SandboxResponse:
    """``GET /trader/v1/accounts/{hash}/orders/{orderId}``."""
    order = order_book(sandbox).get(account_of(sandbox, account), order_id)
    return json_response(render(sandbox.seed, order))


def _created(sandbox: SandboxLike, account: str, order: dict) -> SandboxResponse:
    location = f"{sandbox.url}/trader/v1/accounts/{account}/orders/{order['orderId']}"
    return SandboxResponse(201, b"", {"Location": location, CORREL_HEADER: correl_id()})


@_answers_refusals
def place_order(sandbox: SandboxLike, req: SandboxRequest, account: str) -> SandboxResponse:
    """``POST /trader/v1/accounts/{hash}/orders``: 201, empty, ``Location``."""
    account_id = account_of(sandbox, account)
    placed = order_book(sandbox).place(account_id, _validated(sandbox, req))
    sandbox.count("orders", "placed")
    return _created(sandbox, account, placed)


@_answers_refusals
def replace_order(sandbox: SandboxLike, req: SandboxRequest, account: str, order_id: str
                  ) -> SandboxResponse:
    """``PUT /trader/v1/accounts/{hash}/orders/{orderId}``: 201 with the new order's
    ``Location``."""
    account_id = account_of(sandbox, account)
    book = order_book(sandbox)
    book.get(account_id, order_id)
    placed = book.replace(account_id, order_id, _validated(sandbox, req))
    sandbox.count("orders", "replaced")
    return _created(sandbox, account, placed)


def cancel_order(sandbox: SandboxLike, req: SandboxRequest, account: str, order_id: str
                 ) -> SandboxResponse:
    """``DELETE /trader/v1/accounts/{hash}/orders/{orderId}``: 200, empty."""
    order_book(sandbox).cancel(account_of(sandbox, account), order_id)
    sandbox.count("orders", "cancelled")
    return SandboxResponse(200, b"", {CORREL_HEADER: correl_id()})


def _leg(sandbox: SandboxLike, number: int, leg: dict) -> dict:
    model = leg["instrument"]["symbol"]
    q = quote(sandbox.seed, model, sandbox.clock(), False) or {}
    return {"askPrice": q.get("askPrice", 0.0), "bidPrice": q.get("bidPrice", 0.0),
            "lastPrice": q.get("lastPrice", 0.0), "markPrice": q.get("mark", 0.0),
            "projectedCommission": 0.0, "quantity": float(leg["quantity"]),
            "finalSymbol": to_schwab(model), "legId": number,
            "assetType": leg["instrument"]["assetType"], "instruction": leg["instruction"],
            "positionEffect": leg.get("positionEffect", "OPENING"),
            "instrument": {"assetType": leg["instrument"]["assetType"],
                           "symbol": to_schwab(model)}}


def _check(order: dict, legs: list[dict]) -> dict:
    """The validation result: a limit price more than 10 % from the mark is rejected."""
    mark = legs[0]["markPrice"] if legs else 0.0
    price = float(order.get("price") or 0.0)
    if order.get("orderType") == "LIMIT" and mark and abs(price - mark) > 0.1 * mark:
        return {"rejects": [{"activityMessage": "Your limit price is significantly away from "
                             "the current market price. Please adjust your order.",
                             "originalSeverity": "REJECT"}]}
    return {"accepts": [{"activityMessage": "The order passed the sandbox's checks.",
                         "originalSeverity": "ACCEPT"}]}


@_answers_refusals
def preview_order(sandbox: SandboxLike, req: SandboxRequest, account: str) -> SandboxResponse:
    """``POST /trader/v1/accounts/{hash}/previewOrder``: 200 with what would be placed;
    a rejected preview is still a 200."""
    account_id = account_of(sandbox, account)
    order = _validated(sandbox, req)
    legs = [_leg(sandbox, n, leg) for n, leg in enumerate(order.get("orderLegCollection")
                                                          or [], 1)]
    result = _check(order, legs)
    now = td_time(sandbox.clock())
    quantity = legs[0]["quantity"] if legs else 0.0
    price = float(order.get("price") or (legs[0]["markPrice"] if legs else 0.0))
    multiplier = 100 if legs and legs[0]["assetType"] == "OPTION" else 1
    value = round(quantity * price * multiplier, 2)
    sells = any(leg["instruction"].startswith("SELL") for leg in legs)
    fees = [{"value": round(value * 0.0000278, 2) if sells else 0.0, "type": "SEC_FEE"},
            {"value": round(0.02 * quantity, 2) if multiplier == 100 else 0.0,
             "type": "OPT_REG_FEE"},
            {"value": round(min(0.000166 * quantity, 8.3), 2) if sells else 0.0,
             "type": "TAF_FEE"}]
    commission = {"commissionLegs": [{"commissionValues": [{"value": 0.0, "type": "BASE_CHARGE"},
                                                           {"value": 0.0,
                                                            "type": "COMMISSION"}]}]}
    strategy = {
        "accountNumber": account_id, "advancedOrderType": "NONE", "closeTime": now,
        "enteredTime": now, "orderBalance": {"orderValue": value, "projectedAvailableFund": 0.0,
                                             "projectedBuyingPower": 0.0,
                                             "projectedCommission": 0.0},
        "orderStrategyType": order["orderStrategyType"], "orderVersion": 1,
        "session": order.get("session"), "status": "REJECTED" if "rejects" in result
        else "ACCEPTED", "discretionary": False, "duration": order.get("duration"),
        "filledQuantity": 0.0, "orderType": order.get("orderType"), "orderValue": value,
        "price": price, "quantity": quantity, "remainingQuantity": quantity,
        "sellNonMarginableFirst": False, "strategy": "NONE", "amountIndicator": "SHARES",
        "orderLegs": legs}
    sandbox.count("orders", "previewed")
    return json_response({"orderId": 0, "orderStrategy": strategy,
                          "orderValidationResult": result,
                          "commissionAndFee": {"commission": commission,
                                               "fee": {"feeLegs": [{"feeValues": fees}]},
                                               "trueCommission": copy.deepcopy(commission)}})

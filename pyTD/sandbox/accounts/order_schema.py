"""TD's order request schema: the enumerations and rules an order must meet to be accepted.

An order that fails :func:`order_is_valid` is answered 400 with TD's one validation
message (reference §2.1), whatever is wrong with it.
"""

from __future__ import annotations

from typing import Any, Optional

from pyTD.sandbox.data import universe

SESSIONS = ("NORMAL", "AM", "PM", "SEAMLESS")
DURATIONS = ("DAY", "GOOD_TILL_CANCEL", "FILL_OR_KILL")
ORDER_TYPES = ("MARKET", "LIMIT", "STOP", "STOP_LIMIT", "TRAILING_STOP", "MARKET_ON_CLOSE",
               "EXERCISE", "TRAILING_STOP_LIMIT", "NET_DEBIT", "NET_CREDIT", "NET_ZERO")
STRATEGY_TYPES = ("SINGLE", "OCO", "TRIGGER")
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
        return len(children or []) >= 2 and all(map(order_is_valid, children or []))
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

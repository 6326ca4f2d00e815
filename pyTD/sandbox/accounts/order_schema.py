"""TD's order request schema: the enumerations and rules an order must meet to be accepted.

An order that fails :func:`order_is_valid` (its shape) or :func:`symbol_problem`
(what its symbols are) is answered 400 with TD's one validation message
(reference §2.1), whatever is wrong with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Optional

from pyTD.sandbox.data import universe
from pyTD.sandbox.data.options import parse_option

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


@dataclass(frozen=True)
class OrderSchema:
    """The enumerations and keys a provider's order requests are checked against."""

    sessions: tuple[str, ...] = SESSIONS
    durations: tuple[str, ...] = DURATIONS
    order_types: tuple[str, ...] = ORDER_TYPES
    strategy_types: tuple[str, ...] = STRATEGY_TYPES
    instructions: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: INSTRUCTIONS)
    optional_enums: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: _OPTIONAL_ENUMS)
    #: Keys a request must not carry.
    forbidden: tuple[str, ...] = ()


#: TD's order request schema.
TD_ORDER_SCHEMA = OrderSchema()


def _leg_ok(leg: Any, schema: OrderSchema) -> bool:
    if not isinstance(leg, dict) or not isinstance(leg.get("instrument"), dict):
        return False
    instrument = leg["instrument"]
    symbol, asset = instrument.get("symbol"), instrument.get("assetType")
    instruction = leg.get("instruction")
    return (isinstance(symbol, str) and universe.asset_type(symbol) is not None
            and asset in schema.instructions and isinstance(instruction, str)
            and instruction.upper() in schema.instructions[asset]
            and _number(leg.get("quantity")) is not None
            and leg.get("positionEffect", "OPENING") in ("OPENING", "CLOSING", "AUTOMATIC"))


def order_is_valid(order: Any, schema: OrderSchema = TD_ORDER_SCHEMA) -> bool:
    """Whether the provider of ``schema`` (TD by default) would accept ``order`` (the
    request ``Order`` schema and §2.1 rules)."""
    if not isinstance(order, dict):
        return False
    strategy = order.get("orderStrategyType")
    children = order.get("childOrderStrategies")
    if strategy not in schema.strategy_types or (children is not None and not isinstance(
            children, list)):
        return False
    if any(key in order for key in schema.forbidden):
        return False
    if strategy == "OCO":
        return len(children or []) >= 2 and all(order_is_valid(c, schema) for c in children or [])
    if (order.get("orderType") not in schema.order_types
            or order.get("session") not in schema.sessions
            or order.get("duration") not in schema.durations):
        return False
    if any(key in order and order[key] not in allowed
           for key, allowed in schema.optional_enums.items()):
        return False
    if any(_number(order.get(key)) is None for key in _NEEDS_PRICE.get(order["orderType"], ())):
        return False
    legs = order.get("orderLegCollection")
    if not isinstance(legs, list) or not legs or not all(_leg_ok(leg, schema) for leg in legs):
        return False
    if strategy == "TRIGGER" and not children:
        return False
    return all(order_is_valid(c, schema) for c in children or [])


#: Asset types of symbols an ``EQUITY`` leg may trade.
_EQUITY_KINDS = ("EQUITY", "ETF")


def _legs(order: dict) -> Iterator[dict]:
    yield from order.get("orderLegCollection") or []
    for child in order.get("childOrderStrategies") or []:
        yield from _legs(child)


def symbol_problem(order: dict, knows: Callable[[str], bool], today: dt.date
                   ) -> Optional[str]:
    """What the server refuses in a well-formed ``order``'s symbols, or None: a symbol
    that does not exist, an expired option, an ``assetType`` that is not the symbol's.

    >>> leg = {"instruction": "BUY", "quantity": 1,
    ...        "instrument": {"symbol": "AAPL_011524C150", "assetType": "EQUITY"}}
    >>> symbol_problem({"orderLegCollection": [leg]}, lambda s: True, dt.date(2024, 1, 2))
    'AAPL_011524C150 is an OPTION, not an EQUITY'
    """
    for leg in _legs(order):
        symbol, asset = leg["instrument"]["symbol"], leg["instrument"]["assetType"]
        kind = universe.asset_type(symbol)
        if not knows(symbol):
            return f"{symbol} is not a known symbol"
        if (kind == "OPTION") != (asset == "OPTION") or (
                asset == "EQUITY" and kind not in _EQUITY_KINDS):
            return f"{symbol} is an {kind}, not an {asset}"
        opt = parse_option(symbol) if kind == "OPTION" else None
        if opt is not None and opt.expiry < today:
            return f"{symbol} expired on {opt.expiry.isoformat()}"
    return None

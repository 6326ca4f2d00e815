"""What TD and Schwab refuse for its shape, refused before sending.

:func:`check_order` reads an order's JSON (from a builder or written by hand)
and raises :class:`~pyTD.exceptions.ValidationError` naming the field and the
fix; nothing is sent. It checks only what the providers document; anything
else is left to the server.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping, Optional

from pyTD.exceptions import ValidationError
from pyTD.orders.values import ENUM_FIELDS, INSTRUCTIONS, PRICE_FIELDS, price, quantity
from pyTD.symbols import OptionSymbol

#: Order types and the price fields each needs.
NEEDS = {"LIMIT": ("price",), "STOP": ("stopPrice",), "STOP_LIMIT": ("price", "stopPrice"),
         "NET_DEBIT": ("price",), "NET_CREDIT": ("price",), "TRAILING_STOP": ("stopPriceOffset",),
         "LIMIT_ON_CLOSE": ("price",)}
_SETTERS = {"price": "set_price", "stopPrice": "set_stop_price",
            "stopPriceOffset": "set_stop_price_offset"}
#: Complex strategies whose legs must all be on one underlying.
ONE_UNDERLYING = ("COVERED", "VERTICAL", "BACK_RATIO", "CALENDAR", "DIAGONAL", "STRADDLE",
                  "STRANGLE", "COLLAR_SYNTHETIC", "BUTTERFLY", "CONDOR", "IRON_CONDOR",
                  "VERTICAL_ROLL", "COLLAR_WITH_STOCK", "DOUBLE_DIAGONAL",
                  "UNBALANCED_BUTTERFLY", "UNBALANCED_CONDOR", "UNBALANCED_IRON_CONDOR",
                  "UNBALANCED_VERTICAL_ROLL")


def check_order(order: Mapping[str, Any], *, today: Optional[date] = None,
                where: str = "order") -> None:
    """Raise ``ValidationError`` if the providers would refuse ``order`` for its shape.

    ``today`` (default: the local date) decides which options have expired.

    >>> check_order({"orderType": "LIMIT", "session": "NORMAL", "duration": "DAY",
    ...              "orderStrategyType": "SINGLE", "orderLegCollection": [
    ...     {"instruction": "BUY", "quantity": 1,
    ...      "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]})
    Traceback (most recent call last):
    ...
    pyTD.exceptions.ValidationError: order: orderType LIMIT needs price: set_price(...).
    """
    if not isinstance(order, Mapping):
        raise ValidationError(f"{where} must be a dict of TD's order JSON or an OrderBuilder, "
                              f"not {type(order).__name__}.")
    today = today or date.today()
    for field, allowed in ENUM_FIELDS.items():
        value = order.get(field)
        if value is not None and value not in allowed:
            raise ValidationError(f"{where}: {field} must be one of {', '.join(allowed)}; "
                                  f"got {value!r}.")
    for field in PRICE_FIELDS:
        if order.get(field) is not None:
            price(f"{where}: {field}", order[field])
    strategy = order.get("orderStrategyType", "SINGLE")
    children = order.get("childOrderStrategies") or []
    legs = order.get("orderLegCollection") or []
    if strategy == "OCO":
        if legs or len(children) < 2:
            raise ValidationError(f"{where}: an OCO order holds two or more orders in "
                                  "childOrderStrategies and no legs of its own: build it with "
                                  "one_cancels_other(a, b).")
    else:
        _check_prices(order, where)
        if not legs:
            raise ValidationError(f"{where}: orderLegCollection is empty: add a leg "
                                  "(add_equity_leg or add_option_leg).")
        underlyings = [_check_leg(leg, f"{where} leg {i + 1}", today)
                       for i, leg in enumerate(legs)]
        complex_type = order.get("complexOrderStrategyType", "NONE")
        if complex_type in ONE_UNDERLYING and len(set(underlyings)) > 1:
            raise ValidationError(
                f"{where}: a {complex_type} order's legs must all be on one underlying; got "
                f"{', '.join(sorted(set(underlyings)))}. Use complexOrderStrategyType CUSTOM "
                "for legs on several underlyings.")
        if strategy == "SINGLE" and children:
            raise ValidationError(f"{where}: a SINGLE order has no childOrderStrategies: use "
                                  "first_triggers_second(a, b) to make it a TRIGGER.")
        if strategy == "TRIGGER" and not children:
            raise ValidationError(f"{where}: a TRIGGER order needs the order it triggers in "
                                  "childOrderStrategies: use first_triggers_second(a, b).")
    for i, child in enumerate(children):
        check_order(child, today=today, where=f"{where} child {i + 1}")


def _check_prices(order: Mapping[str, Any], where: str) -> None:
    order_type = order.get("orderType")
    if order_type is None:
        raise ValidationError(f"{where}: orderType is missing: set_order_type('MARKET'), "
                              "'LIMIT', ... .")
    for field in NEEDS.get(order_type, ()):
        if order.get(field) is None:
            raise ValidationError(f"{where}: orderType {order_type} needs {field}: "
                                  f"{_SETTERS[field]}(...).")
    if order_type == "MARKET" and order.get("price") is not None:
        raise ValidationError(f"{where}: a MARKET order takes no price: drop the price, or "
                              "make it a LIMIT order.")


def _check_leg(leg: Any, where: str, today: date) -> str:
    """Check one leg; returns its underlying symbol."""
    instrument = leg.get("instrument") if isinstance(leg, Mapping) else None
    if not isinstance(instrument, Mapping) or not isinstance(instrument.get("symbol"), str):
        raise ValidationError(f"{where}: needs an instrument with a symbol and an assetType.")
    symbol, asset = instrument["symbol"], instrument.get("assetType")
    if asset not in INSTRUCTIONS:
        raise ValidationError(f"{where}: assetType must be EQUITY or OPTION (the only orders "
                              f"TD and Schwab take through the API), not {asset!r}.")
    instruction = leg.get("instruction")
    if instruction not in INSTRUCTIONS[asset]:
        other = "OPTION" if asset == "EQUITY" else "EQUITY"
        hint = (f"{instruction} is for {other} legs; " if instruction in INSTRUCTIONS[other]
                else "")
        raise ValidationError(f"{where}: {hint}an {asset} leg's instruction is one of "
                              f"{', '.join(INSTRUCTIONS[asset])}, not {instruction!r}.")
    quantity(f"{where}: quantity", leg.get("quantity"))
    if asset == "EQUITY":
        return symbol.strip().upper()
    try:
        option = OptionSymbol.parse(symbol)
    except ValidationError as exc:
        raise ValidationError(f"{where}: an OPTION leg needs an option symbol; {exc}") from None
    if option.expiration < today:
        raise ValidationError(f"{where}: {symbol.strip()} expired on "
                              f"{option.expiration.isoformat()}: choose a later expiration.")
    return option.underlying

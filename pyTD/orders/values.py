"""The values of an order: enumerations of TD's/Schwab's order schema, prices and quantities.

Prices are kept as :class:`~decimal.Decimal` and sent as decimal strings, so
``190.1`` never goes out as ``190.09999999999999``; numbers from numpy and
pandas are accepted, NaN and infinities refused before anything is sent::

    >>> price("price", 190.1), quantity("quantity", 10.0)
    (Decimal('190.1'), 10)
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pyTD.exceptions import ValidationError

SESSIONS = ("NORMAL", "AM", "PM", "SEAMLESS")
DURATIONS = ("DAY", "GOOD_TILL_CANCEL", "FILL_OR_KILL", "IMMEDIATE_OR_CANCEL", "END_OF_WEEK",
             "END_OF_MONTH", "NEXT_END_OF_MONTH")
ORDER_TYPES = ("MARKET", "LIMIT", "STOP", "STOP_LIMIT", "TRAILING_STOP", "MARKET_ON_CLOSE",
               "EXERCISE", "TRAILING_STOP_LIMIT", "NET_DEBIT", "NET_CREDIT", "NET_ZERO",
               "LIMIT_ON_CLOSE")
COMPLEX_STRATEGIES = ("NONE", "COVERED", "VERTICAL", "BACK_RATIO", "CALENDAR", "DIAGONAL",
                      "STRADDLE", "STRANGLE", "COLLAR_SYNTHETIC", "BUTTERFLY", "CONDOR",
                      "IRON_CONDOR", "VERTICAL_ROLL", "COLLAR_WITH_STOCK", "DOUBLE_DIAGONAL",
                      "UNBALANCED_BUTTERFLY", "UNBALANCED_CONDOR", "UNBALANCED_IRON_CONDOR",
                      "UNBALANCED_VERTICAL_ROLL", "CUSTOM")
STRATEGY_TYPES = ("SINGLE", "OCO", "TRIGGER")
LINK_BASES = ("MANUAL", "BASE", "TRIGGER", "LAST", "BID", "ASK", "ASK_BID", "MARK", "AVERAGE")
LINK_TYPES = ("VALUE", "PERCENT", "TICK")
STOP_TYPES = ("STANDARD", "BID", "ASK", "LAST", "MARK")
SPECIAL_INSTRUCTIONS = ("ALL_OR_NONE", "DO_NOT_REDUCE", "ALL_OR_NONE_DO_NOT_REDUCE")
#: The instructions of each asset type's legs.
INSTRUCTIONS = {"EQUITY": ("BUY", "SELL", "BUY_TO_COVER", "SELL_SHORT"),
                "OPTION": ("BUY_TO_OPEN", "BUY_TO_CLOSE", "SELL_TO_OPEN", "SELL_TO_CLOSE")}
#: The instruction that closes what each instruction opened (for brackets).
CLOSING = {"BUY": "SELL", "SELL_SHORT": "BUY_TO_COVER", "BUY_TO_OPEN": "SELL_TO_CLOSE",
           "SELL_TO_OPEN": "BUY_TO_CLOSE"}
#: Order fields holding prices, and the enumerated order fields with their values.
PRICE_FIELDS = ("price", "stopPrice", "activationPrice", "stopPriceOffset")
ENUM_FIELDS = {"session": SESSIONS, "duration": DURATIONS, "orderType": ORDER_TYPES,
               "complexOrderStrategyType": COMPLEX_STRATEGIES,
               "orderStrategyType": STRATEGY_TYPES, "stopPriceLinkBasis": LINK_BASES,
               "stopPriceLinkType": LINK_TYPES, "priceLinkBasis": LINK_BASES,
               "priceLinkType": LINK_TYPES, "stopType": STOP_TYPES,
               "specialInstruction": SPECIAL_INSTRUCTIONS}


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as the Python number it holds."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, (Decimal, str)) else value


def price(name: str, value: Any) -> Decimal:
    """``value`` as an exact, finite, positive decimal (a number or a numeric string)."""
    number = _plain(value)
    if isinstance(number, bool):
        raise ValidationError(f"{name} must be a number such as '190.10', not {value!r}.")
    try:
        amount = Decimal(str(number).strip())
    except InvalidOperation:
        raise ValidationError(f"{name} must be a number such as '190.10', not {value!r}.") \
            from None
    if not amount.is_finite():
        raise ValidationError(f"{name} is {value!r}: a price must be a finite number; nothing "
                              "was sent.")
    if amount <= 0:
        raise ValidationError(f"{name} must be greater than 0, not {value!r}.")
    return amount


def quantity(name: str, value: Any) -> int:
    """``value`` as a positive whole number (``10``, ``10.0``, ``numpy.int64(10)``)."""
    number = _plain(value)
    whole = isinstance(number, (int, float, Decimal)) and not isinstance(number, bool) \
        and Decimal(str(number)).is_finite() and Decimal(str(number)) == int(number)
    if not whole or int(number) <= 0:
        raise ValidationError(f"{name} must be a positive whole number of shares or "
                              f"contracts, not {value!r}.")
    return int(number)


def decimal_text(amount: Decimal) -> str:
    """A decimal as TD reads it: ``'190.1'``, ``'0.05'``, never an exponent.

    >>> decimal_text(Decimal("1E+1"))
    '10'
    """
    return format(amount, "f")

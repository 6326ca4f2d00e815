"""The order builder: TD's/Schwab's order JSON from method calls, checked before sending.

::

    >>> from pyTD.orders import OrderBuilder
    >>> order = (OrderBuilder().set_order_type("LIMIT").set_price("190.10")
    ...          .add_equity_leg("BUY", "AAPL", 10))
    >>> order.build()["price"]
    '190.10'

Prices are exact decimals (sent as strings), quantities whole numbers, option
symbols rendered in the provider's form when the order is built for it
(``build(provider)``; :func:`pyTD.accounts.place_order` does that).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

from pyTD.exceptions import ValidationError
from pyTD.orders.checks import check_order
from pyTD.orders.values import (
    COMPLEX_STRATEGIES,
    DURATIONS,
    INSTRUCTIONS,
    LINK_BASES,
    LINK_TYPES,
    ORDER_TYPES,
    PRICE_FIELDS,
    SESSIONS,
    SPECIAL_INSTRUCTIONS,
    STOP_TYPES,
    STRATEGY_TYPES,
    decimal_text,
    price,
    quantity,
)
from pyTD.symbols import OptionSymbol, is_option_symbol
from pyTD.validation import check_enum

if TYPE_CHECKING:
    from pyTD.provider import Provider

Price = Union[Decimal, str, int, float]
Order = Union["OrderBuilder", Mapping[str, Any]]


class Leg:
    """One leg: an instruction, a quantity and an equity symbol or an :class:`OptionSymbol`."""

    def __init__(self, instruction: str, symbol: Union[str, OptionSymbol], count: Any) -> None:
        self.option = symbol if isinstance(symbol, OptionSymbol) else None
        self.asset = "OPTION" if self.option else "EQUITY"
        self.instruction = check_enum(f"{self.asset} leg instruction", instruction,
                                      INSTRUCTIONS[self.asset])
        self.symbol = "" if self.option else str(symbol).strip().upper()
        self.quantity = quantity("quantity", count)

    def json(self, provider: Optional[Provider]) -> dict[str, Any]:
        """The leg as the provider reads it."""
        symbol = self.symbol
        if self.option is not None:
            symbol = self.option.render(provider) if provider else self.option.td()
        return {"instruction": self.instruction, "quantity": self.quantity,
                "instrument": {"symbol": symbol, "assetType": self.asset}}

    def _key(self) -> tuple[Any, ...]:
        return self.instruction, self.quantity, self.asset, self.option or self.symbol


class OrderBuilder:
    """An order, built step by step; every setter checks its value and returns the builder.

    Defaults: ``session="NORMAL"``, ``duration="DAY"``, ``orderStrategyType="SINGLE"``.
    Two builders are equal when they would send the same order (``Decimal("1.50")``
    equals ``1.5``).
    """

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {"session": "NORMAL", "duration": "DAY",
                                       "orderStrategyType": "SINGLE"}
        self.legs: list[Leg] = []
        self.children: list[OrderBuilder] = []

    # -- fields ---------------------------------------------------------------------------------
    def _set(self, field: str, value: Any, allowed: tuple[str, ...]) -> OrderBuilder:
        self.fields[field] = check_enum(field, value, allowed)
        return self

    def set_session(self, session: str) -> OrderBuilder:
        """``NORMAL``, ``AM``, ``PM`` or ``SEAMLESS``."""
        return self._set("session", session, SESSIONS)

    def set_duration(self, duration: str) -> OrderBuilder:
        """``DAY``, ``GOOD_TILL_CANCEL``, ``FILL_OR_KILL``, ... ."""
        return self._set("duration", duration, DURATIONS)

    def set_order_type(self, order_type: str) -> OrderBuilder:
        """``MARKET``, ``LIMIT``, ``STOP``, ``STOP_LIMIT``, ``TRAILING_STOP``, ``NET_DEBIT``..."""
        return self._set("orderType", order_type, ORDER_TYPES)

    def set_complex_order_strategy_type(self, strategy: str) -> OrderBuilder:
        """``VERTICAL``, ``IRON_CONDOR``, ``COVERED``, ``CUSTOM``, ... (spreads)."""
        return self._set("complexOrderStrategyType", strategy, COMPLEX_STRATEGIES)

    def set_order_strategy_type(self, strategy: str) -> OrderBuilder:
        """``SINGLE``, ``OCO`` or ``TRIGGER`` (see :func:`one_cancels_other`)."""
        return self._set("orderStrategyType", strategy, STRATEGY_TYPES)

    def set_special_instruction(self, instruction: str) -> OrderBuilder:
        """``ALL_OR_NONE``, ``DO_NOT_REDUCE`` or ``ALL_OR_NONE_DO_NOT_REDUCE``."""
        return self._set("specialInstruction", instruction, SPECIAL_INSTRUCTIONS)

    def set_stop_type(self, stop_type: str) -> OrderBuilder:
        """What the stop watches: ``STANDARD``, ``BID``, ``ASK``, ``LAST`` or ``MARK``."""
        return self._set("stopType", stop_type, STOP_TYPES)

    def set_stop_price_link_basis(self, basis: str) -> OrderBuilder:
        """What a trailing stop follows: ``LAST``, ``BID``, ``ASK``, ``MARK``, ... ."""
        return self._set("stopPriceLinkBasis", basis, LINK_BASES)

    def set_stop_price_link_type(self, link_type: str) -> OrderBuilder:
        """How a trailing stop's offset reads: ``VALUE``, ``PERCENT`` or ``TICK``."""
        return self._set("stopPriceLinkType", link_type, LINK_TYPES)

    def set_price(self, value: Price) -> OrderBuilder:
        """The limit price (or the net debit/credit of a spread)."""
        self.fields["price"] = price("price", value)
        return self

    def set_stop_price(self, value: Price) -> OrderBuilder:
        """The stop price of a STOP or STOP_LIMIT order."""
        self.fields["stopPrice"] = price("stop price", value)
        return self

    def set_stop_price_offset(self, value: Price) -> OrderBuilder:
        """A trailing stop's distance from its link basis."""
        self.fields["stopPriceOffset"] = price("stop price offset", value)
        return self

    def set_activation_price(self, value: Price) -> OrderBuilder:
        """The price at which a trailing stop starts trailing."""
        self.fields["activationPrice"] = price("activation price", value)
        return self

    # -- legs and children ----------------------------------------------------------------------
    def add_equity_leg(self, instruction: str, symbol: str, count: Any) -> OrderBuilder:
        """A stock or ETF leg: ``BUY``, ``SELL``, ``SELL_SHORT`` or ``BUY_TO_COVER``."""
        if isinstance(symbol, OptionSymbol) or is_option_symbol(symbol):
            raise ValidationError(f"{symbol!s} is an option symbol: use add_option_leg.")
        self.legs.append(Leg(instruction, symbol, count))
        return self

    def add_option_leg(self, instruction: str, symbol: Union[str, OptionSymbol],
                       count: Any) -> OrderBuilder:
        """An option leg (``BUY_TO_OPEN``, ...); ``symbol`` in either provider's form."""
        option = symbol if isinstance(symbol, OptionSymbol) else OptionSymbol.parse(symbol)
        self.legs.append(Leg(instruction, option, count))
        return self

    def add_child_order_strategy(self, child: Order) -> OrderBuilder:
        """An order this one contains (OCO) or triggers (TRIGGER)."""
        self.children.append(child if isinstance(child, OrderBuilder) else order_from(child))
        return self

    # -- output ---------------------------------------------------------------------------------
    def build(self, provider: Optional[Provider] = None, *,
              today: Optional[date] = None) -> dict[str, Any]:
        """The order's JSON for ``provider`` (default: TD's symbol form), checked.

        Raises :class:`~pyTD.exceptions.ValidationError` for what the providers
        refuse; ``today`` (default: the local date) decides which options expired.
        """
        order = self._json(provider)
        check_order(order, today=today)
        return order

    def _json(self, provider: Optional[Provider]) -> dict[str, Any]:
        order: dict[str, Any] = {key: decimal_text(value) if key in PRICE_FIELDS else value
                                 for key, value in self.fields.items()}
        if self.legs:
            order["orderLegCollection"] = [leg.json(provider) for leg in self.legs]
        if self.children:
            order["childOrderStrategies"] = [child._json(provider) for child in self.children]
        return order

    def copy(self) -> OrderBuilder:
        """An independent copy, to adjust without changing this one."""
        return order_from(self._json(None))

    def _key(self) -> tuple[Any, ...]:
        fields = {k: v for k, v in self.fields.items()
                  if (k, v) != ("complexOrderStrategyType", "NONE")}  # NONE is the default
        return (sorted(fields.items()), [leg._key() for leg in self.legs],
                [child._key() for child in self.children])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrderBuilder):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"OrderBuilder({self._json(None)!r})"


#: Fields of an order read back that are the server's, not the order's.
_REQUEST_FIELDS = ("session", "duration", "orderType", "complexOrderStrategyType",
                   "orderStrategyType", "specialInstruction", "stopType", "stopPriceLinkBasis",
                   "stopPriceLinkType", "priceLinkBasis", "priceLinkType", *PRICE_FIELDS)


def order_from(order: Mapping[str, Any]) -> OrderBuilder:
    """A builder holding ``order`` (JSON written by hand or read back with ``get_order``).

    What the server adds (``orderId``, ``status``, fills, times, ``legId``) is
    left out, so the builder places the same order again, or a changed copy::

        again = order_from(get_order(account, order_id)).set_price("189.50")
    """
    if not isinstance(order, Mapping):
        raise ValidationError(f"order_from takes an order dict, not {type(order).__name__}.")
    builder = OrderBuilder()
    builder.fields = {}  # exactly the order's fields, not the builder's defaults
    for field in _REQUEST_FIELDS:
        value = order.get(field)
        if value is None:
            continue
        if field in PRICE_FIELDS:
            builder.fields[field] = price(field, value)
        else:
            builder.fields[field] = value
    strategy = builder.fields.get("orderStrategyType", "SINGLE")
    for leg in (order.get("orderLegCollection") or []) if strategy != "OCO" else []:
        instrument = leg.get("instrument") or {}
        symbol = instrument.get("symbol", "")
        if instrument.get("assetType") == "OPTION":
            builder.add_option_leg(leg.get("instruction", ""), symbol, leg.get("quantity"))
        else:
            builder.add_equity_leg(leg.get("instruction", ""), symbol, leg.get("quantity"))
    for child in order.get("childOrderStrategies") or []:
        builder.children.append(order_from(child))
    return builder


def as_order_json(order: Order, provider: Provider, *, today: Optional[date] = None) -> Any:
    """The JSON to send for a builder or a dict, checked the same way either way.

    Option symbols of a dict's legs are rewritten in ``provider``'s form; the
    dict itself is not changed.
    """
    if isinstance(order, OrderBuilder):
        return order.build(provider, today=today)
    check_order(order, today=today)
    return _in_provider_form(order, provider)


def _in_provider_form(order: Mapping[str, Any], provider: Provider) -> dict[str, Any]:
    copied = dict(order)
    legs = order.get("orderLegCollection")
    if isinstance(legs, list):
        copied["orderLegCollection"] = [_leg_in_provider_form(leg, provider) for leg in legs]
    children = order.get("childOrderStrategies")
    if isinstance(children, list):
        copied["childOrderStrategies"] = [_in_provider_form(c, provider) for c in children]
    return copied


def _leg_in_provider_form(leg: Mapping[str, Any], provider: Provider) -> dict[str, Any]:
    instrument = leg["instrument"]
    if instrument.get("assetType") != "OPTION":
        return dict(leg)
    symbol = OptionSymbol.parse(instrument["symbol"]).render(provider)
    return {**leg, "instrument": {**instrument, "symbol": symbol}}

"""Orders made of orders: one cancels the other, and one that triggers another.

    >>> from pyTD.orders import equity_sell_limit, equity_sell_market, one_cancels_other
    >>> oco = one_cancels_other(equity_sell_limit("AAPL", 10, "200"),
    ...                         equity_sell_market("AAPL", 10).set_order_type("STOP")
    ...                         .set_stop_price("180"))
    >>> oco.build()["orderStrategyType"]
    'OCO'
"""

from __future__ import annotations

from pyTD.orders.builder import Order, OrderBuilder, order_from


def _builder(order: Order) -> OrderBuilder:
    return order.copy() if isinstance(order, OrderBuilder) else order_from(order)


def one_cancels_other(first: Order, second: Order) -> OrderBuilder:
    """An OCO order: ``first`` and ``second`` both work; when one fills, the other is cancelled."""
    oco = OrderBuilder()
    oco.fields = {"orderStrategyType": "OCO"}  # an OCO has no session or duration of its own
    oco.children = [_builder(first), _builder(second)]
    return oco


def first_triggers_second(first: Order, second: Order) -> OrderBuilder:
    """``first``, which when filled places ``second`` (a TRIGGER order)."""
    trigger = _builder(first).set_order_strategy_type("TRIGGER")
    trigger.children.append(_builder(second))
    return trigger

"""Orders built, checked and composed in Python: no hand-written order JSON.

    >>> from pyTD.orders import bracket, equity_buy_limit
    >>> order = bracket(equity_buy_limit("AAPL", 10, "190.00"), take_profit="210.00",
    ...                 stop="180.00")
    >>> order.build()["childOrderStrategies"][0]["orderStrategyType"]
    'OCO'

Pass a builder (or a dict) to :func:`pyTD.accounts.place_order`,
``replace_order`` or ``preview_order``; it is checked (:func:`check_order`) and
its option symbols written in the provider's form before anything is sent.
"""

from pyTD.orders.builder import Leg, OrderBuilder, as_order_json, order_from
from pyTD.orders.checks import check_order
from pyTD.orders.compose import first_triggers_second, one_cancels_other
from pyTD.orders.templates import (
    bear_call_vertical_close,
    bear_call_vertical_open,
    bear_put_vertical_close,
    bear_put_vertical_open,
    bracket,
    bull_call_vertical_close,
    bull_call_vertical_open,
    bull_put_vertical_close,
    bull_put_vertical_open,
    covered_call,
    equity_buy_limit,
    equity_buy_market,
    equity_buy_to_cover_limit,
    equity_buy_to_cover_market,
    equity_sell_limit,
    equity_sell_market,
    equity_sell_short_limit,
    equity_sell_short_market,
    iron_condor,
    option_buy_to_close_limit,
    option_buy_to_close_market,
    option_buy_to_open_limit,
    option_buy_to_open_market,
    option_sell_to_close_limit,
    option_sell_to_close_market,
    option_sell_to_open_limit,
    option_sell_to_open_market,
    straddle,
    strangle,
)
from pyTD.symbols import OptionSymbol

__all__ = [
    "Leg", "OptionSymbol", "OrderBuilder", "as_order_json", "bear_call_vertical_close",
    "bear_call_vertical_open", "bear_put_vertical_close", "bear_put_vertical_open", "bracket",
    "bull_call_vertical_close", "bull_call_vertical_open", "bull_put_vertical_close",
    "bull_put_vertical_open", "check_order", "covered_call", "equity_buy_limit",
    "equity_buy_market", "equity_buy_to_cover_limit", "equity_buy_to_cover_market",
    "equity_sell_limit", "equity_sell_market", "equity_sell_short_limit",
    "equity_sell_short_market", "first_triggers_second", "iron_condor",
    "one_cancels_other", "option_buy_to_close_limit", "option_buy_to_close_market",
    "option_buy_to_open_limit", "option_buy_to_open_market", "option_sell_to_close_limit",
    "option_sell_to_close_market", "option_sell_to_open_limit", "option_sell_to_open_market",
    "order_from", "straddle", "strangle",
]

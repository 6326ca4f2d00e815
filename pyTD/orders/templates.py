"""Ready orders: equities, options, verticals, brackets, covered calls, condors, straddles.

Each template returns an :class:`~pyTD.orders.OrderBuilder` (adjust it before
placing, e.g. ``.set_duration("GOOD_TILL_CANCEL")``)::

    >>> from pyTD.orders import equity_buy_limit
    >>> equity_buy_limit("AAPL", 10, "190.10").build()["orderLegCollection"][0]["instruction"]
    'BUY'

Option arguments take an :class:`~pyTD.symbols.OptionSymbol` or a symbol in
either provider's form; spreads check that their legs fit the strategy
(same underlying and expiration, strikes in the right order).
"""

from __future__ import annotations

from typing import Any, Union

from pyTD.exceptions import ValidationError
from pyTD.orders.builder import OrderBuilder, Price
from pyTD.orders.compose import first_triggers_second, one_cancels_other
from pyTD.orders.values import CLOSING
from pyTD.symbols import OptionSymbol

Option = Union[OptionSymbol, str]


def _single(order_type: str, price: Any = None) -> OrderBuilder:
    order = OrderBuilder().set_order_type(order_type)
    return order.set_price(price) if price is not None else order


def _equity(instruction: str, symbol: str, quantity: Any, price: Any) -> OrderBuilder:
    order_type = "MARKET" if price is None else "LIMIT"
    return _single(order_type, price).add_equity_leg(instruction, symbol, quantity)


def _option(instruction: str, symbol: Option, quantity: Any, price: Any) -> OrderBuilder:
    order_type = "MARKET" if price is None else "LIMIT"
    return (_single(order_type, price).set_complex_order_strategy_type("NONE")
            .add_option_leg(instruction, symbol, quantity))


# -- equities -------------------------------------------------------------------------------

def equity_buy_market(symbol: str, quantity: int) -> OrderBuilder:
    """Buy shares at the market."""
    return _equity("BUY", symbol, quantity, None)


def equity_buy_limit(symbol: str, quantity: int, price: Price) -> OrderBuilder:
    """Buy shares at ``price`` or better."""
    return _equity("BUY", symbol, quantity, price)


def equity_sell_market(symbol: str, quantity: int) -> OrderBuilder:
    """Sell shares at the market."""
    return _equity("SELL", symbol, quantity, None)


def equity_sell_limit(symbol: str, quantity: int, price: Price) -> OrderBuilder:
    """Sell shares at ``price`` or better."""
    return _equity("SELL", symbol, quantity, price)


def equity_sell_short_market(symbol: str, quantity: int) -> OrderBuilder:
    """Sell shares short at the market."""
    return _equity("SELL_SHORT", symbol, quantity, None)


def equity_sell_short_limit(symbol: str, quantity: int, price: Price) -> OrderBuilder:
    """Sell shares short at ``price`` or better."""
    return _equity("SELL_SHORT", symbol, quantity, price)


def equity_buy_to_cover_market(symbol: str, quantity: int) -> OrderBuilder:
    """Buy back shorted shares at the market."""
    return _equity("BUY_TO_COVER", symbol, quantity, None)


def equity_buy_to_cover_limit(symbol: str, quantity: int, price: Price) -> OrderBuilder:
    """Buy back shorted shares at ``price`` or better."""
    return _equity("BUY_TO_COVER", symbol, quantity, price)


# -- single options -------------------------------------------------------------------------

def option_buy_to_open_market(symbol: Option, quantity: int) -> OrderBuilder:
    """Buy contracts to open, at the market."""
    return _option("BUY_TO_OPEN", symbol, quantity, None)


def option_buy_to_open_limit(symbol: Option, quantity: int, price: Price) -> OrderBuilder:
    """Buy contracts to open at ``price`` or better."""
    return _option("BUY_TO_OPEN", symbol, quantity, price)


def option_sell_to_open_market(symbol: Option, quantity: int) -> OrderBuilder:
    """Write contracts (sell to open), at the market."""
    return _option("SELL_TO_OPEN", symbol, quantity, None)


def option_sell_to_open_limit(symbol: Option, quantity: int, price: Price) -> OrderBuilder:
    """Write contracts (sell to open) at ``price`` or better."""
    return _option("SELL_TO_OPEN", symbol, quantity, price)


def option_buy_to_close_market(symbol: Option, quantity: int) -> OrderBuilder:
    """Buy back written contracts, at the market."""
    return _option("BUY_TO_CLOSE", symbol, quantity, None)


def option_buy_to_close_limit(symbol: Option, quantity: int, price: Price) -> OrderBuilder:
    """Buy back written contracts at ``price`` or better."""
    return _option("BUY_TO_CLOSE", symbol, quantity, price)


def option_sell_to_close_market(symbol: Option, quantity: int) -> OrderBuilder:
    """Sell held contracts, at the market."""
    return _option("SELL_TO_CLOSE", symbol, quantity, None)


def option_sell_to_close_limit(symbol: Option, quantity: int, price: Price) -> OrderBuilder:
    """Sell held contracts at ``price`` or better."""
    return _option("SELL_TO_CLOSE", symbol, quantity, price)


# -- spreads --------------------------------------------------------------------------------

def _parse(name: str, symbol: Option, put_call: str) -> OptionSymbol:
    option = symbol if isinstance(symbol, OptionSymbol) else OptionSymbol.parse(symbol)
    if option.put_call != put_call:
        raise ValidationError(f"{name} must be a {put_call} option; {symbol!s} is a "
                              f"{option.put_call}.")
    return option


def _same_series(*options: OptionSymbol) -> None:
    if len({(o.underlying, o.expiration) for o in options}) > 1:
        raise ValidationError("The legs of this spread must share one underlying and one "
                              "expiration; got " + ", ".join(o.td() for o in options) + ".")


def _strikes_rise(names: str, *options: OptionSymbol) -> None:
    strikes = [o.strike for o in options]
    if any(a >= b for a, b in zip(strikes, strikes[1:])):
        raise ValidationError(f"The strikes must rise in this order: {names} (got "
                              f"{', '.join(str(s) for s in strikes)}).")


def _spread(complex_type: str, order_type: str, price: Price, quantity: int,
            *legs: tuple[str, OptionSymbol]) -> OrderBuilder:
    order = (OrderBuilder().set_order_type(order_type).set_price(price)
             .set_complex_order_strategy_type(complex_type))
    for instruction, option in legs:
        order.add_option_leg(instruction, option, quantity)
    return order


def _vertical(put_call: str, lower: Option, higher: Option) -> tuple[OptionSymbol, OptionSymbol]:
    low, high = _parse("lower", lower, put_call), _parse("higher", higher, put_call)
    _same_series(low, high)
    _strikes_rise("lower strike, higher strike", low, high)
    return low, high


def bull_call_vertical_open(long_call: Option, short_call: Option, quantity: int,
                            net_debit: Price) -> OrderBuilder:
    """Buy the lower-strike call, sell the higher-strike call (a debit)."""
    low, high = _vertical("CALL", long_call, short_call)
    return _spread("VERTICAL", "NET_DEBIT", net_debit, quantity,
                   ("BUY_TO_OPEN", low), ("SELL_TO_OPEN", high))


def bull_call_vertical_close(long_call: Option, short_call: Option, quantity: int,
                             net_credit: Price) -> OrderBuilder:
    """Close a bull call vertical: sell the long call, buy back the short one."""
    low, high = _vertical("CALL", long_call, short_call)
    return _spread("VERTICAL", "NET_CREDIT", net_credit, quantity,
                   ("SELL_TO_CLOSE", low), ("BUY_TO_CLOSE", high))


def bear_call_vertical_open(short_call: Option, long_call: Option, quantity: int,
                            net_credit: Price) -> OrderBuilder:
    """Sell the lower-strike call, buy the higher-strike call (a credit)."""
    low, high = _vertical("CALL", short_call, long_call)
    return _spread("VERTICAL", "NET_CREDIT", net_credit, quantity,
                   ("SELL_TO_OPEN", low), ("BUY_TO_OPEN", high))


def bear_call_vertical_close(short_call: Option, long_call: Option, quantity: int,
                             net_debit: Price) -> OrderBuilder:
    """Close a bear call vertical: buy back the short call, sell the long one."""
    low, high = _vertical("CALL", short_call, long_call)
    return _spread("VERTICAL", "NET_DEBIT", net_debit, quantity,
                   ("BUY_TO_CLOSE", low), ("SELL_TO_CLOSE", high))


def bull_put_vertical_open(long_put: Option, short_put: Option, quantity: int,
                           net_credit: Price) -> OrderBuilder:
    """Buy the lower-strike put, sell the higher-strike put (a credit)."""
    low, high = _vertical("PUT", long_put, short_put)
    return _spread("VERTICAL", "NET_CREDIT", net_credit, quantity,
                   ("BUY_TO_OPEN", low), ("SELL_TO_OPEN", high))


def bull_put_vertical_close(long_put: Option, short_put: Option, quantity: int,
                            net_debit: Price) -> OrderBuilder:
    """Close a bull put vertical: sell the long put, buy back the short one."""
    low, high = _vertical("PUT", long_put, short_put)
    return _spread("VERTICAL", "NET_DEBIT", net_debit, quantity,
                   ("SELL_TO_CLOSE", low), ("BUY_TO_CLOSE", high))


def bear_put_vertical_open(short_put: Option, long_put: Option, quantity: int,
                           net_debit: Price) -> OrderBuilder:
    """Sell the lower-strike put, buy the higher-strike put (a debit)."""
    low, high = _vertical("PUT", short_put, long_put)
    return _spread("VERTICAL", "NET_DEBIT", net_debit, quantity,
                   ("SELL_TO_OPEN", low), ("BUY_TO_OPEN", high))


def bear_put_vertical_close(short_put: Option, long_put: Option, quantity: int,
                            net_credit: Price) -> OrderBuilder:
    """Close a bear put vertical: buy back the short put, sell the long one."""
    low, high = _vertical("PUT", short_put, long_put)
    return _spread("VERTICAL", "NET_CREDIT", net_credit, quantity,
                   ("BUY_TO_CLOSE", low), ("SELL_TO_CLOSE", high))


def iron_condor(long_put: Option, short_put: Option, short_call: Option, long_call: Option,
                quantity: int, net_credit: Price) -> OrderBuilder:
    """Open an iron condor: a bull put vertical below and a bear call vertical above (a credit)."""
    lp, sp = _parse("long_put", long_put, "PUT"), _parse("short_put", short_put, "PUT")
    sc, lc = _parse("short_call", short_call, "CALL"), _parse("long_call", long_call, "CALL")
    _same_series(lp, sp, sc, lc)
    _strikes_rise("long put, short put, long call", lp, sp, lc)
    _strikes_rise("short call, long call", sc, lc)
    if sp.strike > sc.strike:
        raise ValidationError("The short put's strike must not be above the short call's.")
    return _spread("IRON_CONDOR", "NET_CREDIT", net_credit, quantity,
                   ("BUY_TO_OPEN", lp), ("SELL_TO_OPEN", sp), ("SELL_TO_OPEN", sc),
                   ("BUY_TO_OPEN", lc))


def _pair(kind: str, call: Option, put: Option, quantity: int, net_price: Price,
          side: str) -> OrderBuilder:
    c, p = _parse("call", call, "CALL"), _parse("put", put, "PUT")
    _same_series(c, p)
    if kind == "STRADDLE" and c.strike != p.strike:
        raise ValidationError("A straddle's call and put have the same strike; use strangle() "
                              "for different strikes.")
    if kind == "STRANGLE" and p.strike >= c.strike:
        raise ValidationError("A strangle's put strike is below its call strike; use "
                              "straddle() for one strike.")
    side = side.upper()
    if side not in ("BUY", "SELL"):
        raise ValidationError(f"side must be 'BUY' or 'SELL', not {side!r}.")
    instruction, order_type = (("BUY_TO_OPEN", "NET_DEBIT") if side == "BUY"
                               else ("SELL_TO_OPEN", "NET_CREDIT"))
    return _spread(kind, order_type, net_price, quantity, (instruction, c), (instruction, p))


def straddle(call: Option, put: Option, quantity: int, net_price: Price, *,
             side: str = "BUY") -> OrderBuilder:
    """Open a call and a put of one strike and expiration: bought (a debit) or sold (a credit)."""
    return _pair("STRADDLE", call, put, quantity, net_price, side)


def strangle(call: Option, put: Option, quantity: int, net_price: Price, *,
             side: str = "BUY") -> OrderBuilder:
    """Open a call and a lower-strike put of one expiration, bought or sold."""
    return _pair("STRANGLE", call, put, quantity, net_price, side)


def covered_call(symbol: str, call: Option, contracts: int, net_debit: Price) -> OrderBuilder:
    """Buy 100 shares per contract and write the calls, as one net-debit order."""
    option = _parse("call", call, "CALL")
    if option.underlying != symbol.strip().upper():
        raise ValidationError(f"A covered call writes calls on the shares it buys: {option.td()} "
                              f"is not on {symbol}.")
    return (OrderBuilder().set_order_type("NET_DEBIT").set_price(net_debit)
            .set_complex_order_strategy_type("COVERED")
            .add_equity_leg("BUY", symbol, 100 * contracts)
            .add_option_leg("SELL_TO_OPEN", option, contracts))


def bracket(entry: OrderBuilder, take_profit: Price, stop: Price) -> OrderBuilder:
    """``entry``, which when filled places a take-profit limit and a stop, one cancelling the other.

    The exits close what the entry opens (a BUY is closed by SELLs, a SELL_SHORT
    by BUY_TO_COVERs, options likewise); the entry has one leg.
    """
    if len(entry.legs) != 1:
        raise ValidationError("A bracket's entry has exactly one leg (one symbol).")
    leg = entry.legs[0]
    closing = CLOSING.get(leg.instruction)
    if closing is None:
        raise ValidationError(f"A bracket's entry opens a position (BUY, SELL_SHORT, BUY_TO_OPEN "
                              f"or SELL_TO_OPEN), not {leg.instruction}.")

    def exit_order(order_type: str) -> OrderBuilder:
        order = OrderBuilder().set_order_type(order_type)
        if order_type == "LIMIT":
            order.set_price(take_profit)
        else:
            order.set_stop_price(stop)
        order.set_duration("GOOD_TILL_CANCEL")
        if leg.option is not None:
            return order.add_option_leg(closing, leg.option, leg.quantity)
        return order.add_equity_leg(closing, leg.symbol, leg.quantity)

    return first_triggers_second(entry, one_cancels_other(exit_order("LIMIT"),
                                                          exit_order("STOP")))

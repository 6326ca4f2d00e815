"""Every order template and composition, placed on the sandbox in both providers' modes,
read back and rebuilt."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from pyTD import orders
from pyTD.exceptions import ValidationError
from pyTD.orders import OptionSymbol, OrderBuilder, order_from

from .providers import PROVIDERS, is_schwab
from .sandbox_support import calls

MARGIN = "987654321"


@pytest.fixture(scope="module", params=PROVIDERS)
def sandbox(request):
    from tests.support.sandboxes import start_sandbox

    return start_sandbox(request, provider=request.param, seed=11)


@pytest.fixture(scope="module")
def series(client):
    """Calls and puts of AAPL's second expiration, by strike (ascending)."""
    chain = client.get_option_chain("AAPL", strike_count=6)
    expiration = sorted(chain["callExpDateMap"])[1]
    calls_ = [c[0]["symbol"] for c in chain["callExpDateMap"][expiration].values()]
    puts = [p[0]["symbol"] for p in chain["putExpDateMap"][expiration].values()]
    return sorted(calls_, key=_strike), sorted(puts, key=_strike)


def _strike(symbol: str) -> Decimal:
    return OptionSymbol.parse(symbol).strike


def templates(series):
    calls_, puts = series
    c, p = calls_, puts
    entry = orders.equity_buy_limit("AAPL", 10, "150.00")
    return {
        "equity buy market": orders.equity_buy_market("AAPL", 10),
        "equity buy limit": orders.equity_buy_limit("AAPL", np.int64(10), np.float64(150.1)),
        "equity sell market": orders.equity_sell_market("MSFT", 5),
        "equity sell limit": orders.equity_sell_limit("MSFT", 5, Decimal("400.25")),
        "sell short market": orders.equity_sell_short_market("TSLA", 3),
        "sell short limit": orders.equity_sell_short_limit("TSLA", 3, "260"),
        "buy to cover market": orders.equity_buy_to_cover_market("TSLA", 3),
        "buy to cover limit": orders.equity_buy_to_cover_limit("TSLA", 3, 230.5),
        "option buy to open market": orders.option_buy_to_open_market(c[2], 1),
        "option buy to open limit": orders.option_buy_to_open_limit(c[2], 1, "3.10"),
        "option sell to open market": orders.option_sell_to_open_market(p[1], 2),
        "option sell to open limit": orders.option_sell_to_open_limit(p[1], 2, "1.05"),
        "option buy to close market": orders.option_buy_to_close_market(p[1], 2),
        "option buy to close limit": orders.option_buy_to_close_limit(p[1], 2, "0.95"),
        "option sell to close market": orders.option_sell_to_close_market(c[2], 1),
        "option sell to close limit": orders.option_sell_to_close_limit(c[2], 1, "3.50"),
        "bull call open": orders.bull_call_vertical_open(c[1], c[3], 1, "2.00"),
        "bull call close": orders.bull_call_vertical_close(c[1], c[3], 1, "2.50"),
        "bear call open": orders.bear_call_vertical_open(c[1], c[3], 1, "2.00"),
        "bear call close": orders.bear_call_vertical_close(c[1], c[3], 1, "1.50"),
        "bull put open": orders.bull_put_vertical_open(p[1], p[3], 1, "1.20"),
        "bull put close": orders.bull_put_vertical_close(p[1], p[3], 1, "0.80"),
        "bear put open": orders.bear_put_vertical_open(p[1], p[3], 1, "1.30"),
        "bear put close": orders.bear_put_vertical_close(p[1], p[3], 1, "1.60"),
        "iron condor": orders.iron_condor(p[0], p[1], c[4], c[5], 1, "0.90"),
        "straddle": orders.straddle(c[3], p[3], 1, "6.40"),
        "short strangle": orders.strangle(c[4], p[1], 1, "2.10", side="SELL"),
        "covered call": orders.covered_call("AAPL", c[4], 2, "160.00"),
        "bracket": orders.bracket(entry, take_profit="170.00", stop="140.00"),
        "option bracket": orders.bracket(orders.option_buy_to_open_limit(c[2], 1, "3.00"),
                                         take_profit="4.50", stop="2.00"),
        "oco": orders.one_cancels_other(orders.equity_sell_limit("AAPL", 10, "170"),
                                        orders.equity_sell_market("AAPL", 10)
                                        .set_order_type("STOP").set_stop_price("140")),
        "trigger": orders.first_triggers_second(entry, orders.equity_sell_limit("AAPL", 10,
                                                                                 "175")),
        "trailing stop": (OrderBuilder().set_order_type("TRAILING_STOP")
                          .set_stop_price_link_basis("LAST").set_stop_price_link_type("VALUE")
                          .set_stop_price_offset("2.50").set_duration("GOOD_TILL_CANCEL")
                          .add_equity_leg("SELL", "AAPL", 10)),
        "stop limit all or none": (OrderBuilder().set_order_type("STOP_LIMIT")
                                   .set_price("139.50").set_stop_price("140")
                                   .set_special_instruction("ALL_OR_NONE")
                                   .add_equity_leg("SELL", "AAPL", 10)),
    }


NAMES = list(templates(([f"AAPL_010130C{100 + 5 * i}" for i in range(6)],
                        [f"AAPL_010130P{100 + 5 * i}" for i in range(6)])))


@pytest.mark.parametrize("name", NAMES)
def test_placed_read_back_and_rebuilt_equal(client, series, name):
    sent = templates(series)[name]
    order_id = client.place_order(MARGIN, sent)
    read_back = client.get_order(MARGIN, order_id)
    assert order_from(read_back) == sent, (read_back, sent.build())
    again = client.place_order(MARGIN, order_from(read_back))
    assert again != order_id


def test_prices_go_out_as_exact_decimal_strings(client, series):
    order = orders.equity_buy_limit("AAPL", np.int64(3), np.float64(0.1) + np.float64(0.2))
    assert order.build()["price"] == "0.30000000000000004"
    exact = orders.equity_buy_limit("AAPL", 3, 150.1).build()
    assert exact["price"] == "150.1" and exact["orderLegCollection"][0]["quantity"] == 3


def test_a_dict_order_is_checked_and_its_option_symbols_written_for_the_provider(client, sandbox,
                                                                                 series):
    option = OptionSymbol.parse(series[0][2])
    order = orders.option_buy_to_open_limit(option, 1, "3.00").build()
    theirs, other = (option.osi(), option.td()) if is_schwab(sandbox) else (option.td(),
                                                                           option.osi())
    order["orderLegCollection"][0]["instrument"]["symbol"] = other
    order_id = client.place_order(MARGIN, order)
    leg = client.get_order(MARGIN, order_id)["orderLegCollection"][0]
    assert leg["instrument"]["symbol"] == theirs
    assert order["orderLegCollection"][0]["instrument"]["symbol"] == other


REFUSED = {
    "limit without price": (lambda s: OrderBuilder().set_order_type("LIMIT")
                            .add_equity_leg("BUY", "AAPL", 1), "orderType LIMIT needs price"),
    "price on market": (lambda s: {**orders.equity_buy_market("AAPL", 1).build(),
                                   "price": "10"}, "a MARKET order takes no price"),
    "stop without stop price": (lambda s: OrderBuilder().set_order_type("STOP")
                                .add_equity_leg("SELL", "AAPL", 1),
                                "orderType STOP needs stopPrice: set_stop_price"),
    "option instruction on equity": (lambda s: {**orders.equity_buy_market("AAPL", 1).build(),
                                                "orderLegCollection": [
                                                    {"instruction": "BUY_TO_OPEN", "quantity": 1,
                                                     "instrument": {"symbol": "AAPL",
                                                                    "assetType": "EQUITY"}}]},
                                     "BUY_TO_OPEN is for OPTION legs"),
    "equity instruction on option": (lambda s: {**orders.equity_buy_market("AAPL", 1).build(),
                                                "orderLegCollection": [
                                                    {"instruction": "BUY", "quantity": 1,
                                                     "instrument": {"symbol": s[0][2],
                                                                    "assetType": "OPTION"}}]},
                                     "BUY is for EQUITY legs"),
    "option leg without option symbol": (lambda s: {**orders.equity_buy_market("AAPL", 1).build(),
                                                    "orderLegCollection": [
                                                        {"instruction": "BUY_TO_OPEN",
                                                         "quantity": 1,
                                                         "instrument": {"symbol": "AAPL",
                                                                        "assetType": "OPTION"}}]},
                                         "an OPTION leg needs an option symbol"),
    "expired option": (lambda s: orders.option_buy_to_open_market(
        OptionSymbol("AAPL", date.today() - timedelta(days=3), "CALL", 150), 1),
        "expired on .*choose a later expiration"),
    "fractional quantity": (lambda s: {**orders.equity_buy_market("AAPL", 1).build(),
                                       "orderLegCollection": [
                                           {"instruction": "BUY", "quantity": 1.5,
                                            "instrument": {"symbol": "AAPL",
                                                           "assetType": "EQUITY"}}]},
                            "positive whole number"),
    "mixed underlyings": (lambda s: {**orders.bull_call_vertical_open(s[0][1], s[0][3], 1,
                                                                      "2").build(),
                                     "orderLegCollection": [
                                         *orders.bull_call_vertical_open(s[0][1], s[0][3], 1, "2")
                                         .build()["orderLegCollection"][:1],
                                         {"instruction": "SELL_TO_OPEN", "quantity": 1,
                                          "instrument": {"symbol": "MSFT_010130C400",
                                                         "assetType": "OPTION"}}]},
                          "VERTICAL order's legs must all be on one underlying.*CUSTOM"),
    "nan price": (lambda s: {**orders.equity_buy_limit("AAPL", 1, "10").build(),
                             "price": float("nan")}, "must be a finite number; nothing was sent"),
    "oco without two orders": (lambda s: {"orderStrategyType": "OCO", "childOrderStrategies": [
        orders.equity_sell_limit("AAPL", 1, "10").build()]}, "one_cancels_other"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_before_sending(client, sandbox, series, name):
    make, message = REFUSED[name]
    before = calls(sandbox)
    with pytest.raises(ValidationError, match=message):
        client.place_order(MARGIN, make(series))
    assert calls(sandbox) == before


@pytest.mark.parametrize("make, message", [
    (lambda: orders.equity_buy_limit("AAPL", 0, "1"), "positive whole number"),
    (lambda: orders.equity_buy_limit("AAPL", 1, float("inf")), "finite number"),
    (lambda: orders.equity_buy_limit("AAPL", 1, "-1"), "greater than 0"),
    (lambda: orders.equity_buy_market("AAPL_051724C190", 1), "use add_option_leg"),
    (lambda: OrderBuilder().set_duration("FOREVER"), "duration must be one of"),
    (lambda: orders.bull_call_vertical_open("AAPL_051724C200", "AAPL_051724C190", 1, "1"),
     "strikes must rise"),
    (lambda: orders.bull_call_vertical_open("AAPL_051724C190", "AAPL_061424C200", 1, "1"),
     "share one underlying and one expiration"),
    (lambda: orders.bull_put_vertical_open("AAPL_051724C190", "AAPL_051724P200", 1, "1"),
     "must be a PUT option"),
    (lambda: orders.straddle("AAPL_051724C190", "AAPL_051724P185", 1, "5"), "strangle"),
    (lambda: orders.strangle("AAPL_051724C190", "AAPL_051724P195", 1, "5"), "straddle"),
    (lambda: orders.covered_call("MSFT", "AAPL_051724C190", 1, "100"), "is not on MSFT"),
    (lambda: orders.bracket(orders.equity_sell_limit("AAPL", 1, "10"), "11", "9"),
     "opens a position"),
    (lambda: orders.iron_condor("AAPL_051724P180", "AAPL_051724P185", "AAPL_051724C184",
                                "AAPL_051724C195", 1, "1"), "short put's strike"),
])
def test_builders_refuse_what_cannot_be_built(make, message):
    with pytest.raises(ValidationError, match=message):
        make()

"""The sandbox's order book as TD and Schwab keep it, in both providers' modes: fills that
follow the market clock and the synthetic prices, positions and cash that move with them,
OCO and TRIGGER orders, option legs, server-side refusals and strategy chains."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import requests

from pyTD import orders
from pyTD.exceptions import TDError
from pyTD.orders import OptionSymbol
from pyTD.sandbox.accounts import ACCOUNT_IDS
from pyTD.sandbox.accounts.fills import leg_price
from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.data.calendar import CLOSE, is_trading_day, local_date, local_epoch
from pyTD.sandbox.schwab.accounts import account_hash

from .providers import PROVIDERS, is_schwab

#: Wednesday 2023-11-15 10:30 New York time: a trading day, regular session.
START = 1700062200.0
CASH, MARGIN = ACCOUNT_IDS
SEED = 5
INVALID = "A validation error occurred while processing the request."
#: Fields of a single order that an OCO parent does not have.
SINGLE_ORDER_FIELDS = {"session", "duration", "orderType", "complexOrderStrategyType",
                       "quantity", "filledQuantity", "remainingQuantity",
                       "requestedDestination", "destinationLinkName", "orderLegCollection",
                       "price", "stopPrice"}


class Clock:
    """The sandbox's injectable clock; tests move it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(params=PROVIDERS)
def sandbox(request, make_sandbox, clock):
    return make_sandbox(provider=request.param, seed=SEED, clock=clock,
                        access_token_lifetime=10**9)


@pytest.fixture
def client(sandbox):
    a = sandbox_api(sandbox)
    yield a
    a.close()


def orders_url(sandbox, account):
    """The orders URL of an account in the sandbox's provider's form."""
    if is_schwab(sandbox):
        return f"{sandbox.url}/trader/v1/accounts/{account_hash(SEED, account)}/orders"
    return f"{sandbox.url}/v1/accounts/{account}/orders"


def bearer(sandbox):
    return {"Authorization": "Bearer " + sandbox.issue_tokens()["access_token"]}


def position(client, account, symbol):
    """``(quantity, averagePrice)`` of a position (``(0, None)`` when there is none), and
    the account's cash balance."""
    body = client.get_account(account, fields="positions")["securitiesAccount"]
    cash = body["currentBalances"]["cashBalance"]
    for p in body.get("positions", []):
        if p["instrument"]["symbol"] == symbol:
            return p["longQuantity"] - p["shortQuantity"], p["averagePrice"], cash
    return 0.0, None, cash


def first_cross(seed, symbol, start, below):
    """The first session minute after ``start`` in which ``symbol`` trades at or below
    ``below``; None when it does not today."""
    day = local_date(start)
    for minute in range(int(start) // 60 * 60 + 60, local_epoch(day, CLOSE), 60):
        if leg_price(seed, symbol, minute) <= below:
            return minute
    return None


def crossing_limit(seed, symbol, start):
    """A limit below the price at ``start`` that the price reaches later that day, and the
    minute it does."""
    now = leg_price(seed, symbol, start)
    day = local_date(start)
    low = min(leg_price(seed, symbol, m)
              for m in range(int(start) + 60, local_epoch(day, CLOSE), 60))
    assert low < now - 0.05, "the test needs a symbol that dips today"
    limit = round((now + low) / 2, 2)
    return limit, first_cross(seed, symbol, start, limit)


def test_a_limit_buy_below_the_market_works_until_the_price_crosses_it(sandbox, client, clock):
    symbol = "MSFT"
    limit, crossed = crossing_limit(SEED, symbol, START)
    assert crossed is not None and crossed > START + 120
    held, _, cash = position(client, CASH, symbol)
    order_id = client.place_order(CASH, orders.equity_buy_limit(symbol, 7, f"{limit:.2f}"))
    clock.now = crossed - 60  # the minute before the price reaches the limit
    working = client.get_order(CASH, order_id)
    assert working["status"] == "WORKING" and working["filledQuantity"] == 0.0
    assert working["remainingQuantity"] == 7.0 and "orderActivityCollection" not in working
    assert position(client, CASH, symbol)[::2] == (held, cash)
    clock.now = crossed + 30
    filled = client.get_order(CASH, order_id)
    assert (filled["status"], filled["filledQuantity"], filled["remainingQuantity"]) == (
        "FILLED", 7.0, 0.0)
    assert filled["cancelable"] is False and "closeTime" in filled
    (execution,) = filled["orderActivityCollection"]
    assert (execution["activityType"], execution["executionType"], execution["quantity"]) == (
        "EXECUTION", "FILL", 7.0)
    (fill,) = execution["executionLegs"]
    assert fill["price"] <= limit and fill["quantity"] == 7.0
    assert fill["price"] == leg_price(SEED, symbol, crossed)
    now_held, _, now_cash = position(client, CASH, symbol)
    assert now_held == held + 7
    assert now_cash == pytest.approx(cash - 7 * fill["price"], abs=0.011)
    if is_schwab(sandbox):
        assert isinstance(execution["activityId"], int)
        assert fill["instrumentId"] == filled["orderLegCollection"][0]["instrument"][
            "instrumentId"]


def test_market_orders_fill_in_the_session_and_queue_outside_it(sandbox, client, clock):
    held, _, cash = position(client, MARGIN, "AAPL")
    now = client.place_order(MARGIN, orders.equity_sell_market("AAPL", 3))
    sold = client.get_order(MARGIN, now)
    assert sold["status"] == "FILLED"
    price = sold["orderActivityCollection"][0]["executionLegs"][0]["price"]
    assert price == leg_price(SEED, "AAPL", START)
    after_held, _, after_cash = position(client, MARGIN, "AAPL")
    assert after_held == held - 3 and after_cash == pytest.approx(cash + 3 * price, abs=0.011)
    clock.now = START + 8 * 3600  # 18:30: after the close
    later = client.place_order(MARGIN, orders.equity_buy_market("AAPL", 2))
    assert client.get_order(MARGIN, later)["status"] == "QUEUED"
    clock.now = START + 24 * 3600 - 3600  # 9:30 the next morning
    opened = client.get_order(MARGIN, later)
    assert opened["status"] == "FILLED"
    assert opened["orderActivityCollection"][0]["executionLegs"][0]["time"] == (
        "2023-11-16T14:30:00+0000")


def test_a_day_order_expires_at_the_close_and_a_gtc_one_works_on(sandbox, client, clock):
    day = client.place_order(CASH, orders.equity_buy_limit("AAPL", 1, "1.00"))
    gtc = client.place_order(CASH, orders.equity_buy_limit("AAPL", 1, "1.00")
                             .set_duration("GOOD_TILL_CANCEL"))
    clock.now = START + 6 * 3600
    assert client.get_order(CASH, day)["status"] == "EXPIRED"
    assert client.get_order(CASH, day)["closeTime"] == "2023-11-15T21:00:00+0000"
    assert client.get_order(CASH, gtc)["status"] == "WORKING"


def test_a_replaced_trigger_cancels_what_it_would_have_triggered(sandbox, client):
    waiting = orders.first_triggers_second(orders.equity_buy_limit("AAPL", 1, "1.00"),
                                           orders.equity_sell_limit("AAPL", 1, "9999.00"))
    order_id = client.place_order(CASH, waiting)
    new_id = client.replace_order(CASH, order_id, orders.equity_buy_limit("AAPL", 1, "2.00"))
    old = client.get_order(CASH, order_id)
    assert (old["status"], old["childOrderStrategies"][0]["status"]) == ("REPLACED",
                                                                         "CANCELED")
    assert client.get_order(CASH, new_id)["status"] == "WORKING"


def test_a_cancel_of_a_filled_order_is_refused(sandbox, client):
    order_id = client.place_order(CASH, orders.equity_buy_market("AAPL", 1))
    assert client.get_order(CASH, order_id)["status"] == "FILLED"
    response = requests.delete(f"{orders_url(sandbox, CASH)}/{order_id}",
                               headers=bearer(sandbox), timeout=10)
    assert response.status_code == 400
    body = json.loads(response.text)
    message = body["message"] if is_schwab(sandbox) else body["error"]
    assert list(body) == (["message"] if is_schwab(sandbox) else ["error"])
    assert "FILLED" in message
    with pytest.raises(TDError, match="FILLED"):
        client.cancel_order(CASH, order_id)
    assert client.get_order(CASH, order_id)["status"] == "FILLED"


def test_an_oco_parent_reads_back_without_single_order_fields(sandbox, client, clock):
    take_profit = orders.equity_sell_limit("AAPL", 10, "1000.00")
    stop = orders.equity_sell_market("AAPL", 10).set_order_type("STOP").set_stop_price("1.00")
    order_id = client.place_order(MARGIN, orders.one_cancels_other(take_profit, stop))
    oco = client.get_order(MARGIN, order_id)
    assert oco["orderStrategyType"] == "OCO" and not SINGLE_ORDER_FIELDS & set(oco)
    assert {"orderId", "status", "enteredTime", "cancelable", "editable",
            "childOrderStrategies"} <= set(oco)
    assert [c["status"] for c in oco["childOrderStrategies"]] == ["WORKING", "WORKING"]
    assert orders.order_from(oco) == orders.one_cancels_other(take_profit, stop)
    client.cancel_order(MARGIN, order_id)
    cancelled = client.get_order(MARGIN, order_id)
    assert [c["status"] for c in [cancelled, *cancelled["childOrderStrategies"]]] == [
        "CANCELED"] * 3


def test_one_fill_of_an_oco_cancels_the_other(sandbox, client):
    price = leg_price(SEED, "AAPL", START)
    order_id = client.place_order(MARGIN, orders.one_cancels_other(
        orders.equity_sell_limit("AAPL", 2, f"{price - 5:.2f}"),  # marketable: fills now
        orders.equity_sell_limit("AAPL", 2, f"{price + 50:.2f}")))
    oco = client.get_order(MARGIN, order_id)
    assert oco["status"] == "FILLED"
    assert [c["status"] for c in oco["childOrderStrategies"]] == ["FILLED", "CANCELED"]


def test_a_trigger_starts_its_child_when_it_fills(sandbox, client, clock):
    symbol = "MSFT"
    limit, crossed = crossing_limit(SEED, symbol, START)
    entry = orders.equity_buy_limit(symbol, 5, f"{limit:.2f}")
    order_id = client.place_order(MARGIN, orders.bracket(entry, take_profit="9999.00",
                                                         stop="1.00"))
    waiting = client.get_order(MARGIN, order_id)
    (oco,) = waiting["childOrderStrategies"]
    assert waiting["status"] == "WORKING"
    assert [o["status"] for o in [oco, *oco["childOrderStrategies"]]] == [
        "AWAITING_PARENT_ORDER"] * 3
    clock.now = crossed + 120
    fired = client.get_order(MARGIN, order_id)
    (oco,) = fired["childOrderStrategies"]
    assert fired["status"] == "FILLED"
    assert [o["status"] for o in [oco, *oco["childOrderStrategies"]]] == ["WORKING"] * 3


def next_session(after: dt.date) -> float:
    """10:30 New York time on the first trading day after ``after``."""
    day = after + dt.timedelta(days=1)
    while not is_trading_day(day):
        day += dt.timedelta(days=1)
    return float(local_epoch(day, 10 * 60 + 30))


def test_a_bracket_exits_later_by_its_stop(sandbox, client, clock):
    symbol = "MSFT"
    stop, crossed = crossing_limit(SEED, symbol, START)
    order_id = client.place_order(MARGIN, orders.bracket(
        orders.equity_buy_market(symbol, 4), take_profit="9999.00", stop=f"{stop:.2f}"))
    held, _, _ = position(client, MARGIN, symbol)
    clock.now = crossed - 60
    (oco,) = client.get_order(MARGIN, order_id)["childOrderStrategies"]
    assert [o["status"] for o in oco["childOrderStrategies"]] == ["WORKING", "WORKING"]
    clock.now = crossed + 60
    parent = client.get_order(MARGIN, order_id)
    (oco,) = parent["childOrderStrategies"]
    take_profit, stopped = oco["childOrderStrategies"]
    assert (parent["status"], oco["status"], take_profit["status"], stopped["status"]) == (
        "FILLED", "FILLED", "CANCELED", "FILLED")
    assert stopped["orderActivityCollection"][0]["executionLegs"][0]["price"] <= stop
    assert position(client, MARGIN, symbol)[0] == held - 4


def test_option_legs_have_one_identity_in_chains_orders_and_positions(sandbox, client, clock):
    clock.now = next_session(dt.date.today())  # pyTD refuses options expired by its own date
    chain = client.get_option_chain("AAPL", strike_count=2, contract_type="CALL")
    contract = next(iter(next(iter(chain["callExpDateMap"].values())).values()))[0]
    option = OptionSymbol.parse(contract["symbol"])
    order_id = client.place_order(MARGIN, orders.option_buy_to_open_market(option, 2))
    leg = client.get_order(MARGIN, order_id)["orderLegCollection"][0]
    instrument = leg["instrument"]
    assert instrument["symbol"] == contract["symbol"]
    assert (instrument["assetType"], instrument["putCall"], instrument["type"]) == (
        "OPTION", "CALL", "VANILLA")
    assert instrument["underlyingSymbol"] == "AAPL"
    expiry = option.expiration
    letter = "ABCDEFGHIJKL"[expiry.month - 1]
    assert instrument["cusip"] == (f"0AAPL.{letter}{expiry.day}{expiry.year % 10}"
                                   f"{int(option.strike * 1000):07d}")
    if is_schwab(sandbox):
        assert re.fullmatch(rf"AAPL {expiry:%m/%d/%Y} \$[\d.]+ Call", instrument["description"])
        assert isinstance(instrument["instrumentId"], int)
    else:
        assert instrument["description"] == (f"AAPL {expiry:%b} {expiry.day} {expiry.year} "
                                             f"{float(option.strike)} Call")
    held = client.get_account(MARGIN, fields="positions")["securitiesAccount"]["positions"]
    (mine,) = [p for p in held if p["instrument"]["symbol"] == contract["symbol"]]
    assert mine["longQuantity"] == 2.0
    assert {k: v for k, v in mine["instrument"].items() if k != "netChange"} == instrument


REFUSED = {
    "unknown symbol": ("EQUITY", "NOSUCHCO"),
    "expired option": ("OPTION", "AAPL_110323C150"),
    "option symbol as equity": ("EQUITY", "AAPL_121523C150"),
    "index as equity": ("EQUITY", "$DJI"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_orders_the_server_refuses(sandbox, client, name):
    asset, symbol = REFUSED[name]
    if "_" in symbol and is_schwab(sandbox):
        symbol = OptionSymbol.parse(symbol).osi()
    instruction = "BUY_TO_OPEN" if asset == "OPTION" else "BUY"
    body = {"orderType": "MARKET", "session": "NORMAL", "duration": "DAY",
            "orderStrategyType": "SINGLE", "orderLegCollection": [
                {"instruction": instruction, "quantity": 1,
                 "instrument": {"symbol": symbol, "assetType": asset}}]}
    response = requests.post(orders_url(sandbox, CASH), json=body, headers=bearer(sandbox),
                             timeout=10)
    assert response.status_code == 400, response.text
    answer = json.loads(response.text)
    if is_schwab(sandbox):
        assert answer["message"] == INVALID and len(answer["errors"]) == 1
        assert symbol.split()[0] in answer["errors"][0]
    else:
        assert answer == {"error": INVALID}
    assert "placed" not in sandbox.stats().get("orders", {})


#: Keys of a strategy chain's ``monthlyStrategyList`` entries and spread legs.
MONTH_KEYS = {"month", "year", "day", "daysToExp", "secondaryMonth", "secondaryYear",
              "secondaryDay", "secondaryDaysToExp", "type", "secondaryType", "leap",
              "secondaryLeap", "optionStrategyList"}
LEG_KEYS = {"symbol", "putCallInd", "description", "bid", "ask", "range", "strikePrice",
            "totalVolume"}
#: Per strategy: (types of the two legs, whether they have two expirations, strikes shown).
STRATEGIES = {"VERTICAL": ("CC", False, 2), "CALENDAR": ("CC", True, 1),
              "STRADDLE": ("CP", False, 1), "STRANGLE": ("CP", False, 2),
              "BUTTERFLY": ("CC", False, 3), "CONDOR": ("CC", False, 4),
              "DIAGONAL": ("CC", True, 2), "COLLAR": ("PC", False, 2),
              "ROLL": ("CC", True, 1)}


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_strategy_chains_have_tds_shape(sandbox, client, strategy):
    types, two_dates, strike_count = STRATEGIES[strategy]
    chain = client.get_option_chain("AAPL", strategy=strategy, strike_count=3,
                                    contract_type="CALL")
    assert chain["strategy"] == strategy and chain["status"] == "SUCCESS"
    assert chain["callExpDateMap"] == {} and chain["putExpDateMap"] == {}
    assert chain["interval"] > 0 and chain["intervals"] == [chain["interval"]]
    months = chain["monthlyStrategyList"]
    assert months and all(set(m) == MONTH_KEYS for m in months)
    assert chain["numberOfContracts"] == sum(len(m["optionStrategyList"]) for m in months)
    for month in months:
        assert month["type"] + month["secondaryType"] == types
        assert re.fullmatch(r"[A-Z][a-z]{2}", month["month"])
        assert (month["secondaryDaysToExp"] > month["daysToExp"]) == two_dates
        for spread in month["optionStrategyList"]:
            assert set(spread) == {"primaryLeg", "secondaryLeg", "strategyStrike",
                                   "strategyBid", "strategyAsk"}
            first, second = spread["primaryLeg"], spread["secondaryLeg"]
            assert set(first) == LEG_KEYS and set(second) == LEG_KEYS
            assert first["putCallInd"] + second["putCallInd"] == types
            assert len(spread["strategyStrike"].split("/")) == strike_count
            assert spread["strategyBid"] <= spread["strategyAsk"]
            option = OptionSymbol.parse(first["symbol"])  # either provider's form
            assert option.underlying == "AAPL"
            if is_schwab(sandbox):
                assert first["symbol"] == option.osi()


def test_a_vertical_is_priced_from_its_legs(sandbox, client):
    chain = client.get_option_chain("AAPL", strategy="VERTICAL", strike_count=1,
                                    contract_type="PUT", interval=10)
    assert chain["interval"] == 10
    spread = chain["monthlyStrategyList"][0]["optionStrategyList"][0]
    low, high = spread["primaryLeg"], spread["secondaryLeg"]
    assert high["strikePrice"] - low["strikePrice"] == 10
    assert spread["strategyBid"] == pytest.approx(low["bid"] - high["ask"], abs=0.005)
    assert spread["strategyAsk"] == pytest.approx(low["ask"] - high["bid"], abs=0.005)
    assert spread["strategyStrike"] == f"{low['strikePrice']}/{high['strikePrice']}"

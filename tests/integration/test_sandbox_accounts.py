"""The sandbox's account routes over real sockets: shapes, validation, state, determinism."""

from __future__ import annotations

import json
import re

import pytest
import requests

from pyTD.sandbox import DEMO_CONSUMER_KEY, Sandbox
from pyTD.sandbox.accounts import ACCOUNT_IDS, state

#: Wednesday 2023-11-15 10:30 New York time: a trading day, regular session.
START = 1700062200.0
CASH, MARGIN = ACCOUNT_IDS
INVALID = "A validation error occurred while processing the request."


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Client:
    """``requests`` with a Bearer token against one sandbox."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        token = sandbox.issue_tokens()["access_token"]
        self.session.headers["Authorization"] = "Bearer " + token

    def __call__(self, method: str, path: str, body=None, **params) -> requests.Response:
        return self.session.request(method, self.sandbox.url + path, params=params,
                                    json=body, timeout=10)

    def ok(self, method: str, path: str, body=None, **params):
        response = self(method, path, body, **params)
        assert response.status_code == 200, response.text
        return response.json() if response.content else None


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sb(make_sandbox, clock):
    return make_sandbox(seed=99, clock=clock, access_token_lifetime=10**9)


@pytest.fixture
def api(sb):
    return Client(sb)


def error(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return json.loads(response.text)["error"]


#: A limit buy far below XYZ's price: it stays WORKING (a market order would fill).
ORDER = {"orderType": "LIMIT", "price": "1.00", "session": "NORMAL", "duration": "DAY",
         "orderStrategyType": "SINGLE",
         "orderLegCollection": [{"instruction": "Buy", "quantity": 15,
                                 "instrument": {"symbol": "XYZ", "assetType": "EQUITY"}}]}


def place(api: Client, account: str = CASH, order=None) -> int:
    response = api("POST", f"/v1/accounts/{account}/orders", order or ORDER)
    assert response.status_code == 201, response.text
    assert response.content == b""
    location = response.headers["Location"]
    match = re.fullmatch(re.escape(api.sandbox.url) + rf"/v1/accounts/{account}/orders/(\d+)",
                         location)
    assert match, location
    return int(match.group(1))


# -- accounts ----------------------------------------------------------------------------

CASH_CURRENT = {
    "accruedInterest", "cashBalance", "cashReceipts", "longOptionMarketValue",
    "liquidationValue", "longMarketValue", "moneyMarketFund", "savings", "shortMarketValue",
    "pendingDeposits", "cashAvailableForTrading", "cashAvailableForWithdrawal", "cashCall",
    "longNonMarginableMarketValue", "totalCash", "shortOptionMarketValue", "mutualFundValue",
    "bondValue", "cashDebitCallValue", "unsettledCash"}
CASH_INITIAL = {
    "accruedInterest", "cashAvailableForTrading", "cashAvailableForWithdrawal", "cashBalance",
    "bondValue", "cashReceipts", "liquidationValue", "longOptionMarketValue", "longStockValue",
    "moneyMarketFund", "mutualFundValue", "shortOptionMarketValue", "shortStockValue",
    "isInCall", "unsettledCash", "cashDebitCallValue", "pendingDeposits", "accountValue"}
MARGIN_INITIAL = {
    "accruedInterest", "availableFundsNonMarginableTrade", "bondValue", "buyingPower",
    "cashBalance", "cashAvailableForTrading", "cashReceipts", "dayTradingBuyingPower",
    "dayTradingBuyingPowerCall", "dayTradingEquityCall", "equity", "equityPercentage",
    "liquidationValue", "longMarginValue", "longOptionMarketValue", "longStockValue",
    "maintenanceCall", "maintenanceRequirement", "margin", "marginEquity", "moneyMarketFund",
    "mutualFundValue", "regTCall", "shortMarginValue", "shortOptionMarketValue",
    "shortStockValue", "totalCash", "isInCall", "unsettledCash", "pendingDeposits",
    "marginBalance", "shortBalance", "accountValue"}
MARGIN_CURRENT = {
    "accruedInterest", "cashBalance", "cashReceipts", "longOptionMarketValue",
    "liquidationValue", "longMarketValue", "moneyMarketFund", "savings", "shortMarketValue",
    "pendingDeposits", "availableFunds", "availableFundsNonMarginableTrade", "buyingPower",
    "buyingPowerNonMarginableTrade", "dayTradingBuyingPower", "dayTradingBuyingPowerCall",
    "equity", "equityPercentage", "longMarginValue", "maintenanceCall",
    "maintenanceRequirement", "marginBalance", "regTCall", "shortBalance", "shortMarginValue",
    "shortOptionMarketValue", "sma", "mutualFundValue", "bondValue", "isInCall",
    "stockBuyingPower", "optionBuyingPower"}
POSITION = {"shortQuantity", "averagePrice", "currentDayProfitLoss",
            "currentDayProfitLossPercentage", "longQuantity", "settledLongQuantity",
            "settledShortQuantity", "agedQuantity", "instrument", "marketValue"}


def test_accounts_have_the_live_shapes(api):
    accounts = api.ok("GET", "/v1/accounts", fields="positions")
    assert [a["securitiesAccount"]["accountId"] for a in accounts] == [CASH, MARGIN]
    cash, margin = (a["securitiesAccount"] for a in accounts)
    assert (cash["type"], margin["type"]) == ("CASH", "MARGIN")
    for account in (cash, margin):
        assert {"roundTrips", "isDayTrader", "isClosingOnlyRestricted", "positions"} <= set(
            account)
        assert "orderStrategies" not in account
        assert all(set(p) == POSITION for p in account["positions"])
    assert set(cash["initialBalances"]) == CASH_INITIAL
    assert set(cash["currentBalances"]) == CASH_CURRENT
    assert set(cash["projectedBalances"]) == {"cashAvailableForTrading",
                                              "cashAvailableForWithdrawal"}
    assert set(margin["initialBalances"]) == MARGIN_INITIAL
    assert set(margin["currentBalances"]) == MARGIN_CURRENT
    assert {p["instrument"]["assetType"] for p in margin["positions"]} == {"EQUITY", "OPTION"}
    current = cash["currentBalances"]
    assert current["liquidationValue"] == pytest.approx(
        current["cashBalance"] + sum(p["marketValue"] for p in cash["positions"]), abs=0.02)


def test_positions_are_valued_at_the_quotes(api):
    account = api.ok("GET", f"/v1/accounts/{MARGIN}", fields="positions")["securitiesAccount"]
    symbols = [p["instrument"]["symbol"] for p in account["positions"]]
    quotes = api.ok("GET", "/v1/marketdata/quotes", symbol=",".join(symbols))
    for p in account["positions"]:
        q = quotes[p["instrument"]["symbol"]]
        multiplier = 100 if p["instrument"]["assetType"] == "OPTION" else 1
        price = q["mark"] if multiplier == 100 else q["lastPrice"]
        assert p["marketValue"] == pytest.approx(p["longQuantity"] * multiplier * price,
                                                 abs=0.01)
        if multiplier == 1:
            assert p["instrument"]["cusip"] == q["cusip"]


def test_fields_and_unknown_accounts(api):
    bare = api.ok("GET", f"/v1/accounts/{CASH}")["securitiesAccount"]
    assert "positions" not in bare and "orderStrategies" not in bare
    order_id = place(api)
    both = api.ok("GET", f"/v1/accounts/{CASH}", fields="positions,orders")["securitiesAccount"]
    assert [o["orderId"] for o in both["orderStrategies"]] == [order_id]
    margin = api.ok("GET", f"/v1/accounts/{MARGIN}", fields="orders")["securitiesAccount"]
    assert margin["orderStrategies"] == []
    error(api("GET", "/v1/accounts/111111111"), 404)
    error(api("GET", "/v1/accounts", fields="balances"), 400)


def test_partial_failure_is_207_with_the_healthy_accounts(sb, api):
    state(sb).partial_failure = True
    response = api("GET", "/v1/accounts")
    assert response.status_code == 207
    assert [a["securitiesAccount"]["accountId"] for a in response.json()] == [CASH]


def test_account_routes_need_a_bearer_token(sb):
    for path in ("/v1/accounts", f"/v1/accounts/{CASH}/orders", "/v1/userprincipals",
                 "/v1/accounts/watchlists"):
        assert requests.get(sb.url + path, timeout=10).status_code == 401
        assert requests.get(sb.url + path, params={"apikey": DEMO_CONSUMER_KEY},
                            timeout=10).status_code == 401


def test_accounts_are_deterministic_for_a_seed(api, clock):
    mine = [api.ok("GET", "/v1/accounts", fields="positions"),
            api.ok("GET", f"/v1/accounts/{MARGIN}/transactions")]
    for seed, same in ((99, True), (100, False)):
        with Sandbox(seed=seed, clock=clock) as other:
            theirs = [Client(other).ok("GET", "/v1/accounts", fields="positions"),
                      Client(other).ok("GET", f"/v1/accounts/{MARGIN}/transactions")]
            assert [a == b for a, b in zip(theirs, mine)] == [same, same]


# -- orders ------------------------------------------------------------------------------

def test_place_and_get_an_order(sb, api):
    order_id = place(api)
    got = api.ok("GET", f"/v1/accounts/{CASH}/orders/{order_id}")
    assert got["orderId"] == order_id and got["accountId"] == int(CASH)
    assert got["status"] == "WORKING" and got["cancelable"] is True and got["editable"] is True
    assert got["enteredTime"] == "2023-11-15T15:30:00+0000"
    assert (got["orderType"], got["session"], got["duration"], got["orderStrategyType"]) == (
        "LIMIT", "NORMAL", "DAY", "SINGLE")
    leg = got["orderLegCollection"][0]
    assert leg["instruction"] == "BUY" and leg["quantity"] == 15.0 and leg["legId"] == 1
    assert leg["instrument"]["symbol"] == "XYZ" and len(leg["instrument"]["cusip"]) == 9
    assert got["quantity"] == 15.0 and got["remainingQuantity"] == 15.0
    assert sb.stats()["orders"] == {"placed": 1}
    error(api("GET", f"/v1/accounts/{MARGIN}/orders/{order_id}"), 404)
    error(api("GET", f"/v1/accounts/{CASH}/orders/1"), 404)
    error(api("GET", f"/v1/accounts/{CASH}/orders/abc"), 404)


def test_orders_outside_the_session_are_queued(api, clock):
    clock.now = START + 8 * 3600
    assert api.ok("GET", f"/v1/accounts/{CASH}/orders/{place(api)}")["status"] == "QUEUED"


def leg(instruction, asset="EQUITY", quantity=1, symbol="XYZ"):
    return {"instruction": instruction, "quantity": quantity,
            "instrument": {"symbol": symbol, "assetType": asset}}


def with_(**changes):
    order = json.loads(json.dumps(ORDER))
    order.update(changes)
    return order


GOOD = [
    with_(orderType="LIMIT", price="6.45"),
    with_(orderType="STOP_LIMIT", price=10, stopPrice="9.5", session="SEAMLESS",
          duration="GOOD_TILL_CANCEL"),
    with_(orderLegCollection=[leg("sell_short"), leg("BUY_TO_COVER")]),
    with_(orderType="NET_DEBIT", price=1.1, complexOrderStrategyType="VERTICAL",
          orderLegCollection=[leg("BUY_TO_OPEN", "OPTION", 1, "XYZ_011924C50"),
                              leg("Sell_To_Open", "OPTION", 1, "XYZ_011924C55")]),
    {"orderStrategyType": "OCO", "childOrderStrategies": [
        with_(orderType="LIMIT", price=50), with_(orderType="STOP", stopPrice=40)]},
    with_(orderStrategyType="TRIGGER", childOrderStrategies=[
        with_(orderType="LIMIT", price=50, orderLegCollection=[leg("SELL", quantity=15)])]),
]
BAD = [
    {k: v for k, v in ORDER.items() if k != "orderType"},
    with_(orderType="BEST"), with_(session="NIGHT"), with_(duration="WEEK"),
    with_(orderStrategyType="PAIR"), with_(orderLegCollection=[]),
    with_(orderLegCollection=[leg("BUY_TO_OPEN")]),
    with_(orderLegCollection=[leg("BUY", "OPTION", 1, "XYZ_011924C50")]),
    with_(orderLegCollection=[leg("BUY", quantity=0)]),
    with_(orderLegCollection=[leg("BUY", quantity=-3)]),
    with_(orderLegCollection=[leg("BUY", quantity="ten")]),
    with_(orderLegCollection=[leg("HODL")]),
    with_(orderLegCollection=[leg("BUY", "CURRENCY", 1, "EUR/USD")]),
    with_(orderLegCollection=[leg("BUY", symbol="bad symbol")]),
    {k: v for k, v in ORDER.items() if k != "price"}, with_(orderType="STOP_LIMIT", price=3),
    with_(requestedDestination="MOON"),
    {"orderStrategyType": "OCO", "childOrderStrategies": [with_()]},
    with_(orderStrategyType="TRIGGER"),
    ["not", "an", "order"],
]


@pytest.mark.parametrize("order", GOOD)
def test_valid_orders_are_accepted(api, order):
    order_id = place(api, MARGIN, order)
    got = api.ok("GET", f"/v1/accounts/{MARGIN}/orders/{order_id}")
    assert got["orderStrategyType"] == order["orderStrategyType"]
    for child in got.get("childOrderStrategies", []):
        assert isinstance(child["orderId"], int) and child["orderId"] != order_id


@pytest.mark.parametrize("order", BAD)
def test_invalid_orders_are_rejected_like_td(sb, api, order):
    response = api("POST", f"/v1/accounts/{CASH}/orders", order)
    assert error(response, 400) == INVALID
    assert response.text != response.text.strip()
    assert "orders" not in sb.stats()


def test_order_bodies_must_be_json(api):
    url = api.sandbox.url + f"/v1/accounts/{CASH}/orders"
    assert api.session.post(url, data=json.dumps(ORDER), timeout=10,
                            headers={"Content-Type": "text/plain"}).status_code == 415
    assert api.session.post(url, data=b"orderType=MARKET", timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    assert error(api.session.post(url, data=b"{not json", timeout=10, headers={
        "Content-Type": "application/json; charset=utf-8"}), 400) == INVALID
    error(api("POST", "/v1/accounts/000/orders", ORDER), 404)


def test_list_orders_with_filters(api, clock):
    first = place(api, CASH, with_(duration="GOOD_TILL_CANCEL"))  # a DAY order would expire
    clock.now += 86400
    second = place(api, MARGIN)
    clock.now += 86400
    third = place(api, CASH, with_(orderType="LIMIT", price=5))
    api.ok("DELETE", f"/v1/accounts/{CASH}/orders/{first}")
    assert [o["orderId"] for o in api.ok("GET", f"/v1/accounts/{CASH}/orders")] == [third, first]
    assert [o["orderId"] for o in api.ok("GET", "/v1/orders")] == [third, second, first]
    assert [o["orderId"] for o in api.ok("GET", "/v1/orders", accountId=MARGIN)] == [second]
    assert [o["orderId"] for o in api.ok("GET", "/v1/orders", maxResults=2)] == [third, second]
    assert [o["orderId"] for o in api.ok("GET", "/v1/orders", status="CANCELED")] == [first]
    assert [o["orderId"] for o in api.ok("GET", "/v1/orders", fromEnteredTime="2023-11-16",
                                         toEnteredTime="2023-11-16")] == [second]
    assert [o["orderId"] for o in api.ok("GET", "/v1/orders",
                                         fromEnteredTime="2023-11-16T15:30:01+0000")] == [third]
    assert [o["orderId"] for o in api.ok("GET", "/v1/orders", fromEnteredTime="1971-01-01",
                                         toEnteredTime="2023-11-15T23:00:00Z")] == [first]
    assert api.ok("GET", "/v1/orders", toEnteredTime="2023-11-01") == []
    assert "FILLED" in error(api("GET", "/v1/orders", status="DONE"), 400)
    error(api("GET", "/v1/orders", maxResults=0), 400)
    error(api("GET", "/v1/orders", fromEnteredTime="yesterday"), 400)
    error(api("GET", "/v1/orders", accountId="42"), 404)


def test_replace_an_order(sb, api):
    old = place(api)
    response = api("PUT", f"/v1/accounts/{CASH}/orders/{old}", with_(orderType="LIMIT",
                                                                     price=2.5))
    assert response.status_code == 201 and response.content == b""
    new = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new != old
    replaced = api.ok("GET", f"/v1/accounts/{CASH}/orders/{old}")
    assert replaced["status"] == "REPLACED" and replaced["cancelable"] is False
    fresh = api.ok("GET", f"/v1/accounts/{CASH}/orders/{new}")
    assert fresh["status"] == "WORKING" and fresh["price"] == 2.5
    assert sb.stats()["orders"] == {"placed": 1, "replaced": 1}
    assert error(api("PUT", f"/v1/accounts/{CASH}/orders/{new}", with_(session="x")),
                 400) == INVALID
    error(api("PUT", f"/v1/accounts/{CASH}/orders/{old}", ORDER), 400)
    error(api("PUT", f"/v1/accounts/{CASH}/orders/12345", ORDER), 404)


def test_cancel_an_order(sb, api):
    order_id = place(api)
    response = api("DELETE", f"/v1/accounts/{CASH}/orders/{order_id}")
    assert response.status_code == 200 and response.content == b""
    got = api.ok("GET", f"/v1/accounts/{CASH}/orders/{order_id}")
    assert got["status"] == "CANCELED" and got["editable"] is False and "closeTime" in got
    error(api("DELETE", f"/v1/accounts/{CASH}/orders/{order_id}"), 400)
    error(api("DELETE", f"/v1/accounts/{MARGIN}/orders/{order_id}"), 404)
    error(api("DELETE", f"/v1/accounts/{CASH}/orders/777"), 404)
    assert sb.stats()["orders"] == {"placed": 1, "cancelled": 1}


# -- saved orders ------------------------------------------------------------------------

def test_saved_orders_lifecycle(sb, api):
    base = f"/v1/accounts/{MARGIN}/savedorders"
    response = api("POST", base, ORDER)
    assert response.status_code == 200 and response.content == b""
    saved = api.ok("GET", base)
    assert len(saved) == 1 and "orderId" not in saved[0]
    saved_id = saved[0]["savedOrderId"]
    assert isinstance(saved_id, int) and saved[0]["savedTime"] == "2023-11-15T15:30:00+0000"
    assert api.ok("GET", f"{base}/{saved_id}") == saved[0]
    assert api.ok("GET", f"/v1/accounts/{CASH}/savedorders") == []
    api.ok("PUT", f"{base}/{saved_id}", with_(orderType="LIMIT", price=3))
    assert api.ok("GET", f"{base}/{saved_id}")["orderType"] == "LIMIT"
    assert error(api("PUT", f"{base}/{saved_id}", with_(duration="x")), 400) == INVALID
    assert error(api("POST", base, with_(session="x")), 400) == INVALID
    api.ok("DELETE", f"{base}/{saved_id}")
    error(api("GET", f"{base}/{saved_id}"), 404)
    error(api("DELETE", f"{base}/{saved_id}"), 404)
    error(api("PUT", f"{base}/{saved_id}", ORDER), 404)
    assert sb.stats()["savedorders"] == {"created": 1, "replaced": 1, "deleted": 1}


# -- transactions ------------------------------------------------------------------------

def test_transactions_shape_and_order(api):
    txns = api.ok("GET", f"/v1/accounts/{CASH}/transactions")
    assert isinstance(txns, list) and len(txns) >= 20
    dates = [t["transactionDate"] for t in txns]
    assert dates == sorted(dates, reverse=True)
    assert all("2022-11-15" <= d[:10] <= "2023-11-15" for d in dates)
    trade = next(t for t in txns if t["type"] == "TRADE")
    assert {"subAccount", "settlementDate", "orderId", "netAmount", "transactionDate",
            "orderDate", "transactionSubType", "transactionId", "cashBalanceEffectFlag",
            "description", "fees", "transactionItem"} <= set(trade)
    assert set(trade["fees"]) == {"rFee", "additionalFee", "cdscFee", "regFee", "otherCharges",
                                  "commission", "optRegFee", "secFee"}
    item = trade["transactionItem"]
    assert item["accountId"] == int(CASH) and isinstance(trade["orderId"], str)
    assert item["cost"] == pytest.approx(
        (-1 if item["instruction"] == "BUY" else 1) * item["amount"] * item["price"], abs=0.01)
    one = api.ok("GET", f"/v1/accounts/{CASH}/transactions/{trade['transactionId']}")
    assert one == trade
    error(api("GET", f"/v1/accounts/{CASH}/transactions/1"), 404)
    error(api("GET", f"/v1/accounts/{MARGIN}/transactions/{trade['transactionId']}"), 404)


def test_transaction_filters(api):
    base = f"/v1/accounts/{MARGIN}/transactions"
    everything = api.ok("GET", base)
    buys = api.ok("GET", base, type="BUY_ONLY")
    sells = api.ok("GET", base, type="SELL_ONLY")
    assert buys and all(t["transactionItem"]["instruction"] == "BUY" for t in buys)
    assert sorted(t["transactionId"] for t in api.ok("GET", base, type="TRADE")) == sorted(
        t["transactionId"] for t in buys + sells)
    assert api.ok("GET", base, type="ADVISOR_FEES") == api.ok("GET", base, type="ADVISORY_FEES")
    kinds = ("TRADE", "CASH_IN_OR_CASH_OUT", "CHECKING", "DIVIDEND", "INTEREST", "OTHER",
             "ADVISOR_FEES")
    assert sum(len(api.ok("GET", base, type=k)) for k in kinds) == len(everything)
    symbol = buys[0]["transactionItem"]["instrument"]["symbol"]
    by_symbol = api.ok("GET", base, symbol=symbol)
    assert by_symbol and all(t["transactionItem"]["instrument"]["symbol"] == symbol
                             for t in by_symbol)
    window = api.ok("GET", base, startDate="2023-06-01", endDate="2023-08-31")
    assert window and all("2023-06-01" <= t["transactionDate"][:10] <= "2023-08-31"
                          for t in window)
    assert api.ok("GET", base, startDate="2023-02-28", endDate="2024-02-28") is not None
    assert "one year" in error(api("GET", base, startDate="2022-01-01", endDate="2023-06-01"),
                               400)
    error(api("GET", base, startDate="2023-06-01", endDate="2023-05-01"), 400)
    error(api("GET", base, startDate="06/01/2023"), 400)
    assert "ADVISORY_FEES" in error(api("GET", base, type="FEES"), 400)


# -- user principals and preferences -----------------------------------------------------

def test_user_principals(api):
    plain = api.ok("GET", "/v1/userprincipals")
    assert plain["primaryAccountId"] == CASH
    assert [a["accountId"] for a in plain["accounts"]] == [CASH, MARGIN]
    assert "streamerInfo" not in plain and "streamerSubscriptionKeys" not in plain
    assert "preferences" not in plain["accounts"][0]
    assert plain["quotes"]["isNyseDelayed"] is False
    full = api.ok("GET", "/v1/userprincipals", fields="streamerSubscriptionKeys,"
                  "streamerConnectionInfo,preferences,surrogateIds")
    assert {"streamerBinaryUrl", "streamerSocketUrl", "token", "tokenTimestamp", "userGroup",
            "accessLevel", "acl", "appId"} == set(full["streamerInfo"])
    key = full["streamerSubscriptionKeys"]["keys"][0]["key"]
    assert api.ok("GET", "/v1/userprincipals/streamersubscriptionkeys",
                  accountIds=f"{CASH},{MARGIN}") == {"keys": [{"key": key}]}
    assert full["accounts"][1]["preferences"]["equityTaxLotMethod"] == "FIFO"
    assert isinstance(full["accounts"][0]["surrogateIds"], dict)
    error(api("GET", "/v1/userprincipals", fields="everything"), 400)
    error(api("GET", "/v1/userprincipals/streamersubscriptionkeys"), 400)
    error(api("GET", "/v1/userprincipals/streamersubscriptionkeys", accountIds="1"), 400)


def test_preferences_get_and_put(sb, api):
    url = f"/v1/accounts/{CASH}/preferences"
    prefs = api.ok("GET", url)
    assert prefs["directOptionsRouting"] is False and prefs["authTokenTimeout"]
    wanted = {**prefs, "defaultEquityOrderType": "MARKET", "authTokenTimeout": "EIGHT_HOURS",
              "defaultEquityQuantity": 100, "expressTrading": True,
              "directOptionsRouting": True, "directEquityRouting": True}
    response = api("PUT", url, wanted)
    assert response.status_code == 204 and response.content == b""
    after = api.ok("GET", url)
    assert after["defaultEquityOrderType"] == "MARKET" and after["defaultEquityQuantity"] == 100
    assert after["directOptionsRouting"] is False and after["directEquityRouting"] is False
    assert api.ok("GET", f"/v1/accounts/{MARGIN}/preferences") == prefs
    missing = {k: v for k, v in wanted.items() if k != "equityTaxLotMethod"}
    assert "equityTaxLotMethod" in error(api("PUT", url, missing), 400)
    assert "TWO_HOURS" in error(api("PUT", url, {**wanted, "authTokenTimeout": "FOREVER"}), 400)
    error(api("PUT", url, {**wanted, "defaultEquityQuantity": -1}), 400)
    error(api("PUT", url, {**wanted, "expressTrading": "yes"}), 400)
    assert api.session.put(sb.url + url, data="x", timeout=10).status_code == 415
    error(api("GET", "/v1/accounts/5/preferences"), 404)


# -- watchlists --------------------------------------------------------------------------

def item(symbol, asset="EQUITY", **extra):
    return {"instrument": {"symbol": symbol, "assetType": asset}, **extra}


def create(api, account, name, *symbols) -> str:
    response = api("POST", f"/v1/accounts/{account}/watchlists",
                   {"name": name, "watchlistItems": [item(s) for s in symbols]})
    assert response.status_code == 201 and response.content == b"", response.text
    location = response.headers["Location"]
    prefix = f"{api.sandbox.url}/v1/accounts/{account}/watchlists/"
    assert location.startswith(prefix)
    return location[len(prefix):]


def test_watchlists_lifecycle(sb, api):
    tech = create(api, CASH, "Tech", "AAPL", "MSFT")
    banks = create(api, MARGIN, "Banks", "JPM")
    got = api.ok("GET", f"/v1/accounts/{CASH}/watchlists/{tech}")
    assert got["name"] == "Tech" and got["watchlistId"] == tech and got["accountId"] == CASH
    assert got["status"] == "UNCHANGED"
    first = got["watchlistItems"][0]
    assert first["sequenceId"] == 1 and first["quantity"] == 0.0
    assert first["instrument"] == {"symbol": "AAPL", "description": "Apple Inc. - Common Stock",
                                   "assetType": "EQUITY"}
    assert [w["watchlistId"] for w in api.ok("GET", f"/v1/accounts/{CASH}/watchlists")] == [tech]
    assert [w["watchlistId"] for w in api.ok("GET", "/v1/accounts/watchlists")] == [tech, banks]
    response = api("PUT", f"/v1/accounts/{CASH}/watchlists/{tech}",
                   {"name": "Chips", "watchlistId": tech, "watchlistItems": [item("NVDA")]})
    assert response.status_code == 204
    got = api.ok("GET", f"/v1/accounts/{CASH}/watchlists/{tech}")
    assert got["name"] == "Chips" and [i["instrument"]["symbol"] for i in
                                       got["watchlistItems"]] == ["NVDA"]
    response = api("PATCH", f"/v1/accounts/{CASH}/watchlists/{tech}", {
        "name": "Semis", "watchlistItems": [item("AMD"), {**item("INTC"), "sequenceId": 1,
                                                          "quantity": 10}]})
    assert response.status_code == 204
    got = api.ok("GET", f"/v1/accounts/{CASH}/watchlists/{tech}")
    assert got["name"] == "Semis"
    assert [(i["sequenceId"], i["instrument"]["symbol"], i["quantity"])
            for i in got["watchlistItems"]] == [(1, "INTC", 10.0), (2, "AMD", 0.0)]
    assert api("DELETE", f"/v1/accounts/{CASH}/watchlists/{tech}").status_code == 204
    error(api("GET", f"/v1/accounts/{CASH}/watchlists/{tech}"), 404)
    error(api("DELETE", f"/v1/accounts/{CASH}/watchlists/{tech}"), 404)
    error(api("GET", f"/v1/accounts/{CASH}/watchlists/{banks}"), 404)
    assert sb.stats()["watchlists"] == {"created": 2, "replaced": 1, "patched": 1,
                                        "deleted": 1}


@pytest.mark.parametrize("body", [
    {"watchlistItems": [item("AAPL")]}, {"name": "x"}, {"name": "x", "watchlistItems": []},
    {"name": "", "watchlistItems": [item("AAPL")]},
    {"name": "x", "watchlistItems": [item("AAPL", "CRYPTO")]},
    {"name": "x", "watchlistItems": [{"symbol": "AAPL"}]},
    {"name": "x", "watchlistItems": [item("AAPL", quantity="lots")]}, [1, 2],
])
def test_invalid_watchlists(api, body):
    error(api("POST", f"/v1/accounts/{CASH}/watchlists", body), 400)


def test_watchlist_updates_are_validated(api):
    wid = create(api, CASH, "Tech", "AAPL")
    url = f"/v1/accounts/{CASH}/watchlists/{wid}"
    error(api("PATCH", url, {"watchlistItems": [{**item("AMD"), "sequenceId": 9}]}), 400)
    error(api("PUT", url, {"name": "x", "watchlistId": "1", "watchlistItems": [item("A")]}),
          400)
    error(api("PUT", url, {"name": "x", "watchlistItems": "AAPL"}), 400)
    error(api("PATCH", f"/v1/accounts/{CASH}/watchlists/404", {"name": "y"}), 404)
    error(api("POST", "/v1/accounts/1/watchlists", {"name": "x",
                                                   "watchlistItems": [item("A")]}), 404)
    assert api.ok("GET", url)["watchlistItems"][0]["instrument"]["symbol"] == "AAPL"

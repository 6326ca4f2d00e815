"""Schwab mode's Trader API over real sockets: account hashes, accounts with positions,
orders (place -> Location -> get -> replace -> cancel, preview), transactions, the user
preference, the removed TD routes and the ``ServiceError`` body (reference §4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests

from pyTD.sandbox.accounts import ACCOUNT_IDS
from tests.integration.schwab_support import bearer, get, is_trader_error

WINDOW = {"fromEnteredTime": "2000-01-01T00:00:00.000Z",
          "toEnteredTime": "2100-01-01T00:00:00.000Z"}
ORDER = {"orderType": "LIMIT", "session": "NORMAL", "duration": "DAY",
         "orderStrategyType": "SINGLE", "price": "10.00",
         "orderLegCollection": [{"instruction": "BUY", "quantity": 4,
                                 "instrument": {"symbol": "INTC", "assetType": "EQUITY"}}]}


@pytest.fixture
def schwab(make_sandbox):
    return make_sandbox(provider="schwab")


@pytest.fixture
def auth(schwab):
    return bearer(schwab)


@pytest.fixture
def hashes(schwab, auth):
    rows = get(schwab, "/trader/v1/accounts/accountNumbers", auth).json()
    return {row["accountNumber"]: row["hashValue"] for row in rows}


def send(schwab, auth, method, path, body=None):
    return requests.request(method, schwab.url + path, json=body, headers=auth, timeout=10)


def test_account_numbers_and_hashes(schwab, auth, hashes):
    response = get(schwab, "/trader/v1/accounts/accountNumbers", auth)
    assert "Schwab-Client-CorrelId" in response.headers
    assert [list(row) for row in response.json()] == [["accountNumber", "hashValue"]] * 2
    assert set(hashes) == set(ACCOUNT_IDS)
    assert all(re.fullmatch(r"[0-9A-F]{64}", h) for h in hashes.values())
    again = get(schwab, "/trader/v1/accounts/accountNumbers", bearer(schwab)).json()
    assert {r["accountNumber"]: r["hashValue"] for r in again} == hashes  # not token-bound


def test_accounts_with_positions(schwab, auth, hashes):
    accounts = get(schwab, "/trader/v1/accounts", auth, fields="positions").json()
    assert [list(a) for a in accounts] == [["securitiesAccount", "aggregatedBalance"]] * 2
    margin = next(a for a in accounts if a["securitiesAccount"]["type"] == "MARGIN")
    body = margin["securitiesAccount"]
    assert list(body)[:7] == ["type", "accountNumber", "roundTrips", "isDayTrader",
                              "isClosingOnlyRestricted", "pfcbFlag", "positions"]
    assert isinstance(body["accountNumber"], str) and "accountId" not in body
    assert {"initialBalances", "currentBalances", "projectedBalances"} <= set(body)
    assert body["initialBalances"]["isInCall"] is False
    position = body["positions"][0]
    for key in ("shortQuantity", "averagePrice", "currentDayProfitLoss", "longQuantity",
                "settledLongQuantity", "marketValue", "maintenanceRequirement",
                "averageLongPrice", "taxLotAverageLongPrice", "longOpenProfitLoss",
                "previousSessionLongQuantity", "currentDayCost"):
        assert key in position, key
    assert {"assetType", "cusip", "symbol", "instrumentId", "netChange"} <= set(
        position["instrument"])
    option = next(p for p in body["positions"] if p["instrument"]["assetType"] == "OPTION")
    assert re.fullmatch(r"[A-Z]{1,6} *\d{6}C\d{8}", option["instrument"]["symbol"])
    assert set(margin["aggregatedBalance"]) == {"currentLiquidationValue", "liquidationValue"}
    one = get(schwab, f"/trader/v1/accounts/{hashes[body['accountNumber']]}", auth).json()
    assert one["securitiesAccount"]["accountNumber"] == body["accountNumber"]
    assert "positions" not in one["securitiesAccount"]
    is_trader_error(get(schwab, "/trader/v1/accounts", auth, fields="orders"), 400)


@pytest.mark.parametrize("account", [*ACCOUNT_IDS, "NOTAHASH"])
def test_plain_account_numbers_are_refused(schwab, auth, account):
    body = is_trader_error(get(schwab, f"/trader/v1/accounts/{account}", auth), 400)
    assert body == {"message": "Invalid account number"}
    is_trader_error(get(schwab, f"/trader/v1/accounts/{account}/orders", auth, **WINDOW), 400)


def test_place_get_replace_cancel(schwab, auth, hashes):
    account = hashes[ACCOUNT_IDS[0]]
    base = f"/trader/v1/accounts/{account}/orders"
    placed = send(schwab, auth, "POST", base, ORDER)
    assert placed.status_code == 201 and placed.content == b""
    location = placed.headers["Location"]
    match = re.fullmatch(re.escape(schwab.url) + r"/trader/v1/accounts/(\w+)/orders/(\d+)",
                         location)
    assert match and match[1] == account
    assert "Schwab-Client-CorrelId" in placed.headers
    order = get(schwab, location[len(schwab.url):], auth).json()
    assert order["orderId"] == int(match[2]) and order["status"] in ("WORKING", "QUEUED")
    assert order["accountNumber"] == int(ACCOUNT_IDS[0]) and "accountId" not in order
    assert order["price"] == 10.0 and order["quantity"] == 4.0
    leg = order["orderLegCollection"][0]
    assert leg["instrument"]["symbol"] == "INTC" and leg["instrument"]["cusip"] == "458140100"
    assert isinstance(leg["instrument"]["instrumentId"], int)
    replaced = send(schwab, auth, "PUT", f"{base}/{order['orderId']}", {**ORDER, "price": 11})
    assert replaced.status_code == 201
    new_id = int(replaced.headers["Location"].rsplit("/", 1)[1])
    assert new_id != order["orderId"]
    assert get(schwab, f"{base}/{order['orderId']}", auth).json()["status"] == "REPLACED"
    cancelled = send(schwab, auth, "DELETE", f"{base}/{new_id}")
    assert cancelled.status_code == 200 and cancelled.content == b""
    assert get(schwab, f"{base}/{new_id}", auth).json()["status"] == "CANCELED"
    is_trader_error(send(schwab, auth, "DELETE", f"{base}/{new_id}"), 400)
    is_trader_error(get(schwab, f"{base}/12345", auth), 404)
    listed = get(schwab, base, auth, **WINDOW).json()
    assert [o["orderId"] for o in listed] == [new_id, order["orderId"]]
    every = get(schwab, "/trader/v1/orders", auth, **WINDOW, status="CANCELED").json()
    assert [o["orderId"] for o in every] == [new_id]
    assert schwab.stats()["orders"] == {"placed": 1, "replaced": 1, "cancelled": 1}


def test_option_orders_use_osi_symbols(schwab, auth, hashes):
    chain = get(schwab, "/marketdata/v1/chains", auth, symbol="AAPL", strikeCount=1).json()
    symbol = next(iter(next(iter(chain["callExpDateMap"].values())).values()))[0]["symbol"]
    order = {"orderType": "LIMIT", "session": "NORMAL", "price": 1.0,
             "duration": "GOOD_TILL_CANCEL", "orderStrategyType": "SINGLE",
             "complexOrderStrategyType": "NONE", "orderLegCollection": [
                 {"instruction": "SELL_TO_OPEN", "quantity": 3,
                  "instrument": {"symbol": symbol, "assetType": "OPTION"}}]}
    base = f"/trader/v1/accounts/{hashes[ACCOUNT_IDS[1]]}/orders"
    placed = send(schwab, auth, "POST", base, order)
    assert placed.status_code == 201, placed.text
    stored = get(schwab, placed.headers["Location"][len(schwab.url):], auth).json()
    assert stored["orderLegCollection"][0]["instrument"]["symbol"] == symbol
    td_spelling = {**order, "orderLegCollection": [
        {**order["orderLegCollection"][0], "instrument": {"symbol": "AAPL_011924C150",
                                                          "assetType": "OPTION"}}]}
    is_trader_error(send(schwab, auth, "POST", base, td_spelling), 400)


@pytest.mark.parametrize("change", [
    {"requestedDestination": "AUTO"}, {"duration": "FOREVER"}, {"orderLegCollection": []}])
def test_invalid_orders_are_400(schwab, auth, hashes, change):
    base = f"/trader/v1/accounts/{hashes[ACCOUNT_IDS[0]]}/orders"
    is_trader_error(send(schwab, auth, "POST", base, {**ORDER, **change}), 400)


def test_schwab_only_enumerations_are_accepted(schwab, auth, hashes):
    base = f"/trader/v1/accounts/{hashes[ACCOUNT_IDS[0]]}/orders"
    order = {**ORDER, "duration": "IMMEDIATE_OR_CANCEL", "orderLegCollection": [
        {**ORDER["orderLegCollection"][0], "instruction": "SELL_SHORT_EXEMPT"}]}
    assert send(schwab, auth, "POST", base, order).status_code == 201


def test_orders_need_both_entered_times(schwab, auth, hashes):
    base = f"/trader/v1/accounts/{hashes[ACCOUNT_IDS[0]]}/orders"
    is_trader_error(get(schwab, base, auth), 400)
    is_trader_error(get(schwab, "/trader/v1/orders", auth,
                        fromEnteredTime=WINDOW["fromEnteredTime"]), 400)
    is_trader_error(get(schwab, base, auth, **WINDOW, status="SLEEPING"), 400)


def test_preview_order(schwab, auth, hashes):
    path = f"/trader/v1/accounts/{hashes[ACCOUNT_IDS[0]]}/previewOrder"
    quote = get(schwab, "/marketdata/v1/INTC/quotes", auth).json()["INTC"]["quote"]
    near = {**ORDER, "price": round(quote["mark"], 2)}
    body = send(schwab, auth, "POST", path, near).json()
    assert list(body) == ["orderId", "orderStrategy", "orderValidationResult",
                          "commissionAndFee"]
    strategy = body["orderStrategy"]
    assert strategy["accountNumber"] == ACCOUNT_IDS[0] and strategy["status"] == "ACCEPTED"
    leg = strategy["orderLegs"][0]
    assert leg["finalSymbol"] == "INTC" and leg["askPrice"] >= leg["bidPrice"]
    assert "accepts" in body["orderValidationResult"]
    assert set(body["commissionAndFee"]) == {"commission", "fee", "trueCommission"}
    far = send(schwab, auth, "POST", path, {**ORDER, "price": round(quote["mark"] * 3, 2)})
    assert far.status_code == 200  # a rejection is still a 200
    assert far.json()["orderStrategy"]["status"] == "REJECTED"
    assert far.json()["orderValidationResult"]["rejects"][0]["originalSeverity"] == "REJECT"
    assert schwab.stats()["orders"].get("placed", 0) == 0


def test_transactions(schwab, auth, hashes):
    account = hashes[ACCOUNT_IDS[0]]
    path = f"/trader/v1/accounts/{account}/transactions"
    params = {"startDate": "2000-01-01T00:00:00.000Z", "endDate": "2000-12-31T00:00:00.000Z",
              "types": "TRADE"}
    assert get(schwab, path, auth, **params).json() == []
    everything = ("TRADE,RECEIVE_AND_DELIVER,DIVIDEND_OR_INTEREST,ACH_RECEIPT,ACH_DISBURSEMENT,"
                  "CASH_RECEIPT,CASH_DISBURSEMENT,ELECTRONIC_FUND,WIRE_OUT,WIRE_IN,JOURNAL,"
                  "MEMORANDUM,MARGIN_CALL,MONEY_MARKET,SMA_ADJUSTMENT")
    end = dt.date.fromtimestamp(schwab.clock()) + dt.timedelta(days=1)
    window = {"startDate": f"{end - dt.timedelta(days=365)}T00:00:00.000Z",
              "endDate": f"{end}T00:00:00.000Z"}
    rows = get(schwab, path, auth, **window, types=everything).json()
    assert rows
    trade = next(r for r in rows if r["type"] == "TRADE")
    for key in ("activityId", "time", "accountNumber", "type", "status", "subAccount",
                "tradeDate", "positionId", "orderId", "netAmount", "transferItems"):
        assert key in trade, key
    assert trade["accountNumber"] == ACCOUNT_IDS[0] and trade["subAccount"] == "CASH"
    assert "transactionItem" not in trade and "fees" not in trade
    fees = [i for i in trade["transferItems"] if i["instrument"]["assetType"] == "CURRENCY"]
    assert {i["feeType"] for i in fees} == {"COMMISSION", "SEC_FEE", "OPT_REG_FEE", "TAF_FEE"}
    assert all(i["instrument"]["symbol"] == "CURRENCY_USD" for i in fees)
    equity = next(i for i in trade["transferItems"] if i["instrument"]["assetType"] == "EQUITY")
    assert {"amount", "cost", "price", "positionEffect"} <= set(equity)
    assert {"status", "closingPrice", "instrumentId"} <= set(equity["instrument"])
    trades = get(schwab, path, auth, **window, types="TRADE").json()
    assert trades and {r["type"] for r in trades} == {"TRADE"}
    one = get(schwab, f"{path}/{trade['activityId']}", auth).json()
    assert one == [trade]
    is_trader_error(get(schwab, f"{path}/1", auth), 404)
    is_trader_error(get(schwab, path, auth, **window), 400)  # types is required
    is_trader_error(get(schwab, path, auth, types="TRADE"), 400)  # dates are required
    is_trader_error(get(schwab, path, auth, **window, types="ALL"), 400)


def test_user_preference_is_one_object(schwab, auth):
    body = get(schwab, "/trader/v1/userPreference", auth).json()
    assert list(body) == ["accounts", "streamerInfo", "offers"]
    assert [a["accountNumber"] for a in body["accounts"]] == list(ACCOUNT_IDS)
    assert body["accounts"][0]["primaryAccount"] is True
    (info,) = body["streamerInfo"]
    assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/ws", info["streamerSocketUrl"])  # its streamer
    assert len(info["schwabClientCustomerId"]) == 64
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}",
                        info["schwabClientCorrelId"])
    assert body["offers"] == [{"level2Permissions": True, "mktDataPermission": "NP"}]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/trader/v1/accounts/{h}/savedorders"),
    ("POST", "/trader/v1/accounts/{h}/savedorders"),
    ("GET", "/trader/v1/accounts/{h}/savedorders/1"),
    ("DELETE", "/trader/v1/accounts/{h}/savedorders/1"),
    ("GET", "/trader/v1/accounts/watchlists"),
    ("GET", "/trader/v1/accounts/{h}/watchlists"),
    ("PUT", "/trader/v1/accounts/{h}/watchlists/1"),
    ("GET", "/trader/v1/userprincipals"),
    ("GET", "/trader/v1/userprincipals/streamersubscriptionkeys"),
    ("GET", "/trader/v1/accounts/{h}/preferences"),
    ("PUT", "/trader/v1/accounts/{h}/preferences"),
    ("GET", "/v1/accounts"),
    ("POST", "/v1/oauth2/token"),
])
def test_removed_td_routes_are_404(schwab, auth, hashes, method, path):
    url = path.format(h=hashes[ACCOUNT_IDS[0]])
    body = is_trader_error(send(schwab, auth, method, url, {} if method in ("POST", "PUT")
                                else None), 404)
    assert "not found" in body["message"].lower() or "No such resource" in body["message"]


def test_a_wrong_method_is_405_in_trader_format(schwab, auth):
    is_trader_error(send(schwab, auth, "DELETE", "/trader/v1/accounts"), 405)

"""Accounts, orders, saved orders, transactions, user data and watchlists against the sandbox.

Every test runs against both providers' sandboxes, with each provider's real
shapes and paths asserted, except those marked ``TD_ONLY``: endpoints Schwab
removed (its tests in ``test_accounts_schwab.py`` check they are refused
unsent) and TD's partial 207 answer.
"""

import logging
import threading
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from pyTD.accounts import (
    cancel_order,
    create_saved_order,
    create_watchlist,
    get_account,
    get_accounts,
    get_orders,
    get_positions,
    get_transactions,
    get_user_principals,
    get_watchlists,
    place_order,
)
from pyTD.exceptions import RateLimitError, ResourceNotFound, TDQueryError, ValidationError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.accounts import state
from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.routing import SandboxResponse
from pyTD.sandbox.schwab.accounts import account_hash

from .providers import PROVIDERS, is_schwab
from .sandbox_support import calls

#: A Wednesday, 11:00 in New York: orders placed now are WORKING.
NOW = datetime(2024, 3, 13, 15, 0, tzinfo=timezone.utc).timestamp()
CASH, MARGIN = "123456789", "987654321"


def limit_order(symbol="XYZ", price=10.5, quantity=15):
    return {"orderType": "LIMIT", "price": price, "session": "NORMAL", "duration": "DAY",
            "orderStrategyType": "SINGLE",
            "orderLegCollection": [{"instruction": "BUY", "quantity": quantity,
                                    "instrument": {"symbol": symbol, "assetType": "EQUITY"}}]}


#: For endpoints Schwab removed (its own tests check they raise NotSupportedError unsent).
TD_ONLY = pytest.mark.parametrize("provider", ["tdameritrade"])


@pytest.fixture(params=PROVIDERS)
def provider(request):
    return request.param


@pytest.fixture
def sandbox(make_sandbox, provider):
    return make_sandbox(clock=lambda: NOW, seed=11, provider=provider)


@pytest.fixture
def client(sandbox):
    a = sandbox_api(sandbox, clock=lambda: NOW)   # "now" of default date windows: the sandbox's
    yield a
    a.close()



def sent(sandbox, request):
    """How ``calls(sandbox)`` names ``request`` ("GET /accounts/123456789/orders" in TD's
    spelling): under Schwab's ``/trader/v1`` root with the account's hash."""
    method, _, path = request.partition(" ")
    if not is_schwab(sandbox):
        return f"{method} /v1{path}"
    for number in (CASH, MARGIN):
        path = path.replace(f"/accounts/{number}",
                            f"/accounts/{account_hash(sandbox.seed, number)}")
    return f"{method} /trader/v1{path}"


def sent_calls(sandbox, *requests):
    """``calls(sandbox)`` expected after ``requests`` (Schwab adds its one hash look-up)."""
    expected = {}
    for request in requests:
        expected[sent(sandbox, request)] = expected.get(sent(sandbox, request), 0) + 1
    if is_schwab(sandbox) and any("/accounts/" in r for r in requests):
        expected["GET /trader/v1/accounts/accountNumbers"] = 1
    return expected


def id_key(sandbox):
    """The field naming an account: TD's ``accountId``, Schwab's ``accountNumber``."""
    return "accountNumber" if is_schwab(sandbox) else "accountId"


def refused(sandbox, call, *match):
    """``call`` raises a ValidationError mentioning every ``match`` and sends nothing."""
    before = calls(sandbox)
    with pytest.raises(ValidationError) as info:
        call()
    for text in match:
        assert text in str(info.value), (text, str(info.value))
    assert calls(sandbox) == before


# -- accounts and positions -----------------------------------------------------------
def test_accounts_json(sandbox, client):
    accounts = get_accounts(api=client)
    assert [a["securitiesAccount"][id_key(sandbox)] for a in accounts] == [CASH, MARGIN]
    assert "positions" not in accounts[0]["securitiesAccount"]
    fields = ["positions"] if is_schwab(sandbox) else ["positions", "orders"]  # Schwab: no orders
    both = client.get_accounts(fields=fields)
    assert {"positions", *(() if is_schwab(sandbox) else ("orderStrategies",))} \
        <= set(both[1]["securitiesAccount"])
    assert calls(sandbox) == {sent(sandbox, "GET /accounts"): 2}


def test_accounts_pandas_one_row_per_account(sandbox, client):
    frame = client.get_accounts(fields="positions", output_format="pandas")
    assert list(frame.index) == [CASH, MARGIN] and frame.index.name == id_key(sandbox)
    assert list(frame["type"]) == ["CASH", "MARGIN"]
    assert frame.loc[CASH, "currentBalances.cashBalance"] > 0
    assert "positions" not in frame.columns


@TD_ONLY
def test_partial_accounts_207_returns_the_healthy_ones_and_warns(sandbox, client, caplog):
    state(sandbox).partial_failure = True
    with caplog.at_level(logging.WARNING, logger="pyTD"):
        accounts = client.get_accounts()
    assert [a["securitiesAccount"]["accountId"] for a in accounts] == [CASH]
    assert sandbox.stats()["status"].get(207) == 1
    assert any("HTTP 207" in r.getMessage() for r in caplog.records)
    positions = client.get_positions()
    assert {p["accountId"] for p in positions} == {CASH}


def test_one_account(sandbox, client):
    account = get_account(int(MARGIN), fields="positions", api=client)
    assert account["securitiesAccount"]["type"] == "MARGIN"
    frame = client.get_account(CASH, output_format="pandas")
    assert list(frame.index) == [CASH]
    assert calls(sandbox) == sent_calls(sandbox, f"GET /accounts/{MARGIN}", f"GET /accounts/{CASH}")


def test_unknown_account_is_resource_not_found(sandbox, client):
    # TD answers 404; on Schwab the number is not among the login's (hash look-up)
    told = "is not among this login's accounts" if is_schwab(sandbox) else \
        "HTTP 404: Account 555 not found"
    with pytest.raises(ResourceNotFound, match=told):
        client.get_account("555")


def test_positions_of_all_accounts_and_of_one(client):
    every = get_positions(api=client)
    accounts = client.get_accounts(fields="positions")
    expected = sum(len(a["securitiesAccount"]["positions"]) for a in accounts)
    assert len(every) == expected and {p["accountId"] for p in every} == {CASH, MARGIN}
    cash = client.get_positions(CASH)
    assert cash == [p for p in every if p["accountId"] == CASH]
    frame = client.get_positions(MARGIN, output_format="pandas")
    assert list(frame.columns[:1]) == ["accountId"] and set(frame["accountId"]) == {MARGIN}
    assert "OPTION" in set(frame["instrument.assetType"])
    assert frame["marketValue"].dtype == "float64"


@pytest.mark.parametrize("call, expected", [
    (lambda a: a.get_accounts(fields="balances"), ["fields", "positions, orders"]),
    (lambda a: a.get_account("", fields="positions"), ["account_id", "'123456789'"]),
    (lambda a: a.get_positions(True), ["account_id"]),
])
def test_account_arguments_are_checked_before_sending(sandbox, client, call, expected):
    refused(sandbox, lambda: call(client), *expected)


# -- orders ---------------------------------------------------------------------------
def test_place_order_returns_its_id(sandbox, client):
    order_id = place_order(CASH, limit_order(), api=client)
    assert isinstance(order_id, int)
    order = client.get_order(CASH, order_id)
    assert order["orderId"] == order_id and order["status"] == "WORKING"
    assert order["orderLegCollection"][0]["instrument"]["symbol"] == "XYZ"
    assert sandbox.stats()["calls"][sent(sandbox, f"POST /accounts/{CASH}/orders")] == 1


def test_replace_and_cancel_show_in_get_orders(client):
    first = client.place_order(CASH, limit_order(price=10))
    second = client.replace_order(CASH, first, limit_order(price=11))
    assert second != first
    statuses = {o["orderId"]: o["status"] for o in client.get_orders(CASH)}
    assert statuses == {first: "REPLACED", second: "WORKING"}
    cancel_order(CASH, second, api=client)
    orders = get_orders(CASH, api=client)
    assert {o["orderId"]: o["status"] for o in orders} == {first: "REPLACED",
                                                           second: "CANCELED"}
    assert [o["orderId"] for o in client.get_orders(CASH, status="canceled")] == [second]


def test_orders_across_accounts_and_filters(sandbox, client):
    ids = [client.place_order(CASH, limit_order()), client.place_order(MARGIN, limit_order())]
    assert {o["orderId"] for o in client.get_orders()} == set(ids)
    assert len(client.get_orders(max_results=1)) == 1
    assert client.get_orders(CASH, from_entered_time=date(2024, 3, 14),
                             to_entered_time=date(2024, 3, 15)) == []
    assert len(client.get_orders(CASH, from_entered_time="2024-03-13",
                                 to_entered_time=datetime(2024, 3, 13, 20))) == 1
    assert calls(sandbox)[sent(sandbox, "GET /orders")] == 2


def test_orders_as_pandas(client):
    order_id = client.place_order(MARGIN, limit_order(symbol="ABC", price=1.5))  # below ABC
    frame = client.get_orders(MARGIN, output_format="pandas")
    assert list(frame.index) == [order_id] and frame.index.name == "orderId"
    assert frame.loc[order_id, "status"] == "WORKING"
    assert frame.loc[order_id, "orderLegCollection"][0]["instrument"]["symbol"] == "ABC"
    one = client.get_order(MARGIN, order_id, output_format="pandas")
    assert list(one.index) == [order_id] and one.loc[order_id, "price"] == 1.5
    empty = client.get_orders(CASH, output_format="pandas")
    assert empty.empty and empty.index.name == "orderId"


def test_server_refusal_is_a_validation_error_with_the_servers_message(sandbox, client):
    with pytest.raises(ValidationError, match="HTTP 400: A validation error occurred while "
                                              "processing the request"):
        client.place_order(CASH, {"orderType": "MARKET", "session": "NORMAL", "duration": "DAY",
                                  "orderStrategyType": "SINGLE", "orderLegCollection": [
                                      {"instruction": "BUY", "quantity": 1,
                                       "positionEffect": "SOMETIMES", "instrument": {
                                           "symbol": "AAPL", "assetType": "EQUITY"}}]})
    assert sandbox.stats()["calls"][sent(sandbox, f"POST /accounts/{CASH}/orders")] == 1


def test_unknown_order_is_resource_not_found(client):
    with pytest.raises(ResourceNotFound, match="Order 42 not found"):
        client.get_order(CASH, 42)
    with pytest.raises(ResourceNotFound):
        client.cancel_order(CASH, 42)


@pytest.mark.parametrize("location", [None, "https://example.invalid/v1/accounts/1/orders/x"])
def test_missing_order_id_says_the_order_may_exist(sandbox, client, location):
    headers = {} if location is None else {"Location": location}
    root = "/trader/v1" if is_schwab(sandbox) else "/v1"
    sandbox.router.add("POST", root + r"/accounts/(?P<account_id>[^/]+)/orders",
                       lambda sb, req, account_id: SandboxResponse(201, b"", dict(headers)))
    sandbox.router.routes.insert(0, sandbox.router.routes.pop())  # ahead of the real route
    with pytest.raises(TDQueryError) as info:
        client.place_order(CASH, limit_order())
    message = str(info.value)
    assert "may have been applied" in message and f"get_orders('{CASH}')" in message
    assert sandbox.stats()["calls"][sent(sandbox, f"POST /accounts/{CASH}/orders")] == 1


@pytest.mark.parametrize("call, expected", [
    (lambda a: a.get_orders(status="OPEN"), ["status", "AWAITING_PARENT_ORDER", "EXPIRED"]),
    (lambda a: a.get_orders(max_results=0), ["max_results", "at least 1"]),
    (lambda a: a.get_orders(from_entered_time="2024-03-02", to_entered_time="2024-03-01"),
     ["from_entered_time", "after to_entered_time"]),
    (lambda a: a.get_orders(to_entered_time=1710000000000), ["'yyyy-MM-dd'"]),
    (lambda a: a.place_order(CASH, {}), ["orderType is missing", "set_order_type"]),
    (lambda a: a.place_order(CASH, "BUY 10 XYZ"),
     ["order must be a dict of TD's order JSON or an OrderBuilder"]),
    (lambda a: a.replace_order(CASH, None, limit_order()), ["order_id"]),
    (lambda a: a.cancel_order(None, 1), ["account_id"]),
])
def test_order_arguments_are_checked_before_sending(sandbox, client, call, expected):
    refused(sandbox, lambda: call(client), *expected)


@TD_ONLY
# -- saved orders ---------------------------------------------------------------------
def test_saved_orders_round_trip(sandbox, client):
    assert create_saved_order(MARGIN, limit_order(price=5), api=client) is None
    (saved,) = client.get_saved_orders(MARGIN)
    saved_id = saved["savedOrderId"]
    assert saved["price"] == 5 and client.get_saved_orders(CASH) == []
    client.replace_saved_order(MARGIN, saved_id, limit_order(price=6))
    assert client.get_saved_order(MARGIN, saved_id)["price"] == 6
    frame = client.get_saved_orders(MARGIN, output_format="pandas")
    assert list(frame.index) == [saved_id] and frame.index.name == "savedOrderId"
    one = client.get_saved_order(MARGIN, saved_id, output_format="pandas")
    assert one.loc[saved_id, "price"] == 6
    client.delete_saved_order(MARGIN, saved_id)
    assert client.get_saved_orders(MARGIN) == []
    with pytest.raises(ResourceNotFound):
        client.get_saved_order(MARGIN, saved_id)
    assert f"POST /v1/accounts/{MARGIN}/orders" not in calls(sandbox)  # nothing was placed


@TD_ONLY
def test_saved_order_arguments_are_checked_before_sending(sandbox, client):
    refused(sandbox, lambda: client.create_saved_order(CASH, []), "order must be a non-empty")
    refused(sandbox, lambda: client.replace_saved_order(CASH, "", limit_order()),
            "saved_order_id")


# -- transactions ---------------------------------------------------------------------
def traded_symbol(sandbox, transaction):
    """The symbol a trade was in: TD's ``transactionItem``, Schwab's non-fee ``transferItems``."""
    if not is_schwab(sandbox):
        return transaction["transactionItem"]["instrument"]["symbol"]
    (item,) = [i for i in transaction["transferItems"]
               if i["instrument"]["assetType"] != "CURRENCY"]
    return item["instrument"]["symbol"]


def day_of(sandbox, transaction):
    return transaction["time" if is_schwab(sandbox) else "transactionDate"][:10]


def transaction_id(sandbox):
    return "activityId" if is_schwab(sandbox) else "transactionId"


def test_transactions_json_and_filters(sandbox, client):
    every = get_transactions(CASH, api=client)
    assert len(every) > 5
    trades = client.get_transactions(CASH, type="trade")
    assert trades and {t["type"] for t in trades} == {"TRADE"}
    symbol = traded_symbol(sandbox, trades[0])
    by_symbol = client.get_transactions(CASH, symbol=symbol)
    assert by_symbol and all(traded_symbol(sandbox, t) == symbol for t in by_symbol)
    day = day_of(sandbox, every[0])
    same_day = client.get_transactions(CASH, start_date=day, end_date=date.fromisoformat(day))
    assert same_day and {day_of(sandbox, t) for t in same_day} == {day}


def test_transactions_pandas_and_one_transaction(sandbox, client):
    frame = client.get_transactions(MARGIN, output_format="pandas")
    assert frame.index.name == transaction_id(sandbox) and len(frame) > 5
    assert "netAmount" in frame.columns
    if not is_schwab(sandbox):
        assert {"transactionItem.accountId", "fees.commission"} <= set(frame.columns)
    first = int(frame.index[0])
    one = client.get_transaction(MARGIN, first)
    assert one[transaction_id(sandbox)] == first
    table = client.get_transaction(MARGIN, str(first), output_format="pandas")
    assert list(table.index) == [first]


def test_unknown_transaction_is_resource_not_found(client):
    with pytest.raises(ResourceNotFound, match="Transaction 1 not found"):
        client.get_transaction(CASH, 1)


@pytest.mark.parametrize("kwargs, expected", [
    ({"type": "BUY"}, ["type", "ALL, TRADE, BUY_ONLY", "ADVISOR_FEES"]),
    ({"start_date": "2023-01-01", "end_date": "2024-01-02"}, ["more than one year apart"]),
    ({"start_date": date(2024, 3, 2), "end_date": date(2024, 3, 1)}, ["after end_date"]),
    ({"symbol": ""}, ["symbol must be a non-empty string"]),
])
def test_transaction_arguments_are_checked_before_sending(sandbox, client, kwargs, expected):
    refused(sandbox, lambda: client.get_transactions(CASH, **kwargs), *expected)


def test_a_full_year_including_29_february_is_allowed(client):
    assert isinstance(client.get_transactions(CASH, start_date="2023-03-13",
                                              end_date="2024-03-13"), list)
    assert isinstance(client.get_transactions(CASH, start_date="2023-02-28",
                                              end_date="2024-02-28"), list)


@TD_ONLY
# -- user principals, streamer keys, preferences --------------------------------------
def test_user_principals(sandbox, client):
    plain = get_user_principals(api=client)
    assert plain["userId"] == "sandboxuser" and "streamerInfo" not in plain
    full = client.get_user_principals(fields=["streamerConnectionInfo",
                                              "streamerSubscriptionKeys"])
    assert full["streamerInfo"]["streamerSocketUrl"] and full["streamerSubscriptionKeys"]["keys"]
    frame = client.get_user_principals(fields="preferences", output_format="pandas")
    assert list(frame.index) == ["sandboxuser"] and "quotes.isCmeDelayed" in frame.columns
    assert "preferences" in frame.loc["sandboxuser", "accounts"][0]


@TD_ONLY
def test_streamer_subscription_keys(sandbox, client):
    keys = client.get_streamer_subscription_keys([CASH, int(MARGIN)])
    assert len(keys["keys"]) == 1 and keys["keys"][0]["key"]
    assert client.get_streamer_subscription_keys(CASH) == keys
    frame = client.get_streamer_subscription_keys(f"{CASH},{MARGIN}", output_format="pandas")
    assert list(frame["key"]) == [keys["keys"][0]["key"]]


@TD_ONLY
def test_preferences_round_trip(client):
    prefs = client.get_preferences(CASH)
    client.update_preferences(CASH, {**prefs, "defaultEquityQuantity": 25,
                                     "authTokenTimeout": "TWO_HOURS"})
    after = client.get_preferences(CASH)
    assert after["defaultEquityQuantity"] == 25 and after["authTokenTimeout"] == "TWO_HOURS"
    assert client.get_preferences(MARGIN)["defaultEquityQuantity"] == 0
    frame = client.get_preferences(int(CASH), output_format="pandas")
    assert list(frame.index) == [CASH] and frame.loc[CASH, "defaultEquityQuantity"] == 25


@TD_ONLY
def test_bad_preferences_are_refused_by_the_server_with_its_message(client):
    prefs = client.get_preferences(CASH)
    with pytest.raises(ValidationError, match="Invalid authTokenTimeout 'FOREVER': allowed "
                                              "values are FIFTY_FIVE_MINUTES"):
        client.update_preferences(CASH, {**prefs, "authTokenTimeout": "FOREVER"})


@TD_ONLY
@pytest.mark.parametrize("call, expected", [
    (lambda a: a.get_user_principals(fields="keys"), ["streamerSubscriptionKeys, "
                                                      "streamerConnectionInfo"]),
    (lambda a: a.get_streamer_subscription_keys([]), ["account_ids is empty", "'123456789'"]),
    (lambda a: a.get_streamer_subscription_keys(f"{CASH},"), ["account_ids must be"]),
    (lambda a: a.update_preferences(CASH, None), ["preferences must be a non-empty dict"]),
])
def test_user_arguments_are_checked_before_sending(sandbox, client, call, expected):
    refused(sandbox, lambda: call(client), *expected)


@TD_ONLY
# -- watchlists -----------------------------------------------------------------------
def test_watchlists_round_trip(sandbox, client):
    index = {"instrument": {"symbol": "$SPX.X", "assetType": "INDEX"}, "quantity": 2}
    tech = create_watchlist(CASH, "Tech", ["AAPL", "MSFT"], api=client)
    other = client.create_watchlist(MARGIN, "Index", [index])
    assert isinstance(tech, int) and tech != other
    assert {w["watchlistId"] for w in get_watchlists(api=client)} == {str(tech), str(other)}
    (only,) = client.get_watchlists(CASH)
    assert [i["instrument"]["symbol"] for i in only["watchlistItems"]] == ["AAPL", "MSFT"]
    assert client.get_watchlist(MARGIN, other)["watchlistItems"][0]["quantity"] == 2

    client.replace_watchlist(CASH, tech, "Chips", "NVDA, AMD")
    replaced = client.get_watchlist(CASH, tech)
    assert replaced["name"] == "Chips"
    assert [i["instrument"]["symbol"] for i in replaced["watchlistItems"]] == ["NVDA", "AMD"]

    client.update_watchlist(CASH, tech, name="Semis", symbols_or_items=["INTC"])
    patched = client.get_watchlist(CASH, tech)
    assert patched["name"] == "Semis"
    assert [i["instrument"]["symbol"] for i in patched["watchlistItems"]] == ["NVDA", "AMD",
                                                                             "INTC"]
    client.update_watchlist(CASH, tech, name="Chips again")
    assert client.get_watchlist(CASH, tech)["name"] == "Chips again"

    client.delete_watchlist(CASH, tech)
    with pytest.raises(ResourceNotFound):
        client.get_watchlist(CASH, tech)
    assert [w["watchlistId"] for w in client.get_watchlists()] == [str(other)]
    one = f"/v1/accounts/{CASH}/watchlists/{tech}"
    assert {k: n for k, n in calls(sandbox).items() if not k.startswith("GET ")} == {
        f"POST /v1/accounts/{CASH}/watchlists": 1, f"POST /v1/accounts/{MARGIN}/watchlists": 1,
        f"PUT {one}": 1, f"PATCH {one}": 2, f"DELETE {one}": 1}


@TD_ONLY
def test_watchlists_as_pandas_one_row_per_item(client):
    first = client.create_watchlist(CASH, "Tech", ["AAPL", "MSFT"])
    client.create_watchlist(MARGIN, "Banks", ["JPM"])
    frame = client.get_watchlists(output_format="pandas")
    assert list(frame.columns[:3]) == ["accountId", "watchlistId", "name"]
    assert len(frame) == 3 and list(frame["instrument.symbol"]) == ["AAPL", "MSFT", "JPM"]
    one = client.get_watchlist(CASH, first, output_format="pandas")
    assert list(one["instrument.symbol"]) == ["AAPL", "MSFT"]
    assert set(one["watchlistId"]) == {str(first)} and "sequenceId" in one.columns
    cash = client.get_watchlists(CASH, output_format="pandas")
    assert isinstance(cash, pd.DataFrame) and set(cash["accountId"]) == {CASH}


@TD_ONLY
@pytest.mark.parametrize("call, expected", [
    (lambda a: a.create_watchlist(CASH, "", ["AAPL"]), ["name must be a non-empty string",
                                                         "'Tech'"]),
    (lambda a: a.create_watchlist(CASH, "Tech", []), ["symbols_or_items", "['AAPL', 'MSFT']"]),
    (lambda a: a.create_watchlist(CASH, "Tech", [{"symbol": "AAPL"}]), ["'instrument'"]),
    (lambda a: a.create_watchlist(CASH, "Tech", ["AAPL", 3]), ["'instrument'"]),
    (lambda a: a.update_watchlist(CASH, 1), ["name=", "symbols_or_items="]),
    (lambda a: a.replace_watchlist(CASH, "", "Tech", ["AAPL"]), ["watchlist_id"]),
])
def test_watchlist_arguments_are_checked_before_sending(sandbox, client, call, expected):
    refused(sandbox, lambda: call(client), *expected)


# -- rate limit -----------------------------------------------------------------------
class SteppingClock:
    """A sandbox clock that a background thread moves to the next minute about 0.2 s after
    the sandbox first answered 429 in the current one, whatever this machine's speed."""

    def __init__(self, start):
        self.now = start
        self.stop = threading.Event()

    def __call__(self):
        return self.now

    def run(self, sandbox):
        seen = 0
        while not self.stop.wait(0.2):
            throttled = sandbox.stats()["status"].get(429, 0)
            if throttled > seen:
                seen, self.now = throttled, self.now + 60


def test_rate_limited_gets_succeed_and_writes_are_never_resent():
    clock = SteppingClock(NOW)
    with Sandbox(rate_limit=120, clock=clock, access_token_lifetime=10**9,
                 refresh_token_lifetime=10**9) as sandbox:
        # A 429 waits for the sandbox's next minute, which this clock reaches ~0.2 s after
        # the first 429: cap the wait so that the client does not sleep a real minute.
        client = sandbox_api(sandbox, retry_max_wait=0.5)
        ticker = threading.Thread(target=clock.run, args=(sandbox,), daemon=True)
        ticker.start()
        try:
            symbols = [f"R{i:03d}" for i in range(300)]
            quotes = [client.get_quotes(symbol) for symbol in symbols]
            placed, refused_writes = [], 0
            for _ in range(150):
                try:
                    placed.append(client.place_order(CASH, limit_order()))
                except RateLimitError:
                    refused_writes += 1
            for order_id in placed:
                try:
                    client.cancel_order(CASH, order_id)
                except RateLimitError:
                    refused_writes += 1
        finally:
            clock.stop.set()
            ticker.join()
            client.close()
        stats = sandbox.stats()
    assert [list(q) for q in quotes] == [[s] for s in symbols]  # every GET succeeded
    assert clock.now >= NOW + 120 and refused_writes > 0 and placed
    gets = sum(n for call, n in stats["calls"].items() if call.startswith("GET "))
    assert gets > len(symbols)  # some GETs were answered 429 and sent again
    assert stats["calls"][f"POST /v1/accounts/{CASH}/orders"] == 150  # one send per call
    deletes = {call: n for call, n in stats["calls"].items() if call.startswith("DELETE ")}
    assert len(deletes) == len(placed) and set(deletes.values()) == {1}
    assert stats["status"][429] == gets - len(symbols) + refused_writes

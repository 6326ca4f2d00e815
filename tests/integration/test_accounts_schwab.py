"""Schwab's Trader API through pyTD's account and order wrappers, against the sandbox:
account hashes (one lookup per api, refreshed once when refused), Location ids,
previews, required date windows, the user preference and the removed TD endpoints."""

import threading
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from pyTD.accounts import (
    cancel_order,
    create_saved_order,
    create_watchlist,
    get_account,
    get_account_numbers,
    get_accounts,
    get_order,
    get_orders,
    get_positions,
    get_preferences,
    get_saved_orders,
    get_streamer_subscription_keys,
    get_transaction,
    get_transactions,
    get_user_preference,
    get_user_principals,
    get_watchlists,
    place_order,
    preview_order,
    replace_order,
    update_preferences,
)
from pyTD.accounts.transactions import trade_side
from pyTD.exceptions import (
    NotSupportedError,
    RateLimitError,
    ResourceNotFound,
    TDQueryError,
    ValidationError,
)
from pyTD.sandbox.client import sandbox_api

from .sandbox_support import calls

#: A Wednesday, 11:00 in New York: orders placed now are WORKING.
NOW = datetime(2024, 3, 13, 15, 0, tzinfo=timezone.utc).timestamp()
CASH, MARGIN = "123456789", "987654321"
NUMBERS = "GET /trader/v1/accounts/accountNumbers"


def limit_order(symbol="INTC", price="10.00", quantity=4):
    return {"orderType": "LIMIT", "price": price, "session": "NORMAL", "duration": "DAY",
            "orderStrategyType": "SINGLE",
            "orderLegCollection": [{"instruction": "BUY", "quantity": quantity,
                                    "instrument": {"symbol": symbol, "assetType": "EQUITY"}}]}


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox(provider="schwab", clock=lambda: NOW, seed=11)


@pytest.fixture
def client(sandbox):
    a = sandbox_api(sandbox)
    yield a
    a.close()


def lookups(sandbox):
    return calls(sandbox).get(NUMBERS, 0)


def test_account_numbers_looked_up_once_per_api(sandbox, client):
    rows = get_account_numbers(api=client)
    assert [list(row) for row in rows] == [["accountNumber", "hashValue"]] * 2
    assert client.get_account_numbers() == rows
    for _ in range(3):
        get_account(CASH, api=client)
        get_positions(MARGIN, api=client)
        get_orders(CASH, api=client)
    assert lookups(sandbox) == 1
    hashes = {row["hashValue"] for row in rows}
    assert all(CASH not in key for key in calls(sandbox))
    assert any(h in key for key in calls(sandbox) for h in hashes)


def test_concurrent_first_calls_make_one_lookup(sandbox, client):
    errors = []

    def work():
        try:
            get_account(CASH, api=client)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert lookups(sandbox) == 1


def test_hash_passed_directly(sandbox, client):
    table = {r["accountNumber"]: r["hashValue"] for r in get_account_numbers(api=client)}
    account = get_account(table[MARGIN], api=client)
    assert account["securitiesAccount"]["accountNumber"] == MARGIN
    assert lookups(sandbox) == 1


def test_refused_hash_is_looked_up_again_once(sandbox, client):
    get_account(CASH, api=client)
    sandbox.seed = 12  # the sandbox's hashes change
    account = get_account(CASH, api=client)
    assert account["securitiesAccount"]["accountNumber"] == CASH
    assert lookups(sandbox) == 2
    get_account(CASH, api=client)
    assert lookups(sandbox) == 2


def test_unknown_account_number_sends_nothing_else(sandbox, client):
    with pytest.raises(ResourceNotFound, match=r"555555555.*get_account_numbers"):
        get_account("555555555", api=client)
    assert set(calls(sandbox)) == {NUMBERS}


def test_errors_name_the_account_number_not_its_hash(sandbox, client):
    segment = client.provider.path("order", account_id="HASH", order_id=1).split("HASH")[0]
    with pytest.raises(ResourceNotFound) as info:
        get_order(CASH, 999999999, api=client)
    message = str(info.value)
    assert f"{segment}{CASH}/orders/999999999" in message, message
    hashes = [row["hashValue"] for row in get_account_numbers(api=client)]
    assert not [h for h in hashes if h in message] and info.value.message == message


def test_accounts_with_positions(client):
    accounts = get_accounts(fields="positions", api=client)
    assert [list(a) for a in accounts] == [["securitiesAccount", "aggregatedBalance"]] * 2
    body = accounts[0]["securitiesAccount"]
    assert {"type", "accountNumber", "positions", "currentBalances"} <= set(body)
    frame = get_accounts(fields=["positions"], api=client, output_format="pandas")
    assert frame.index.name == "accountNumber"
    assert sorted(frame.index) == [CASH, MARGIN]
    positions = get_positions(api=client, output_format="pandas")
    assert set(positions["accountId"]) <= {CASH, MARGIN} and len(positions) > 0


def test_fields_orders_refused(sandbox, client):
    before = calls(sandbox)
    with pytest.raises(ValidationError, match="get_orders"):
        get_accounts(fields="positions,orders", api=client)
    with pytest.raises(ValidationError, match="get_orders"):
        get_account(CASH, fields="orders", api=client)
    assert calls(sandbox) == before


def test_order_lifecycle_location_ids(sandbox, client):
    order_id = place_order(CASH, limit_order(), api=client)
    assert isinstance(order_id, int)
    order = get_order(CASH, order_id, api=client)
    assert order["orderId"] == order_id and isinstance(order["accountNumber"], int)
    new_id = replace_order(CASH, order_id, limit_order(price="10.50"), api=client)
    assert isinstance(new_id, int) and new_id != order_id
    window = {"from_entered_time": "2024-03-01", "to_entered_time": "2024-03-14"}
    listed = get_orders(CASH, api=client, **window)
    assert new_id in [o["orderId"] for o in listed]
    assert new_id in [o["orderId"] for o in get_orders(api=client, **window)]
    frame = get_orders(CASH, api=client, output_format="pandas", **window)
    assert frame.index.name == "orderId"
    cancel_order(CASH, new_id, api=client)
    assert get_order(CASH, new_id, api=client)["status"] == "CANCELED"


def test_preview_order(client):
    preview = preview_order(CASH, limit_order(), api=client)
    assert isinstance(preview, dict) and preview


def test_order_window_defaults_and_accepts_dates(sandbox, client):
    assert get_orders(CASH, api=client) == []  # the last 60 days by the api's clock
    get_orders(CASH, from_entered_time=date(2024, 3, 1), to_entered_time="2024-03-13",
               api=client)
    get_orders(from_entered_time=datetime(2024, 3, 1, tzinfo=timezone.utc), api=client)
    with pytest.raises(ValidationError, match="from_entered_time"):
        get_orders(CASH, from_entered_time="2024-03-14", to_entered_time="2024-03-13",
                   api=client)


def test_window_params_iso():
    from pyTD.accounts.orders import window_params

    class Clock:
        class auth:  # a stand-in for api.auth
            clock = staticmethod(lambda: NOW)

    params = window_params(Clock, "s", None, "e", None, "from", "to")
    assert params == {"from": "2024-01-13T15:00:00.000Z", "to": "2024-03-13T15:00:00.000Z"}
    params = window_params(Clock, "s", date(2024, 1, 2), "e", "2024-01-03", "a", "b")
    assert params == {"a": "2024-01-02T00:00:00.000Z", "b": "2024-01-03T23:59:59.999Z"}


def test_transactions(sandbox, client):
    rows = get_transactions(CASH, start_date="2023-06-01", end_date="2024-03-13",
                            api=client)
    assert rows and all("transferItems" in r and "transactionItem" not in r for r in rows)
    trades = get_transactions(CASH, type="TRADE", start_date="2023-06-01",
                              end_date="2024-03-13", api=client)
    assert trades and {r["type"] for r in trades} == {"TRADE"}
    same = get_transactions(CASH, types=["TRADE"], start_date="2023-06-01",
                            end_date="2024-03-13", api=client)
    assert [r["activityId"] for r in same] == [r["activityId"] for r in trades]
    frame = get_transactions(CASH, start_date="2023-06-01", end_date="2024-03-13",
                             api=client, output_format="pandas")
    assert isinstance(frame, pd.DataFrame) and frame.index.name == "activityId"
    one = get_transaction(CASH, rows[0]["activityId"], api=client)
    first = one[0] if isinstance(one, list) else one
    assert first["activityId"] == rows[0]["activityId"]
    get_transaction(CASH, rows[0]["activityId"], api=client, output_format="pandas")
    with pytest.raises(ValidationError, match="no Schwab counterpart"):
        get_transactions(CASH, type="CHECKING", api=client)
    with pytest.raises(ValidationError, match="one year"):
        get_transactions(CASH, start_date="2022-01-01", end_date="2024-01-01", api=client)


def test_buy_only_and_sell_only_keep_their_side_on_schwab(make_sandbox, client):
    """Schwab has only TRADE: pyTD keeps the side TD's BUY_ONLY/SELL_ONLY asked for."""
    window = {"start_date": "2023-06-01", "end_date": "2024-03-13"}
    trades = get_transactions(MARGIN, type="TRADE", api=client, **window)
    buys = get_transactions(MARGIN, type="BUY_ONLY", api=client, **window)
    sells = get_transactions(MARGIN, type="sell_only", api=client, **window)
    assert buys and sells
    assert sorted(t["activityId"] for t in buys + sells) == sorted(
        t["activityId"] for t in trades)
    # The same account in TD's sandbox (shared state, TD's instruction field) agrees.
    td = sandbox_api(make_sandbox(clock=lambda: NOW, seed=11))
    td_buys = td.get_transactions(MARGIN, type="BUY_ONLY", **window)
    td.close()
    assert sorted(t["activityId"] for t in buys) == sorted(t["transactionId"] for t in td_buys)
    frame = get_transactions(MARGIN, type="BUY_ONLY", api=client, output_format="pandas",
                             **window)
    assert sorted(frame.index) == sorted(t["activityId"] for t in buys)


def test_trade_side_of_a_zero_net_trade_follows_the_security_amount():
    def trade(amount):
        return {"type": "TRADE", "netAmount": 0.0, "transferItems": [
            {"instrument": {"assetType": "CURRENCY"}, "amount": -0.5, "feeType": "COMMISSION"},
            {"instrument": {"assetType": "EQUITY", "symbol": "NET"}, "amount": amount}]}
    assert [trade_side(trade(10.0)), trade_side(trade(-10.0)), trade_side(trade(0.0))] == [
        "BUY", "SELL", None]
    assert trade_side({"type": "DIVIDEND_OR_INTEREST", "netAmount": 4.2}) is None


def test_user_preference(client):
    preference = get_user_preference(api=client)
    assert isinstance(preference, (dict, list)) and preference
    assert client.get_user_preference() == preference


REMOVED = {
    "create_saved_order": lambda a: create_saved_order(CASH, limit_order(), api=a),
    "get_saved_orders": lambda a: get_saved_orders(CASH, api=a),
    "create_watchlist": lambda a: create_watchlist(CASH, "w", ["AAPL"], api=a),
    "get_watchlists": lambda a: get_watchlists(api=a),
    "get_user_principals": lambda a: get_user_principals(api=a),
    "get_streamer_subscription_keys": lambda a: get_streamer_subscription_keys(CASH, api=a),
    "get_preferences": lambda a: get_preferences(CASH, api=a),
    "update_preferences": lambda a: update_preferences(CASH, {"x": 1}, api=a),
}


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_removed_endpoints_send_nothing(sandbox, client, name):
    with pytest.raises(NotSupportedError, match="Charles Schwab"):
        REMOVED[name](client)
    assert calls(sandbox) == {}


def test_order_429_is_a_rate_limit_error_without_resend(make_sandbox):
    limited = make_sandbox(provider="schwab", clock=lambda: NOW, seed=11, rate_limit=3)
    client = sandbox_api(limited, retry_max_wait=0.5)
    try:
        get_account_numbers(api=client)
        place_order(CASH, limit_order(), api=client)
        place_order(CASH, limit_order(), api=client)
        before = calls(limited)
        with pytest.raises(RateLimitError):
            place_order(CASH, limit_order(), api=client)
        posts = [k for k in calls(limited) if k.startswith("POST ")]
        assert [calls(limited)[k] - before.get(k, 0) for k in posts] == [1]
    finally:
        client.close()


def test_missing_order_shows_schwab_message(sandbox, client):
    with pytest.raises(TDQueryError) as info:
        get_order(CASH, 1, api=client)
    text = str(info.value)
    assert "failed with HTTP" in text
    assert "{" not in text.split("failed with HTTP", 1)[1]  # Schwab's message, not its JSON


def test_hash_refused_twice_names_the_account(sandbox, client):
    with pytest.raises(ValidationError, match=r"refused account NOTAHASH.*Invalid account"):
        get_account("NOTAHASH", api=client)
    assert lookups(sandbox) == 2
    assert calls(sandbox)["GET /trader/v1/accounts/NOTAHASH"] == 2

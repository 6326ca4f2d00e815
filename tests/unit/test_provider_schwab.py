"""The Schwab provider: hosts, paths, client authentication, lifetimes and symbol formats."""

from __future__ import annotations

import datetime as dt

import pytest

from pyTD.exceptions import ConfigurationError, NotSupportedError
from pyTD.provider import HTTP_BASIC, SCHWAB, TD_AMERITRADE, TD_PATHS, get_provider


def test_schwab_is_registered_by_name():
    assert get_provider("schwab") is SCHWAB
    assert get_provider(" Schwab ") is SCHWAB
    assert get_provider("tdameritrade") is TD_AMERITRADE


def test_hosts_token_endpoint_and_roots():
    assert SCHWAB.base_url == "https://api.schwabapi.com"
    assert SCHWAB.auth_url == "https://api.schwabapi.com/v1/oauth/authorize"
    assert SCHWAB.base_url + SCHWAB.token_path == "https://api.schwabapi.com/v1/oauth/token"
    assert SCHWAB.root_path == ""
    assert SCHWAB.api_roots == ("/marketdata/v1/", "/trader/v1/")
    assert TD_AMERITRADE.root_path == "/v1"
    assert TD_AMERITRADE.api_roots == ("/v1/",)


@pytest.mark.parametrize(("endpoint", "segments", "path"), [
    ("quotes", {}, "/marketdata/v1/quotes"),
    ("quote", {"symbol": "$SPX"}, "/marketdata/v1/%24SPX/quotes"),
    ("quote", {"symbol": "/ES"}, "/marketdata/v1/%2FES/quotes"),
    ("price_history", {"symbol": "AAPL"}, "/marketdata/v1/pricehistory"),
    ("option_chain", {}, "/marketdata/v1/chains"),
    ("expiration_chain", {}, "/marketdata/v1/expirationchain"),
    ("movers", {"index": "$DJI"}, "/marketdata/v1/movers/%24DJI"),
    ("hours", {}, "/marketdata/v1/markets"),
    ("market_hours", {"market": "equity"}, "/marketdata/v1/markets/equity"),
    ("instruments", {}, "/marketdata/v1/instruments"),
    ("instrument", {"cusip": "037833100"}, "/marketdata/v1/instruments/037833100"),
    ("account_numbers", {}, "/trader/v1/accounts/accountNumbers"),
    ("accounts", {}, "/trader/v1/accounts"),
    ("account", {"account_id": "ABC123"}, "/trader/v1/accounts/ABC123"),
    ("orders", {}, "/trader/v1/orders"),
    ("account_orders", {"account_id": "H"}, "/trader/v1/accounts/H/orders"),
    ("order", {"account_id": "H", "order_id": 7}, "/trader/v1/accounts/H/orders/7"),
    ("preview_order", {"account_id": "H"}, "/trader/v1/accounts/H/previewOrder"),
    ("transactions", {"account_id": "H"}, "/trader/v1/accounts/H/transactions"),
    ("transaction", {"account_id": "H", "transaction_id": 9},
     "/trader/v1/accounts/H/transactions/9"),
    ("preferences", {}, "/trader/v1/userPreference"),
])
def test_paths(endpoint, segments, path):
    assert SCHWAB.path(endpoint, **segments) == path


@pytest.mark.parametrize("endpoint", ["saved_orders", "saved_order", "all_watchlists",
                                      "watchlists", "watchlist", "user_principals",
                                      "streamer_subscription_keys"])
def test_removed_endpoints_are_not_supported(endpoint):
    assert endpoint in TD_PATHS
    assert not SCHWAB.supports(endpoint)
    with pytest.raises(NotSupportedError, match="Charles Schwab has no"):
        SCHWAB.path(endpoint, account_id="1", saved_order_id="2", watchlist_id="3")


def test_shared_names_and_schwab_only_names():
    assert set(SCHWAB.paths) - set(TD_PATHS) == {"account_numbers", "expiration_chain",
                                                  "preview_order"}
    for name in ("account_numbers", "expiration_chain", "preview_order"):
        assert not TD_AMERITRADE.supports(name)


def test_client_authentication_and_lifetimes():
    assert SCHWAB.client_auth == HTTP_BASIC
    assert SCHWAB.key_suffix == ""
    assert not SCHWAB.renewable_refresh
    assert SCHWAB.access_token_lifetime == 1800
    assert SCHWAB.refresh_token_lifetime == 7 * 24 * 3600
    assert SCHWAB.client_id("APPKEY") == "APPKEY"
    assert SCHWAB.max_quote_symbols == 500


def test_token_request_uses_basic_auth_without_client_id():
    form, auth = SCHWAB.token_request({"grant_type": "refresh_token", "refresh_token": "r"},
                                      "APPKEY", "APPSECRET")
    assert form == {"grant_type": "refresh_token", "refresh_token": "r"}
    assert auth == ("APPKEY", "APPSECRET")
    with pytest.raises(ConfigurationError, match="app secret"):
        SCHWAB.token_request({"grant_type": "refresh_token"}, "APPKEY", None)


def test_symbol_formats():
    assert SCHWAB.option_symbol_style == "osi"
    assert SCHWAB.option_symbol("AAPL", dt.date(2024, 5, 17), "CALL", 190) == \
        "AAPL  240517C00190000"
    assert SCHWAB.option_symbol("SPXW", dt.date(2024, 4, 20), "C", 5040) == \
        "SPXW  240420C05040000"
    assert SCHWAB.option_symbol("F", dt.date(2024, 1, 19), "P", 12.5) == "F     240119P00012500"
    assert SCHWAB.index_symbol("$SPX.X") == "$SPX"
    assert SCHWAB.index_symbol("$SPX") == "$SPX"
    assert SCHWAB.index_symbol("$DJI") == "$DJI"
    assert TD_AMERITRADE.index_symbol("$SPX") == "$SPX.X"


def test_parse_error_reads_both_schwab_formats():
    assert SCHWAB.parse_error({"message": "Invalid account number"}) == "Invalid account number"
    assert SCHWAB.parse_error({"errors": [{"id": "x", "status": "404", "title": "Not Found"}]}) \
        == "Not Found"

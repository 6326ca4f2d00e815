"""The original pyTD's call shapes: positional arguments, TD's names, endpoint classes, errors."""

from __future__ import annotations

import datetime
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pyTD.api import api
from pyTD.auth.flow import grant_from_body
from pyTD.cache import MemCache
from pyTD.exceptions import ResourceNotFound, TDQueryError, ValidationError
from pyTD.instruments import Instruments, get_instrument, get_instruments
from pyTD.market import (
    Instruments as MarketInstruments,
)
from pyTD.market import (
    MarketHours,
    Movers,
    Options,
    PriceHistory,
    Quotes,
    get_fundamentals,
    get_market_hours,
    get_movers,
    get_option_chains,
    get_price_history,
    get_quotes,
)
from pyTD.sandbox.client import sandbox_api
from tests.integration.sandbox_support import calls


@pytest.fixture
def sandbox(make_sandbox):
    """A sandbox whose clock stands still: two calls compared here see the same prices."""
    frozen = time.time()
    return make_sandbox(clock=lambda: frozen)


@pytest.fixture
def client(sandbox):
    return sandbox_api(sandbox)


# -- positional arguments -------------------------------------------------------------------

def test_quotes_take_output_format_and_api_positionally(client):
    frame = get_quotes(["AAPL", "MSFT"], "pandas", client)
    assert list(frame.index) == ["AAPL", "MSFT"]
    assert client.get_quotes("AAPL", "json")["AAPL"]["symbol"] == "AAPL"


def test_market_hours_take_date_output_format_and_api_positionally(client):
    hours = get_market_hours("EQUITY", datetime.datetime(2018, 6, 29), "json", client)
    assert hours["equity"]["EQ"]["date"] == "2018-06-29"
    assert len(client.get_market_hours(["EQUITY", "OPTION"], "2018-06-29", "pandas")) >= 2


def test_movers_take_direction_change_output_format_and_api_positionally(client, sandbox):
    movers = get_movers("$DJI", "down", "value", "json", client)
    assert movers and all(m["direction"] == "down" for m in movers)
    assert client.get_movers("$COMPX", "up", "percent", "pandas").shape[0] == len(
        client.get_movers("$COMPX", direction="up", change="percent"))


def test_the_rest_keep_only_the_symbol_positional(client):
    with pytest.raises(TypeError):
        get_price_history("AAPL", "month", api=client)  # type: ignore[misc]


# -- TD's own parameter names -----------------------------------------------------------------

def test_option_chains_take_tds_camel_case_names(client, sandbox):
    camel = get_option_chains("AAPL", contractType="CALL", strikeCount=2, includeQuotes=True,
                              api=client)
    snake = get_option_chains("AAPL", contract_type="CALL", strike_count=2,
                              include_quotes=True, api=client)
    assert camel == snake
    assert camel["putExpDateMap"] == {} and camel["callExpDateMap"]
    analytical = client.get_option_chains("AAPL", strategy="ANALYTICAL", volatility=30,
                                          underlyingPrice=180, interestRate=5,
                                          daysToExpiration=30, expMonth="ALL", optionType="S")
    assert analytical["strategy"] == "ANALYTICAL"


@pytest.mark.parametrize("kwargs, message", [
    ({"contractType": "CALLS"}, "contract_type must be one of CALL, PUT, ALL"),
    ({"strikeCount": 0}, "strike_count"),
    ({"contractType": "CALL", "contract_type": "PUT"},
     "contractType and contract_type are the same parameter: pass only one of them."),
])
def test_camel_case_names_are_validated_the_same_way(client, sandbox, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        get_option_chains("AAPL", api=client, **kwargs)
    assert calls(sandbox) == {}


def test_price_history_takes_tds_camel_case_names(client):
    daily = get_price_history("AAPL", periodType="month", period=1, frequencyType="daily",
                              needExtendedHoursData=False, api=client)
    assert 15 <= len(daily["candles"]) <= 23
    start, end = datetime.datetime(2017, 1, 1), datetime.datetime(2018, 1, 1)
    assert get_price_history("AAPL", startDate=start, endDate=end, api=client) == \
        get_price_history("AAPL", start_date=start, end_date=end, api=client)
    with pytest.raises(ValidationError, match="startDate and start_date are the same"):
        get_price_history("AAPL", startDate=start, start_date=start, api=client)


# -- the endpoint classes ---------------------------------------------------------------------

@pytest.mark.parametrize("cls, args, kwargs, function, expected", [
    (Quotes, ("AAPL", "json"), {}, get_quotes, None),
    (Movers, ("$DJI", "up", "percent", "json"), {}, get_movers, None),
    (MarketHours, ("EQUITY", datetime.date(2018, 6, 29), "json"), {}, get_market_hours, None),
    (Options, ("AAPL",), {"contract_type": "PUT", "strikeCount": 1}, get_option_chains, None),
    (PriceHistory, ("AAPL",), {"period_type": "month", "frequency_type": "daily"},
     get_price_history, None),
    (Instruments, ("MSF.*",), {"projection": "symbol-regex"}, get_instruments, None),
])
def test_endpoint_classes_execute_their_function(client, cls, args, kwargs, function, expected):
    request = cls(*args, api=client, **kwargs)
    assert request.execute() == function(*args, api=client, **kwargs)
    assert cls.__name__ in repr(request)


def test_instruments_is_in_market_as_it_was():
    assert MarketInstruments is Instruments


def test_endpoint_classes_raise_like_their_functions(client):
    with pytest.raises(ResourceNotFound, match="No quote for NOTASYMBOL"):
        Quotes("NOTASYMBOL", api=client).execute()


# -- get_instrument by symbol or CUSIP --------------------------------------------------------

def test_get_instrument_takes_a_symbol_or_a_cusip(client, sandbox):
    by_symbol = get_instrument("AAPL", api=client)
    assert by_symbol["AAPL"]["cusip"] == "037833100"
    assert calls(sandbox) == {"GET /v1/instruments": 1}
    by_cusip = get_instrument("68389X105", api=client)
    assert by_cusip[0]["symbol"] == "ORCL"
    assert calls(sandbox)["GET /v1/instruments/68389X105"] == 1
    fundamental = client.get_instrument("AAPL", projection="fundamental")
    assert "peRatio" in fundamental["AAPL"]["fundamental"]


def test_get_instrument_refuses_a_number(client):
    with pytest.raises(ValidationError, match=r"not a number .*leading zeros\. Pass it quoted"):
        get_instrument(37833100, api=client)  # type: ignore[arg-type]


# -- what does not exist --------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda c: get_quotes("NOTASYMBOL", api=c), "No quote for NOTASYMBOL"),
    (lambda c: get_quotes(["NOPE", "NOTASYMBOL"], api=c), "No quote for NOPE, NOTASYMBOL"),
    (lambda c: get_price_history("NOTASYMBOL", api=c), "No price history for NOTASYMBOL"),
    (lambda c: get_option_chains("NOTASYMBOL", api=c), "No option chain for 'NOTASYMBOL'"),
    (lambda c: get_fundamentals("NOTASYMBOL", api=c), "No fundamentals for NOTASYMBOL"),
    (lambda c: get_instruments("NOTASYMBOL", api=c), "No instrument matches 'NOTASYMBOL'"),
    (lambda c: get_instruments("QQQX.*", projection="symbol-regex", api=c),
     "No instrument matches 'QQQX.*' \\(symbol-regex\\)"),
    (lambda c: get_instrument("NOTASYMBOL", api=c), "No instrument matches 'NOTASYMBOL'"),
    (lambda c: get_instrument("999999999", api=c), None),
])
def test_unknown_symbols_raise_resource_not_found(client, call, message):
    with pytest.raises(ResourceNotFound, match=message) as caught:
        call(client)
    assert "check" in str(caught.value) or caught.value.status_code == 404


def test_a_batch_with_some_unknown_symbols_returns_the_known_ones(client, caplog):
    caplog.set_level(logging.WARNING, "pyTD")
    assert set(get_quotes(["AAPL", "NOTASYMBOL", "MSFT"], api=client)) == {"AAPL", "MSFT"}
    assert "No quote for NOTASYMBOL: left out of the answer." in caplog.text
    assert set(get_fundamentals(["AAPL", "NOTASYMBOL"], api=client)) == {"AAPL"}
    assert "No fundamentals for NOTASYMBOL: left out of the answer." in caplog.text


class _RefusingServer(BaseHTTPRequestHandler):
    """Answers every GET with HTTP 200 and ``{"error": ...}``, as TD did for some queries."""

    def do_GET(self) -> None:
        body = json.dumps({"error": "Symbol lookup is not available right now"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_200_with_an_error_body_raises_td_query_error():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RefusingServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = api(consumer_key="APPKEY", callback_url="http://127.0.0.1:8080",
                     base_url=f"http://127.0.0.1:{server.server_port}/v1",
                     auth_url=f"http://127.0.0.1:{server.server_port}/auth", cache=MemCache())
        client.auth.store(grant_from_body({"access_token": "synthetic-access",
                                           "refresh_token": "synthetic-refresh",
                                           "expires_in": 1800,
                                           "refresh_token_expires_in": 7776000},
                                          client.auth.clock(), client.settings.provider,
                                          client.auth.clock))
        for call in (lambda: client.get_quotes("AAPL"), lambda: client.get_movers("$DJI"),
                     lambda: client.get_instruments("AAPL")):
            with pytest.raises(TDQueryError, match="was refused: Symbol lookup is not "
                                                   "available right now") as caught:
                call()
            assert not isinstance(caught.value, ResourceNotFound)
    finally:
        server.shutdown()
        server.server_close()

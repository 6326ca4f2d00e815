"""The sandbox's symbol universe: known symbols answer, unknown ones are answered as TD did."""

from __future__ import annotations

import json

import pytest
import requests

from pyTD.sandbox import Sandbox
from pyTD.sandbox.data.universe import SEEDED_SYMBOLS, UNIVERSE, Universe
from pyTD.sandbox.market.instruments import instrument
from tests.support.sandboxes import start_sandbox

#: Wednesday 2023-11-15 10:30 New York time: a trading day, regular session.
START = 1700062200.0
#: Made-up symbols that exist nowhere.
UNKNOWN = ("NOTASYMBOL", "XXXX", "ZZZZQ", "$NOPE", "/ZZ", "ABC/XYZ")
#: Known symbols of each kind: table, future, forex, index, numbered, placeholder, extra.
KNOWN = ("AAPL", "SPY", "/ES", "AUD/USD", "$SPX.X", "Q0042", "R299", "S1", "H007", "ZZZQ",
         "BRK.B", "NEWCO")
HISTORY = {"periodType": "month", "period": "1", "frequencyType": "daily"}


@pytest.fixture(scope="module")
def world(request):
    sb = start_sandbox(request, seed=7, clock=lambda: START, access_token_lifetime=10**9,
                       symbols=["NEWCO"])
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + sb.issue_tokens()["access_token"]
    yield sb, session
    session.close()


@pytest.fixture
def get(world):
    sandbox, session = world

    def call(path: str, **params) -> requests.Response:
        return session.get(sandbox.url + path, params=params, timeout=10)

    return call


def ok(response: requests.Response):
    assert response.status_code == 200, response.text
    return response.json()


# -- the universe ------------------------------------------------------------------------

def test_the_universe_knows_its_symbols_and_nothing_else():
    u = Universe(["NEWCO"])
    for symbol in (*UNIVERSE, *SEEDED_SYMBOLS, *KNOWN, "Q0", "Q9999", "AAPL_011924P150",
                   "SPX_011924C4500", "NEWCO_011924C10"):
        assert u.knows(symbol), symbol
        assert symbol in u
    for symbol in (*UNKNOWN, "Q", "Q00000", "QQ1", "X1", "aapl", "A#B", "",
                   "NOTASYMBOL_011924C10", "XXXX_011924P5"):
        assert not u.knows(symbol), symbol
    assert not Universe().knows("NEWCO")


def test_listed_symbols_are_the_table_placeholders_and_extras():
    listed = Universe(["NEWCO", "AAPL"]).listed()
    assert listed[:len(UNIVERSE)] == list(UNIVERSE)
    assert listed[len(UNIVERSE):] == [*SEEDED_SYMBOLS, "NEWCO"]
    assert {"/ES", "/NQ", "EUR/USD", "AUD/USD", "$DJI", "$COMPX"} <= set(UNIVERSE)


@pytest.mark.parametrize("bad", ["aapl", "A#B", "", "AAPL_011924P150", 42])
def test_only_well_formed_plain_symbols_can_be_added(bad):
    with pytest.raises(ValueError):
        Universe().add(bad)


def test_futures_options_exist_on_known_futures_and_cannot_be_added():
    universe = Universe(["/ZB"])
    assert universe.knows("./ESH27C4500") and universe.knows("./ZBM7P115")
    assert not universe.knows("./ZZH27C4500") and not Universe().knows("./ZBM7P115")
    with pytest.raises(ValueError, match=r"not a symbol that can be added: '\./ESH27C4500'"):
        universe.add("./ESH27C4500")
    assert instrument(0, "./ESH7C4500") == {
        "symbol": "./ESH7C4500", "description": "ESH7C4500 Futures Option",
        "exchange": "XCME", "assetType": "FUTURE_OPTION"}


def test_add_symbol_makes_it_exist_from_then_on():
    with Sandbox(clock=lambda: START) as sb:
        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + sb.issue_tokens()["access_token"]
        url = sb.url + "/v1/marketdata/quotes"
        try:
            assert session.get(url, params={"symbol": "LATECO"}, timeout=10).json() == {}
            sb.add_symbol("LATECO")
            body = session.get(url, params={"symbol": "LATECO"}, timeout=10).json()
            assert body["LATECO"]["assetType"] == "EQUITY"
            assert sb.universe.extra == ("LATECO",)
        finally:
            session.close()
    with pytest.raises(ValueError):
        Sandbox().add_symbol("not a symbol")


# -- known symbols -----------------------------------------------------------------------

def test_every_known_symbol_is_quoted(get):
    symbols = [*UNIVERSE, *SEEDED_SYMBOLS, *KNOWN]
    body = ok(get("/v1/marketdata/quotes", symbol=",".join(symbols)))
    assert list(body) == list(dict.fromkeys(symbols))
    assert body["NEWCO"]["description"] == "Newco Synthetic Corp - Common Stock"


@pytest.mark.parametrize("symbol", KNOWN)
def test_known_symbols_have_history(get, symbol):
    body = ok(get(f"/v1/marketdata/{requests.utils.quote(symbol, safe='')}/pricehistory",
                  **HISTORY))
    assert body["symbol"] == symbol and body["empty"] is False and body["candles"]


@pytest.mark.parametrize("symbol", ["AAPL", "$SPX.X", "Q0042", "ZZZQ", "NEWCO"])
def test_known_optionable_symbols_have_chains(get, symbol):
    body = ok(get("/v1/marketdata/chains", symbol=symbol, strikeCount="2"))
    assert body["status"] == "SUCCESS" and body["numberOfContracts"] > 0


def test_known_symbols_are_found_by_search(get):
    body = ok(get("/v1/instruments", symbol="AAPL,ZZZQ,NEWCO,/ES,Q0042"))
    assert set(body) == {"AAPL", "ZZZQ", "NEWCO", "/ES", "Q0042"}
    assert set(ok(get("/v1/instruments", symbol="NEW.*", projection="symbol-regex"))) == {
        "NEWCO"}
    assert set(ok(get("/v1/instruments", symbol="ES Futures", projection="desc-search"))) == {
        "/ES"}


# -- unknown symbols ---------------------------------------------------------------------

def test_quotes_of_unknown_symbols_are_an_empty_object(get):
    assert ok(get("/v1/marketdata/quotes", symbol=",".join(UNKNOWN))) == {}
    for symbol in UNKNOWN:
        path = f"/v1/marketdata/{requests.utils.quote(symbol, safe='')}/quotes"
        assert ok(get(path)) == {}


def test_unknown_symbols_are_left_out_of_a_mixed_quote_request(get):
    body = ok(get("/v1/marketdata/quotes", symbol="AAPL,NOTASYMBOL,/ES,XXXX,Q0001"))
    assert list(body) == ["AAPL", "/ES", "Q0001"]


def test_options_on_unknown_underlyings_are_left_out(get):
    body = ok(get("/v1/marketdata/quotes", symbol="XXXX_011924P150,AAPL_011924P150"))
    assert list(body) == ["AAPL_011924P150"]


@pytest.mark.parametrize("symbol", UNKNOWN)
def test_price_history_of_an_unknown_symbol_is_empty(get, symbol):
    path = f"/v1/marketdata/{requests.utils.quote(symbol, safe='')}/pricehistory"
    assert ok(get(path)) == {"candles": [], "symbol": symbol, "empty": True}
    assert ok(get(path, **HISTORY)) == {"candles": [], "symbol": symbol, "empty": True}


@pytest.mark.parametrize("symbol", ["NOTASYMBOL", "XXXX", "$NOPE"])
def test_chain_of_an_unknown_symbol_failed(get, symbol):
    body = ok(get("/v1/marketdata/chains", symbol=symbol, includeQuotes="TRUE"))
    assert body["symbol"] == symbol and body["status"] == "FAILED"
    assert body["underlying"] is None and body["numberOfContracts"] == 0
    assert body["callExpDateMap"] == {} and body["putExpDateMap"] == {}
    assert body["isIndex"] is symbol.startswith("$")


def test_instrument_search_of_unknown_symbols_is_empty(get):
    assert ok(get("/v1/instruments", symbol="NOTASYMBOL")) == {}
    assert ok(get("/v1/instruments", symbol="NOTASYMBOL,XXXX", projection="fundamental")) == {}
    assert list(ok(get("/v1/instruments", symbol="AAPL,XXXX"))) == ["AAPL"]
    assert ok(get("/v1/instruments", symbol="XXXX.*", projection="symbol-regex")) == {}


def test_instrument_by_unknown_cusip_is_a_404(get):
    response = get("/v1/instruments/123456789")
    assert response.status_code == 404
    assert "123456789" in json.loads(response.text)["error"]


def test_movers_are_unaffected(get):
    movers = ok(get("/v1/marketdata/$SPX.X/movers"))
    assert len(movers) == 10
    members = {s for s, sec in UNIVERSE.items() if sec.asset_type == "EQUITY"}
    assert {m["symbol"] for m in movers} <= members

"""Schwab's market data through pyTD's wrappers, against ``Sandbox(provider="schwab")``:
movers, expiration chains, option chains, instruments and market hours, with refusals
raised before anything is sent."""

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest

from pyTD.exceptions import NotSupportedError, ResourceNotFound, ValidationError
from pyTD.instruments import get_instrument
from pyTD.market import (
    get_expiration_chain,
    get_market_hours,
    get_movers,
    get_option_chain,
)
from pyTD.sandbox.client import sandbox_api
from tests.support.sandboxes import start_sandbox

from .sandbox_support import calls

#: A Wednesday, 11:00 in New York: markets open, every answer reproducible.
NOW = datetime(2024, 3, 13, 15, 0, tzinfo=timezone.utc).timestamp()
SORTS = "VOLUME, TRADES, PERCENT_CHANGE_UP, PERCENT_CHANGE_DOWN"


@pytest.fixture(scope="module")
def sandbox(request):
    return start_sandbox(request, provider="schwab", clock=lambda: NOW, seed=7)


@pytest.fixture(scope="module")
def td_sandbox(request):
    return start_sandbox(request, clock=lambda: NOW, seed=7)


@pytest.fixture(scope="module")
def td_client(td_sandbox):
    a = sandbox_api(td_sandbox)
    yield a
    a.close()


@pytest.fixture(autouse=True)
def fresh_stats(sandbox, td_sandbox):
    sandbox.reset_stats()
    td_sandbox.reset_stats()


def refused(sandbox, call, error, *match):
    """``call`` raises ``error`` mentioning every ``match``, and nothing was sent."""
    with pytest.raises(error) as info:
        call()
    for text in match:
        assert text in str(info.value), (text, str(info.value))
    assert calls(sandbox) == {}
    return info.value


# -- movers ---------------------------------------------------------------------------
def test_movers_send_schwabs_index_spelling(sandbox, client):
    body = get_movers("$SPX.X", api=client)
    assert list(body) == ["screeners"] and 0 < len(body["screeners"]) <= 10
    assert {"symbol", "lastPrice", "netPercentChange", "volume"} <= set(body["screeners"][0])
    assert client.get_movers("$DJI")["screeners"]
    assert client.get_movers("$compx")["screeners"]
    assert calls(sandbox) == {"GET /marketdata/v1/movers/%24SPX": 1,
                              "GET /marketdata/v1/movers/%24DJI": 1,
                              "GET /marketdata/v1/movers/%24COMPX": 1}


def test_movers_take_schwabs_own_ids_sort_and_frequency(sandbox, client):
    by_volume = get_movers("NASDAQ", sort="volume", frequency=5, api=client)["screeners"]
    volumes = [row["volume"] for row in by_volume]
    assert volumes and volumes == sorted(volumes, reverse=True)
    trades = client.get_movers("EQUITY_ALL", sort="TRADES", frequency="60")["screeners"]
    assert [r["trades"] for r in trades] == sorted((r["trades"] for r in trades), reverse=True)
    assert client.get_movers("OPTION_CALL") == {"screeners": []}
    assert calls(sandbox) == {"GET /marketdata/v1/movers/NASDAQ": 1,
                              "GET /marketdata/v1/movers/EQUITY_ALL": 1,
                              "GET /marketdata/v1/movers/OPTION_CALL": 1}


def test_movers_direction_becomes_a_percent_sort(client):
    up = get_movers("$SPX", direction="up", change="percent", api=client)["screeners"]
    assert up and all(row["netPercentChange"] > 0 for row in up)
    down = get_movers("$SPX.X", direction="down", api=client)["screeners"]
    assert down and all(row["netPercentChange"] < 0 for row in down)
    assert {r["symbol"] for r in up}.isdisjoint(r["symbol"] for r in down)


def test_movers_as_pandas_one_row_per_screener(client):
    frame = client.get_movers("$DJI", sort="PERCENT_CHANGE_UP", output_format="pandas")
    assert isinstance(frame, pd.DataFrame) and 0 < len(frame) <= 10
    assert {"symbol", "lastPrice", "netPercentChange", "totalVolume"} <= set(frame.columns)
    assert (frame["netPercentChange"] > 0).all()
    empty = client.get_movers("OPTION_PUT", output_format="pandas")
    assert isinstance(empty, pd.DataFrame) and empty.empty


@pytest.mark.parametrize("kwargs, expected", [
    ({"change": "value"}, ["change='percent'", SORTS]),
    ({"direction": "up", "change": "value"}, ["value change", SORTS]),
    ({"change": "percent"}, ["direction='up'", SORTS]),
    ({"sort": "UP"}, ["sort", SORTS]),
    ({"sort": "VOLUME", "direction": "up"}, ["only sort="]),
    ({"frequency": 7}, ["frequency", "0, 1, 5, 10, 30, 60"]),
    ({"direction": "sideways"}, ["direction", "up, down"]),
])
def test_movers_arguments_schwab_cannot_take_are_refused(sandbox, client, kwargs, expected):
    refused(sandbox, lambda: client.get_movers("$DJI", **kwargs), ValidationError, *expected)


def test_movers_of_an_unknown_index_name_the_schwab_ids(sandbox, client):
    refused(sandbox, lambda: client.get_movers("SPX"), ValidationError,
            "index", "$SPX", "NYSE", "OPTION_CALL")


def test_td_movers_keep_their_arguments(td_sandbox, td_client):
    movers = td_client.get_movers("$SPX", direction="up", change="value")
    assert isinstance(movers, list) and {m["direction"] for m in movers} == {"up"}
    assert calls(td_sandbox) == {"GET /v1/marketdata/%24SPX.X/movers": 1}


@pytest.mark.parametrize("kwargs, error, expected", [
    ({"sort": "VOLUME"}, NotSupportedError, ["TD Ameritrade", "direction="]),
    ({"frequency": 5}, NotSupportedError, ["TD Ameritrade", "change="]),
])
def test_td_movers_refuse_schwabs_arguments(td_sandbox, td_client, kwargs, error, expected):
    refused(td_sandbox, lambda: td_client.get_movers("$DJI", **kwargs), error, *expected)
    refused(td_sandbox, lambda: td_client.get_movers("NYSE"), ValidationError,
            "$COMPX, $DJI, $SPX.X")


# -- expiration chain -----------------------------------------------------------------
def test_expiration_chain_json_and_pandas(sandbox, client):
    body = get_expiration_chain("AAPL", api=client)
    assert list(body) == ["expirationList"] and body["expirationList"]
    first = body["expirationList"][0]
    assert {"expirationDate", "daysToExpiration", "expirationType", "settlementType",
            "optionRoots", "standard"} <= set(first)
    frame = client.get_expiration_chain("AAPL", output_format="pandas")
    assert len(frame) == len(body["expirationList"])
    assert list(frame.columns[:2]) == ["expirationDate", "daysToExpiration"]
    assert frame["expirationDate"].iloc[0] == date.fromisoformat(first["expirationDate"])
    assert frame["expirationDate"].is_monotonic_increasing
    assert calls(sandbox) == {"GET /marketdata/v1/expirationchain": 2}


def test_expiration_chain_of_an_unknown_symbol_is_not_found(client):
    with pytest.raises(ResourceNotFound):
        get_expiration_chain("NOPE1", api=client)


def test_expiration_chain_arguments_are_checked_before_sending(sandbox, client):
    refused(sandbox, lambda: get_expiration_chain("  ", api=client), ValidationError, "symbol")


def test_expiration_chain_is_not_on_td(td_sandbox, td_client):
    refused(td_sandbox, lambda: td_client.get_expiration_chain("AAPL"), NotSupportedError,
            "TD Ameritrade", "get_option_chain")


# -- option chains --------------------------------------------------------------------
def test_option_chain_json_on_schwab(sandbox, client):
    chain = get_option_chain("AAPL", contract_type="CALL", strike_count=2, api=client)
    assert chain["status"] == "SUCCESS" and chain["putExpDateMap"] == {}
    assert chain["underlying"] is None
    contract = next(iter(next(iter(chain["callExpDateMap"].values())).values()))[0]
    assert contract["symbol"].startswith("AAPL  ") and contract["putCall"] == "CALL"
    assert calls(sandbox) == {"GET /marketdata/v1/chains": 1}


def test_include_quotes_is_sent_as_include_underlying_quote(client, td_client):
    chain = client.get_option_chain("AAPL", strike_count=1, include_quotes=True)
    assert chain["underlying"]["symbol"] == "AAPL"
    assert client.get_option_chain("AAPL", strike_count=1, includeQuotes=False)[
        "underlying"] is None
    assert td_client.get_option_chain("AAPL", strike_count=1, include_quotes=True)[
        "underlying"]["symbol"] == "AAPL"


def test_option_chain_pandas_reads_both_expiration_date_forms(client, td_client):
    for api in (client, td_client):
        chain = api.get_option_chain("AAPL", strike_count=2)
        frame = api.get_option_chain("AAPL", strike_count=2, output_format="pandas")
        contracts = [c for side in ("callExpDateMap", "putExpDateMap")
                     for strikes in chain[side].values() for listed in strikes.values()
                     for c in listed]
        assert len(frame) == len(contracts) and set(frame["putCall"]) == {"CALL", "PUT"}
        assert str(frame["expiration_time"].dtype).endswith("UTC]")
        assert (frame["expiration_time"].dt.date == frame["expiration"]).all()
        assert frame["strike"].dtype == "float64"
    schwab = client.get_option_chain("AAPL", strike_count=2, output_format="pandas")
    td = td_client.get_option_chain("AAPL", strike_count=2, output_format="pandas")
    assert isinstance(schwab["expirationDate"].iloc[0], str)
    assert isinstance(td["expirationDate"].iloc[0], (int, np.integer))
    assert list(schwab["expiration_time"]) == list(td["expiration_time"])


def test_option_chain_of_an_unknown_symbol_on_schwab(client):
    with pytest.raises(ResourceNotFound, match="No option chain for 'NOTASYMBOL'"):
        client.get_option_chain("NOTASYMBOL")


def test_option_chain_arguments_are_checked_before_sending_on_schwab(sandbox, client):
    refused(sandbox, lambda: client.get_option_chain("AAPL", include_quotes="yes"),
            ValidationError, "include_quotes must be True or False")
    refused(sandbox, lambda: client.get_option_chain("AAPL", contract_type="CALLS"),
            ValidationError, "CALL, PUT, ALL")


# -- instruments ----------------------------------------------------------------------
def test_schwab_search_projection_and_fundamentals(client):
    assert "MSFT" in client.get_instruments("MS.*", projection="search")
    assert "MSFT" in client.get_instruments("MS.*", projection="symbol-regex")
    fundamental = client.get_instruments("AAPL", projection="fundamental")["AAPL"]
    assert "peRatio" in fundamental["fundamental"]


def test_unknown_instruments_are_not_found_on_schwab(client):
    with pytest.raises(ResourceNotFound, match="desc-search"):
        client.get_instruments("NOTASYMBOL")
    with pytest.raises(ResourceNotFound):
        client.get_instrument("NOTASYMBOL")


def test_instrument_of_a_symbol_on_schwab_is_a_search(sandbox, client):
    assert client.get_instrument("AAPL")["AAPL"]["cusip"] == "037833100"
    assert calls(sandbox) == {"GET /marketdata/v1/instruments": 1}


def test_instrument_by_cusip_accepts_a_bare_object(client, monkeypatch):
    bare = {"assetType": "EQUITY", "cusip": "037833100", "description": "Apple Inc",
            "exchange": "NASDAQ", "symbol": "AAPL"}
    monkeypatch.setattr(client, "request", lambda *args, **kwargs: dict(bare))
    assert get_instrument("037833100", api=client) == [bare]
    assert list(client.get_instrument("037833100", output_format="pandas").index) == [
        "037833100"]


# -- market hours ---------------------------------------------------------------------
def test_hours_of_one_market_on_schwab(sandbox, client):
    hours = get_market_hours("EQUITY", date="2024-10-18", api=client)
    assert list(hours) == ["equity"] and list(hours["equity"]) == ["EQ"]
    eq = hours["equity"]["EQ"]
    assert eq["date"] == "2024-10-18" and eq["isOpen"] is True
    assert eq["sessionHours"]["regularMarket"] == [
        {"start": "2024-10-18T09:30:00-04:00", "end": "2024-10-18T16:00:00-04:00"}]
    frame = client.get_market_hours("option", date=date(2024, 10, 18), output_format="pandas")
    assert list(frame.index) == [("option", "EQO"), ("option", "IND")]
    assert calls(sandbox) == {"GET /marketdata/v1/markets/equity": 1,
                              "GET /marketdata/v1/markets/option": 1}


def test_hours_of_several_markets_as_pandas_on_schwab(sandbox, client):
    frame = client.get_market_hours(["EQUITY", "OPTION"], date="2024-10-18",
                                    output_format="pandas")
    assert frame.index.names == ["market", "product"]
    assert list(frame.index) == [("equity", "EQ"), ("option", "EQO"), ("option", "IND")]
    assert frame.loc[("equity", "EQ"), "marketType"] == "EQUITY"
    assert frame["isOpen"].all()
    assert set(frame["exchange"]) == {None}  # Schwab's "NULL"
    hours = client.get_market_hours("equity,option", date="2024-10-18")
    assert set(hours) == {"equity", "option"} and set(hours["option"]) == {"EQO", "IND"}
    assert calls(sandbox) == {"GET /marketdata/v1/markets": 2}


def test_market_ids_are_sent_in_lower_case_on_schwab_and_upper_case_on_td(client, td_client,
                                                                         monkeypatch):
    sent = []
    for a in (client, td_client):
        request = a.request
        monkeypatch.setattr(a, "request", lambda *args, _request=request, **kw: (
            sent.append(kw.get("params")), _request(*args, **kw))[1])
    client.get_market_hours(["EQUITY", "Option"], date="2024-10-18")
    td_client.get_market_hours(["equity", "option"], date="2024-10-18")
    assert [params["markets"] for params in sent] == ["equity,option", "EQUITY,OPTION"]


def test_hours_arguments_are_checked_before_sending_on_schwab(sandbox, client):
    refused(sandbox, lambda: client.get_market_hours("CRYPTO"), ValidationError,
            "EQUITY, OPTION, FUTURE, BOND, FOREX")
    refused(sandbox, lambda: client.get_market_hours("EQUITY", date="10/18/2024"),
            ValidationError, "yyyy-MM-dd")


def test_previous_close_date_is_stamped_as_in_the_reference_example(request):
    """Reference §5.5: a candle of 2021-12-10 comes with previousCloseDate 1639029600000."""
    friday = datetime(2021, 12, 10, 21, 0, tzinfo=timezone.utc).timestamp()
    sandbox = start_sandbox(request, provider="schwab", clock=lambda: friday, seed=7)
    with sandbox_api(sandbox) as a:
        history = a.get_price_history("AAPL", period_type="day", period=1,
                                      need_previous_close=True)
    assert history["previousCloseDate"] == 1639029600000
    assert history["candles"][0]["datetime"] > history["previousCloseDate"]


# -- quotes: fields= and indicative= ----------------------------------------------------
def test_quote_fields_answer_only_the_sections_asked_for(sandbox, client):
    data = client.get_quotes(["AAPL", "SPY"], fields=["quote", "Reference"])
    assert {"quote", "reference"} <= set(data["AAPL"])
    assert not {"fundamental", "regular", "extended"} & set(data["AAPL"])
    frame = client.get_quotes("AAPL", fields="fundamental", output_format="pandas")
    assert "fundamental.peRatio" in frame.columns
    assert not [c for c in frame.columns if c.startswith("quote.")]
    assert calls(sandbox) == {"GET /marketdata/v1/quotes": 2}  # one symbol with fields: batch


def test_indicative_adds_the_iv_quote_of_each_etf(client):
    data = client.get_quotes(["SPY", "AAPL"], indicative=True)
    assert set(data) == {"SPY", "AAPL", "$SPY.IV"}
    assert data["$SPY.IV"]["assetMainType"] == "INDEX"
    assert data["$SPY.IV"]["quote"]["lastPrice"] == data["SPY"]["quote"]["lastPrice"]
    assert set(client.get_quotes(["SPY"], indicative=False)) == {"SPY"}


@pytest.mark.parametrize("kwargs, expected", [
    ({"fields": "quotes"}, ["fields must be one of quote, fundamental, extended, reference, "
                            "regular"]),
    ({"fields": []}, ["fields is empty"]),
    ({"indicative": "yes"}, ["indicative must be True or False"]),
])
def test_bad_quote_fields_and_indicative_are_refused_before_sending(sandbox, client, kwargs,
                                                                   expected):
    refused(sandbox, lambda: client.get_quotes("AAPL", **kwargs), ValidationError, *expected)


@pytest.mark.parametrize("kwargs", [{"fields": "quote"}, {"indicative": True}])
def test_td_refuses_schwabs_quote_arguments_before_sending(td_sandbox, td_client, kwargs):
    name = next(iter(kwargs))
    refused(td_sandbox, lambda: td_client.get_quotes("AAPL", **kwargs), NotSupportedError,
            f"TD Ameritrade quotes take no {name}=", "leave it out")

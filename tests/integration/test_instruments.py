"""Instrument search, CUSIP look-up and fundamentals against both providers' sandboxes."""

import pytest

from pyTD.exceptions import NotAcceptableError, ResourceNotFound, ValidationError
from pyTD.instruments import get_instrument, get_instruments
from pyTD.market import get_fundamentals
from tests.support.sandboxes import start_sandbox

from .providers import PROVIDERS, is_schwab
from .sandbox_support import calls, sent

FUNDAMENTAL_FIELDS = {"high52", "low52", "dividendAmount", "dividendYield", "peRatio",
                      "pegRatio", "epsTTM", "marketCap", "beta", "vol10DayAvg"}


@pytest.fixture(scope="module", params=PROVIDERS)
def sandbox(request):
    return start_sandbox(request, seed=3, provider=request.param)


def described(sandbox, description):
    """A sandbox description as the provider writes it (Schwab's are upper case)."""
    return description.upper() if is_schwab(sandbox) else description


@pytest.fixture(autouse=True)
def fresh_stats(sandbox):
    sandbox.reset_stats()



def test_symbol_search_of_several_symbols_in_one_request(sandbox, client):
    found = get_instruments(["AAPL", " MSFT"], api=client)
    assert set(found) == {"AAPL", "MSFT"}
    assert found["MSFT"] == {"cusip": "594918104", "symbol": "MSFT",
                             "description": described(sandbox,
                                                      "Microsoft Corporation - Common Stock"),
                             "exchange": "NASDAQ", "assetType": "EQUITY"}
    assert calls(sandbox) == sent(sandbox, "instruments")


def test_search_by_cusip(client):
    assert list(client.get_instruments("037833100")) == ["AAPL"]


@pytest.mark.parametrize("projection, term, expected", [
    ("symbol-regex", "GOOG.*", {"GOOG", "GOOGL"}),
    ("desc-search", "Alphabet", {"GOOG", "GOOGL"}),
    ("desc-regex", "Alphabet Inc. - Class [AC]", {"GOOG", "GOOGL"}),
])
def test_pattern_projections(client, projection, term, expected):
    assert set(client.get_instruments(term, projection=projection)) == expected


def test_regex_with_a_comma_is_sent_whole(client):
    assert set(client.get_instruments("GOO[G]{1,2}L?", projection="symbol-regex")) == {
        "GOOG", "GOOGL"}


def test_instruments_as_pandas(client):
    frame = client.get_instruments("AAPL,MSFT", output_format="pandas")
    assert frame.index.name == "symbol" and sorted(frame.index) == ["AAPL", "MSFT"]
    assert frame.loc["AAPL", "cusip"] == "037833100"
    assert list(frame.columns) == ["cusip", "description", "exchange", "assetType"]


def test_fundamental_projection_through_get_instruments(client):
    found = client.get_instruments("AAPL", projection="FUNDAMENTAL")
    assert FUNDAMENTAL_FIELDS <= set(found["AAPL"]["fundamental"])


def test_bad_regex_is_a_406(client):
    with pytest.raises(NotAcceptableError, match=r"HTTP 406.*Invalid regular expression"):
        client.get_instruments("AB(", projection="symbol-regex")


def test_bad_projection_is_refused_before_sending(sandbox, client):
    projections = ", ".join(sandbox.provider.instrument_projections)
    with pytest.raises(ValidationError, match=f"projection must be one of {projections}; "
                                              "got 'regex'"):
        client.get_instruments("A.*", projection="regex")
    with pytest.raises(ValidationError, match="symbol must be a non-empty string such as 'AAPL'"):
        client.get_instruments(" ", projection="desc-search")
    assert calls(sandbox) == {}


# -- by CUSIP -------------------------------------------------------------------------
def test_instrument_by_cusip_keeps_leading_zeros(sandbox, client):
    found = get_instrument("037833100", api=client)
    assert found == [{"cusip": "037833100", "symbol": "AAPL",
                      "description": described(sandbox, "Apple Inc. - Common Stock"),
                      "exchange": "NASDAQ", "assetType": "EQUITY"}]
    assert calls(sandbox) == sent(sandbox, ("instrument", {"cusip": "037833100"}))


def test_instrument_by_cusip_as_pandas(client):
    frame = client.get_instrument("02079K305", output_format="pandas")
    assert list(frame.index) == ["02079K305"] and frame.index.name == "cusip"
    assert frame.loc["02079K305", "symbol"] == "GOOGL"


@pytest.mark.parametrize("bad", [37833100, 594918104.0])
def test_numeric_cusip_is_refused_with_advice(sandbox, client, bad):
    with pytest.raises(ValidationError) as info:
        client.get_instrument(bad)
    message = str(info.value)
    assert "string" in message and "leading zeros" in message and "'037833100'" in message
    assert calls(sandbox) == {}


def test_unknown_cusip_is_resource_not_found(client):
    with pytest.raises(ResourceNotFound, match=r"HTTP 404.*999999999"):
        client.get_instrument("999999999")


# -- fundamentals ---------------------------------------------------------------------
def test_fundamentals_json_one_request_per_symbol(sandbox, client):
    data = get_fundamentals(["AAPL", "MSFT"], api=client)
    assert set(data) == {"AAPL", "MSFT"}
    assert data["AAPL"]["cusip"] == "037833100"
    assert FUNDAMENTAL_FIELDS <= set(data["MSFT"]["fundamental"])
    assert calls(sandbox) == sent(sandbox, "instruments", "instruments")


def test_fundamentals_pandas_one_row_per_symbol(client):
    frame = client.get_fundamentals("MSFT,AAPL", output_format="pandas")
    assert list(frame.index) == ["MSFT", "AAPL"] and frame.index.name == "symbol"
    assert FUNDAMENTAL_FIELDS <= set(frame.columns)
    assert frame["peRatio"].dtype == "float64"
    assert frame.loc["AAPL", "peRatio"] == client.get_fundamentals("AAPL")["AAPL"][
        "fundamental"]["peRatio"]


def test_fundamentals_need_symbols(sandbox, client):
    with pytest.raises(ValidationError, match="symbols is empty: pass a symbol such as 'AAPL'"):
        client.get_fundamentals([])
    assert calls(sandbox) == {}

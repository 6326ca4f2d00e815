"""Quotes on both providers: symbols in either form, Schwab's nested answer, unknown symbols."""

from __future__ import annotations

import logging

import pytest

from pyTD.cli.format import quote_rows
from pyTD.exceptions import ResourceNotFound
from pyTD.symbols import OptionSymbol
from tests.support.sandboxes import start_sandbox

from .providers import PROVIDERS, is_schwab
from .sandbox_support import calls


@pytest.fixture(scope="module", params=PROVIDERS)
def sandbox(request):
    return start_sandbox(request, provider=request.param, seed=11)


@pytest.fixture(scope="module")
def option(client):
    """A listed AAPL call of the sandbox, as an :class:`OptionSymbol`."""
    chain = client.get_option_chain("AAPL")
    strikes = next(iter(chain["callExpDateMap"].values()))
    return OptionSymbol.parse(next(iter(strikes.values()))[0]["symbol"])


def test_a_batch_is_sent_with_the_provider_s_parameter(sandbox, client):
    sandbox.reset_stats()
    data = client.get_quotes(["AAPL", "MSFT"])
    assert set(data) == {"AAPL", "MSFT"}
    assert calls(sandbox) == {"GET " + sandbox.api_path(
        "/marketdata/v1/quotes" if is_schwab(sandbox) else "/marketdata/quotes"): 1}
    last = data["AAPL"]["quote"]["lastPrice"] if is_schwab(sandbox) else data["AAPL"]["lastPrice"]
    assert last > 0


@pytest.mark.parametrize("asked", ["$SPX.X", "$SPX"])
def test_index_symbols_in_either_form_come_back_in_the_provider_s(client, asked, sandbox):
    spelled = "$SPX" if is_schwab(sandbox) else "$SPX.X"
    assert list(client.get_quotes([asked, "AAPL"])) == [spelled, "AAPL"]
    assert list(client.get_quotes(asked)) == [spelled]


@pytest.mark.parametrize("form", ["td", "osi"])
def test_option_symbols_in_either_form_come_back_in_the_provider_s(client, option, form,
                                                                   sandbox):
    spelled = option.osi() if is_schwab(sandbox) else option.td()
    asked = option.td() if form == "td" else option.osi()
    assert list(client.get_quotes([asked, "AAPL"])) == [spelled, "AAPL"]
    assert list(client.get_quotes(asked)) == [spelled]


def test_unknown_symbols_are_left_out_with_a_warning(client, caplog):
    with caplog.at_level(logging.WARNING, logger="pyTD"):
        data = client.get_quotes(["AAPL", "ZZZZ"])
    assert list(data) == ["AAPL"]          # no Schwab "errors" entry either
    assert "No quote for ZZZZ" in caplog.text
    with pytest.raises(ResourceNotFound, match="No quote for ZZZZ, QQQQQ: check the symbol"):
        client.get_quotes(["ZZZZ", "QQQQQ"])


def test_the_frame_has_one_row_per_symbol_with_the_last_price(client, sandbox):
    frame = client.get_quotes(["MSFT", "AAPL"], output_format="pandas")
    assert list(frame.index) == ["MSFT", "AAPL"] and frame.index.name == "symbol"
    column = "quote.lastPrice" if is_schwab(sandbox) else "lastPrice"
    assert (frame[column] > 0).all()
    if is_schwab(sandbox):                 # sections flattened, none left nested
        assert {"reference.cusip", "fundamental.peRatio"} <= set(frame.columns)
        assert not any(isinstance(v, dict) for v in frame.iloc[0])


def test_the_cli_table_reads_both_shapes(client):
    header, rows = quote_rows(client.get_quotes(["AAPL", "MSFT"]))
    assert header[:3] == ["symbol", "last", "bid"]
    for row in rows:
        assert all(value is not None for value in row[1:4]), row


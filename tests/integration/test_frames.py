"""pandas output that needs no cleaning, against both providers' sandboxes: times as aware
datetimes, candles by trading day or UTC time, market hours flattened, movers in percent."""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import pytest

from pyTD.cli.format import cell, mover_rows
from pyTD.sandbox.client import sandbox_api
from tests.support.sandboxes import start_sandbox

from .providers import PROVIDERS, is_schwab, only


@pytest.fixture(scope="module", params=PROVIDERS)
def sandbox(request):
    frozen = time.time()  # JSON and pandas answers compared must come from one market state
    return start_sandbox(request, provider=request.param, seed=3, clock=lambda: frozen)


@pytest.fixture
def client(sandbox):
    a = sandbox_api(sandbox)
    yield a
    a.close()


def is_utc(series_or_index) -> bool:
    dtype = series_or_index.dtype
    return isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"


def utc(ms: int) -> pd.Timestamp:
    return pd.Timestamp(ms, unit="ms", tz="UTC")


# -- quotes ---------------------------------------------------------------------------------

def test_quote_times_are_utc_datetimes(sandbox, client):
    symbols = ["AAPL", "/ES", "EUR/USD"]
    data = client.get_quotes(symbols)
    frame = client.get_quotes(symbols, output_format="pandas")
    names = (["quote.quoteTime", "quote.tradeTime"] if is_schwab(sandbox)
             else ["quoteTimeInLong", "tradeTimeInLong"])
    for name in names:
        assert is_utc(frame[name]), (name, frame[name].dtype)
        section, _, field = name.rpartition(".")
        for symbol in symbols:
            raw = data[symbol][section][field] if section else data[symbol][field]
            assert frame.loc[symbol, name] == utc(raw)
    if is_schwab(sandbox):
        assert is_utc(frame["regular.regularMarketTradeTime"])
        assert is_utc(frame["reference.futureExpirationDate"])
    else:
        assert is_utc(frame["regularMarketTradeTimeInLong"])
    assert frame["quote.lastPrice" if is_schwab(sandbox) else "lastPrice"].dtype == "float64"


def test_strings_and_small_numbers_named_like_times_stay_as_they_are(sandbox, client):
    only(sandbox, "schwab", "Schwab's fundamental section has ISO date strings")
    frame = client.get_quotes(["AAPL", "MSFT"], output_format="pandas")
    assert frame.loc["AAPL", "fundamental.divExDate"] == \
        client.get_quotes("AAPL")["AAPL"]["fundamental"]["divExDate"]


def test_option_chain_times_are_utc_datetimes_beside_the_raw_expiration(sandbox, client):
    data = client.get_option_chain("AAPL", strike_count=1)
    frame = client.get_option_chain("AAPL", strike_count=1, output_format="pandas")
    for name in ("tradeTimeInLong", "quoteTimeInLong", "lastTradingDay", "expiration_time"):
        assert is_utc(frame[name]), name
    contracts = [c for strikes in data["callExpDateMap"].values() for cs in strikes.values()
                 for c in cs]
    raw = frame.set_index("symbol").loc[contracts[0]["symbol"], "expirationDate"]
    assert raw == contracts[0]["expirationDate"]   # kept as sent (ms on TD, ISO on Schwab)


# -- candles --------------------------------------------------------------------------------

@pytest.mark.parametrize("frequency_type", ["daily", "weekly"])
def test_daily_and_weekly_candles_are_indexed_by_trading_day(client, frequency_type):
    data = client.get_price_history("MSFT", period_type="month", period=1,
                                    frequency_type=frequency_type)
    frame = client.get_price_history("MSFT", period_type="month", period=1,
                                     frequency_type=frequency_type, output_format="pandas")
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "date"
    assert frame.index.tz is None and (frame.index == frame.index.normalize()).all()
    days = [utc(c["datetime"]).tz_convert("America/New_York").date() for c in data["candles"]]
    assert [d.date() for d in frame.index] == days
    assert frame.loc[pd.Timestamp(days[0]), "close"] == data["candles"][0]["close"]


def test_dates_without_a_period_give_daily_candles_by_day(client):
    frame = client.get_price_history("MSFT", start_date=date(2024, 3, 4),
                                     end_date=date(2024, 3, 9), output_format="pandas")
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2024-03-04", "2024-03-05", "2024-03-06",
                                                      "2024-03-07", "2024-03-08"]


def test_intraday_candles_are_indexed_by_utc_time(client):
    data = client.get_price_history("AAPL", period=1, frequency=30)
    frame = client.get_price_history("AAPL", period=1, frequency=30, output_format="pandas")
    assert frame.index.name == "datetime" and is_utc(frame.index)
    assert frame.index[0] == utc(data["candles"][0]["datetime"])


def test_several_symbols_share_the_trading_day_index(client):
    frame = client.get_price_history(["AAPL", "MSFT"], period_type="year",
                                     frequency_type="weekly", output_format="pandas")
    assert frame.index.name == "date" and frame.index.tz is None
    assert frame.columns.names == ["symbol", "field"]


# -- market hours ---------------------------------------------------------------------------

def test_market_hours_sessions_are_flattened_into_utc_columns(client):
    day = "2024-03-13"   # a Wednesday: every market open
    data = client.get_market_hours(["EQUITY", "FUTURE"], date=day)
    frame = client.get_market_hours(["EQUITY", "FUTURE"], date=day, output_format="pandas")
    assert "sessionHours" not in frame.columns
    assert not any(isinstance(v, (dict, list)) for v in frame.to_numpy().ravel())
    for session in ("preMarket", "regularMarket", "postMarket"):
        for edge in ("start", "end"):
            assert is_utc(frame[f"{session}.{edge}"])
    spans = data["equity"]["EQ"]["sessionHours"]["regularMarket"]
    equity = frame.loc[("equity", "EQ")]
    assert equity["regularMarket.start"] == pd.Timestamp(spans[0]["start"])
    assert equity["regularMarket.end"] == pd.Timestamp(spans[-1]["end"])
    assert equity["regularMarket.start"].tz_convert("America/New_York").hour == 9
    futures = data["future"]["ES"]["sessionHours"]["regularMarket"]
    assert len(futures) > 1   # a break inside: the columns give the session's bounds
    assert frame.loc[("future", "ES"), "regularMarket.end"] == pd.Timestamp(futures[-1]["end"])


def test_a_closed_day_has_no_session_times(client):
    frame = client.get_market_hours("EQUITY", date="2024-03-16", output_format="pandas")
    assert frame["regularMarket.start"].isna().all() and is_utc(frame["regularMarket.start"])


# -- movers ---------------------------------------------------------------------------------

def test_movers_percent_change_is_the_clis(sandbox, client):
    args = {"direction": "up"}
    data = client.get_movers("$DJI", **args)
    frame = client.get_movers("$DJI", output_format="pandas", **args)
    _, rows = mover_rows(data)
    assert frame["percentChange"].dtype == "float64" and len(frame) == len(rows) > 0
    assert [f"{v:.2f}" for v in frame["percentChange"]] == [cell(row[5]) for row in rows]
    assert (frame["percentChange"] > 0).all()
    last = frame["lastPrice" if is_schwab(sandbox) else "last"]
    change = frame["netChange"] if is_schwab(sandbox) else last * frame["change"] / (
        1 + frame["change"])
    assert (frame["percentChange"] - change / (last - change) * 100).abs().max() < 1e-6


def test_movers_by_value_have_their_percent_change(sandbox, client):
    only(sandbox, "tdameritrade", "Schwab cannot rank movers by value")
    frame = client.get_movers("$DJI", change="value", output_format="pandas")
    expected = frame["change"] / (frame["last"] - frame["change"]) * 100
    assert (frame["percentChange"] - expected).abs().max() < 1e-6

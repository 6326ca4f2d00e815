"""Market-data wrappers against the sandbox: quotes, price history, chains, movers, hours.

Every test runs against both providers' sandboxes, each provider's paths and shapes
asserted (Schwab-only arguments and endpoints: test_market_schwab.py).
"""

import math
import sys
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from pyTD.exceptions import NotSupportedError, ResourceNotFound, ValidationError
from pyTD.market import (
    get_market_hours,
    get_movers,
    get_option_chain,
    get_option_chains,
    get_price_history,
    get_quotes,
)
from pyTD.sandbox.client import sandbox_api
from tests.support.sandboxes import start_sandbox

from .providers import PROVIDERS, is_schwab
from .sandbox_support import calls, sent

#: A Wednesday, 11:00 in New York: markets open, every answer reproducible.
NOW = datetime(2024, 3, 13, 15, 0, tzinfo=timezone.utc).timestamp()


@pytest.fixture(scope="module", params=PROVIDERS)
def provider(request):
    return request.param


@pytest.fixture(scope="module")
def sandbox(request, provider):
    return start_sandbox(request, clock=lambda: NOW, seed=7, provider=provider)


@pytest.fixture(autouse=True)
def fresh_stats(sandbox):
    sandbox.reset_stats()



def field(quote, name):
    """A quote's field: TD's are flat, Schwab nests prices under ``quote``."""
    return quote["quote"][name] if "quote" in quote else quote[name]


def refused(sandbox, call, *match):
    """Run ``call``; it must raise a ValidationError mentioning every ``match`` and send nothing."""
    with pytest.raises(ValidationError) as info:
        call()
    for text in match:
        assert text in str(info.value), (text, str(info.value))
    assert calls(sandbox) == {}
    return info.value


# -- quotes ---------------------------------------------------------------------------
def test_one_quote_uses_the_path_form(sandbox, client):
    data = get_quotes("AAPL", api=client)
    assert list(data) == ["AAPL"] and data["AAPL"]["symbol"] == "AAPL"
    assert field(data["AAPL"], "lastPrice") > 0
    assert calls(sandbox) == sent(sandbox, ("quote", {"symbol": "AAPL"}))


def test_symbols_needing_quoting(sandbox, client):
    index = sandbox.provider.index_symbol("$SPX.X")       # $SPX on Schwab
    assert index in client.get_quotes("$SPX.X")
    assert "BRK.B" in client.get_quotes(" BRK.B ")
    future = client.get_quotes("/ES")["/ES"]
    assert future.get("assetType", future.get("assetMainType")) == "FUTURE"
    assert calls(sandbox) == sent(sandbox, ("quote", {"symbol": index}),
                                  ("quote", {"symbol": "BRK.B"}), "quotes")


def test_several_quotes_in_one_request(sandbox, client):
    data = client.get_quotes(["AAPL", "EUR/USD", "/ES", "$DJI"])
    assert set(data) == {"AAPL", "EUR/USD", "/ES", "$DJI"}
    forex = data["EUR/USD"]
    assert forex.get("assetType", forex.get("assetMainType")) == "FOREX"
    assert calls(sandbox) == sent(sandbox, "quotes")


def test_many_quotes_are_batched_and_merged(sandbox, client):
    size = client.settings.provider.max_quote_symbols
    symbols = [f"Q{i:04d}" for i in range(2 * size + 50)]
    data = get_quotes(symbols, api=client)
    assert list(data) == symbols
    assert calls(sandbox) == sent(sandbox, "quotes", "quotes", "quotes")


def test_quotes_as_pandas_one_row_per_symbol_in_request_order(sandbox, client):
    frame = client.get_quotes("MSFT, AAPL", output_format="pandas")
    assert list(frame.index) == ["MSFT", "AAPL"] and frame.index.name == "symbol"
    cusip, last = ("reference.cusip", "quote.lastPrice") if is_schwab(sandbox) else \
        ("cusip", "lastPrice")                              # Schwab's sections flattened
    assert frame.loc["AAPL", cusip] == "037833100"
    assert frame[last].dtype == "float64"


def test_api_default_output_format_is_used(sandbox):
    a = sandbox_api(sandbox, output_format="pandas")
    try:
        assert isinstance(a.get_quotes("AAPL"), pd.DataFrame)
        assert isinstance(a.get_quotes("AAPL", output_format="json"), dict)
    finally:
        a.close()


def test_module_functions_use_the_default_api_without_api(sandbox, client, monkeypatch):
    import pyTD.api  # noqa: F401  (the module, for its default_api)

    monkeypatch.setattr(sys.modules["pyTD.api"], "default_api", lambda: client)
    assert list(get_quotes("MSFT")) == ["MSFT"]
    assert get_movers("$COMPX")
    assert calls(sandbox) == sent(sandbox, ("quote", {"symbol": "MSFT"}),
                                  ("movers", {"index": "$COMPX"}))


@pytest.mark.parametrize("bad", ["", [], ["AAPL", " "]])
def test_empty_symbols_are_refused_before_sending(sandbox, client, bad):
    refused(sandbox, lambda: client.get_quotes(bad), "'AAPL'")


def test_bad_output_format_is_refused_before_sending(sandbox, client):
    refused(sandbox, lambda: client.get_quotes("AAPL", output_format="csv"), "json, pandas")


# -- price history --------------------------------------------------------------------
def test_price_history_json_is_a_candle_list(sandbox, client):
    data = get_price_history("AAPL", period_type="month", period=1, frequency_type="daily",
                             api=client)
    assert data["symbol"] == "AAPL" and data["empty"] is False
    assert set(data["candles"][0]) == {"open", "high", "low", "close", "volume", "datetime"}
    assert calls(sandbox) == sent(sandbox, ("price_history", {"symbol": "AAPL"}))


def test_price_history_pandas_has_a_utc_datetime_index(client):
    frame = client.get_price_history("AAPL", period_type="day", period=2, frequency=30,
                                     output_format="pandas")
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "datetime"
    assert str(frame.index.tz) == "UTC"
    assert frame.index.is_monotonic_increasing and len(frame) > 10
    assert (frame.index[1] - frame.index[0]) == pd.Timedelta(minutes=30)
    assert frame["volume"].dtype == "int64" and frame["close"].dtype == "float64"


def test_price_history_dates_in_every_form_give_the_same_candles(client):
    start, end = datetime(2024, 3, 11, 14, 0), datetime(2024, 3, 11, 15, 0)
    naive = client.get_price_history("AAPL", frequency=5, start_date=start, end_date=end)
    aware = client.get_price_history(
        "AAPL", frequency=5, start_date=start.replace(tzinfo=timezone.utc).astimezone(
            timezone(timedelta(hours=-4))), end_date=int(end.replace(
                tzinfo=timezone.utc).timestamp() * 1000))
    assert naive == aware
    times = [c["datetime"] for c in naive["candles"]]
    assert times[0] == 1710165600000 and len(times) == 12  # 14:00 .. 14:55 UTC


def test_price_history_from_dates(client):
    frame = client.get_price_history("MSFT", period_type="month", frequency_type="daily",
                                     start_date=date(2024, 3, 4), end_date=date(2024, 3, 9),
                                     output_format="pandas")
    assert frame.index.name == "date" and frame.index.tz is None   # trading days
    assert [d.day for d in frame.index] == [4, 5, 6, 7, 8]


def test_price_history_of_several_symbols(sandbox, client):
    data = client.get_price_history(["AAPL", "MSFT"], period_type="year",
                                    frequency_type="monthly")
    assert set(data) == {"AAPL", "MSFT"} and data["MSFT"]["symbol"] == "MSFT"
    frame = client.get_price_history(["AAPL", "MSFT"], period_type="year",
                                     frequency_type="monthly", output_format="pandas")
    assert frame.columns.names == ["symbol", "field"]
    assert list(frame.columns.get_level_values(0).unique()) == ["AAPL", "MSFT"]
    assert list(frame["MSFT"].columns) == ["open", "high", "low", "close", "volume"]
    assert frame.index.name == "date" and frame.index.tz is None   # monthly: trading days
    assert calls(sandbox) == sent(sandbox, *[("price_history", {"symbol": symbol})
                                             for symbol in ("AAPL", "MSFT", "AAPL", "MSFT")])


def test_price_history_one_symbol_in_a_list_keeps_the_several_symbols_shape(client):
    assert list(client.get_price_history(["AAPL"], period_type="ytd")) == ["AAPL"]


@pytest.mark.parametrize("output_format", ["json", "pandas"])
def test_price_history_of_an_unknown_symbol_is_not_found(client, output_format):
    with pytest.raises(ResourceNotFound, match="No price history for NOTASYMBOL: check the "
                                               "symbol"):
        client.get_price_history("NOTASYMBOL", output_format=output_format)


def test_price_history_of_several_symbols_leaves_out_unknown_ones(client, caplog):
    frame = client.get_price_history(["AAPL", "NOTASYMBOL"], period=1, output_format="pandas")
    assert set(frame.columns.get_level_values("symbol")) == {"AAPL"}
    assert "No price history for NOTASYMBOL: left out of the answer." in caplog.text
    with pytest.raises(ResourceNotFound, match="No price history for NOPE, NOTASYMBOL"):
        client.get_price_history(["NOPE", "NOTASYMBOL"])


def test_price_history_extended_hours_flag_is_sent(client):
    regular = client.get_price_history("AAPL", period=1, need_extended_hours_data=False)
    extended = client.get_price_history("AAPL", period=1, need_extended_hours_data=True)
    assert 0 < len(regular["candles"]) < len(extended["candles"])


def test_price_history_previous_close_on_schwab_refused_unsent_on_td(sandbox, client):
    if not is_schwab(sandbox):
        with pytest.raises(NotSupportedError, match=r"TD Ameritrade price history takes no "
                                                    r"need_previous_close=.*leave it out"):
            client.get_price_history("AAPL", period_type="month", need_previous_close=True)
        assert calls(sandbox) == {}
        return
    history = client.get_price_history("AAPL", period_type="month", frequency_type="daily",
                                       need_previous_close=True)
    last = history["candles"][-1]  # the last completed session before the sandbox's "now"
    assert history["previousClose"] == last["close"]
    assert history["previousCloseDate"] == last["datetime"]  # stamped as its daily candle
    assert "previousClose" not in client.get_price_history(
        "AAPL", period_type="month", needPreviousClose=False)
    with pytest.raises(ValidationError, match="need_previous_close must be True or False"):
        client.get_price_history("AAPL", need_previous_close="yes")


@pytest.mark.parametrize("kwargs, expected", [
    ({"period_type": "week"}, ["period_type", "day, month, year, ytd", "'week'"]),
    ({"frequency_type": "daily"}, ["period_type 'day' (the default)", "minute", "'daily'"]),
    ({"period_type": "month", "period": 5}, ["period with period_type 'month'", "1, 2, 3, 6"]),
    ({"period_type": "year", "frequency_type": "minute"}, ["daily, weekly, monthly"]),
    ({"period_type": "ytd", "period": 2}, ["one of 1;"]),
    ({"frequency": 2}, ["frequency_type 'minute'", "1, 5, 10, 15, 30"]),
    ({"period_type": "month", "frequency": 5}, ["frequency_type 'weekly'", "one of 1;"]),
    ({"start_date": date(2024, 3, 2), "end_date": date(2024, 3, 1)},
     ["start_date", "after end_date"]),
    ({"period": 1, "start_date": 1709251200000, "end_date": 1709337600000}, ["drop period"]),
    ({"start_date": "2024-03-01"}, ["datetime (naive = UTC), a date or epoch milliseconds"]),
    ({"end_date": 1709251200}, ["looks like epoch seconds", "1709251200000"]),
    ({"need_extended_hours_data": "no"}, ["True or False"]),
])
def test_price_history_matrix_is_checked_before_sending(sandbox, client, kwargs, expected):
    refused(sandbox, lambda: client.get_price_history("AAPL", **kwargs), *expected)


# -- option chains --------------------------------------------------------------------
def test_option_chain_json(sandbox, client):
    chain = get_option_chain("AAPL", contract_type="call", strike_count=4, api=client)
    assert chain["status"] == "SUCCESS" and chain["putExpDateMap"] == {}
    assert all(len(strikes) == 4 for strikes in chain["callExpDateMap"].values())
    assert calls(sandbox) == sent(sandbox, "option_chain")


def test_option_chain_pandas_one_row_per_contract_of_both_maps(client):
    chain = client.get_option_chain("AAPL")
    frame = client.get_option_chain("AAPL", output_format="pandas")
    contracts = [(key, strike, c) for side in ("callExpDateMap", "putExpDateMap")
                 for key, strikes in chain[side].items()
                 for strike, listed in strikes.items() for c in listed]
    assert len(frame) == len(contracts) == chain["numberOfContracts"]
    assert set(frame["putCall"]) == {"CALL", "PUT"}
    key, strike, first = contracts[0]
    row = frame.iloc[0]
    assert row["symbol"] == first["symbol"]
    assert row["expiration"] == date.fromisoformat(key.split(":")[0])
    assert row["days_to_expiration"] == int(key.split(":")[1])
    assert row["strike"] == float(strike) == row["strikePrice"]
    assert frame["strike"].dtype == "float64"


def test_option_chain_nan_strings_become_nan_floats(client):
    chain = client.get_option_chain("AAPL")
    far = [c for strikes in chain["callExpDateMap"].values() for listed in strikes.values()
           for c in listed if c["delta"] == "NaN"]
    assert far, "the sandbox serves far-from-the-money greeks as 'NaN'"
    frame = client.get_option_chain("AAPL", output_format="pandas").set_index("symbol")
    for column in ("delta", "gamma", "theta", "vega", "rho"):
        assert frame[column].dtype == "float64"
    assert math.isnan(frame.loc[far[0]["symbol"], "delta"])


def test_option_chain_filters_are_sent(client):
    chain = get_option_chains("AAPL", contract_type="PUT", strike_count=2, range="ALL",
                              from_date="2024-03-15", to_date=date(2024, 3, 22),
                              include_quotes=True, exp_month="mar", option_type="s",
                              api=client)
    assert chain["callExpDateMap"] == {} and chain["underlying"]["symbol"] == "AAPL"
    assert sorted(k.split(":")[0] for k in chain["putExpDateMap"]) == ["2024-03-15",
                                                                      "2024-03-22"]


def test_option_chain_analytical_inputs(client):
    chain = client.get_option_chain("AAPL", strategy="analytical", volatility=40,
                                    underlying_price=200, interest_rate=5,
                                    days_to_expiration=30, strike_count=2)
    assert chain["strategy"] == "ANALYTICAL" and chain["underlyingPrice"] == 200
    assert chain["volatility"] == 40


def test_empty_option_chain_as_pandas(client):
    frame = client.get_option_chain("AAPL", strike=0.5, output_format="pandas")
    assert frame.empty
    assert {"expiration", "days_to_expiration", "strike"} <= set(frame.columns)


def test_option_chain_of_an_unknown_symbol_is_not_found(client):
    with pytest.raises(ResourceNotFound, match="No option chain for 'NOTASYMBOL'"):
        client.get_option_chain("NOTASYMBOL")


@pytest.mark.parametrize("kwargs, expected", [
    ({"contract_type": "CALLS"}, ["contract_type", "CALL, PUT, ALL"]),
    ({"strategy": "IRON_CONDOR"}, ["SINGLE, ANALYTICAL, COVERED", "ROLL"]),
    ({"range": "ATM"}, ["ITM, NTM, OTM, SAK, SBK, SNK, ALL"]),
    ({"exp_month": "JANUARY"}, ["JAN, FEB", "DEC, ALL"]),
    ({"option_type": "X"}, ["S, NS, ALL"]),
    ({"strike_count": 0}, ["strike_count", "at least 1"]),
    ({"include_quotes": "TRUE"}, ["include_quotes must be True or False"]),
    ({"interval": "5"}, ["interval must be a number"]),
    ({"from_date": "2024-04-01", "to_date": "2024-03-01"}, ["from_date", "after to_date"]),
    ({"to_date": "03/01/2024"}, ["'yyyy-MM-dd'"]),
    ({"volatility": 30}, ["volatility only apply to strategy='ANALYTICAL'",
                          "pass strategy='ANALYTICAL'"]),
    ({"strategy": "VERTICAL", "underlying_price": 1, "days_to_expiration": 3},
     ["underlying_price, days_to_expiration", "strategy='ANALYTICAL'"]),
    ({"strategy": "ANALYTICAL", "days_to_expiration": -1}, ["at least 0"]),
])
def test_option_chain_arguments_are_checked_before_sending(sandbox, client, kwargs, expected):
    refused(sandbox, lambda: client.get_option_chain("AAPL", **kwargs), *expected)


# -- movers ---------------------------------------------------------------------------
def test_movers_json_and_pandas(sandbox, client):
    movers = get_movers("$DJI", direction="up", change="percent", api=client)
    entries = movers["screeners"] if is_schwab(sandbox) else movers
    assert 0 < len(entries) <= 10
    if is_schwab(sandbox):  # PERCENT_CHANGE_UP: Schwab's entries carry no direction
        assert all(m["netPercentChange"] > 0 for m in entries)
    else:
        assert {m["direction"] for m in entries} == {"up"}
    frame = client.get_movers("$SPX.X", output_format="pandas")
    assert len(frame) == 10 and {"symbol", "description", "percentChange"} <= set(frame.columns)
    if not is_schwab(sandbox):
        assert list(frame.columns) == ["change", "description", "direction", "last", "symbol",
                                       "totalVolume", "percentChange"]
    spx = sandbox.provider.index_symbol("$SPX.X")
    assert calls(sandbox) == sent(sandbox, ("movers", {"index": "$DJI"}),
                                  ("movers", {"index": spx}))


@pytest.mark.parametrize("call, expected", [
    (lambda a: a.get_movers("SPX"), ["index", "$COMPX, $DJI, $SPX.X"]),
    (lambda a: a.get_movers("$DJI", direction="sideways"), ["direction", "up, down"]),
    (lambda a: a.get_movers("$DJI", change="pct"), ["change", "value, percent"]),
])
def test_movers_arguments_are_checked_before_sending(sandbox, client, call, expected):
    refused(sandbox, lambda: call(client), *expected)


# -- market hours ---------------------------------------------------------------------
def test_hours_of_one_market(sandbox, client):
    hours = get_market_hours(api=client, date="2024-03-13")
    assert hours["equity"]["EQ"]["isOpen"] is True
    market = "equity" if is_schwab(sandbox) else "EQUITY"  # as each provider spells it
    assert calls(sandbox) == sent(sandbox, ("market_hours", {"market": market}))


def test_hours_of_several_markets_as_pandas(sandbox, client):
    frame = client.get_market_hours(["equity", "OPTION", "FOREX"], date=date(2024, 3, 16),
                                    output_format="pandas")
    assert list(frame.index.names) == ["market", "product"]
    assert ("option", "EQO") in frame.index and ("forex", "forex") in frame.index
    assert frame.loc[("equity", "EQ"), "date"] == "2024-03-16"
    assert frame.loc[("equity", "EQ"), "exchange"] is None  # TD's "NULL"
    assert not frame.loc[("equity", "EQ"), "isOpen"]
    assert calls(sandbox) == sent(sandbox, "hours")


def test_hours_json_of_several_markets(client):
    assert set(client.get_market_hours("BOND,FUTURE")) == {"bond", "future"}


@pytest.mark.parametrize("kwargs, expected", [
    ({"markets": "STOCKS"}, ["markets", "EQUITY, OPTION, FUTURE, BOND, FOREX"]),
    ({"markets": []}, ["markets is empty", "EQUITY, OPTION"]),
    ({"date": "13/03/2024"}, ["date must be a date", "'yyyy-MM-dd'"]),
])
def test_hours_arguments_are_checked_before_sending(sandbox, client, kwargs, expected):
    refused(sandbox, lambda: client.get_market_hours(**kwargs), *expected)

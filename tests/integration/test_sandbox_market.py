"""The sandbox's market-data routes over real sockets: live shapes, quirks, validation."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import requests

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox import DEMO_CONSUMER_KEY, Sandbox
from tests.support.sandboxes import start_sandbox

NY = ZoneInfo("America/New_York")
#: Wednesday 2023-11-15 10:30 New York time: a trading day, regular session.
START = 1700062200.0
SEED = 1234


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def world(request):
    clock = Clock()
    sb = start_sandbox(request, seed=SEED, clock=clock, access_token_lifetime=10**9)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + sb.issue_tokens()["access_token"]
    yield sb, session, clock
    session.close()


@pytest.fixture
def sb(world):
    return world[0]


@pytest.fixture
def clock(world):
    world[2].now = START
    yield world[2]
    world[2].now = START


@pytest.fixture
def get(world, clock):
    sandbox, session, _ = world

    def call(path: str, **params) -> requests.Response:
        return session.get(sandbox.url + path, params=params, timeout=10)

    return call


def ok(response: requests.Response):
    assert response.status_code == 200, response.text
    return response.json()


def td_error(response: requests.Response, status: int) -> str:
    """The message of a TD error body (wrapped in stray whitespace, as TD served it)."""
    assert response.status_code == status, response.text
    assert response.text != response.text.strip()
    return json.loads(response.text)["error"]


def ny(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, NY)


# -- quotes ------------------------------------------------------------------------------

EQUITY_FIELDS = {
    "assetType", "assetMainType", "cusip", "symbol", "description", "bidPrice", "bidSize",
    "bidId", "askPrice", "askSize", "askId", "lastPrice", "lastSize", "lastId", "openPrice",
    "highPrice", "lowPrice", "bidTick", "closePrice", "netChange", "totalVolume",
    "quoteTimeInLong", "tradeTimeInLong", "mark", "exchange", "exchangeName", "marginable",
    "shortable", "volatility", "digits", "52WkHigh", "52WkLow", "nAV", "peRatio", "divAmount",
    "divYield", "divDate", "securityStatus", "regularMarketLastPrice", "regularMarketLastSize",
    "regularMarketNetChange", "regularMarketTradeTimeInLong", "netPercentChangeInDouble",
    "markChangeInDouble", "markPercentChangeInDouble", "regularMarketPercentChangeInDouble",
    "delayed"}
IN_DOUBLE = {"bidPriceInDouble", "askPriceInDouble", "lastPriceInDouble", "highPriceInDouble",
             "lowPriceInDouble", "closePriceInDouble", "openPriceInDouble", "changeInDouble",
             "percentChange", "52WkHighInDouble", "52WkLowInDouble", "tick", "tickAmount",
             "product", "tradingHours", "isTradable", "marketMaker", "mark"}
FUTURE_EXTRA = {"futurePercentChange", "futureMultiplier", "futureIsActive",
                "futureSettlementPrice", "futureActiveSymbol", "futureExpirationDate",
                "openInterest"}
OPTION_FIELDS = {
    "symbol", "description", "bidPrice", "bidSize", "askPrice", "askSize", "lastPrice",
    "lastSize", "openPrice", "highPrice", "lowPrice", "closePrice", "netChange", "totalVolume",
    "quoteTimeInLong", "tradeTimeInLong", "mark", "openInterest", "volatility",
    "moneyIntrinsicValue", "multiplier", "strikePrice", "contractType", "underlying",
    "timeValue", "deliverables", "delta", "gamma", "theta", "vega", "rho", "securityStatus",
    "theoreticalOptionValue", "underlyingPrice", "uvExpirationType", "exchange", "exchangeName",
    "settlementType"}


def test_quotes_have_the_live_shape_of_each_asset_type(get):
    body = ok(get("/v1/marketdata/quotes",
                  symbol="AAPL,SPY,$SPX.X,$DJI,$COMPX,/ES,EUR/USD,AAPL_011924C150"))
    assert list(body) == ["AAPL", "SPY", "$SPX.X", "$DJI", "$COMPX", "/ES", "EUR/USD",
                          "AAPL_011924C150"]
    aapl = body["AAPL"]
    assert EQUITY_FIELDS <= set(aapl)
    assert (aapl["assetType"], aapl["cusip"], aapl["delayed"]) == ("EQUITY", "037833100", False)
    assert body["SPY"]["assetType"] == "ETF" and body["SPY"]["assetMainType"] == "EQUITY"
    for index in ("$SPX.X", "$DJI", "$COMPX"):
        assert body[index]["assetType"] == "INDEX" and "bidPrice" not in body[index]
        assert body[index]["lastPrice"] > 0 and body[index]["exchangeName"] == "IND"
    assert IN_DOUBLE | FUTURE_EXTRA <= set(body["/ES"])
    assert body["/ES"]["assetType"] == "FUTURE" and body["/ES"]["futureActiveSymbol"] == "/ESZ23"
    assert ny(body["/ES"]["futureExpirationDate"]).date() == dt.date(2023, 12, 15)
    assert IN_DOUBLE <= set(body["EUR/USD"]) and body["EUR/USD"]["assetType"] == "FOREX"
    assert "lastPrice" not in body["EUR/USD"]
    option = body["AAPL_011924C150"]
    assert OPTION_FIELDS <= set(option)
    assert (option["strikePrice"], option["contractType"], option["underlying"]) == (
        150.0, "C", "AAPL")
    assert option["underlyingPrice"] == pytest.approx(aapl["lastPrice"], rel=0.01)


def test_quote_prices_are_plausible(get):
    body = ok(get("/v1/marketdata/quotes", symbol="AAPL,MSFT,ZZZQ,F,QQQ,BRK.B"))
    assert len(body) == 6
    for q in body.values():
        assert 0 < q["bidPrice"] < q["askPrice"]
        assert q["lowPrice"] <= q["lastPrice"] <= q["highPrice"]
        assert q["lowPrice"] <= q["openPrice"] <= q["highPrice"]
        assert q["52WkLow"] <= q["lowPrice"] and q["highPrice"] <= q["52WkHigh"]
        assert q["netChange"] == pytest.approx(q["lastPrice"] - q["closePrice"], abs=0.011)
        assert q["tradeTimeInLong"] <= START * 1000
    assert len(body["ZZZQ"]["cusip"]) == 9 and body["ZZZQ"]["cusip"].isalnum()


def test_unknown_and_malformed_symbols_are_left_out(get):
    body = ok(get("/v1/marketdata/quotes", symbol="AAPL,aapl,A#B,MS FT"))
    assert list(body) == ["AAPL"]
    assert ok(get("/v1/marketdata/quotes", symbol="lower,x y")) == {}


def test_quotes_need_a_symbol(get):
    assert "symbol" in td_error(get("/v1/marketdata/quotes"), 400)
    assert "symbol" in td_error(get("/v1/marketdata/quotes", symbol=""), 400)


def test_more_symbols_than_td_allows_is_406(get):
    limit = TD_AMERITRADE.max_quote_symbols
    symbols = [f"S{i}" for i in range(limit + 1)]
    td_error(get("/v1/marketdata/quotes", symbol=",".join(symbols)), 406)
    assert len(ok(get("/v1/marketdata/quotes", symbol=",".join(symbols[:limit])))) == limit


def test_single_quote_route_and_encoded_symbols(sb, get):
    assert list(ok(get("/v1/marketdata/MSFT/quotes"))) == ["MSFT"]
    assert list(ok(get("/v1/marketdata/%2FES/quotes"))) == ["/ES"]
    assert list(ok(get("/v1/marketdata/%24SPX.X/quotes"))) == ["$SPX.X"]
    assert ok(get("/v1/marketdata/msft/quotes")) == {}


def test_apikey_quotes_are_delayed(sb, clock):
    url = sb.url + "/v1/marketdata/quotes"
    plain = requests.get(url, params={"symbol": "AAPL,AAPL_011924P150",
                                      "apikey": DEMO_CONSUMER_KEY}, timeout=10)
    body = ok(plain)
    assert body["AAPL"]["delayed"] is True and body["AAPL_011924P150"]["delayed"] is True


def test_prices_walk_in_time_and_hold_within_a_minute(get, clock):
    first = ok(get("/v1/marketdata/AAPL/quotes"))["AAPL"]["lastPrice"]
    clock.now += 45
    assert ok(get("/v1/marketdata/AAPL/quotes"))["AAPL"]["lastPrice"] == first
    seen = set()
    for _ in range(10):
        clock.now += 300
        seen.add(ok(get("/v1/marketdata/AAPL/quotes"))["AAPL"]["lastPrice"])
    assert len(seen) > 5
    assert all(abs(p / first - 1) < 0.1 for p in seen)


def test_same_seed_same_data_other_seed_other_data(get, clock):
    mine = ok(get("/v1/marketdata/quotes", symbol="AAPL,ZZZQ,/ES"))
    for seed, same in ((SEED, True), (SEED + 1, False)):
        with Sandbox(seed=seed, clock=clock) as other:
            token = other.issue_tokens()["access_token"]
            theirs = requests.get(other.url + "/v1/marketdata/quotes",
                                  params={"symbol": "AAPL,ZZZQ,/ES"}, timeout=10,
                                  headers={"Authorization": "Bearer " + token}).json()
        assert (theirs == mine) is same


def test_quotes_freeze_after_the_close(get, clock):
    clock.now = START + 10 * 3600  # 20:30 New York, after the post-market
    a = ok(get("/v1/marketdata/AAPL/quotes"))["AAPL"]
    clock.now += 3 * 3600
    b = ok(get("/v1/marketdata/AAPL/quotes"))["AAPL"]
    assert a["lastPrice"] == b["lastPrice"]
    assert ny(a["tradeTimeInLong"]).hour == 19


# -- price history -----------------------------------------------------------------------

def candles_ok(candles: list) -> None:
    for c in candles:
        assert set(c) == {"open", "high", "low", "close", "volume", "datetime"}
        assert c["low"] <= min(c["open"], c["close"]) <= max(c["open"], c["close"]) <= c["high"]
        assert c["low"] > 0 and c["volume"] >= 0
    times = [c["datetime"] for c in candles]
    assert times == sorted(set(times))


def test_price_history_defaults_to_ten_days_of_minutes(get):
    body = ok(get("/v1/marketdata/AAPL/pricehistory"))
    assert body["symbol"] == "AAPL" and body["empty"] is False
    candles = body["candles"]
    candles_ok(candles)
    days = sorted({ny(c["datetime"]).date() for c in candles})
    assert len(days) == 10 and days[-1] == dt.date(2023, 11, 14)  # previous trading day
    assert all(d.weekday() < 5 for d in days) and dt.date(2023, 11, 10) in days
    assert {ny(c["datetime"]).time() for c in candles} >= {dt.time(7, 0), dt.time(19, 59)}
    assert all(dt.time(7) <= ny(c["datetime"]).time() < dt.time(20) for c in candles)
    steps = [b["datetime"] - a["datetime"] for a, b in zip(candles, candles[1:])]
    assert min(steps) == 60000
    same_day = [(a, b) for a, b in zip(candles, candles[1:])
                if b["datetime"] - a["datetime"] == 60000]
    assert all(a["close"] == b["open"] for a, b in same_day)


def test_regular_session_only_and_coarser_minutes(get):
    body = ok(get("/v1/marketdata/MSFT/pricehistory", periodType="day", period=2,
                  frequencyType="minute", frequency=30, needExtendedHoursData="false"))
    candles = body["candles"]
    candles_ok(candles)
    assert len(candles) == 2 * 13
    assert {ny(c["datetime"]).time() for c in candles} == {
        dt.time(9 + (30 + 30 * k) // 60, (30 + 30 * k) % 60) for k in range(13)}


def test_start_and_end_window(get):
    start = int(dt.datetime(2023, 11, 13, 10, 0, tzinfo=NY).timestamp() * 1000)
    end = int(dt.datetime(2023, 11, 13, 11, 0, tzinfo=NY).timestamp() * 1000)
    candles = ok(get("/v1/marketdata/AAPL/pricehistory", frequency=5, startDate=start,
                     endDate=end))["candles"]
    assert [c["datetime"] for c in candles] == list(range(start, end, 300000))


def test_daily_weekly_monthly_on_trading_days(get):
    daily = ok(get("/v1/marketdata/AAPL/pricehistory", periodType="month", period=1,
                   frequencyType="daily"))["candles"]
    candles_ok(daily)
    dates = [dt.datetime.fromtimestamp(c["datetime"] / 1000, ZoneInfo("America/Chicago")).date()
             for c in daily]
    assert dt.date(2023, 11, 10) in dates and dt.date(2023, 11, 11) not in dates
    assert all(d.weekday() < 5 for d in dates) and len(dates) in (21, 22)
    assert dt.date(2023, 11, 14) == dates[-1]
    weekly = ok(get("/v1/marketdata/AAPL/pricehistory", periodType="year", period=1,
                    frequencyType="weekly"))["candles"]
    candles_ok(weekly)
    assert 52 <= len(weekly) <= 54
    monthly = ok(get("/v1/marketdata/AAPL/pricehistory", periodType="year",
                     period=2))["candles"]
    candles_ok(monthly)
    assert 24 <= len(monthly) <= 25
    ytd = ok(get("/v1/marketdata/AAPL/pricehistory", periodType="ytd", frequencyType="daily"))
    assert ny(ytd["candles"][0]["datetime"]).date() == dt.date(2023, 1, 3)  # after New Year


def test_daily_bars_match_the_quote(get):
    quote = ok(get("/v1/marketdata/AAPL/quotes"))["AAPL"]
    daily = ok(get("/v1/marketdata/AAPL/pricehistory", periodType="month",
                   frequencyType="daily"))["candles"]
    assert daily[-1]["close"] == quote["closePrice"]


@pytest.mark.parametrize(("params", "allowed"), [
    ({"periodType": "week"}, "day, month, year, ytd"),
    ({"periodType": "day", "period": 7}, "1, 2, 3, 4, 5, 10"),
    ({"periodType": "day", "frequencyType": "daily"}, "minute"),
    ({"periodType": "month", "frequencyType": "minute"}, "daily, weekly"),
    ({"periodType": "month", "period": 4}, "1, 2, 3, 6"),
    ({"periodType": "year", "period": 4}, "1, 2, 3, 5, 10, 15, 20"),
    ({"periodType": "year", "frequencyType": "minute"}, "daily, weekly, monthly"),
    ({"periodType": "ytd", "period": 2}, "1"),
    ({"frequency": 2}, "1, 5, 10, 15, 30"),
    ({"periodType": "month", "frequencyType": "daily", "frequency": 5}, "1"),
    ({"needExtendedHoursData": "maybe"}, "TRUE, FALSE"),
])
def test_price_history_matrix_is_enforced(get, params, allowed):
    message = td_error(get("/v1/marketdata/AAPL/pricehistory", **params), 400)
    assert message.endswith("allowed values are " + allowed)


def test_price_history_of_a_malformed_symbol_is_empty(get):
    assert ok(get("/v1/marketdata/aapl/pricehistory")) == {
        "candles": [], "symbol": "aapl", "empty": True}


# -- option chains -----------------------------------------------------------------------

CONTRACT_FIELDS = {
    "putCall", "symbol", "description", "exchangeName", "bid", "ask", "last", "mark",
    "bidSize", "askSize", "bidAskSize", "lastSize", "highPrice", "lowPrice", "openPrice",
    "closePrice", "totalVolume", "tradeDate", "tradeTimeInLong", "quoteTimeInLong",
    "netChange", "volatility", "delta", "gamma", "theta", "vega", "rho", "openInterest",
    "timeValue", "theoreticalOptionValue", "theoreticalVolatility", "optionDeliverablesList",
    "strikePrice", "expirationDate", "daysToExpiration", "expirationType", "lastTradingDay",
    "multiplier", "settlementType", "deliverableNote", "isIndexOption", "percentChange",
    "markChange", "markPercentChange", "nonStandard", "mini", "inTheMoney"}


def contracts(body: dict) -> list:
    return [c for side in ("callExpDateMap", "putExpDateMap") for strikes in body[side].values()
            for entries in strikes.values() for c in entries]


def test_chain_has_the_live_shape(get):
    body = ok(get("/v1/marketdata/chains", symbol="AAPL"))
    assert body["status"] == "SUCCESS" and body["underlying"] is None
    assert body["isDelayed"] is False and body["isIndex"] is False
    assert set(body) >= {"symbol", "strategy", "interval", "interestRate", "underlyingPrice",
                         "volatility", "daysToExpiration", "numberOfContracts"}
    assert body["numberOfContracts"] == len(contracts(body)) > 0
    keys = list(body["callExpDateMap"])
    assert keys == list(body["putExpDateMap"])
    today = dt.date(2023, 11, 15)
    expiries = []
    for key in keys:
        date, dte = key.split(":")
        expiry = dt.date.fromisoformat(date)
        assert (expiry - today).days == int(dte)
        expiries.append(expiry)
    fridays = [d for d in expiries if d <= today + dt.timedelta(weeks=8)]
    assert len(fridays) >= 8 and all(d.weekday() == 4 for d in fridays)
    assert max(expiries) > today + dt.timedelta(days=90)
    strikes = body["callExpDateMap"][keys[0]]
    for strike, entries in strikes.items():
        assert strike == str(float(strike)) and isinstance(entries, list) and len(entries) == 1
        assert entries[0]["strikePrice"] == float(strike)
    spot = body["underlyingPrice"]
    assert min(map(float, strikes)) < spot < max(map(float, strikes))
    entry = strikes[next(iter(strikes))][0]
    assert set(entry) == CONTRACT_FIELDS
    assert entry["symbol"].startswith("AAPL_") and entry["putCall"] == "CALL"
    assert entry["tradeDate"] is None and entry["bidAskSize"] == (
        f"{entry['bidSize']}X{entry['askSize']}")
    nan = [c for c in contracts(body) if c["delta"] == "NaN"]
    assert nan and all(c["gamma"] == "NaN" for c in nan)
    finite = [c for c in contracts(body) if c["delta"] != "NaN"]
    assert all(0 <= c["delta"] <= 1 for c in finite if c["putCall"] == "CALL")
    assert all(-1 <= c["delta"] <= 0 for c in finite if c["putCall"] == "PUT")
    assert all(c["bid"] <= c["ask"] for c in contracts(body))


def test_chain_contract_matches_its_option_quote(get):
    body = ok(get("/v1/marketdata/chains", symbol="MSFT", strikeCount=1, contractType="PUT"))
    entry = contracts(body)[0]
    quote = ok(get("/v1/marketdata/quotes", symbol=entry["symbol"]))[entry["symbol"]]
    assert (quote["bidPrice"], quote["askPrice"], quote["strikePrice"]) == (
        entry["bid"], entry["ask"], entry["strikePrice"])


def test_chain_filters(get):
    spot = ok(get("/v1/marketdata/chains", symbol="AAPL", strikeCount=1))["underlyingPrice"]
    calls = ok(get("/v1/marketdata/chains", symbol="AAPL", contractType="CALL", strikeCount=4))
    assert calls["putExpDateMap"] == {}
    assert all(len(strikes) == 4 for strikes in calls["callExpDateMap"].values())
    itm = ok(get("/v1/marketdata/chains", symbol="AAPL", range="ITM"))
    assert all(c["inTheMoney"] for c in contracts(itm))
    assert all(c["strikePrice"] < spot for c in contracts(itm) if c["putCall"] == "CALL")
    sak = ok(get("/v1/marketdata/chains", symbol="AAPL", range="SAK"))
    assert all(c["strikePrice"] > spot for c in contracts(sak))
    one = ok(get("/v1/marketdata/chains", symbol="AAPL", strike=str(contracts(calls)[0][
        "strikePrice"])))
    assert {c["strikePrice"] for c in contracts(one)} == {contracts(calls)[0]["strikePrice"]}
    window = ok(get("/v1/marketdata/chains", symbol="AAPL", fromDate="2023-11-20",
                    toDate="2023-12-10"))
    assert list(window["callExpDateMap"]) == ["2023-11-24:9", "2023-12-01:16", "2023-12-08:23"]
    dec = ok(get("/v1/marketdata/chains", symbol="AAPL", expMonth="DEC"))
    assert dec["callExpDateMap"] and all(k.startswith("2023-12") for k in dec["callExpDateMap"])
    assert ok(get("/v1/marketdata/chains", symbol="AAPL", optionType="NS"))[
        "numberOfContracts"] == 0


def test_chain_with_quotes_analytical_and_index(sb, get):
    body = ok(get("/v1/marketdata/chains", symbol="AAPL", includeQuotes="TRUE", strikeCount=1))
    assert body["underlying"]["symbol"] == "AAPL"
    assert body["underlying"]["last"] == body["underlyingPrice"]
    analytical = ok(get("/v1/marketdata/chains", symbol="AAPL", strategy="ANALYTICAL",
                        volatility=40, underlyingPrice=100, interestRate=2,
                        daysToExpiration=30, strike=100))
    assert analytical["underlyingPrice"] == 100 and analytical["volatility"] == 40
    call = analytical["callExpDateMap"]
    values = {c["theoreticalOptionValue"] for c in contracts(analytical)
              if c["putCall"] == "CALL"}
    assert call and len(values) == 1 and 4 < values.pop() < 6  # same inputs, same value
    spx = ok(get("/v1/marketdata/chains", symbol="$SPX.X", strikeCount=2))
    assert spx["isIndex"] is True and contracts(spx)[0]["symbol"].startswith("SPX_")
    delayed = requests.get(sb.url + "/v1/marketdata/chains", timeout=10, params={
        "symbol": "AAPL", "strikeCount": 1, "apikey": DEMO_CONSUMER_KEY}).json()
    assert delayed["isDelayed"] is True


@pytest.mark.parametrize("params", [
    {}, {"symbol": "AAPL", "contractType": "BOTH"}, {"symbol": "AAPL", "strategy": "WHEEL"},
    {"symbol": "AAPL", "range": "NEAR"}, {"symbol": "AAPL", "expMonth": "DECEMBER"},
    {"symbol": "AAPL", "optionType": "X"}, {"symbol": "AAPL", "includeQuotes": "YES"},
    {"symbol": "AAPL", "strikeCount": "many"}, {"symbol": "AAPL", "strike": "abc"},
    {"symbol": "AAPL", "fromDate": "11/20/2023"}, {"symbol": "AAPL", "interval": "wide"},
])
def test_chain_validation(get, params):
    td_error(get("/v1/marketdata/chains", **params), 400)


def test_chain_of_unknown_symbol_fails_softly(get):
    body = ok(get("/v1/marketdata/chains", symbol="EUR/USD"))
    assert body["status"] == "FAILED" and body["numberOfContracts"] == 0


# -- movers ------------------------------------------------------------------------------

@pytest.mark.parametrize("index", ["$COMPX", "$DJI", "$SPX.X"])
def test_movers_are_a_sorted_array_of_ten(get, index):
    movers = ok(get(f"/v1/marketdata/{index}/movers"))
    assert isinstance(movers, list) and len(movers) == 10
    assert set(movers[0]) == {"change", "description", "direction", "last", "symbol",
                              "totalVolume"}
    changes = [abs(m["change"]) for m in movers]
    assert changes == sorted(changes, reverse=True)
    assert all(abs(m["change"]) < 0.2 for m in movers)  # percent: a fraction


def test_movers_direction_and_change(get):
    up = ok(get("/v1/marketdata/%24COMPX/movers", direction="up", change="value"))
    assert up and all(m["direction"] == "up" and m["change"] >= 0 for m in up)
    down = ok(get("/v1/marketdata/$DJI/movers", direction="down"))
    assert all(m["direction"] == "down" and m["change"] < 0 for m in down)
    quotes = ok(get("/v1/marketdata/quotes", symbol=up[0]["symbol"]))
    assert up[0]["change"] == pytest.approx(quotes[up[0]["symbol"]]["netChange"], abs=0.011)


@pytest.mark.parametrize(("path", "params"), [
    ("/v1/marketdata/$NDX/movers", {}), ("/v1/marketdata/AAPL/movers", {}),
    ("/v1/marketdata/$DJI/movers", {"direction": "sideways"}),
    ("/v1/marketdata/$DJI/movers", {"change": "percentage"}),
])
def test_movers_validation(get, path, params):
    td_error(get(path, **params), 400)


# -- hours -------------------------------------------------------------------------------

def test_hours_of_several_markets(get):
    body = ok(get("/v1/marketdata/hours", markets="EQUITY,OPTION,FUTURE,BOND,FOREX",
                  date="2020-07-20"))
    assert list(body) == ["equity", "option", "future", "bond", "forex"]
    eq = body["equity"]["EQ"]
    assert eq == {
        "date": "2020-07-20", "marketType": "EQUITY", "exchange": "NULL", "category": "NULL",
        "product": "EQ", "productName": "equity", "isOpen": True,
        "sessionHours": {
            "preMarket": [{"start": "2020-07-20T07:00:00-04:00",
                           "end": "2020-07-20T09:30:00-04:00"}],
            "regularMarket": [{"start": "2020-07-20T09:30:00-04:00",
                               "end": "2020-07-20T16:00:00-04:00"}],
            "postMarket": [{"start": "2020-07-20T16:00:00-04:00",
                            "end": "2020-07-20T20:00:00-04:00"}]}}
    assert set(body["option"]) == {"EQO", "IND"}
    assert body["option"]["IND"]["sessionHours"]["regularMarket"][0]["end"].endswith(
        "T16:15:00-04:00")
    assert all(h["marketType"] == "FUTURE" for h in body["future"].values())
    assert body["bond"]["BON"]["isOpen"] is True
    fx = body["forex"]["forex"]
    assert fx["exchange"] is None and fx["category"] is None and fx["productName"] is None


@pytest.mark.parametrize(("date", "is_open", "offset"), [
    ("2024-01-10", True, "-05:00"), ("2023-03-13", True, "-04:00"),
    ("2023-11-06", True, "-05:00"), ("2023-11-18", False, None), ("2023-12-25", False, None),
    ("2023-07-04", False, None), ("2023-11-23", False, None), ("2023-04-07", False, None),
])
def test_calendar_and_daylight_saving(get, date, is_open, offset):
    eq = ok(get("/v1/marketdata/EQUITY/hours", date=date))["equity"]["EQ"]
    assert eq["isOpen"] is is_open and eq["date"] == date
    if is_open:
        assert eq["sessionHours"]["regularMarket"][0]["start"] == f"{date}T09:30:00{offset}"
    else:
        assert eq["sessionHours"] is None


def test_hours_default_to_today_and_validate(get):
    assert ok(get("/v1/marketdata/OPTION/hours"))["option"]["EQO"]["date"] == "2023-11-15"
    td_error(get("/v1/marketdata/CRYPTO/hours"), 400)
    td_error(get("/v1/marketdata/hours", markets="EQUITY,STOCKS"), 400)
    td_error(get("/v1/marketdata/hours"), 400)
    td_error(get("/v1/marketdata/hours", markets="EQUITY", date="15/11/2023"), 400)


# -- instruments -------------------------------------------------------------------------

FUNDAMENTAL_FIELDS = {
    "symbol", "high52", "low52", "dividendAmount", "dividendYield", "dividendDate", "peRatio",
    "pegRatio", "pbRatio", "prRatio", "pcfRatio", "grossMarginTTM", "grossMarginMRQ",
    "netProfitMarginTTM", "netProfitMarginMRQ", "operatingMarginTTM", "operatingMarginMRQ",
    "returnOnEquity", "returnOnAssets", "returnOnInvestment", "quickRatio", "currentRatio",
    "interestCoverage", "totalDebtToCapital", "ltDebtToEquity", "totalDebtToEquity", "epsTTM",
    "epsChangePercentTTM", "epsChangeYear", "epsChange", "revChangeYear", "revChangeTTM",
    "revChangeIn", "sharesOutstanding", "marketCapFloat", "marketCap", "bookValuePerShare",
    "shortIntToFloat", "shortIntDayToCover", "divGrowthRate3Year", "dividendPayAmount",
    "dividendPayDate", "beta", "vol1DayAvg", "vol10DayAvg", "vol3MonthAvg"}


def test_symbol_search_and_cusip_strings(get):
    body = ok(get("/v1/instruments", symbol="AAPL,MSFT,ZZZQ,bad symbol"))
    assert body["AAPL"] == {"cusip": "037833100", "symbol": "AAPL",
                            "description": "Apple Inc. - Common Stock", "exchange": "NASDAQ",
                            "assetType": "EQUITY"}
    assert set(body) == {"AAPL", "MSFT", "ZZZQ"}
    assert isinstance(body["ZZZQ"]["cusip"], str) and len(body["ZZZQ"]["cusip"]) == 9
    by_cusip = ok(get("/v1/instruments", symbol="037833100", projection="symbol-search"))
    assert list(by_cusip) == ["AAPL"]


def test_regex_and_description_searches(get):
    regex = ok(get("/v1/instruments", symbol="AA.*", projection="symbol-regex"))
    assert set(regex) == {"AAPL", "AA"}
    desc = ok(get("/v1/instruments", symbol="microsoft", projection="desc-search"))
    assert list(desc) == ["MSFT"]
    desc_regex = ok(get("/v1/instruments", symbol="^Alphabet Inc. - Class [A-C]",
                        projection="desc-regex"))
    assert set(desc_regex) == {"GOOGL", "GOOG"}
    assert ok(get("/v1/instruments", symbol="nothing-like-this",
                  projection="desc-search")) == {}


def test_fundamentals(get):
    body = ok(get("/v1/instruments", symbol="AAPL", projection="fundamental"))
    assert set(body["AAPL"]) == {"cusip", "symbol", "description", "exchange", "assetType",
                                 "fundamental"}
    f = body["AAPL"]["fundamental"]
    assert set(f) == FUNDAMENTAL_FIELDS and f["symbol"] == "AAPL"
    quote = ok(get("/v1/marketdata/AAPL/quotes"))["AAPL"]
    assert f["peRatio"] == quote["peRatio"] and f["low52"] <= quote["lastPrice"] <= f["high52"]


def test_instrument_search_errors(get):
    td_error(get("/v1/instruments", symbol="AA[", projection="symbol-regex"), 406)
    td_error(get("/v1/instruments", symbol="(x", projection="desc-regex"), 406)
    assert "projection" in td_error(get("/v1/instruments", symbol="AAPL", projection="x"), 400)
    td_error(get("/v1/instruments", projection="symbol-search"), 400)


def test_instrument_by_cusip_is_an_array_of_one(get):
    body = ok(get("/v1/instruments/037833100"))
    assert body == [{"cusip": "037833100", "symbol": "AAPL",
                     "description": "Apple Inc. - Common Stock", "exchange": "NASDAQ",
                     "assetType": "EQUITY"}]
    assert ok(get("/v1/instruments/00206R102"))[0]["symbol"] == "T"
    td_error(get("/v1/instruments/000000000"), 404)


def test_market_data_needs_credentials(sb):
    for path in ("/v1/marketdata/AAPL/quotes", "/v1/marketdata/chains?symbol=AAPL",
                 "/v1/instruments/037833100"):
        assert requests.get(sb.url + path, timeout=10).status_code == 401

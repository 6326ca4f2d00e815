"""Schwab mode's market data over real sockets: the live shapes of reference §5, Schwab's
symbols, the ``ErrorResponse`` body, and faults and rate limits in Schwab's format."""

from __future__ import annotations

import re

import pytest

from tests.integration.schwab_support import bearer, get, is_market_error

OSI = re.compile(r"[A-Z]{1,6} {0,5}\d{6}[CP]\d{8}\Z")


@pytest.fixture(scope="module")
def schwab(request):
    from tests.support.sandboxes import start_sandbox

    return start_sandbox(request, provider="schwab")


@pytest.fixture(scope="module")
def auth(schwab):
    return bearer(schwab)


def test_quotes_are_nested_by_section(schwab, auth):
    response = get(schwab, "/marketdata/v1/quotes", auth, symbols="AAPL,SPY,$SPX,EUR/USD,/ES")
    assert response.status_code == 200
    assert "Schwab-Client-CorrelId" in response.headers
    body = response.json()
    assert list(body) == ["AAPL", "SPY", "$SPX", "EUR/USD", "/ES"]
    aapl = body["AAPL"]
    assert [k for k in aapl if not isinstance(aapl[k], dict)] == [
        "assetMainType", "assetSubType", "quoteType", "realtime", "ssid", "symbol"]
    assert {"quote", "reference", "regular", "fundamental"} <= set(aapl)
    assert aapl["assetMainType"] == "EQUITY" and aapl["assetSubType"] == "COE"
    assert body["SPY"]["assetSubType"] == "ETF"
    quote = aapl["quote"]
    for key in ("52WeekHigh", "52WeekLow", "askMICId", "askPrice", "askSize", "askTime",
                "bidPrice", "closePrice", "lastPrice", "mark", "netChange", "netPercentChange",
                "quoteTime", "securityStatus", "totalVolume", "tradeTime"):
        assert key in quote, key
    assert "bidPriceInDouble" not in quote and "52WkHigh" not in quote
    assert quote["bidPrice"] <= quote["askPrice"]
    assert aapl["reference"]["cusip"] == "037833100"
    assert aapl["reference"]["exchangeName"] == "NASDAQ"
    assert set(aapl["regular"]) == {"regularMarketLastPrice", "regularMarketLastSize",
                                    "regularMarketNetChange", "regularMarketPercentChange",
                                    "regularMarketTradeTime"}
    assert body["$SPX"]["assetMainType"] == "INDEX"
    assert body["$SPX"]["reference"]["exchangeName"] == "Index"
    assert body["EUR/USD"]["assetMainType"] == "FOREX"
    assert body["/ES"]["reference"]["product"] == "/ES"


def test_quotes_of_options_and_unknown_symbols(schwab, auth):
    chain = get(schwab, "/marketdata/v1/chains", auth, symbol="AAPL", strikeCount=1).json()
    option = next(iter(next(iter(chain["callExpDateMap"].values())).values()))[0]["symbol"]
    body = get(schwab, "/marketdata/v1/quotes", auth,
               symbols=f"{option},NOTASYMBOL,$SPX.X,AAPL_011924P150").json()
    assert body[option]["assetMainType"] == "OPTION"
    assert body[option]["reference"]["underlying"] == "AAPL"
    assert body[option]["reference"]["contractType"] == "C"
    assert body["errors"] == {"invalidSymbols": ["NOTASYMBOL", "$SPX.X", "AAPL_011924P150"]}


def test_quotes_fields_and_their_errors(schwab, auth):
    body = get(schwab, "/marketdata/v1/quotes", auth, symbols="AAPL", fields="quote").json()
    assert {k for k, v in body["AAPL"].items() if isinstance(v, dict)} == {"quote"}
    extended = get(schwab, "/marketdata/v1/AAPL/quotes", auth, fields="extended,regular").json()
    assert {k for k, v in extended["AAPL"].items() if isinstance(v, dict)} == {"extended",
                                                                                "regular"}
    entry = is_market_error(get(schwab, "/marketdata/v1/quotes", auth, symbols="AAPL",
                                fields="bogus"), 400)
    assert entry["status"] == "400" and entry["source"] == {"parameter": "fields"}
    entry = is_market_error(get(schwab, "/marketdata/v1/quotes", auth), 400)
    assert entry["detail"] == "Search combination should have min of 1."
    too_many = ",".join(f"Q{i}" for i in range(501))
    entry = is_market_error(get(schwab, "/marketdata/v1/quotes", auth, symbols=too_many), 400)
    assert entry["detail"] == "Search combination should not exceed 500."


def test_one_quote_and_its_404(schwab, auth):
    assert list(get(schwab, "/marketdata/v1/$SPX/quotes", auth).json()) == ["$SPX"]
    assert list(get(schwab, "/marketdata/v1/%2FES/quotes", auth).json()) == ["/ES"]
    entry = is_market_error(get(schwab, "/marketdata/v1/NOTASYMBOL/quotes", auth), 404)
    assert entry == {"id": entry["id"], "status": "404", "title": "Not Found"}


def test_price_history(schwab, auth):
    response = get(schwab, "/marketdata/v1/pricehistory", auth, symbol="AAPL",
                   periodType="month", frequencyType="daily", needPreviousClose="true")
    body = response.json()
    assert list(body) == ["candles", "symbol", "empty", "previousClose", "previousCloseDate"]
    assert body["symbol"] == "AAPL" and not body["empty"]
    candle = body["candles"][0]
    assert list(candle) == ["open", "high", "low", "close", "volume", "datetime"]
    assert candle["datetime"] > 10**12  # epoch ms
    without = get(schwab, "/marketdata/v1/pricehistory", auth, symbol="$SPX").json()
    assert "previousClose" not in without and without["symbol"] == "$SPX" and without["candles"]
    is_market_error(get(schwab, "/marketdata/v1/pricehistory", auth), 400)
    is_market_error(get(schwab, "/marketdata/v1/pricehistory", auth, symbol="AAPL",
                        periodType="decade"), 400)


def test_option_chain_in_the_live_form(schwab, auth):
    body = get(schwab, "/marketdata/v1/chains", auth, symbol="AAPL", strikeCount=2,
               includeUnderlyingQuote="true", entitlement="NP").json()
    assert body["status"] == "SUCCESS" and body["symbol"] == "AAPL"
    for key in ("numberOfContracts", "assetMainType", "assetSubType", "isChainTruncated",
                "underlyingPrice", "interestRate", "volatility", "callExpDateMap",
                "putExpDateMap"):
        assert key in body, key
    assert body["underlying"]["symbol"] == "AAPL"
    expiry, strikes = next(iter(body["putExpDateMap"].items()))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d:\d+", expiry)
    strike, contracts = next(iter(strikes.items()))
    contract = contracts[0]
    assert OSI.match(contract["symbol"]) and contract["symbol"].startswith("AAPL  ")
    assert contract["putCall"] == "PUT" and float(strike) == contract["strikePrice"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00",
                        contract["expirationDate"])
    for key in ("bid", "ask", "last", "mark", "bidAskSize", "inTheMoney", "mini", "nonStandard",
                "pennyPilot", "extrinsicValue", "intrinsicValue", "exerciseType", "high52Week",
                "low52Week", "optionRoot", "optionDeliverablesList", "deliverableNote"):
        assert key in contract, key
    assert contract["expirationType"] in ("S", "W")
    plain = get(schwab, "/marketdata/v1/chains", auth, symbol="AAPL", strikeCount=1).json()
    assert plain["underlying"] is None
    index = get(schwab, "/marketdata/v1/chains", auth, symbol="$SPX", strikeCount=1).json()
    assert index["isIndex"] and index["assetMainType"] == "INDEX"
    assert next(iter(next(iter(index["callExpDateMap"].values())).values()))[0][
        "symbol"].startswith("SPX   ")
    failed = get(schwab, "/marketdata/v1/chains", auth, symbol="NOTASYMBOL").json()
    assert failed["status"] == "FAILED" and failed["callExpDateMap"] == {}
    is_market_error(get(schwab, "/marketdata/v1/chains", auth, symbol="AAPL",
                        entitlement="XX"), 400)


def test_expiration_chain(schwab, auth):
    body = get(schwab, "/marketdata/v1/expirationchain", auth, symbol="AAPL").json()
    assert list(body) == ["expirationList"]
    first = body["expirationList"][0]
    assert list(first) == ["expirationDate", "daysToExpiration", "expirationType",
                           "settlementType", "optionRoots", "standard"]
    assert {e["expirationType"] for e in body["expirationList"]} == {"S", "W"}
    is_market_error(get(schwab, "/marketdata/v1/expirationchain", auth, symbol="NOPE1"), 404)


def test_movers_are_wrapped_in_screeners(schwab, auth):
    body = get(schwab, "/marketdata/v1/movers/$DJI", auth, sort="VOLUME", frequency=0).json()
    assert list(body) == ["screeners"] and 0 < len(body["screeners"]) <= 10
    assert list(body["screeners"][0]) == ["description", "volume", "lastPrice", "netChange",
                                          "marketShare", "totalVolume", "trades",
                                          "netPercentChange", "symbol"]
    volumes = [s["volume"] for s in body["screeners"]]
    assert volumes == sorted(volumes, reverse=True)
    up = get(schwab, "/marketdata/v1/movers/NASDAQ", auth, sort="PERCENT_CHANGE_UP").json()
    assert all(s["netPercentChange"] > 0 for s in up["screeners"])
    assert get(schwab, "/marketdata/v1/movers/OPTION_ALL", auth).json() == {"screeners": []}
    is_market_error(get(schwab, "/marketdata/v1/movers/$SPX.X", auth), 400)
    is_market_error(get(schwab, "/marketdata/v1/movers/$DJI", auth, sort="UP"), 400)


def test_market_hours(schwab, auth):
    body = get(schwab, "/marketdata/v1/markets", auth, markets="equity,option").json()
    assert set(body) == {"equity", "option"} and set(body["option"]) == {"EQO", "IND"}
    assert body["equity"]["EQ"]["marketType"] == "EQUITY"
    one = get(schwab, "/marketdata/v1/markets/equity", auth, date="2024-10-18").json()
    assert one["equity"]["EQ"]["date"] == "2024-10-18"
    assert one["equity"]["EQ"]["sessionHours"]["regularMarket"] == [
        {"start": "2024-10-18T09:30:00-04:00", "end": "2024-10-18T16:00:00-04:00"}]
    is_market_error(get(schwab, "/marketdata/v1/markets/crypto", auth), 400)


def test_instruments(schwab, auth):
    body = get(schwab, "/marketdata/v1/instruments", auth, symbol="AAPL,BAC",
               projection="symbol-search").json()
    assert [i["symbol"] for i in body["instruments"]] == ["AAPL", "BAC"]
    assert list(body["instruments"][0]) == ["cusip", "symbol", "description", "exchange",
                                            "assetType"]
    fundamental = get(schwab, "/marketdata/v1/instruments", auth, symbol="AAPL",
                      projection="fundamental").json()["instruments"][0]
    assert next(iter(fundamental)) == "fundamental"
    for key in ("high52", "peRatio", "avg10DaysVolume", "avg3MonthVolume", "dividendFreq",
                "eps", "dtnVolume", "nextDividendDate"):
        assert key in fundamental["fundamental"], key
    regex = get(schwab, "/marketdata/v1/instruments", auth, symbol="MS.*",
                projection="search").json()
    assert "MSFT" in [i["symbol"] for i in regex["instruments"]]
    none = get(schwab, "/marketdata/v1/instruments", auth, symbol="NOTASYMBOL",
               projection="symbol-search").json()
    assert none == {"instruments": []}
    is_market_error(get(schwab, "/marketdata/v1/instruments", auth, symbol="AAPL"), 400)


def test_instrument_by_cusip(schwab, auth):
    body = get(schwab, "/marketdata/v1/instruments/037833100", auth).json()
    assert body == {"instruments": [{"cusip": "037833100", "symbol": "AAPL",
                                     "description": "APPLE INC. - COMMON STOCK",
                                     "exchange": "NASDAQ", "assetType": "EQUITY"}]}
    is_market_error(get(schwab, "/marketdata/v1/instruments/000000000", auth), 404)


def test_market_401_and_td_paths(schwab, auth):
    entry = is_market_error(get(schwab, "/marketdata/v1/quotes", {}, symbols="AAPL"), 401)
    assert entry["status"] == 401 and entry["detail"] == "Client not authorized"
    is_market_error(get(schwab, "/marketdata/v1/AAPL/pricehistory", auth), 404)
    assert get(schwab, "/v1/marketdata/quotes", auth, symbol="AAPL").status_code == 404


def test_faults_answer_in_schwab_format(make_sandbox):
    sb = make_sandbox(provider="schwab")
    auth = bearer(sb)
    sb.set_faults(error_5xx=1.0, seed=3)
    server = get(sb, "/marketdata/v1/quotes", auth, symbols="AAPL")
    assert server.status_code in (500, 502, 503)
    assert server.json()["errors"][0]["status"] == server.status_code
    trader = get(sb, "/trader/v1/accounts", auth)
    assert "message" in trader.json()
    sb.clear_faults()
    sb.set_faults(sb.api_path("/marketdata/v1/"), rate_429=1.0)
    assert is_market_error(get(sb, "/marketdata/v1/quotes", auth, symbols="AAPL"), 429)
    assert get(sb, "/trader/v1/accounts", auth).status_code == 200
    assert sb.stats()["faults"]["rate_429"] == 1


def test_the_rate_limit_applies(make_sandbox, clock):
    sb = make_sandbox(provider="schwab", rate_limit=2, clock=clock)
    auth = bearer(sb)
    statuses = [get(sb, "/marketdata/v1/quotes", auth, symbols="AAPL").status_code
                for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429

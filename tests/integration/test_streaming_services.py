"""Every streamer service of both providers against the sandbox over real sockets: subscribe,
add, unsubscribe and view, field names and the reference's types; books, time and sales and
screeners agree with the REST quotes and movers of the same instant.

Equity quotes are covered by ``test_streaming_sandbox.py``; this file covers the rest.
The sandbox clock is frozen in a regular session and moved by the tests: nothing new is
streamed until it moves, so each step waits on what the move must bring.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest

from pyTD.cache.conformance import FakeClock
from pyTD.exceptions import ResourceNotFound, StreamCommandError, ValidationError
from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.market.quotes import quote
from pyTD.sandbox.streaming import streamer
from pyTD.streaming import AsyncStream, Message
from pyTD.streaming.fields import FIELD_MAPS
from pyTD.streaming.nested import BookLevel, Candle, MarketMaker, ScreenerItem
from tests.support.sandboxes import start_sandbox

from .providers import PROVIDERS, is_schwab, name_of

#: Friday 2027-01-15, 10:00 ET: the regular session, prices move minute by minute.
START = 1_800_000_000.0 + 7 * 3600
TD_CALLS = ("AAPL_021927C160", "AAPL_021927C165")
SCHWAB_CALLS = ("AAPL  270219C00160000", "AAPL  270219C00165000")
#: Listed options on /ES's March 2027 contract, in each provider's spelling.
TD_FUTURE_OPTIONS = ("./ESH7C4500", "./ESH7P4550")
SCHWAB_FUTURE_OPTIONS = ("./ESH27C4500", "./ESH27P4550")
#: The Python type each field kind of the field maps decodes to.
TYPES = {"float": float, "int": int, "str": str, "bool": bool, "ms": dt.datetime,
         "day": dt.date, "book": list, "screener": list}

#: (service, two keys, fields at SUBS, fields after VIEW) per provider; None = all fields.
CASES = {
    "tdameritrade": [
        ("options", TD_CALLS, ["bid", "ask", "last", "delta", "theta"],
         ["mark", "strike", "underlying"]),
        ("futures", ("/ES", "/NQ"), ["bid", "ask", "last", "quote_time", "bid_size"],
         ["mark", "high", "percent_change"]),
        ("futures_options", TD_FUTURE_OPTIONS,
         ["bid", "ask", "last", "quote_time", "bid_size", "open_interest", "multiplier",
          "product", "percent_change", "exchange_name"], ["mark", "net_change", "volume"]),
        ("forex", ("EUR/USD", "GBP/USD"), ["bid", "ask", "quote_time", "digits"],
         ["mark", "high", "low"]),
        ("chart", ("AAPL", "MSFT"), None, ["close", "chart_time"]),
        ("chart_futures", ("/ES", "/NQ"), None, ["close", "volume"]),
        ("book_listed", ("IBM", "JPM"), None, ["book_time", "bids"]),
        ("book_nasdaq", ("AAPL", "MSFT"), None, ["asks"]),
        ("book_options", TD_CALLS, None, ["book_time", "bids"]),
        ("timesales", ("AAPL", "MSFT"), None, ["last", "trade_time"]),
        ("timesales_futures", ("/ES", "/NQ"), None, ["last_size"]),
        ("timesales_forex", ("EUR/USD", "GBP/USD"), None, ["last", "last_sequence"]),
    ],
    "schwab": [
        ("options", SCHWAB_CALLS, ["bid", "ask", "last", "delta", "quote_time"],
         ["mark", "strike", "underlying"]),
        ("futures", ("/ES", "/NQ"), ["bid", "ask", "last", "quote_time", "bid_size"],
         ["mark", "high", "percent_change"]),
        ("futures_options", SCHWAB_FUTURE_OPTIONS,
         ["bid", "ask", "last", "quote_time", "open_interest", "strike", "underlying",
          "contract_type", "expiration_date", "multiplier", "settlement_price"],
         ["mark", "high", "volume"]),
        ("forex", ("EUR/USD", "GBP/USD"), ["bid", "ask", "quote_time", "digits"],
         ["mark", "high", "low"]),
        ("chart", ("AAPL", "MSFT"), None, ["close", "chart_time"]),
        ("chart_futures", ("/ES", "/NQ"), None, ["close", "volume"]),
        ("book_nyse", ("IBM", "JPM"), None, ["book_time", "bids"]),
        ("book_nasdaq", ("AAPL", "MSFT"), None, ["asks"]),
        ("book_options", SCHWAB_CALLS, None, ["book_time", "bids"]),
        ("screener_equity", ("NASDAQ_VOLUME_30", "$DJI_PERCENT_CHANGE_UP_60"), None,
         ["items", "sort_field"]),
        ("screener_option", ("OPTION_CALL_TRADES_30", "OPTION_PUT_VOLUME_0"), None,
         ["timestamp", "frequency"]),
    ],
}
ALL_CASES = [pytest.param(provider, *case, id=f"{provider}-{case[0]}")
             for provider, cases in CASES.items() for case in cases]


@pytest.fixture(scope="module", params=PROVIDERS)
def clock_sandbox(request):
    clock = FakeClock(START)
    sandbox = start_sandbox(request, provider=request.param, seed=5, clock=clock)
    streamer(sandbox, tick_interval=0.05)
    return sandbox, clock


@pytest.fixture
def client(clock_sandbox):
    sandbox, _ = clock_sandbox
    api = sandbox_api(sandbox)
    yield api
    api.close()


@pytest.fixture
def stream(client):
    s = client.stream(heartbeat_timeout=30)
    yield s
    s.close()


def provider_case(sandbox, provider):
    if name_of(sandbox) != provider:
        pytest.skip(f"a {provider} case")


def read_until(s, done, timeout=20.0):
    """Data messages until ``done(messages)`` holds (status records skipped)."""
    seen = []
    while not done(seen):
        item = s.next(timeout)
        if isinstance(item, Message):
            seen.append(item)
    return seen


def after(clock, seconds=60.0):
    """Move the sandbox clock; the datetime from which messages are the move's."""
    clock.advance(seconds)
    return dt.datetime.fromtimestamp(clock(), dt.timezone.utc)


def of(messages, key, since=None):
    return [m for m in messages if m.key == key and (since is None or m.time >= since)]


def assert_typed(provider, msg):
    """Every field has the Python type of its kind in the reference's field map; book levels
    and screener rows are typed records."""
    field_map = FIELD_MAPS[provider][msg.streamer_service]
    kinds = dict(zip(field_map.names, field_map.kinds))
    for name, value in msg.fields.items():
        expected = TYPES[kinds[name]]
        assert isinstance(value, expected) and not (
            expected is int and isinstance(value, bool)), (name, value)
        if kinds[name] == "book":
            for level in value:
                assert isinstance(level, BookLevel) and isinstance(level.price, float)
                assert isinstance(level.size, int) and level.market_maker_count == len(
                    level.market_makers) >= 1
                assert level.size == sum(m.size for m in level.market_makers)
                for maker in level.market_makers:
                    assert isinstance(maker, MarketMaker) and isinstance(maker.id, str)
                    assert isinstance(maker.size, int) and isinstance(maker.quote_time, dt.time)
        if kinds[name] == "screener":
            for row in value:
                assert isinstance(row, ScreenerItem) and isinstance(row.last_price, float)
                assert isinstance(row.volume, int) and isinstance(row.symbol, str)


def expected_names(provider, service, fields):
    field_map = FIELD_MAPS[provider][service]
    return set(field_map.names[1:]) if fields is None else set(fields)


@pytest.mark.parametrize("clock_sandbox, service, keys, fields, view", ALL_CASES,
                         indirect=["clock_sandbox"])
def test_subscribe_add_unsubscribe_and_view(stream, clock_sandbox, service, keys, fields,
                                            view):
    sandbox, clock = clock_sandbox
    provider = name_of(sandbox)
    first_key, second_key = keys
    stream.subscribe(service, [first_key], fields)
    streamed = stream.client._service(service)
    names = expected_names(provider, streamed, fields)

    # subscribe: the key arrives with every asked field, each of the reference's type
    (msg,) = of(read_until(stream, lambda seen: of(seen, first_key)), first_key)
    assert msg.streamer_service == streamed and msg.service == service
    assert set(msg.fields) == names
    assert_typed(provider, msg)

    # add: the new key arrives with the same fields, the old one keeps coming
    stream.add(service, [second_key])
    (added,) = of(read_until(stream, lambda seen: of(seen, second_key)), second_key)
    assert set(added.fields) == names
    assert_typed(provider, added)
    since = after(clock)
    moved = read_until(stream, lambda seen: of(seen, first_key, since)
                       and of(seen, second_key, since))
    for later in moved:
        assert_typed(provider, later)

    # unsubscribe: the first key stops, the second goes on
    stream.unsubscribe(service, [first_key])
    (session,) = streamer(sandbox).sessions_of()
    assert session[streamed]["keys"] == [second_key]
    since = after(clock)
    tail = read_until(stream, lambda seen: of(seen, second_key, since))
    again = after(clock)  # the frame of the first move is read whole before this one
    tail += read_until(stream, lambda seen: of(seen, second_key, again))
    assert not of(tail, first_key, since)

    # view: from now on the new fields arrive, and only those
    # (messages sent before the VIEW may still be queued: they carry other fields)
    stream.view(service, view)
    since = after(clock)  # time and sales have no news until the next trade

    def viewed(seen):
        return [m for m in of(seen, second_key) if set(m.fields) <= set(view)]
    seen = read_until(stream, lambda seen: set().union(
        *(set(m.fields) for m in viewed(seen))) == set(view))
    assert all(set(m.fields) <= set(view) for m in of(seen, second_key, since))
    for later in viewed(seen):
        assert_typed(provider, later)


def rest_quote_prices(client, sandbox, key):
    body = client.get_quotes([key])[key]
    quote = body["quote"] if is_schwab(sandbox) else body
    return tuple(quote.get(name, quote.get(f"{name}In{kind}"))
                 for name, kind in (("bidPrice", "Double"), ("askPrice", "Double"),
                                    ("lastPrice", "Double"), ("lastSize", "Long")))


def model_future_option(client, sandbox, clock, key):
    """The sandbox's price of a futures option at the clock's instant: the Schwab REST
    quote (TD's REST quotes have no futures options), else the quote model."""
    if is_schwab(sandbox):
        body = client.get_quotes([key])[key]
        assert body["assetMainType"] == "FUTURE_OPTION" and set(body["reference"]) == {
            "contractType", "description", "exchange", "exchangeName", "multiplier",
            "expirationDate", "expirationStyle", "strikePrice", "underlying"}
        assert {"settlemetPrice", "netPercentChange", "quoteTime"} <= set(body["quote"])
        return body["quote"]
    with pytest.raises(ResourceNotFound, match=f"No quote for {re.escape(key)}"):
        client.get_quotes([key])
    return quote(sandbox.seed, key, clock(), False)


@pytest.mark.parametrize("root, strike", [("ES", "4500"), ("CL", "77.5"), ("GC", "1800")])
def test_futures_options_stream_the_prices_of_the_model_at_the_same_instant(
        stream, client, clock_sandbox, root, strike):
    sandbox, clock = clock_sandbox
    key = f"./{root}H{'27' if is_schwab(sandbox) else '7'}C{strike}"
    stream.subscribe_futures_options([key], ["bid", "ask", "last", "quote_time"])
    latest: dict = {}  # a message carries only what changed: the values so far
    since = None
    for _ in range(3):  # now and after two moves of the clock
        for msg in of(read_until(stream, lambda seen, s=since: of(seen, key, s)), key):
            latest.update(msg.fields)
        model = model_future_option(client, sandbox, clock, key)
        assert {k: latest[k] for k in ("bid", "ask", "last")} == {
            k: model[f"{k}Price"] for k in ("bid", "ask", "last")}
        assert 0 < model["bidPrice"] < model["askPrice"]
        since = after(clock)
    assert msg.streamer_service == "LEVELONE_FUTURES_OPTIONS"


def test_unlisted_or_misspelled_futures_options_stream_nothing(stream, client, clock_sandbox):
    sandbox, clock = clock_sandbox
    schwab = is_schwab(sandbox)
    listed = (SCHWAB_FUTURE_OPTIONS if schwab else TD_FUTURE_OPTIONS)[0]
    unknown = ["./ESH27C4525", "./ESG27C4500", "./ZZH27C4500", "./ESH7C4500"] if schwab else [
        "./ESH7C4525", "./ESG7C4500", "./ZZH7C4500", "./ESH27C4500"]
    stream.subscribe_futures_options([*unknown, listed])
    seen = read_until(stream, lambda seen: of(seen, listed))
    since = after(clock)
    seen += read_until(stream, lambda seen: of(seen, listed, since))
    assert {m.key for m in seen} == {listed}
    if schwab:  # REST agrees: unknown symbols
        with pytest.raises(ResourceNotFound, match=r"No quote for \./ESH27C4525, \./ESG27C45"):
            client.get_quotes(unknown)


@pytest.mark.parametrize("venue", ["nasdaq", "listed", "options"])
def test_the_best_book_level_is_the_rest_quote_of_the_same_instant(stream, client,
                                                                   clock_sandbox, venue):
    sandbox, clock = clock_sandbox
    if venue == "listed" and is_schwab(sandbox):
        venue = "nyse"
    key = {"options": (SCHWAB_CALLS if is_schwab(sandbox) else TD_CALLS)[0]}.get(venue, "MSFT")
    stream.subscribe_book([key], venue=venue)
    since = None
    for _ in range(3):  # now and after two moves of the clock
        book = of(read_until(stream, lambda seen, s=since: of(seen, key, s)), key, since)[-1]
        bid, ask, _, _ = rest_quote_prices(client, sandbox, key)
        assert (book["bids"][0].price, book["asks"][0].price) == (bid, ask)
        bids, asks = [lv.price for lv in book["bids"]], [lv.price for lv in book["asks"]]
        assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and asks[0] > bids[0]
        since = after(clock)


def test_time_and_sales_prices_are_the_rest_last_trades(stream, client, clock_sandbox):
    sandbox, clock = clock_sandbox
    provider_case(sandbox, "tdameritrade")
    stream.subscribe_timesales(["MSFT"])
    (trade,) = read_until(stream, lambda seen: of(seen, "MSFT"))
    _, _, last, size = rest_quote_prices(client, sandbox, "MSFT")
    assert (trade["last"], trade["last_size"]) == (last, size)
    assert trade["trade_time"] <= dt.datetime.fromtimestamp(clock(), dt.timezone.utc)


def test_time_and_sales_send_every_trade_since_the_last_message(stream, client,
                                                                clock_sandbox):
    sandbox, clock = clock_sandbox
    provider_case(sandbox, "tdameritrade")
    stream.subscribe_timesales(["/ES"], asset="futures")
    (first,) = read_until(stream, lambda seen: of(seen, "/ES"))
    since = after(clock, 3 * 60)  # three minutes at once: a trade for each minute
    trades = of(read_until(stream, lambda seen: len(of(seen, "/ES", since)) >= 3), "/ES")
    times = [first["trade_time"], *(t["trade_time"] for t in trades)]
    assert [b - a for a, b in zip(times, times[1:])] == [dt.timedelta(minutes=1)] * 3
    assert [t.seq for t in trades] == [first.seq + 1, first.seq + 2, first.seq + 3]
    sequences = [first["last_sequence"], *(t["last_sequence"] for t in trades)]
    assert sequences == sorted(sequences)
    assert trades[-1]["last"] == rest_quote_prices(client, sandbox, "/ES")[2]


def test_time_and_sales_of_options_is_accepted_and_silent_as_on_td(stream, clock_sandbox):
    sandbox, clock = clock_sandbox
    provider_case(sandbox, "tdameritrade")
    stream.subscribe_timesales([TD_CALLS[0]], asset="options")
    stream.subscribe_timesales(["AAPL"])
    since = after(clock)
    seen = read_until(stream, lambda seen: of(seen, "AAPL", since))
    since = after(clock)
    seen += read_until(stream, lambda seen: of(seen, "AAPL", since))
    assert not [m for m in seen if m.service == "timesales_options"]
    (session,) = streamer(sandbox).sessions_of()
    assert session["TIMESALE_OPTIONS"]["keys"] == [TD_CALLS[0]]


def test_schwab_has_no_time_and_sales_and_says_what_it_has(stream, clock_sandbox):
    sandbox, _ = clock_sandbox
    provider_case(sandbox, "schwab")
    with pytest.raises(ValidationError, match=r"no service 'timesales'; use one of: quotes"):
        stream.subscribe_timesales(["AAPL"])


@pytest.mark.parametrize("key, sort, order", [
    ("NASDAQ_VOLUME_30", "VOLUME", lambda r: -r.volume),
    ("$DJI_PERCENT_CHANGE_UP_60", "PERCENT_CHANGE_UP", lambda r: -r.net_percent_change),
    ("$SPX.X_TRADES_0", "TRADES", lambda r: -r.trades),
    ("EQUITY_ALL_PERCENT_CHANGE_DOWN_5", "PERCENT_CHANGE_DOWN", lambda r: r.net_percent_change),
])
def test_screeners_are_the_rest_movers_sorted_as_the_key_says(stream, client, clock_sandbox,
                                                              key, sort, order):
    sandbox, _ = clock_sandbox
    provider_case(sandbox, "schwab")
    stream.subscribe_screener([key])
    (msg,) = of(read_until(stream, lambda seen: of(seen, key)), key)
    assert msg["sort_field"] == sort and msg["frequency"] == int(key.rsplit("_", 1)[1])
    items = msg["items"]
    assert items and items == sorted(items, key=lambda r: (order(r), r.symbol))
    prefix = key[: -len(f"_{sort}_{msg['frequency']}")]
    rest = client.get_movers("$SPX" if prefix == "$SPX.X" else prefix, sort=sort)["screeners"]
    assert [(r.symbol, r.last_price, r.volume, r.net_percent_change) for r in items] == [
        (r["symbol"], r["lastPrice"], r["volume"], r["netPercentChange"]) for r in rest]
    if sort == "PERCENT_CHANGE_UP":
        assert all(r.net_percent_change > 0 for r in items)


def test_a_malformed_screener_key_is_refused_with_the_format(stream, clock_sandbox):
    sandbox, _ = clock_sandbox
    provider_case(sandbox, "schwab")
    with pytest.raises(ValidationError, match=r"'NASDAQ_VOLUME' is not a screener key: use "
                                              r"PREFIX_SORTFIELD_FREQUENCY such as NASDAQ_VOL"):
        stream.subscribe_screener(["NASDAQ_VOLUME"])


def test_account_activity_refuses_view_and_unsubscribes(stream, clock_sandbox):
    sandbox, _ = clock_sandbox
    stream.subscribe_activity()
    code = 25
    with pytest.raises(StreamCommandError, match=rf"refused VIEW ACCT_ACTIVITY \(code {code}: "
                                                 r"VIEW command failed"):
        stream.view("activity", ["account"])
    stream.unsubscribe("activity")
    (session,) = streamer(sandbox).sessions_of()
    assert session["ACCT_ACTIVITY"]["keys"] == []


def test_futures_chart_history_answers_a_get_with_the_streamed_bars(client, clock_sandbox):
    sandbox, clock = clock_sandbox
    provider_case(sandbox, "tdameritrade")

    async def run():
        async with AsyncStream(client) as s:
            hour = await s.get_chart_history_futures("/ES", "m1", period="d1")
            await s.subscribe("chart_futures", ["/ES"])
            while True:
                bar = await s.next()
                if isinstance(bar, Message):
                    break
            five = await s.get_chart_history_futures(
                "/ES", "m5", start=bar["chart_time"] - dt.timedelta(hours=1),
                end=bar["chart_time"] + dt.timedelta(minutes=1))
            return hour, bar, five

    hour, bar, five = asyncio.run(run())
    assert hour and all(isinstance(c, Candle) and isinstance(c.time, dt.datetime)
                        and isinstance(c.close, float) for c in hour)
    now = dt.datetime.fromtimestamp(clock(), dt.timezone.utc)
    assert hour[-1].time + dt.timedelta(minutes=1) <= now
    (same,) = [c for c in hour if c.time == bar["chart_time"]]
    assert (same.open, same.high, same.low, same.close, same.volume) == (
        bar["open"], bar["high"], bar["low"], bar["close"], bar["volume"])
    start = bar["chart_time"] - dt.timedelta(hours=1)
    assert len(five) in (11, 12) and all(b.time.minute % 5 == 0 and b.time >= start
                                         for b in five)


def test_chart_history_refusals_say_what_to_pass(client, clock_sandbox):
    sandbox, _ = clock_sandbox

    async def run(call):
        async with AsyncStream(client) as s:
            return await call(s)

    if is_schwab(sandbox):
        with pytest.raises(StreamCommandError, match="use the REST price history"):
            asyncio.run(run(lambda s: s.get_chart_history_futures("/ES", period="d1")))
        return
    with pytest.raises(StreamCommandError, match=r"code 21: .*frequency 'x' is not one of m1"):
        asyncio.run(run(lambda s: s.get_chart_history_futures("/ES", "x", period="d1")))
    with pytest.raises(ValidationError, match="Pass either period"):
        asyncio.run(run(lambda s: s.get_chart_history_futures("/ES")))
    with pytest.raises(StreamCommandError, match=r"answers a GET.*get_chart_history_futures"):
        asyncio.run(run(lambda s: s.subscribe("chart_history_futures", ["/ES"])))

"""The stream client against the sandbox streamer, both providers: login, subscribe, add,
unsubscribe, view, field names and types, and quotes equal to REST quotes of the same instant."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from pyTD.cache.conformance import FakeClock
from pyTD.exceptions import ConfigurationError, StreamCommandError, ValidationError
from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.streaming import streamer
from pyTD.streaming import Message, Status
from tests.support.sandboxes import start_sandbox

from .providers import PROVIDERS, is_schwab

FIELDS = ["bid", "ask", "last", "volume", "bid_size", "quote_time"]


@pytest.fixture(params=PROVIDERS)
def clock_sandbox(request):
    clock = FakeClock(1_800_000_000.0)
    return start_sandbox(request, provider=request.param, seed=5, clock=clock), clock


@pytest.fixture
def stream(clock_sandbox):
    sandbox, _ = clock_sandbox
    streamer(sandbox, tick_interval=0.05)
    client = sandbox_api(sandbox)
    s = client.stream(heartbeat_timeout=30)
    yield s
    s.close()
    client.close()


def data(s, count=1, timeout=20.0):
    """The next ``count`` data messages (status records skipped)."""
    out = []
    while len(out) < count:
        item = s.next(timeout)
        if isinstance(item, Message):
            out.append(item)
    return out


def rest_quote(client, sandbox, symbol):
    body = client.get_quotes([symbol])[symbol]
    if is_schwab(sandbox):
        q = body["quote"]
        return q["bidPrice"], q["askPrice"], q["lastPrice"], q["totalVolume"], q["bidSize"]
    return (body["bidPrice"], body["askPrice"], body["lastPrice"], body["totalVolume"],
            body["bidSize"])


def test_login_then_quotes_carry_the_asked_fields_by_name_and_type(stream, clock_sandbox):
    sandbox, _ = clock_sandbox
    stream.subscribe_quotes(["AAPL", "MSFT"], fields=FIELDS)
    first = data(stream, 2)
    assert {m.key for m in first} == {"AAPL", "MSFT"}
    for msg in first:
        assert msg.service == "quotes"
        assert msg.streamer_service == ("LEVELONE_EQUITIES" if is_schwab(sandbox) else "QUOTE")
        assert set(msg.fields) == set(FIELDS)
        assert isinstance(msg["bid"], float) and isinstance(msg["volume"], int)
        assert isinstance(msg["quote_time"], dt.datetime) and msg["quote_time"].tzinfo
        assert msg.time.tzinfo is not None
        assert msg.raw["key"] == msg.key and "1" in msg.raw  # the wire's numeric ids kept
    assert sandbox.stats()["streamer"]["logins"] == 1


def test_streamed_quotes_equal_the_rest_quotes_of_the_same_instant(stream, clock_sandbox):
    sandbox, _ = clock_sandbox
    client = stream.client.api
    stream.subscribe_quotes(["AAPL", "MSFT"], fields=FIELDS)
    for msg in data(stream, 2):
        assert (msg["bid"], msg["ask"], msg["last"], msg["volume"], msg["bid_size"]) \
            == rest_quote(client, sandbox, msg.key)


def test_add_keeps_the_others_and_unsubscribe_stops_only_the_named(stream, clock_sandbox):
    sandbox, clock = clock_sandbox
    stream.subscribe_quotes("AAPL", fields=["bid", "last"])
    assert data(stream)[0].key == "AAPL"
    stream.add("quotes", ["MSFT"])
    added = data(stream)[0]
    assert added.key == "MSFT" and set(added.fields) == {"bid", "last"}
    stream.unsubscribe("quotes", ["AAPL"])
    (session,) = streamer(sandbox).sessions_of()
    service = "LEVELONE_EQUITIES" if is_schwab(sandbox) else "QUOTE"
    assert session[service]["keys"] == ["MSFT"]
    clock.advance(6 * 3600)  # into the session: prices move, the next tick has news
    assert data(stream)[0].key == "MSFT"


def test_view_changes_the_fields_of_every_key(stream, clock_sandbox):
    stream.subscribe_quotes(["AAPL"], fields=["bid"])
    assert set(data(stream)[0].fields) == {"bid"}
    stream.view("quotes", ["mark", "high", "low"])
    assert set(data(stream)[0].fields) == {"mark", "high", "low"}


def test_chart_bars_have_named_fields_and_the_minute_they_cover(stream, clock_sandbox):
    _, clock = clock_sandbox
    stream.subscribe_chart("AAPL")
    bar = data(stream)[0]
    assert bar.service == "chart" and bar.key == "AAPL" and isinstance(bar.seq, int)
    assert {"open", "high", "low", "close", "volume", "sequence", "chart_time",
            "chart_day"} <= set(bar.fields)
    assert bar["low"] <= min(bar["open"], bar["close"]) <= max(bar["open"], bar["close"]) \
        <= bar["high"]
    minute = int(clock()) // 60 * 60 - 60
    assert bar["chart_time"] == dt.datetime.fromtimestamp(minute, dt.timezone.utc)
    assert isinstance(bar["chart_day"], dt.date)


def test_a_status_record_opens_the_stream(stream):
    stream.subscribe_quotes("AAPL", fields=["bid"])
    first = stream.next(20)
    assert isinstance(first, Status) and first.kind == "connected"


def test_unknown_field_names_are_refused_with_the_list_of_fields(stream):
    with pytest.raises(ValidationError, match=r"no field 'bidd'.*its fields are: bid, ask"):
        stream.subscribe_quotes(["AAPL"], fields=["bidd"])


def test_unknown_services_are_refused_with_the_list_of_services(stream):
    with pytest.raises(ValidationError, match="no service 'news'; use one of: quotes"):
        stream.subscribe("news", ["AAPL"])


def test_empty_symbol_lists_are_refused_with_what_to_pass(stream):
    with pytest.raises(StreamCommandError, match="Pass one or more symbols"):
        stream.subscribe_quotes([])


def test_without_websockets_the_error_names_the_extra(clock_sandbox, monkeypatch):
    from pyTD.streaming import websockets_module

    sandbox, _ = clock_sandbox
    client = sandbox_api(sandbox)
    websockets_module.cache_clear()
    monkeypatch.setitem(sys.modules, "websockets", None)
    try:
        with pytest.raises(ConfigurationError, match=r"pytd-ameritrade\[stream\]"):
            client.stream()
    finally:
        monkeypatch.undo()
        websockets_module.cache_clear()


def test_chart_bars_are_the_candles_of_the_price_history(stream, clock_sandbox):
    _, clock = clock_sandbox
    clock.advance(7 * 3600)  # 10:00 ET, in the regular session
    stream.subscribe_chart("AAPL")
    bar = data(stream)[0]
    start = bar["chart_time"]
    history = stream.client.api.get_price_history(
        "AAPL", frequency=1, start_date=start, end_date=start + dt.timedelta(minutes=1))
    (candle,) = [c for c in history["candles"]
                 if c["datetime"] == int(start.timestamp() * 1000)]
    assert (bar["open"], bar["high"], bar["low"], bar["close"], bar["volume"]) == (
        candle["open"], candle["high"], candle["low"], candle["close"], candle["volume"])

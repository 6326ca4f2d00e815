"""The three ways to consume a stream (blocking iterator, ``async for``, callbacks), the asyncio
client in the caller's loop, the pandas helper and TD's quality of service."""

from __future__ import annotations

import asyncio
import threading

import pytest

from pyTD.cache.conformance import FakeClock
from pyTD.exceptions import StreamCommandError
from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.streaming import streamer
from pyTD.streaming import Message, Status
from tests.support.sandboxes import start_sandbox

from .providers import PROVIDERS, only


@pytest.fixture(params=PROVIDERS)
def sandbox(request):
    sandbox = start_sandbox(request, provider=request.param, seed=8, clock=FakeClock())
    streamer(sandbox, tick_interval=0.05)
    return sandbox


@pytest.fixture
def client(sandbox):
    client = sandbox_api(sandbox)
    yield client
    client.close()


def test_a_blocking_for_loop_over_the_stream(client):
    with client.stream() as s:
        s.subscribe_quotes(["AAPL", "MSFT"], fields=["bid"])
        keys = set()
        for msg in s:
            if isinstance(msg, Message):
                keys.add(msg.key)
            if keys == {"AAPL", "MSFT"}:
                break


def test_async_for_over_the_blocking_stream_does_not_block_the_caller_s_loop(client):
    async def run():
        with client.stream() as s:
            s.subscribe_quotes(["AAPL"], fields=["bid", "ask"])
            async for msg in s:
                if isinstance(msg, Message):
                    return msg

    assert asyncio.run(run()).key == "AAPL"


def test_the_asyncio_client_runs_in_the_caller_s_loop(client):
    async def run():
        async with client.stream(asynchronous=True) as s:
            await s.subscribe_quotes(["MSFT"], fields=["last"])
            await s.subscribe_chart("MSFT")
            seen = set()
            async for msg in s:
                if isinstance(msg, Message):
                    seen.add(msg.service)
                if seen == {"quotes", "chart"}:
                    return seen

    assert asyncio.run(run()) == {"quotes", "chart"}


def test_callbacks_per_service_receive_their_messages(client):
    got, done = [], threading.Event()

    def on_chart(msg):
        got.append(msg)
        done.set()

    with client.stream() as s:
        s.on("chart", on_chart)
        s.subscribe_quotes(["AAPL"], fields=["bid"])
        s.subscribe_chart("AAPL")
        assert done.wait(20)
        assert {m.service for m in got} == {"chart"}
        first = s.next(20)
        assert isinstance(first, Status)
        assert s.next(20).service == "quotes"  # quotes still queue for iteration


def test_td_quality_of_service_is_sent_at_login(client, sandbox):
    only(sandbox, "tdameritrade", "Schwab's streamer has no QOS")
    with client.stream(qos=0) as s:
        s.subscribe_quotes(["AAPL"], fields=["bid"])
    assert sandbox.stats()["streamer"]["logins"] == 1


def test_account_activity_subscribes_with_the_provider_s_key(client, sandbox):
    with client.stream() as s:
        s.subscribe_activity()
        if sandbox.provider.name == "tdameritrade":  # TD's first message: SUBSCRIBED
            msg = next(m for m in s if isinstance(m, Message))
            assert (msg.service, msg["message_type"]) == ("activity", "SUBSCRIBED")
            assert msg.key == s.client._envelope.activity_key and msg["account"]
        (session,) = streamer(sandbox).sessions_of()
        assert list(session) == ["ACCT_ACTIVITY"]


def test_a_refused_command_says_which_and_why(client, sandbox):
    only(sandbox, "schwab", "Schwab's streamer rejects ADD on account activity (code 24)")
    with client.stream() as s:
        s.subscribe_activity()
        with pytest.raises(StreamCommandError, match=r"refused ADD ACCT_ACTIVITY \(code 24"):
            s.add("activity", ["more"])


def test_orders_placed_and_cancelled_arrive_as_account_activity(client, sandbox):
    order = {"orderType": "LIMIT", "price": 10.5, "session": "NORMAL", "duration": "DAY",
             "orderStrategyType": "SINGLE",
             "orderLegCollection": [{"instruction": "BUY", "quantity": 15,
                                     "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]}
    schwab = sandbox.provider.name == "schwab"
    account = "123456789"
    with client.stream() as s:
        s.subscribe_activity()
        if not schwab:  # TD confirms the subscription with a message: then it surely holds
            while not (isinstance(msg := s.next(20), Message)
                       and msg["message_type"] == "SUBSCRIBED"):
                pass
        order_id = client.place_order(account, order)
        client.cancel_order(account, order_id)
        events = []
        while len(events) < 2:
            msg = s.next(20)
            if isinstance(msg, Message) and msg["message_type"] != "SUBSCRIBED":
                events.append(msg)
    assert [m["message_type"] for m in events] == (
        ["OrderCreated", "CancelAccepted"] if schwab else ["OrderEntryRequest", "UROUT"])
    assert all(m["account"] == account and str(order_id) in m["message_data"] for m in events)
    assert events[1].seq == events[0].seq + 1


def test_a_queued_order_s_fill_at_the_open_arrives_as_account_activity(client, sandbox):
    """Fills follow the sandbox's clock: the stream reports one with no REST call to prompt it."""
    order = {"orderType": "MARKET", "session": "NORMAL", "duration": "DAY",
             "orderStrategyType": "SINGLE",
             "orderLegCollection": [{"instruction": "BUY", "quantity": 3,
                                     "instrument": {"symbol": "MSFT", "assetType": "EQUITY"}}]}
    account = "123456789"
    order_id = client.place_order(account, order)   # Tuesday 17:13 in New York: queued
    assert client.get_order(account, order_id)["status"] == "QUEUED"
    filled = "OrderFillCompleted" if sandbox.provider.name == "schwab" else "OrderFill"
    with client.stream() as s:
        s.subscribe_activity()
        sandbox.clock.advance(16.5 * 3600)           # Wednesday 09:43: the market is open
        kinds = []
        while filled not in kinds:
            msg = s.next(20)
            if isinstance(msg, Message):
                kinds.append(msg["message_type"])
                assert msg["message_type"] in ("SUBSCRIBED", filled), kinds
        assert str(order_id) in msg["message_data"]


def test_the_blocking_stream_fetches_td_s_futures_chart_history(client, sandbox):
    only(sandbox, "tdameritrade", "Schwab's streamer has no futures chart history")

    async def from_asyncio():
        async with client.stream(asynchronous=True) as s:
            return await s.get_chart_history_futures("/ES", "m5", period="d1")

    with client.stream() as s:
        bars = s.get_chart_history_futures("/ES", "m5", period="d1")
    assert bars and bars == asyncio.run(from_asyncio())   # the sandbox clock is frozen
    assert all(bar.time.minute % 5 == 0 for bar in bars)

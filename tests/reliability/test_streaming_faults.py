"""The stream keeps going through drops, stalls, malformed frames and refused logins, with
2-second access tokens, and gives up with typed errors only when it must."""

from __future__ import annotations

import math
import time

import pytest

from pyTD.cache.conformance import FakeClock
from pyTD.exceptions import (
    AuthorizationError,
    StreamConnectionLimitError,
    StreamGaveUpError,
    StreamLoginError,
)
from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.streaming import streamer
from pyTD.streaming import Backoff, Message, Status
from tests.support.sandboxes import start_sandbox

PROVIDERS = ("tdameritrade", "schwab")
EXPECTED = {("quotes", "AAPL"), ("quotes", "MSFT"), ("chart", "AAPL")}
QUICK = Backoff(first=0.05, maximum=0.4, jitter=0.5, attempts=40)


@pytest.fixture(params=PROVIDERS)
def make(request):
    """``make(**sandbox_options) -> (sandbox, streamer, stream)``, closed after the test."""
    made = []

    def build(stream_options=None, api_options=None, **options):
        sandbox = start_sandbox(request, provider=request.param, seed=3, **options)
        server = streamer(sandbox, tick_interval=0.05, heartbeat_interval=0.2)
        client = sandbox_api(sandbox, **(api_options or {}))
        stream = client.stream(**{"heartbeat_timeout": 2.0, "backoff": QUICK,
                                  **(stream_options or {})})
        made.append((client, stream))
        return sandbox, server, stream

    yield build
    for client, stream in made:
        stream.close()
        client.close()


def subscribe(stream):
    # trade_time moves with the clock, so every tick has news for every quote
    stream.subscribe_quotes(["AAPL", "MSFT"], fields=["bid", "ask", "last", "trade_time"])
    stream.subscribe_chart("AAPL")


def until_restored(stream, timeout=30.0):
    """Read until a ``reconnected`` status, then until every subscription sent again."""
    statuses, seen = [], None
    while seen is None or not seen >= EXPECTED:
        item = stream.next(timeout)
        if isinstance(item, Status):
            statuses.append(item)
            if item.kind == "reconnected":
                seen = set()
        elif seen is not None:
            seen.add((item.service, item.key))
    return statuses


def read(stream, count, timeout=30.0):
    items = [stream.next(timeout) for _ in range(count)]
    return [i for i in items if isinstance(i, Message)], [i for i in items if isinstance(i, Status)]


def test_ten_drops_with_two_second_tokens_lose_no_subscription(make):
    sandbox, server, stream = make(access_token_lifetime=2)
    subscribe(stream)
    read(stream, 10)
    grants_before = sandbox.stats()["grants"]["refresh_token"]
    started = time.monotonic()
    for _ in range(10):
        assert server.drop_connections() == 1
        statuses = until_restored(stream)
        assert [s.kind for s in statuses] == ["disconnected", "reconnected"]
        assert statuses[-1].text.startswith("reconnected after ")
        assert statuses[-1].text.endswith(", 3 subscriptions restored")
        messages, _ = read(stream, 12)  # the stream flows on between drops
        assert {m.key for m in messages if m.service == "quotes"} == {"AAPL", "MSFT"}
    elapsed = time.monotonic() - started
    assert stream.client.reconnects == 10
    grants = sandbox.stats()["grants"]["refresh_token"] - grants_before
    assert grants <= math.ceil(elapsed / 2) + 1  # at most one refresh per 2-second window
    assert stream.dropped == {}


def test_silence_without_heartbeats_is_detected_and_the_stream_reconnects(make):
    _, server, stream = make()
    subscribe(stream)
    read(stream, 5)
    assert server.stall_connections(600) == 1
    until_restored(stream)
    assert stream.client.reconnects == 1


def test_malformed_frames_are_skipped_and_counted(make):
    _, server, stream = make()
    subscribe(stream)
    read(stream, 3)
    server.set_faults(malformed=0.3, seed=4)
    messages, statuses = read(stream, 60)
    assert messages and any(s.kind == "malformed" for s in statuses)
    assert stream.client.malformed > 0


def test_a_refused_login_refreshes_the_token_once_and_logs_in_again(make):
    sandbox, server, stream = make()
    subscribe(stream)
    read(stream, 3)
    grants_before = sandbox.stats()["grants"]["refresh_token"]
    server.refuse_logins(1)
    server.drop_connections()
    until_restored(stream)
    assert sandbox.stats()["grants"]["refresh_token"] - grants_before == 1
    assert sandbox.stats()["streamer"]["login_denied"] == 1


def test_a_login_refused_even_after_a_refresh_ends_with_advice(make):
    _, server, stream = make()
    subscribe(stream)
    read(stream, 3)
    server.refuse_logins(2)
    server.drop_connections()
    with pytest.raises(StreamLoginError, match="authorize again with `pytd auth login`"):
        read(stream, 1000)


def test_an_expired_refresh_token_ends_the_stream_with_the_api_s_advice(make):
    clock = FakeClock(time.time())  # the sandbox's and the api's
    _, server, stream = make(access_token_lifetime=2, refresh_token_lifetime=2, clock=clock,
                             api_options={"clock": clock})
    subscribe(stream)
    read(stream, 3)
    clock.advance(3)  # past the refresh token's lifetime
    server.drop_connections()
    with pytest.raises(AuthorizationError, match="pytd auth login"):
        read(stream, 1000)


def test_an_unreachable_streamer_is_given_up_after_the_attempts(make):
    _, server, stream = make(stream_options={"backoff": Backoff(first=0.01, attempts=3)})
    subscribe(stream)
    read(stream, 3)
    server.stop()
    with pytest.raises(StreamGaveUpError, match=r"after 3 attempts\. Check the network"):
        read(stream, 1000)


def test_a_second_stream_of_the_same_user_closes_the_first_with_advice(make):
    sandbox, _, first = make()
    subscribe(first)
    read(first, 3)
    client = sandbox_api(sandbox)
    second = client.stream()
    try:
        second.subscribe_quotes("AAPL", fields=["bid"])
        with pytest.raises(StreamConnectionLimitError, match="Close the other stream"):
            read(first, 1000)
    finally:
        second.close()
        client.close()

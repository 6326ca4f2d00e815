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
    """``make(**sandbox_options) -> (sandbox, streamer, stream)``. The stream and its api are
    closed before the sandbox stops (finalizers run last first), so a stream never spends
    its teardown reconnecting to a sandbox that is gone."""

    def build(stream_options=None, api_options=None, **options):
        sandbox = start_sandbox(request, provider=request.param, seed=3, **options)
        server = streamer(sandbox, tick_interval=0.05, heartbeat_interval=0.2)
        client = sandbox_api(sandbox, **(api_options or {}))
        request.addfinalizer(client.close)
        stream = client.stream(**{"heartbeat_timeout": 2.0, "backoff": QUICK,
                                  **(stream_options or {})})
        request.addfinalizer(stream.close)
        return sandbox, server, stream

    return build


def subscribe(stream):
    # trade_time moves with the clock (except in the last second of each sandbox minute),
    # so every tick has news for every quote
    stream.subscribe_quotes(["AAPL", "MSFT"], fields=["bid", "ask", "last", "trade_time"])
    stream.subscribe_chart("AAPL")


def until_restored(stream, timeout=30.0):
    """Items read until a ``reconnected`` status, then until every subscription sent again."""
    items, seen = [], None
    while seen is None or not seen >= EXPECTED:
        item = stream.next(timeout)
        items.append(item)
        if isinstance(item, Status):
            if item.kind == "reconnected":
                seen = set()
        elif seen is not None:
            seen.add((item.service, item.key))
    return items


def read(stream, count, timeout=30.0):
    items = [stream.next(timeout) for _ in range(count)]
    return [i for i in items if isinstance(i, Message)], [i for i in items if isinstance(i, Status)]


#: A Wednesday, 10:30:00.25 in New York: the sandbox's market is open, and with the seed
#: every quote and bar of the run is fixed.
MARKET_OPEN = 1_796_225_400.25
#: A drop every 3 s of sandbox time: 60 s. Steps of 1 s, so that each has news for both
#: quotes (one step of any two 1 s apart falls outside a minute's last second).
DROPS, STEPS_PER_DROP, STEP = 20, 3, 1.0
TOKEN_LIFETIME = 2.0


def until_quotes(stream, now, timeout=30.0):
    """Items read until AAPL's and MSFT's quotes of sandbox time ``now`` have arrived."""
    items, waiting = [], {"AAPL", "MSFT"}
    while waiting:
        item = stream.next(timeout)
        items.append(item)
        if isinstance(item, Message) and item.service == "quotes" \
                and abs(item.time.timestamp() - now) < 0.002:
            waiting.discard(item.key)
    return items


def epochs(items):
    """The items after each ``reconnected`` status, up to the next ``disconnected``."""
    runs, current = [], None
    for item in items:
        if isinstance(item, Status) and item.kind == "disconnected":
            current = None
        elif isinstance(item, Status) and item.kind == "reconnected":
            current = []
            runs.append(current)
        elif current is not None:
            current.append(item)
    return runs


def test_twenty_drops_in_sixty_seconds_of_two_second_tokens_lose_no_message(make, figure):
    """60 s of sandbox time, moved by the test (so the machine's load cannot change what
    happens): 1 s steps, each a tick with news for both quotes; every third step the
    connection is cut while a REST call needs the same expired token. The streamed
    messages are compared with what the sandbox sent, step by step."""
    clock = FakeClock(MARKET_OPEN)
    sandbox, server, stream = make(access_token_lifetime=TOKEN_LIFETIME, clock=clock,
                                   api_options={"clock": clock})
    api = stream.client.api
    subscribe(stream)
    items = until_quotes(stream, clock())
    grants_before = sandbox.stats()["grants"]["refresh_token"]
    wall = time.monotonic()
    for _ in range(DROPS):
        for _ in range(STEPS_PER_DROP):
            clock.advance(STEP)
            items += until_quotes(stream, clock())
        # the access token is 3 s old: the stream and this REST call need one refresh
        assert server.drop_connections() == 1
        assert api.get_quotes("AAPL")["AAPL"]["symbol"] == "AAPL"
        items += until_restored(stream)
    wall = time.monotonic() - wall
    elapsed = DROPS * STEPS_PER_DROP * STEP
    grants = sandbox.stats()["grants"]["refresh_token"] - grants_before

    assert sandbox.stats()["streamer"]["drops"] == DROPS
    statuses = [i for i in items if isinstance(i, Status)]
    assert [s.kind for s in statuses] == ["connected"] + ["disconnected", "reconnected"] * DROPS
    assert all(s.text.startswith("reconnected after ") and s.restored == 3
               and s.text.endswith(", 3 subscriptions restored") for s in statuses[2::2])
    runs = epochs(items)
    assert len(runs) == DROPS
    for run in runs:  # every subscription is back, its snapshot first
        assert {(m.service, m.key) for m in run[:3]} == EXPECTED
    data = [i for i in items if isinstance(i, Message)]
    step_times = [MARKET_OPEN + n * STEP for n in range(DROPS * STEPS_PER_DROP + 1)]
    for key in ("AAPL", "MSFT"):  # a message of every tick, in order, nothing skipped
        quotes = [m for m in data if m.service == "quotes" and m.key == key]
        times = [round(m.time.timestamp(), 2) for m in quotes]
        assert sorted(set(times)) == [round(t, 2) for t in step_times]
        assert times == sorted(times)
        trades = [m["trade_time"] for m in quotes if "trade_time" in m.fields]
        assert trades == sorted(trades)
    bars = [m.seq for m in data if m.service == "chart"]
    assert bars == sorted(bars) and bars[-1] == bars[0] + 1  # the 10:31 bar came too
    assert grants <= math.ceil(elapsed / TOKEN_LIFETIME) + 1  # one refresh per expiry window
    assert stream.dropped == {}
    figure(f"stream drops ({stream.client.provider})",
           f"{DROPS} drops in {elapsed:.0f} s of sandbox time with {TOKEN_LIFETIME:.0f} s "
           f"tokens, {grants} refresh grants, {len(data)} messages, {wall:.1f} s wall")


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


def test_a_next_that_timed_out_takes_no_message_with_it(make):
    """Polling with ``next(timeout)`` through quiet spells: each message that arrives
    afterwards still reaches the consumer."""
    clock = FakeClock(MARKET_OPEN)  # frozen: no news after the snapshots, heartbeats only
    _, _, stream = make(clock=clock, api_options={"clock": clock})
    subscribe(stream)
    seen = set()
    while seen != EXPECTED:
        item = stream.next(30)
        if isinstance(item, Message):
            seen.add((item.service, item.key))
    for _ in range(3):
        with pytest.raises(TimeoutError):
            stream.next(0.3)
    clock.advance(STEP)
    items = until_quotes(stream, clock(), timeout=10)
    assert [i.key for i in items if isinstance(i, Message)] == ["AAPL", "MSFT"]

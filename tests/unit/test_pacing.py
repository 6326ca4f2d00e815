"""The pacer on a fake clock: slots, windows counted from when requests finish, waits told."""

from __future__ import annotations

import io

import pytest

from pyTD.api import api
from pyTD.cache.memory import MemCache
from pyTD.exceptions import ConfigurationError, ValidationError
from pyTD.pacing import STALE_AFTER, LocalSlots, Pacer, Quota, WaitListeners, paced, quota_for
from pyTD.progress import WAIT_TEXT, CallbackProgress, LineProgress, start
from pyTD.provider import APP_QUOTA
from pyTD.transport import QuotaRetry, build_session

SMALL = Quota(3, 10.0)


def fake_pacer(clock, quota=SMALL, **kwargs):
    return Pacer(quota, clock=clock, sleep=clock.advance, **kwargs)


def test_under_the_quota_nothing_waits(clock):
    pacer = fake_pacer(clock)
    start_time = clock()
    for _ in range(3):
        pacer.release(pacer.acquire())
    assert clock() == start_time


def test_the_next_request_waits_a_window_after_the_oldest_finished(clock):
    pacer = fake_pacer(clock)
    began = clock()
    slots = [pacer.acquire() for _ in range(3)]
    clock.advance(2.0)            # the answers took 2 s: the window counts from then
    for slot in slots:
        pacer.release(slot)
    pacer.acquire()
    assert clock() == pytest.approx(began + 2.0 + 10.0, abs=0.01)


def test_an_unfinished_request_holds_its_slot(clock):
    store = LocalSlots()
    quota = Quota(1, 10.0)
    slot, _ = store.claim(quota, clock(), STALE_AFTER)
    clock.advance(100.0)           # still in flight
    assert store.claim(quota, clock(), STALE_AFTER) == (None, 10.0)
    store.finish(slot, clock())
    clock.advance(10.0)
    assert store.claim(quota, clock(), STALE_AFTER)[0] is not None


def test_a_slot_never_finished_is_freed_after_stale_seconds(clock):
    store = LocalSlots()
    quota = Quota(1, 10.0)
    store.claim(quota, clock(), 30.0)
    clock.advance(30.0 + 10.0)
    assert store.claim(quota, clock(), 30.0)[0] is not None


def test_a_long_wait_is_told_once(clock):
    told = []
    pacer = fake_pacer(clock, Quota(2, 60.0))
    for _ in range(2):
        pacer.release(pacer.acquire())
    pacer.acquire(told.append)
    assert told == [pytest.approx(60.0)]


def test_many_requests_keep_the_rate_of_the_quota(clock):
    pacer = fake_pacer(clock, Quota(10, 1.0))
    began = clock()
    for _ in range(100):
        slot = pacer.acquire()
        clock.advance(0.001)      # each answer takes 1 ms
        pacer.release(slot)
    # 10 windows' worth: the first 10 at once, then 10 per window (+1 ms per answer)
    assert 9.0 <= clock() - began <= 9.2


def test_quota_text():
    assert Quota.parse("120") == Quota(120, 60.0)
    assert Quota.parse("20/2.5") == Quota(20, 2.5)
    assert str(Quota(120, 60.0)) == "120/60s"
    assert Quota(120, 60.0).interval == 0.5


@pytest.mark.parametrize("text", ["fast", "-3", "12/0", "1/2/3", "120/min"])
def test_a_bad_quota_says_what_to_write(text, monkeypatch):
    monkeypatch.setenv("TD_QUOTA", text)
    with pytest.raises(ConfigurationError, match=r"^TD_QUOTA=.*N/SECONDS"):
        api(consumer_key="KEY", callback_url="http://127.0.0.1:8080", cache=MemCache())


def test_a_bad_quota_object_says_what_to_pass():
    with pytest.raises(ConfigurationError, match=r"Quota\(120, 60.0\)"):
        Quota(0, 60.0)
    with pytest.raises(ConfigurationError, match="N/SECONDS"):
        quota_for(True, APP_QUOTA, True)


def test_the_default_paces_only_the_providers_own_host():
    key = {"consumer_key": "KEY", "callback_url": "http://127.0.0.1:8080", "cache": MemCache()}
    assert api(**key).pacer.quota == APP_QUOTA
    assert api(**{**key, "callback_url": "https://127.0.0.1:8182"}, provider="schwab",
               app_secret="S").pacer.quota == APP_QUOTA
    assert api(**key, base_url="http://127.0.0.1:9/v1").pacer is None    # a sandbox
    assert api(**key, base_url="http://127.0.0.1:9/v1", quota="5/1").pacer.quota == Quota(5, 1.0)
    assert api(**key, quota="off").pacer is None


def test_sharing_the_quota_needs_a_shared_cache():
    with pytest.raises(ConfigurationError, match="SQLCache"):
        api(consumer_key="KEY", callback_url="http://127.0.0.1:8080", cache=MemCache(),
            share_quota=True)
    with pytest.raises(ConfigurationError, match="TD_QUOTA"):
        api(consumer_key="KEY", callback_url="http://127.0.0.1:8080", cache=MemCache(),
            share_quota=True, quota="off")


def test_order_writes_are_not_paced():
    assert paced("GET", "/v1/marketdata/AAPL/pricehistory")
    assert paced("GET", "/trader/v1/accounts/H/orders")
    assert not paced("POST", "/trader/v1/accounts/H/orders")
    assert not paced("DELETE", "/v1/accounts/1/orders/2")
    assert not paced("PUT", "/v1/accounts/1/savedorders/2")


def test_the_429_wait_reaches_the_listeners_through_urllib3s_copies():
    listeners = WaitListeners()
    heard = []
    session = build_session("http://127.0.0.1:9", on_wait=listeners.notify)
    retry = session.get_adapter("http://127.0.0.1:9").max_retries
    assert isinstance(retry, QuotaRetry)
    copy = retry.new(total=1)          # urllib3 makes a copy per attempt
    assert copy.on_wait == listeners.notify
    with listeners.listening(heard.append):
        listeners.notify(7.0)
    listeners.notify(8.0)
    assert heard == [7.0]


def test_a_callable_receives_done_and_total():
    seen = []
    shown = CallbackProgress(5, "quotes", lambda done, total: seen.append((done, total)))
    shown.step(2)
    shown.step(3)
    assert seen == [(2, 5), (5, 5)]


def test_the_plain_line_shows_counts_and_waits():
    stream = io.StringIO()
    shown = LineProgress(20, "price history", stream)
    for _ in range(20):
        shown.step()
    shown.waiting(41.2)
    shown.waiting(40.0)   # another thread's wait for the same window: not repeated
    text = stream.getvalue()
    assert "price history: 2/20\n" in text and "price history: 20/20\n" in text
    assert text.count("waiting") == 1 and WAIT_TEXT.format(41.2) in text
    assert "waiting 41s for the rate limit" in text


def test_a_bad_progress_says_what_to_pass():
    with pytest.raises(ValidationError, match=r"True.*False.*callable"):
        start("yes", 3, "quotes")


def test_each_retry_of_a_get_takes_a_slot_of_its_own(clock):
    """Retries after a 503 are requests of the quota too: the third attempt under a quota of
    two waits for the window, and all three slots are released afterwards."""
    from pyTD.transport import Transport
    from tests.support.servers import Canned

    pacer = Pacer(Quota(2, 60.0), clock=clock, sleep=clock.advance)
    with Canned(status=503, body=b'{"error": "busy"}') as server:
        transport = Transport(server.url, retry_count=2, pause=0.0, pacer=pacer)
        began = clock()
        answer = transport.send("GET", server.url + "/marketdata/quotes")
        transport.close()
    assert answer.status_code == 503      # the last attempt's answer
    assert len(server.requests) == 3
    assert clock() == pytest.approx(began + 60.0, abs=0.01)
    assert all(finished is not None for _, finished in pacer.store._slots.values())

"""A fleet of processes on one RedisCache, against a real redis-server and the sandbox.

* 8 processes with 2-second access tokens: no request fails, and the lock
  keeps the sandbox's refresh grants within two per expiry window.
* The refresh holder is SIGKILLed inside its token request: its lock expires
  (the lease, ``lock_timeout``), the next process refreshes, nobody hangs.
* The Redis server is SIGKILLed mid-run: calls with a valid access token go on,
  a refresh is a :class:`CacheError` saying to start the server, and after the
  restart everything works again with the tokens written before the crash
  (append-only file, fsync on every write).
* A child forked while a thread holds the lock waits for it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Optional

import pytest

from pyTD.api import api
from pyTD.auth.tokens import AccessToken
from pyTD.cache.conformance import FakeClock
from pyTD.cache.redis import RedisCache
from pyTD.exceptions import CacheError, TDError
from pyTD.sandbox import DEMO_CALLBACK_URL, DEMO_CONSUMER_KEY, Sandbox
from pyTD.sandbox.client import sandbox_api
from tests.reliability._workers import SYMBOLS
from tests.reliability.test_fork import _collect, _fork
from tests.reliability.test_many_processes import LIFETIME, SharedRun
from tests.support.leaks import exposed_text, leaked
from tests.support.redis_server import RedisServer, shared_redis_server
from tests.support.servers import RawServer

#: At least 4 s of requests (the pauses alone): tokens expire a few times meanwhile.
PROCESSES, REQUESTS, PAUSE = 8, 100, 0.04
#: The lease of the Redis lock here: a killed holder frees it after this long.
LOCK_TIMEOUT = 5.0
#: How long a member may take before it counts as hung (it is killed).
DEADLINE = 90.0
PASSWORD = "Fleet-Redis-Pass-51c2"


@pytest.fixture(scope="session")
def redis_server(request, tmp_path_factory) -> RedisServer:
    return shared_redis_server(request, tmp_path_factory)


def database(server: RedisServer, number: int) -> str:
    """The URL of database ``number`` of ``server`` (one per test, emptied first)."""
    url = server.url.rsplit("/", 1)[0] + f"/{number}"
    RedisCache(url)._client.flushdb()
    return url


def shared_cache(url: str) -> RedisCache:
    return RedisCache(url, key=DEMO_CONSUMER_KEY, lock_timeout=LOCK_TIMEOUT)


class Fleet:
    """Processes forked from this one (pyTD is imported already, so each starts in a
    millisecond), each with its own api and RedisCache; they start requests together."""

    def __init__(self, sandbox: Sandbox, url: str, base_url: Optional[str] = None) -> None:
        self.sandbox, self.url = sandbox, url
        self.base_url = base_url or sandbox.base_url
        self.members: list[tuple[int, int]] = []
        self._go_read, self._go_write = os.pipe()

    def fork(self, count: int, requests: int, pause: float) -> None:
        for _ in range(count):
            self.members.append(_fork(lambda: self._member(requests, pause)))

    def _member(self, requests: int, pause: float) -> dict:
        client = api(consumer_key=DEMO_CONSUMER_KEY, callback_url=DEMO_CALLBACK_URL,
                     base_url=self.base_url, auth_url=self.sandbox.auth_url,
                     cache=shared_cache(self.url))
        os.read(self._go_read, 1)
        ok, errors = 0, []
        for i in range(requests):
            symbol = SYMBOLS[i % len(SYMBOLS)]
            try:
                ok += client.get_quotes(symbol)[symbol]["symbol"] == symbol
            except TDError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(pause)
        return {"ok": ok, "failed": requests - ok, "errors": errors[:5]}

    def go(self) -> None:
        os.write(self._go_write, b"g" * len(self.members))

    def results(self, run: SharedRun) -> None:
        deadline = time.monotonic() + DEADLINE
        for pid, read_fd in self.members:
            result = _collect(pid, read_fd, deadline)
            assert result is not None, "a member hung"
            assert "crash" not in result, result
            run.requests += result["ok"] + result["failed"]
            run.failures += result["failed"]
            run.errors += result["errors"]
        self.members = []

    def close(self) -> None:
        for pid, read_fd in self.members:
            os.kill(pid, signal.SIGKILL)
            _collect(pid, read_fd, time.monotonic() + 10)
        os.close(self._go_read)
        os.close(self._go_write)


def refresh_grants(sandbox: Sandbox) -> int:
    grants = sandbox.stats()["grants"]
    return grants["refresh_token"] + grants["refresh_token_offline"]


@pytest.mark.slow
def test_eight_processes_share_one_redis_cache_and_refresh_about_once_per_window(
        redis_server, figure):
    url = database(redis_server, 1)
    run = SharedRun("redis", PROCESSES)
    with Sandbox(access_token_lifetime=LIFETIME) as sandbox:
        sandbox_api(sandbox, cache=shared_cache(url)).close()   # authorized once
        fleet = Fleet(sandbox, url)
        try:
            fleet.fork(PROCESSES, REQUESTS, PAUSE)
            started = time.monotonic()
            fleet.go()
            fleet.results(run)
            run.seconds = time.monotonic() - started
        finally:
            fleet.close()
        run.refresh_grants = refresh_grants(sandbox)
        run.unauthorized = sandbox.stats()["status"].get(401, 0)
    assert run.requests == PROCESSES * REQUESTS
    assert run.failures == 0, run.errors
    assert run.seconds > 2 * LIFETIME * 0.75, "too short to see tokens expire"
    assert 2 <= run.refresh_grants <= 2 * run.windows, run
    # The lock does better: the loser of a race uses the winner's token, so each expiry
    # costs one refresh (without the lock, processes that meet an expiry together each
    # refresh).
    assert run.refresh_grants <= run.windows, run
    figure("processes redis",
           f"{run.requests} requests, {run.failures} failed, {run.refresh_grants} refresh "
           f"grants in {run.windows:.1f} windows, {run.unauthorized} 401s, {run.seconds:.1f} s")


def expire_access_token(cache: RedisCache) -> None:
    cache.access_token = AccessToken(token="expired", access_time=time.time() - 3600,
                                     expires_in=1800)


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_sigkill_of_the_refresh_holder_frees_the_lock_for_the_next_process(redis_server,
                                                                           figure):
    url = database(redis_server, 2)
    cache = shared_cache(url)
    waiters = 3
    run = SharedRun("redis", waiters)
    # The holder's token endpoint reads the request and never answers (until the
    # holder is gone): the holder is inside its refresh, holding the lock, when killed.
    with Sandbox() as sandbox, RawServer(lambda conn: conn.recv(1)) as silent:
        sandbox_api(sandbox, cache=cache).close()
        expire_access_token(cache)
        holder, fleet = Fleet(sandbox, url, base_url=silent.url), Fleet(sandbox, url)
        try:
            holder.fork(1, 1, 0)
            holder.go()
            wait_for(lambda: silent.heads, "the holder's token request")
            assert silent.heads[0].startswith(b"POST /v1/oauth2/token ")
            assert cache._client.pttl(cache.lock_name) > 0      # held, with a lease
            fleet.fork(waiters, 3, 0)
            os.kill(holder.members[0][0], signal.SIGKILL)      # inside its token request
            killed = time.monotonic()
            fleet.go()
            fleet.results(run)
            seconds = time.monotonic() - killed
        finally:
            holder.close()
            fleet.close()
        grants = refresh_grants(sandbox)
    assert run.failures == 0, run.errors
    assert grants == 1, "one waiter refreshed, the others used its token"
    assert cache.access_token.valid and cache.access_token.token != "expired"
    # The waiters got the lock when its lease ran out, within their own wait.
    assert seconds < LOCK_TIMEOUT + 30, seconds
    figure("redis holder killed",
           f"lock freed and refreshed {seconds:.1f} s after SIGKILL (lease "
           f"{LOCK_TIMEOUT:g} s), {waiters} waiters, {grants} refresh grant")


def test_redis_killed_mid_run_is_a_cache_error_then_recovers_without_losing_tokens(
        tmp_path, make_sandbox, figure):
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    try:
        clock = FakeClock(time.time())
        sandbox = make_sandbox(clock=clock)
        client = sandbox_api(sandbox, clock=clock,
                             cache=RedisCache(server.url, key="K", clock=clock))
        client.get_quotes("AAPL")
        clock.advance(1800)
        client.get_quotes("MSFT")                 # refreshed: the new tokens went to Redis
        stored = client.cache.load()
        server.kill()
        client.get_quotes("SPY")                  # a valid access token needs no Redis
        clock.advance(1800)
        with pytest.raises(CacheError) as info:
            client.get_quotes("QQQ")              # the refresh needs the lock
        message = str(info.value)
        assert "Start the Redis server" in message and server.url in message, message
        assert not leaked(stored["refresh_token"]["token"], exposed_text(info.value))
        server.start()
        assert RedisCache(server.url, key="K", clock=clock).load() == stored
        assert client.get_quotes("QQQ")["QQQ"]["symbol"] == "QQQ"
        assert refresh_grants(sandbox) == 2
    finally:
        server.stop()
    figure("redis restart", "CacheError while down, recovered after restart, no token lost")


def test_no_password_or_token_in_logs_reprs_or_errors(tmp_path, make_sandbox, caplog):
    server = RedisServer(tmp_path / "redis", password=PASSWORD).start()
    try:
        caplog.set_level(logging.DEBUG)
        clock = FakeClock(time.time())
        sandbox = make_sandbox(clock=clock)
        client = sandbox_api(sandbox, clock=clock, log_level="DEBUG",
                             cache=RedisCache(server.url, key="K", clock=clock))
        secrets = {PASSWORD, client.refresh_token.token, client.access_token.token}
        clock.advance(1800)
        client.get_quotes("AAPL")                 # a refresh through the Redis lock
        secrets.add(client.access_token.token)
        server.kill()
        clock.advance(1800)
        with pytest.raises(CacheError) as info:
            client.get_quotes("MSFT")
        cache = client.cache
        texts = [r.getMessage() + repr(r.args) for r in caplog.records]
        texts += [repr(cache), str(cache), cache.describe(), repr(client), repr(client.auth),
                  repr(client.settings), exposed_text(info.value)]
    finally:
        server.stop()
    assert any("Access token refreshed" in text for text in texts)
    assert [(secret[:6], text) for secret in secrets for text in texts
            if leaked(secret, text)] == []


def test_a_child_forked_while_a_thread_holds_the_lock_waits_for_it(redis_server):
    url = database(redis_server, 3)
    cache = RedisCache(url, key="fork", lock_timeout=30)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with cache.lock():
            holding.set()
            release.wait(10)
            cache.access_token = AccessToken(token="parent", expires_in=1800)

    def child() -> dict:
        cache.update(access_token=AccessToken(token="child", expires_in=1800))
        return {"wrote": True}

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    pid, read_fd = _fork(child)
    time.sleep(0.5)        # room for a child that ignores the lock to write first
    release.set()
    thread.join(10)
    assert _collect(pid, read_fd, time.monotonic() + 30) == {"wrote": True}
    assert cache.access_token.token == "child", "the child wrote while the parent held the lock"

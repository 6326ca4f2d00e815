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

import json
import logging
import signal
import sys
import threading
import time

import pytest

from pyTD.auth.tokens import AccessToken
from pyTD.cache.conformance import FakeClock
from pyTD.cache.redis import RedisCache
from pyTD.exceptions import CacheError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from tests.reliability._cache_workers import REDIS_LOCK_TIMEOUT, open_cache
from tests.reliability.test_fork import _collect, _fork
from tests.reliability.test_many_processes import LIFETIME, WORKER, SharedRun
from tests.support.leaks import exposed_text, leaked
from tests.support.redis_server import RedisServer, shared_redis_server
from tests.support.together import processes_started_together

PROCESSES, REQUESTS, PAUSE = 8, 60, 0.03
PASSWORD = "Fleet-Redis-Pass-51c2"


@pytest.fixture(scope="session")
def redis_server(request, tmp_path_factory) -> RedisServer:
    return shared_redis_server(request, tmp_path_factory)


def database(server: RedisServer, number: int) -> str:
    """The URL of database ``number`` of ``server`` (one per test, emptied first)."""
    url = server.url.rsplit("/", 1)[0] + f"/{number}"
    RedisCache(url)._client.flushdb()
    return url


def requests_argv(sandbox: Sandbox, url: str, count: int, pause: float) -> list[str]:
    return [sys.executable, WORKER, "requests", "redis", url, sandbox.base_url,
            sandbox.auth_url, str(count), str(pause)]


def add_results(run: SharedRun, procs, results) -> None:
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        summary = json.loads(out)
        run.requests += summary["ok"] + summary["failed"]
        run.failures += summary["failed"]
        run.errors += summary["errors"]


def refresh_grants(sandbox: Sandbox) -> int:
    grants = sandbox.stats()["grants"]
    return grants["refresh_token"] + grants["refresh_token_offline"]


@pytest.mark.slow
def test_eight_processes_share_one_redis_cache_and_refresh_about_once_per_window(
        redis_server, figure):
    url = database(redis_server, 1)
    run = SharedRun("redis", PROCESSES)
    with Sandbox(access_token_lifetime=LIFETIME) as sandbox:
        issued = time.monotonic()
        sandbox_api(sandbox, cache=open_cache("redis", url)).close()   # authorized once
        argv = requests_argv(sandbox, url, REQUESTS, PAUSE)
        with processes_started_together([argv] * PROCESSES) as procs:
            results = [proc.communicate(timeout=100) for proc in procs]
            run.seconds = time.monotonic() - issued
        run.refresh_grants = refresh_grants(sandbox)
        run.unauthorized = sandbox.stats()["status"].get(401, 0)
    add_results(run, procs, results)
    assert run.requests == PROCESSES * REQUESTS
    assert run.failures == 0, run.errors
    assert run.seconds > 2 * LIFETIME * 0.75, "too short to see tokens expire"
    assert 2 <= run.refresh_grants <= 2 * run.windows, run
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


@pytest.mark.slow
def test_sigkill_of_the_refresh_holder_frees_the_lock_for_the_next_process(redis_server,
                                                                           figure):
    url = database(redis_server, 2)
    cache = open_cache("redis", url)
    waiters = 3
    with Sandbox() as sandbox:
        sandbox_api(sandbox, cache=cache).close()
        expire_access_token(cache)
        token_call = "POST " + sandbox.api_path("/oauth2/token")
        sandbox.set_faults(sandbox.api_path("/oauth2/token"), slow=1.0, slow_seconds=120, seed=1)
        with processes_started_together([requests_argv(sandbox, url, 1, 0)]) as (holder,):
            wait_for(lambda: sandbox.stats()["calls"].get(token_call), "the holder's refresh")
            assert cache._client.pttl(cache.lock_name) > 0     # held, with a lease
            sandbox.clear_faults()
            holder.send_signal(signal.SIGKILL)                 # inside its token request
            killed = time.monotonic()
            holder.wait(10)
        with processes_started_together(
                [requests_argv(sandbox, url, 3, 0)] * waiters) as procs:
            results = [proc.communicate(timeout=60) for proc in procs]
            seconds = time.monotonic() - killed
        grants = refresh_grants(sandbox)
    run = SharedRun("redis", waiters)
    add_results(run, procs, results)
    assert run.failures == 0, run.errors
    assert grants == 1, "the killed holder's refresh was never answered; one waiter refreshed"
    assert cache.access_token.valid and cache.access_token.token != "expired"
    # The waiters got the lock when its lease ran out, well within their own wait.
    assert seconds < REDIS_LOCK_TIMEOUT + 30, seconds
    figure("redis holder killed",
           f"lock freed and refreshed {seconds:.1f} s after SIGKILL (lease "
           f"{REDIS_LOCK_TIMEOUT:g} s), {waiters} waiters, {grants} refresh grant")


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

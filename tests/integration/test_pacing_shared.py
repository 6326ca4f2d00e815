"""Processes sharing one SQLCache or RedisCache share one quota (``share_quota=True``): no 429
between them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pyTD.cache import RedisCache, SQLCache
from pyTD.sandbox.client import sandbox_api
from tests.support.redis_server import RedisServer, shared_redis_server

PROCESSES = 3
EACH = 12
LIMIT, WINDOW = 8, 1.0

CHILD = textwrap.dedent("""
    import sys
    from pyTD.api import api
    from pyTD.cache import RedisCache, SQLCache
    from pyTD.exceptions import RateLimitError
    base, auth, key, callback, where, share = sys.argv[1:]
    if where.startswith("redis"):
        url, prefix = where.split("#")
        cache = RedisCache(url, key=key, prefix=prefix)
    else:
        cache = SQLCache(where, key=key)
    client = api(consumer_key=key, callback_url=callback, base_url=base, auth_url=auth,
                 cache=cache, quota="{quota}", share_quota=share == "1",
                 retry_count=0)
    limited = 0
    for _ in range({each}):
        try:
            client.get_quotes("AAPL")
        except RateLimitError:
            limited += 1
    print(limited)
""").format(quota=f"{LIMIT}/{WINDOW:g}", each=EACH)


def run_children(sandbox, where, share: bool) -> list[int]:
    key = sandbox_api(sandbox).settings.consumer_key
    args = [sandbox.base_url, sandbox.auth_url, key, sandbox.demo_callback_url, where,
            "1" if share else "0"]
    children = [subprocess.Popen([sys.executable, "-c", CHILD, *args], text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(PROCESSES)]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (_, err) in zip(children, outputs):
        assert child.returncode == 0, err
    return [int(out.strip()) for out, _ in outputs]


@pytest.fixture(scope="session")
def redis_server(request, tmp_path_factory) -> RedisServer:
    return shared_redis_server(request, tmp_path_factory)


@pytest.fixture(params=["sql", "redis"])
def shared(request, make_sandbox, tmp_path):
    """``(sandbox, where)``: the sandbox with its quota, and where the children's cache is
    (an SQLite path or a Redis URL), holding the demo app's tokens."""
    sandbox = make_sandbox(rate_limit=LIMIT, rate_window=WINDOW)
    key = sandbox_api(sandbox).consumer_key
    if request.param == "sql":
        where = str(tmp_path / "tokens.db")
        cache = SQLCache(where, key=key)
    else:
        where = request.getfixturevalue("redis_server").url
        cache = RedisCache(where, key=key, prefix=tmp_path.name)
        where += f"#{tmp_path.name}"
    client = sandbox_api(sandbox, cache=cache)
    client.close()
    sandbox.reset_stats()
    return sandbox, where


def test_processes_sharing_the_cache_share_the_quota(shared):
    sandbox, where = shared
    assert run_children(sandbox, where, share=True) == [0] * PROCESSES
    assert sandbox.stats()["status"].get(429, 0) == 0
    assert sandbox.stats()["status"][200] == PROCESSES * EACH


def test_each_process_pacing_alone_trips_the_limit(shared):
    sandbox, where = shared
    assert sum(run_children(sandbox, where, share=False)) > 0
    assert sandbox.stats()["status"].get(429, 0) > 0


def test_the_slots_live_in_the_token_database(tmp_path, clock):
    from pyTD.pacing import Pacer, Quota

    cache = SQLCache(tmp_path / "tokens.db", key="KEY")
    first = Pacer(Quota(2, 10.0), cache.quota_slots(), clock=clock, sleep=clock.advance)
    second = Pacer(Quota(2, 10.0), SQLCache(tmp_path / "tokens.db", key="KEY").quota_slots(),
                   clock=clock, sleep=clock.advance)
    other_key = Pacer(Quota(2, 10.0), SQLCache(tmp_path / "tokens.db", key="OTHER").quota_slots(),
                      clock=clock, sleep=clock.advance)
    began = clock()
    first.release(first.acquire())
    second.release(second.acquire())
    other_key.release(other_key.acquire())   # another key's quota: not counted
    assert clock() == began
    first.release(first.acquire())          # the third of KEY waits for the window
    assert clock() == pytest.approx(began + 10.0, abs=0.01)

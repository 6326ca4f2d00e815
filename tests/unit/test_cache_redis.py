"""RedisCache against a real redis-server: the contract kit, errors, the lock's lease, selection."""

from __future__ import annotations

import signal
import sys
import threading
import time

import pytest

from pyTD.auth.tokens import AccessToken, RefreshToken
from pyTD.cache import MemCache, RedisCache, select_cache
from pyTD.cache.conformance import TokenCacheContract
from pyTD.exceptions import CacheError, ConfigurationError
from pyTD.settings import resolve
from tests.support import free_port
from tests.support.leaks import exposed_text, leaked
from tests.support.redis_server import RedisServer, shared_redis_server

PASSWORD = "Redis-Pass-8e1f0c"


@pytest.fixture(scope="session")
def redis_server(request, tmp_path_factory) -> RedisServer:
    return shared_redis_server(request, tmp_path_factory)


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory) -> RedisServer:
    """A server that wants the password :data:`PASSWORD`."""
    server = RedisServer(tmp_path_factory.mktemp("redis-pw"), password=PASSWORD).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> RedisServer:
    """A server that speaks TLS only, with a self-signed certificate (``tls_server.ca``)."""
    server = RedisServer(tmp_path_factory.mktemp("redis-tls"), tls=True).start()
    yield server
    server.stop()


@pytest.fixture
def cache(redis_server, tmp_path) -> RedisCache:
    return RedisCache(redis_server.url, key=tmp_path.name)


def access(value: str = "access-SECRET-1", life: float = 1800) -> AccessToken:
    return AccessToken(token=value, expires_in=life)


def no_chain(exc: BaseException) -> bool:
    return exc.__cause__ is None and exc.__context__ is None


class TestRedisCache(TokenCacheContract):
    @pytest.fixture(autouse=True)
    def _server(self, redis_server):
        self.url = redis_server.url

    def make_cache(self, tmp_path, clock):
        return RedisCache(self.url, key=tmp_path.name, clock=clock)


# -- keys, URLs, arguments -----------------------------------------------------------------

def test_one_key_per_consumer_key_and_provider(redis_server, tmp_path):
    td = RedisCache(redis_server.url, key=tmp_path.name)
    schwab = RedisCache(redis_server.url, key=tmp_path.name, provider="schwab")
    td.access_token = access("td-token")
    assert td.name == f"pyTD:tokens:tdameritrade:{tmp_path.name}"
    assert schwab.name == f"pyTD:tokens:schwab:{tmp_path.name}"
    assert not schwab.access_token
    assert td._client.get(td.name).startswith(b'{"version":1')


@pytest.mark.parametrize("url", [f"redis://:{PASSWORD}@127.0.0.1:1/0",
                                 f"rediss://user:{PASSWORD}@127.0.0.1:1/2",
                                 f"redis://127.0.0.1:1/0?password={PASSWORD}"])
def test_the_password_is_in_no_repr_and_no_error(url):
    cache = RedisCache(url, key="KEY", lock_timeout=1, socket_timeout=0.5)
    with pytest.raises(CacheError) as info:
        cache.tokens()
    for text in (repr(cache), str(cache), cache.describe(), exposed_text(info.value)):
        assert not leaked(PASSWORD, text), text
    assert "***" in repr(cache)


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "", None,
                                 f"redis//:{PASSWORD}@host"])
def test_a_url_that_is_no_redis_url_says_what_to_write(url):
    with pytest.raises(ConfigurationError) as info:
        RedisCache(url)
    assert "must be a Redis URL" in str(info.value) and "redis://" in str(info.value)
    assert PASSWORD not in str(info.value)


@pytest.mark.parametrize("options, name", [({"key": ""}, "key="), ({"provider": 3}, "provider="),
                                           ({"lock_timeout": 0}, "lock_timeout="),
                                           ({"lock_timeout": float("inf")}, "lock_timeout="),
                                           ({"socket_timeout": "5"}, "socket_timeout=")])
def test_bad_arguments_are_value_errors_naming_them(options, name):
    with pytest.raises(ValueError, match=name):
        RedisCache("redis://127.0.0.1:1/0", **options)


def test_without_the_redis_package_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)   # what a missing package looks like
    with pytest.raises(ConfigurationError) as info:
        RedisCache("redis://127.0.0.1:1/0")
    assert 'pytd-ameritrade[redis]' in str(info.value)


# -- Redis errors become CacheErrors with advice ----------------------------------------------

def test_a_refused_connection_is_a_cache_error_with_advice():
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", key="KEY")
    for action in (cache.tokens, cache.load, cache.clear,
                   lambda: cache.update(access_token=access())):
        with pytest.raises(CacheError) as info:
            action()
        message = str(info.value)
        assert "Connection refused" in message or "connecting" in message, message
        assert "Start the Redis server" in message
        assert no_chain(info.value)


def test_a_server_that_does_not_answer_is_a_cache_error_after_socket_timeout(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    cache = RedisCache(server.url, key="KEY", socket_timeout=0.3)
    cache.access_token = access()
    assert server.process is not None
    server.process.send_signal(signal.SIGSTOP)         # up, connected, and silent
    try:
        with pytest.raises(CacheError) as info:
            cache.tokens()
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.stop()
    message = str(info.value)
    assert "TimeoutError" in message and "did not answer within 0.3 s" in message, message
    assert "larger socket_timeout=" in message and no_chain(info.value)


def test_a_wrong_or_missing_password_is_a_cache_error_saying_to_check_it(locked_server):
    wrong = f"redis://:Not-{PASSWORD}@127.0.0.1:{locked_server.port}/0"
    for url in (wrong, f"redis://127.0.0.1:{locked_server.port}/0"):
        with pytest.raises(CacheError) as info:
            RedisCache(url, key="KEY").tokens()
        assert "Check the password" in str(info.value), str(info.value)
        assert not leaked(PASSWORD, exposed_text(info.value))
        assert no_chain(info.value)
    good = RedisCache(locked_server.url, key="KEY")
    good.access_token = access()
    assert good.access_token.token == "access-SECRET-1"


def test_tls_comes_with_a_rediss_url_and_an_untrusted_server_is_refused(tls_server):
    trusted = RedisCache(tls_server.url, key="KEY", ssl_ca_certs=tls_server.ca)
    trusted.access_token = access()
    assert trusted.access_token.token == "access-SECRET-1"
    in_the_url = RedisCache(f"{tls_server.url}?ssl_ca_certs={tls_server.ca}", key="KEY")
    assert in_the_url.access_token.token == "access-SECRET-1"   # the TD_REDIS_URL form
    with pytest.raises(CacheError) as info:
        RedisCache(tls_server.url, key="KEY").tokens()       # the CA is not trusted here
    assert "certificate verify failed" in str(info.value)
    assert "rediss:// scheme and certificates" in str(info.value)
    plain = tls_server.url.replace("rediss://", "redis://")
    with pytest.raises(CacheError, match="rediss:// scheme"):
        RedisCache(plain, key="KEY", socket_timeout=2).tokens()


def test_a_key_of_another_type_is_a_cache_error_with_advice(cache):
    cache._client.rpush(cache.name, "something else")
    with pytest.raises(CacheError, match=r"WRONGTYPE.*delete it and re-authorize"):
        cache.tokens()


def test_malformed_tokens_are_moved_aside_and_never_echoed(cache):
    cache._client.set(cache.name, b'{"access_token": {"token": "access-SECRET-9"')
    with pytest.raises(CacheError) as info:
        cache.tokens()
    message = str(info.value)
    assert "not valid JSON" in message and "pytd auth login" in message
    assert "SECRET" not in exposed_text(info.value) and no_chain(info.value)
    aside = cache._client.keys(cache.name + ":corrupt-*")
    assert len(aside) == 1 and aside[0].decode() in message
    assert cache.load() is None       # the key is free: `pytd auth login` can store new tokens
    cache.access_token = access()
    assert cache.access_token.token == "access-SECRET-1"


# -- the lock's lease ---------------------------------------------------------------------------

def _wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_a_holder_whose_lock_expired_writes_nothing(redis_server, tmp_path):
    slow = RedisCache(redis_server.url, key=tmp_path.name, lock_timeout=0.3)
    other = RedisCache(redis_server.url, key=tmp_path.name)
    other.access_token = access("before")
    taken = threading.Event()
    with pytest.raises(CacheError) as info:
        with slow.transaction() as tokens:
            _wait_until(lambda: not slow._client.exists(slow.lock_name))  # the lease ran out
            threading.Thread(target=lambda: (other.update(access_token=access("newer")),
                                             taken.set())).start()
            assert taken.wait(10)
            tokens.access_token = access("stale")
    assert "expired while this process held it" in str(info.value)
    assert "lock_timeout=" in str(info.value)
    assert other.access_token.token == "newer"


def test_waiting_for_a_lock_held_elsewhere_is_bounded(redis_server, tmp_path):
    cache = RedisCache(redis_server.url, key=tmp_path.name, lock_timeout=0.2)
    # Another host's lock, taken with a longer lease than this cache's.
    assert cache._client.lock(cache.lock_name, timeout=30).acquire(blocking=False)
    started = time.monotonic()
    with pytest.raises(CacheError) as info:
        cache.update(access_token=access())
    assert time.monotonic() - started >= 1.2
    assert "Timed out after 1.2 s waiting for the Redis lock" in str(info.value)
    assert "lock_timeout=" in str(info.value)
    assert not cache.access_token


def test_the_lock_expires_by_itself(redis_server, tmp_path):
    cache = RedisCache(redis_server.url, key=tmp_path.name, lock_timeout=5)
    cache._acquire(time.monotonic() + 5, 5)          # taken, then never released (a crash)
    ttl = cache._client.pttl(cache.lock_name)
    assert 0 < ttl <= 5000


# -- selection ----------------------------------------------------------------------------------

def test_td_redis_url_selects_a_redis_cache_named_after_the_key(redis_server, monkeypatch):
    monkeypatch.setenv("TD_REDIS_URL", redis_server.url)
    cache = select_cache(resolve(consumer_key="ABC123@AMER.OAUTHAP"))
    assert isinstance(cache, RedisCache)
    assert cache.name == "pyTD:tokens:tdameritrade:ABC123"
    schwab = select_cache(resolve(consumer_key="ABC123", provider="schwab"))
    assert schwab.name == "pyTD:tokens:schwab:ABC123"
    assert isinstance(select_cache(resolve(consumer_key="K"), store_tokens=False), MemCache)
    mine = MemCache()
    assert select_cache(resolve(consumer_key="K"), cache=mine) is mine


def test_a_bad_td_redis_url_names_the_variable(monkeypatch):
    monkeypatch.setenv("TD_REDIS_URL", f"https://:{PASSWORD}@cache.example")
    with pytest.raises(ConfigurationError) as info:
        select_cache(resolve(consumer_key="K"))
    assert "TD_REDIS_URL must be a Redis URL" in str(info.value)
    assert PASSWORD not in str(info.value)


def test_a_refresh_token_round_trips_between_instances(redis_server, tmp_path):
    refresh = RefreshToken(token="refresh-SECRET-1", expires_in=7_776_000)
    RedisCache(redis_server.url, key=tmp_path.name).refresh_token = refresh
    assert RedisCache(redis_server.url, key=tmp_path.name).refresh_token == refresh


def test_the_quota_slots_are_shared_by_every_cache_of_the_key(redis_server, tmp_path, clock):
    from pyTD.pacing import Pacer, Quota

    def pacer(key="KEY", provider="tdameritrade"):
        cache = RedisCache(redis_server.url, key=key, provider=provider, prefix=tmp_path.name)
        return Pacer(Quota(2, 10.0), cache.quota_slots(), clock=clock, sleep=clock.advance)

    first, second = pacer(), pacer()
    others = [pacer(key="OTHER"), pacer(provider="schwab")]
    began = clock()
    first.release(first.acquire())
    second.release(second.acquire())
    for other in others:                    # another key's or provider's quota: not counted
        other.release(other.acquire())
    assert clock() == began
    first.release(first.acquire())          # the third of KEY waits for the window
    assert clock() == pytest.approx(began + 10.0, abs=0.01)


def test_an_unfinished_slot_counts_until_stale(redis_server, tmp_path, clock):
    from pyTD.pacing import Pacer, Quota

    slots = RedisCache(redis_server.url, key="KEY", prefix=tmp_path.name).quota_slots()
    pacer = Pacer(Quota(1, 10.0), slots, clock=clock, sleep=clock.advance, stale=30.0)
    began = clock()
    pacer.acquire()                         # never released: its holder died
    pacer.release(pacer.acquire())
    assert clock() == pytest.approx(began + 30.0 + 10.0, abs=0.01)


def test_pacing_while_redis_is_down_is_a_cache_error_saying_to_start_it():
    from pyTD.pacing import Pacer, Quota

    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", key="KEY", socket_timeout=1.0)
    with pytest.raises(CacheError, match="pace requests") as caught:
        Pacer(Quota(2, 10.0), cache.quota_slots()).acquire()
    assert "Start the Redis server" in str(caught.value)
    assert no_chain(caught.value)

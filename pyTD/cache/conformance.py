# ruff: noqa: S105  (the token values below are synthetic test data)
"""Contract tests every token cache must pass; subclass them to check your own backend.

Put this in a pytest file (pytest is needed; it is not a runtime dependency)::

    from pyTD.cache.conformance import TokenCacheContract

    class TestMyCache(TokenCacheContract):
        persistent = True        # False when tokens live in the object only (like MemCache)

        def make_cache(self, tmp_path, clock):   # a fresh, empty cache
            return MyCache(tmp_path / "tokens", clock=clock)

and run ``pytest test_my_cache.py``. ``make_cache`` gets pytest's ``tmp_path``
and a :class:`FakeClock` (call it for the time, ``advance()`` it in tests); the
cache must use that clock for the tokens it returns. Calling ``make_cache``
again with the same ``tmp_path`` must reach the same storage; if your cache's
storage does not derive from ``tmp_path``, override :meth:`reopen` instead.
The class name does not start with ``Test``, so pytest collects only your
subclass.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

from pyTD.auth.tokens import AccessToken, EmptyToken, RefreshToken
from pyTD.cache.base import FORMAT_VERSION, TokenCache
from pyTD.exceptions import CacheError

SECRET_ACCESS = "access-SECRET-b64+/=value"
SECRET_REFRESH = "refresh-SECRET-b64+/=value"


class FakeClock:
    """A clock the tests move by hand: ``clock()`` is the time, ``clock.advance(s)`` moves it."""

    def __init__(self, now: float = 1_700_000_000.25) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += seconds


def _access(clock: FakeClock, value: str = SECRET_ACCESS, life: float = 1800) -> AccessToken:
    return AccessToken(token=value, access_time=clock(), expires_in=life, clock=clock)


def _refresh(clock: FakeClock, value: str = SECRET_REFRESH) -> RefreshToken:
    return RefreshToken(token=value, access_time=clock(), expires_in=7_776_000, clock=clock)


def _waits_for_the_lock(cache: Any, write: Callable[[], None]) -> None:
    """Run ``write`` on another thread while holding ``cache.lock()``: it must wait."""
    done = threading.Event()

    def writer() -> None:
        write()
        done.set()

    with cache.lock():
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        assert not done.wait(0.3), "another thread wrote while the lock was held"
    thread.join(10)
    assert done.is_set()


def _run_in_thread(target: Any, timeout: float = 10.0) -> list[BaseException]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the cache deadlocked (still blocked after 10 s)"
    return errors


class TokenCacheContract:
    """The behaviour pyTD relies on from a :class:`~pyTD.cache.TokenCache`."""

    #: Set to False for caches whose tokens vanish with the object (MemCache).
    persistent = True

    def make_cache(self, tmp_path: Any, clock: FakeClock) -> TokenCache:
        """Return a fresh, empty cache that uses ``clock``; storage derived from tmp_path."""
        raise NotImplementedError("subclasses return their cache from make_cache()")

    def reopen(self, tmp_path: Any, clock: FakeClock) -> TokenCache:
        """A second cache object on the same storage (default: ``make_cache`` again)."""
        return self.make_cache(tmp_path, clock)

    @pytest.fixture
    def fake_clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def token_cache(self, tmp_path: Any, fake_clock: FakeClock) -> TokenCache:
        return self.make_cache(tmp_path, fake_clock)

    # -- empty, round trip, partial updates ---------------------------------------
    def test_empty_cache_gives_empty_tokens(self, token_cache):
        """The cache: empty cache gives empty tokens."""
        assert isinstance(token_cache.refresh_token, EmptyToken)
        assert isinstance(token_cache.access_token, EmptyToken)
        assert not token_cache.access_token.valid
        assert not token_cache.load()

    def test_round_trip_of_both_tokens(self, token_cache, fake_clock):
        """The cache: round trip of both tokens."""
        refresh, access = _refresh(fake_clock), _access(fake_clock)
        token_cache.update(refresh_token=refresh, access_token=access)
        assert token_cache.refresh_token == refresh
        assert token_cache.access_token == access
        assert token_cache.access_token.token == SECRET_ACCESS
        assert token_cache.access_token.expires_at == fake_clock() + 1800

    def test_update_of_access_token_keeps_refresh_token(self, token_cache, fake_clock):
        """The cache: update of access token keeps refresh token."""
        refresh = _refresh(fake_clock)
        token_cache.update(refresh_token=refresh, access_token=_access(fake_clock))
        newer = _access(fake_clock, "access-2")
        token_cache.update(access_token=newer)
        assert token_cache.refresh_token == refresh
        assert token_cache.access_token == newer

    def test_update_of_refresh_token_keeps_access_token(self, token_cache, fake_clock):
        """The cache: update of refresh token keeps access token."""
        access = _access(fake_clock)
        token_cache.update(refresh_token=_refresh(fake_clock), access_token=access)
        newer = _refresh(fake_clock, "refresh-2")
        token_cache.update(refresh_token=newer)
        assert token_cache.refresh_token == newer
        assert token_cache.access_token == access

    def test_clear_forgets_both_tokens(self, token_cache, fake_clock):
        """The cache: clear forgets both tokens."""
        token_cache.update(refresh_token=_refresh(fake_clock), access_token=_access(fake_clock))
        token_cache.clear()
        assert isinstance(token_cache.refresh_token, EmptyToken)
        assert isinstance(token_cache.access_token, EmptyToken)
        assert not token_cache.load()
        token_cache.clear()  # clearing an empty cache is fine

    def test_opaque_values_and_times_round_trip_exactly(self, token_cache, fake_clock):
        """The cache: opaque values and times round trip exactly."""
        value = "Zm9v+YmFy/YmF6==" * 80 + "é€"
        fake_clock.advance(0.123456789)
        token_cache.update(access_token=_access(fake_clock, value))
        back = token_cache.access_token
        assert back.token == value
        assert back.access_time == fake_clock()

    # -- assignment (cache.refresh_token = ..., cache.access_token = ...) ---------------
    def test_assigning_tokens_stores_each_and_keeps_the_other(self, token_cache, fake_clock):
        """The cache: assigning a token stores it and keeps the other one."""
        refresh, access = _refresh(fake_clock), _access(fake_clock)
        token_cache.refresh_token = refresh
        assert token_cache.refresh_token == refresh
        assert isinstance(token_cache.access_token, EmptyToken)
        token_cache.access_token = access
        assert token_cache.access_token == access
        assert token_cache.refresh_token == refresh
        newer = _refresh(fake_clock, "refresh-2")
        token_cache.refresh_token = newer
        assert token_cache.refresh_token == newer
        assert token_cache.access_token == access

    def test_assigning_empty_or_none_clears_that_token(self, token_cache, fake_clock):
        """The cache: assigning EmptyToken or None clears only that token."""
        refresh, access = _refresh(fake_clock), _access(fake_clock)
        token_cache.update(refresh_token=refresh, access_token=access)
        token_cache.access_token = EmptyToken()
        assert isinstance(token_cache.access_token, EmptyToken)
        assert token_cache.refresh_token == refresh
        token_cache.access_token = access
        token_cache.refresh_token = None
        assert isinstance(token_cache.refresh_token, EmptyToken)
        assert token_cache.access_token == access
        token_cache.access_token = None
        assert not token_cache.refresh_token and not token_cache.access_token

    def test_assigning_something_else_is_a_type_error(self, token_cache):
        """The cache: assigning a non-token is a TypeError that does not echo the value."""
        with pytest.raises(TypeError) as info:
            token_cache.access_token = SECRET_ACCESS
        assert "SECRET" not in str(info.value)
        assert isinstance(token_cache.access_token, EmptyToken)

    def test_assignment_goes_through_update(self, token_cache, fake_clock, monkeypatch):
        """The cache: an assignment is one update() call (one atomic write)."""
        calls = []
        real_update = token_cache.update

        def counting_update(*args, **kwargs):
            calls.append(sorted(k for k, v in kwargs.items() if v is not None))
            real_update(*args, **kwargs)

        monkeypatch.setattr(token_cache, "update", counting_update)
        token_cache.access_token = _access(fake_clock)
        token_cache.refresh_token = None
        assert calls == [["access_token"], ["refresh_token"]]

    def test_assignment_waits_for_the_lock(self, token_cache, fake_clock):
        """The cache: an assignment from another thread waits while the lock is held."""
        def assign() -> None:
            token_cache.access_token = _access(fake_clock, "assigned")

        _waits_for_the_lock(token_cache, assign)
        assert token_cache.access_token.token == "assigned"

    def test_assignments_from_two_threads_lose_nothing(self, token_cache, fake_clock):
        """The cache: one thread assigning refresh tokens, one access tokens, none lost."""
        rounds = 50
        start = threading.Barrier(2)

        def assign_refresh() -> None:
            start.wait()
            for n in range(rounds):
                token_cache.refresh_token = _refresh(fake_clock, f"refresh-{n}")
                assert token_cache.refresh_token.token == f"refresh-{n}"

        def assign_access() -> None:
            start.wait()
            for n in range(rounds):
                token_cache.access_token = _access(fake_clock, f"access-{n}")
                assert token_cache.access_token.token == f"access-{n}"

        def both() -> None:
            _parallel_each([assign_refresh, assign_access])

        assert _run_in_thread(both, timeout=120) == []
        assert token_cache.refresh_token.token == f"refresh-{rounds - 1}"
        assert token_cache.access_token.token == f"access-{rounds - 1}"

    # -- format ----------------------------------------------------------------------
    def test_format_version_is_stored(self, token_cache, fake_clock):
        """The cache: format version is stored."""
        token_cache.update(access_token=_access(fake_clock))
        assert token_cache.load()["version"] == FORMAT_VERSION

    def test_wrong_format_version_is_rejected(self, token_cache, fake_clock):
        """The cache: wrong format version is rejected."""
        data = {"version": FORMAT_VERSION + 1, "refresh_token": None,
                "access_token": _access(fake_clock).to_dict()}
        token_cache.save(data)
        with pytest.raises(CacheError) as info:
            token_cache.tokens()
        assert "upgrade pyTD" in str(info.value)

    def test_malformed_stored_data_is_a_cache_error(self, token_cache):
        """The cache: stored data of the wrong types is a CacheError, never a raw crash."""
        token_cache.save({"version": FORMAT_VERSION, "refresh_token": None,
                          "access_token": {"token": SECRET_ACCESS, "expires_in": "1800"}})
        with pytest.raises(CacheError) as info:
            token_cache.tokens()
        assert "pytd auth login" in str(info.value)
        assert "SECRET" not in str(info.value)
        assert info.value.__cause__ is None and info.value.__context__ is None

    def test_load_returns_a_copy(self, token_cache, fake_clock):
        """The cache: load returns a copy."""
        token_cache.update(access_token=_access(fake_clock))
        token_cache.load()["access_token"]["token"] = "tampered"
        assert token_cache.access_token.token == SECRET_ACCESS

    # -- persistence -------------------------------------------------------------------
    def test_tokens_survive_a_new_instance(self, token_cache, fake_clock, tmp_path):
        """The cache: tokens survive a new instance."""
        if not self.persistent:
            pytest.skip("this cache keeps tokens in the object only")
        refresh, access = _refresh(fake_clock), _access(fake_clock)
        token_cache.update(refresh_token=refresh, access_token=access)
        other = self.reopen(tmp_path, fake_clock)
        assert other.refresh_token == refresh
        assert other.access_token == access
        newer = _access(fake_clock, "access-from-other")
        other.update(access_token=newer)
        assert token_cache.access_token == newer

    # -- transactions and locking ---------------------------------------------------------
    def test_transaction_writes_only_when_changed(self, token_cache, fake_clock, monkeypatch):
        """The cache: transaction writes only when changed."""
        token_cache.update(access_token=_access(fake_clock))
        saves = []
        real_save = token_cache.save

        def counting_save(data):
            saves.append(data)
            real_save(data)

        monkeypatch.setattr(token_cache, "save", counting_save)
        with token_cache.transaction():
            pass
        with token_cache.transaction() as tokens:
            tokens.access_token = _access(fake_clock)  # equal value: no write
        assert saves == []
        with token_cache.transaction() as tokens:
            tokens.access_token = _access(fake_clock, "access-2")
        assert len(saves) == 1
        assert token_cache.access_token.token == "access-2"

    def test_failed_transaction_writes_nothing(self, token_cache, fake_clock):
        """The cache: failed transaction writes nothing."""
        token_cache.update(access_token=_access(fake_clock))
        with pytest.raises(RuntimeError):
            with token_cache.transaction() as tokens:
                tokens.access_token = _access(fake_clock, "never-stored")
                raise RuntimeError("refresh failed")
        assert token_cache.access_token.token == SECRET_ACCESS

    def test_lock_is_reentrant(self, token_cache, fake_clock):
        """The cache: lock is reentrant."""
        def nested() -> None:
            with token_cache.lock(), token_cache.lock():
                with token_cache.transaction() as tokens:
                    tokens.access_token = _access(fake_clock, "nested")
        assert _run_in_thread(nested) == []
        assert token_cache.access_token.token == "nested"

    def test_lock_serializes_threads(self, token_cache, fake_clock):
        """The cache: lock serializes threads."""
        _waits_for_the_lock(
            token_cache, lambda: token_cache.update(access_token=_access(fake_clock, "second")))
        assert token_cache.access_token.token == "second"

    def test_concurrent_increments_lose_nothing(self, token_cache, fake_clock):
        """The cache: concurrent increments lose nothing."""
        threads, rounds = 8, 100
        start = threading.Barrier(threads)

        def work() -> None:
            start.wait()
            for _ in range(rounds):
                with token_cache.transaction() as tokens:
                    n = int(tokens.access_token.token) if tokens.access_token else 0
                    tokens.access_token = _access(fake_clock, str(n + 1))

        errors = _run_in_thread(lambda: _parallel(work, threads), timeout=120)
        assert errors == []
        assert token_cache.access_token.token == str(threads * rounds)

    # -- what users see ------------------------------------------------------------------------
    def test_repr_and_describe_never_show_tokens(self, token_cache, fake_clock):
        """The cache: repr and describe never show tokens."""
        token_cache.update(refresh_token=_refresh(fake_clock), access_token=_access(fake_clock))
        for text in (repr(token_cache), str(token_cache), token_cache.describe(),
                     repr(token_cache.access_token), str(token_cache.refresh_token)):
            assert "SECRET" not in text

    def test_validity_follows_the_cache_clock(self, token_cache, fake_clock):
        """The cache: validity follows the cache clock."""
        token_cache.update(refresh_token=_refresh(fake_clock), access_token=_access(fake_clock))
        assert token_cache.access_token.valid
        fake_clock.advance(1800 - 60 - 1)
        assert token_cache.access_token.valid
        fake_clock.advance(2)  # inside the 60 s leeway
        assert not token_cache.access_token.valid
        assert token_cache.refresh_token.valid
        fake_clock.advance(7_776_000)
        assert not token_cache.refresh_token.valid


def _parallel(work: Any, count: int) -> None:
    _parallel_each([work] * count)


def _parallel_each(works: list[Any]) -> None:
    errors: list[BaseException] = []

    def runner(work: Any) -> Any:
        def run() -> None:
            try:
                work()
            except BaseException as exc:
                errors.append(exc)
        return run

    threads = [threading.Thread(target=runner(work)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]

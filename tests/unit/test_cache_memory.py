"""MemCache seeded with initial tokens (the contract itself runs in test_cache_contract)."""

from __future__ import annotations

import doctest

import pytest

import pyTD.cache.memory
from pyTD.auth.tokens import AccessToken, EmptyToken, RefreshToken
from pyTD.cache import DiskCache, MemCache
from pyTD.cache.base import FORMAT_VERSION, TokenSet
from pyTD.cache.conformance import FakeClock
from pyTD.exceptions import CacheError

SECRET = "refresh-SECRET"


def tokens(clock):
    return (RefreshToken(token=SECRET, access_time=clock(), expires_in=7_776_000, clock=clock),
            AccessToken(token="access-SECRET", access_time=clock(), expires_in=1800,
                        clock=clock))


def test_unseeded_cache_is_empty():
    assert MemCache().load() is None
    assert isinstance(MemCache().refresh_token, EmptyToken)


def test_seeded_from_what_another_cache_loaded(tmp_path):
    clock = FakeClock()
    refresh, access = tokens(clock)
    disk = DiskCache(tmp_path / "tokens.json", clock=clock)
    disk.update(refresh_token=refresh, access_token=access)
    cache = MemCache(disk.load(), clock=clock)
    assert cache.refresh_token == refresh and cache.access_token == access
    assert cache.load() == disk.load()
    clock.advance(1800)
    assert not cache.access_token.valid            # the cache's clock is used


def test_seeded_from_a_token_set_or_a_partial_dict():
    clock = FakeClock()
    refresh, access = tokens(clock)
    cache = MemCache(TokenSet(refresh, access), clock=clock)
    assert cache.refresh_token == refresh and cache.access_token == access
    partial = MemCache({"refresh_token": refresh.to_dict()}, clock=clock)
    assert partial.refresh_token == refresh
    assert isinstance(partial.access_token, EmptyToken)
    assert partial.load()["version"] == FORMAT_VERSION


def test_seed_is_copied_not_shared():
    clock = FakeClock()
    refresh, _ = tokens(clock)
    seed = {"refresh_token": refresh.to_dict()}
    cache = MemCache(seed, clock=clock)
    seed["refresh_token"]["token"] = "tampered"
    assert cache.refresh_token.token == SECRET


def test_bad_seeds_are_refused_at_construction():
    with pytest.raises(CacheError, match="upgrade pyTD"):
        MemCache({"version": FORMAT_VERSION + 1})
    with pytest.raises(TypeError, match="load"):
        MemCache("not tokens")
    assert SECRET not in repr(MemCache({"refresh_token": {"token": SECRET}}))


def test_the_docstring_example_runs():
    result = doctest.testmod(pyTD.cache.memory, verbose=False)
    assert result.attempted >= 4 and result.failed == 0

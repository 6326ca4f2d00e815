"""select_cache: cache= > store_tokens > TD_STORE_TOKENS, file naming, and no disk when off."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pyTD.auth.tokens import AccessToken
from pyTD.cache import DiskCache, MemCache, select_cache
from pyTD.cache.select import cache_file_name
from pyTD.exceptions import ConfigurationError
from pyTD.settings import resolve


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The empty temporary home of this test (see conftest): appdirs' config dir goes inside."""
    return Path(os.environ["HOME"])


def token() -> AccessToken:
    return AccessToken(token="t", access_time=1_700_000_000, expires_in=1800)


def test_explicit_cache_wins(tmp_path):
    mine = MemCache()
    settings = resolve(consumer_key="KEY", config_dir=str(tmp_path), store_tokens=True)
    assert select_cache(settings, cache=mine) is mine
    assert select_cache(settings, cache=mine, store_tokens=True) is mine


@pytest.mark.parametrize("wrong", [DiskCache, "tokens.json", {"token": "x"}])
def test_cache_must_be_an_instance(tmp_path, wrong):
    settings = resolve(consumer_key="KEY", config_dir=str(tmp_path))
    with pytest.raises(ConfigurationError) as info:
        select_cache(settings, cache=wrong)
    message = str(info.value)
    assert "TokenCache instance" in message and "DiskCache(path)" in message
    assert ("the class DiskCache" in message) == (wrong is DiskCache)


def test_store_tokens_argument_beats_settings(tmp_path):
    on = resolve(consumer_key="KEY", config_dir=str(tmp_path), store_tokens=True)
    off = resolve(consumer_key="KEY", config_dir=str(tmp_path), store_tokens=False)
    assert isinstance(select_cache(on, store_tokens=False), MemCache)
    assert isinstance(select_cache(on, store_tokens="no"), MemCache)
    assert isinstance(select_cache(off, store_tokens=True), DiskCache)
    assert isinstance(select_cache(off), MemCache)
    assert isinstance(select_cache(on), DiskCache)


def test_invalid_store_tokens_argument(tmp_path):
    settings = resolve(consumer_key="KEY", config_dir=str(tmp_path))
    with pytest.raises(ConfigurationError, match=r"store_tokens='maybe'.*true/false"):
        select_cache(settings, store_tokens="maybe")


def test_environment_turns_storage_off(home, monkeypatch):
    monkeypatch.setenv("TD_STORE_TOKENS", "FALSE")
    assert isinstance(select_cache(resolve(consumer_key="KEY")), MemCache)


def test_disk_cache_named_after_the_bare_consumer_key(tmp_path):
    settings = resolve(consumer_key="ABC123@AMER.OAUTHAP", config_dir=str(tmp_path / "cfg"))
    cache = select_cache(settings)
    assert isinstance(cache, DiskCache)
    assert cache.path == str(tmp_path / "cfg" / "tokens-ABC123.json")
    same = select_cache(resolve(consumer_key="ABC123", config_dir=str(tmp_path / "cfg")))
    assert same.path == cache.path


def test_unsafe_characters_are_replaced_and_names_stay_distinct():
    keys = ["a/b", "a:b", "a_b", "../etc/passwd", "A B", "a\\b", "ключ", "x" * 300]
    names = [cache_file_name(k) for k in keys]
    assert len(set(names)) == len(keys)
    assert names[2] == "tokens-a_b.json"
    for name in names:
        assert name.startswith("tokens-") and name.endswith(".json")
        assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
        assert "/" not in name and len(name) < 150
    assert names[0].startswith("tokens-a_b-") and len(names[0]) == len("tokens-a_b-.json") + 12


def test_disk_storage_needs_a_consumer_key(tmp_path, home):
    settings = resolve(config_dir=str(tmp_path))
    with pytest.raises(ConfigurationError) as info:
        select_cache(settings)
    message = str(info.value)
    assert "consumer_key" in message and "TD_CONSUMER_KEY" in message
    assert isinstance(select_cache(settings, store_tokens=False), MemCache)


def test_memory_cache_touches_no_disk(tmp_path, home):
    config = tmp_path / "cfg"
    for settings in (resolve(consumer_key="KEY", store_tokens=False),
                     resolve(consumer_key="KEY", store_tokens=False, config_dir=str(config))):
        cache = select_cache(settings)
        cache.update(access_token=token())
        assert cache.access_token.token == "t"
        cache.clear()
    assert not config.exists()
    assert list(home.iterdir()) == []


def test_config_dir_is_created_only_when_tokens_are_written(tmp_path, home):
    cache = select_cache(resolve(consumer_key="KEY"))
    config = home / ".config" / "pyTD"
    assert cache.path == str(config / "tokens-KEY.json")
    assert not cache.access_token and not cache.refresh_token
    assert list(home.iterdir()) == []
    cache.update(access_token=token())
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache.path).st_mode) == 0o600


def test_clock_reaches_the_cache(tmp_path):
    settings = resolve(consumer_key="KEY", config_dir=str(tmp_path))
    clock = lambda: 42.0  # noqa: E731
    assert select_cache(settings, clock=clock).clock is clock
    assert select_cache(settings, store_tokens=False, clock=clock).clock is clock

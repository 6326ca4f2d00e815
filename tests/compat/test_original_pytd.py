"""Code and token files written for the original pyTD keep working."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest

from pyTD.auth.tokens import AccessToken, EmptyToken, RefreshToken
from pyTD.cache import DiskCache, MemCache, select_cache
from pyTD.cache.legacy import MARKER_SUFFIX, read_legacy_file
from pyTD.settings import resolve

KEY = "OLDAPPKEY"
OLD_REFRESH = "old-REFRESH-secret+/="
OLD_ACCESS = "old-ACCESS-secret+/="


def old_file(directory, name=KEY, refresh_age=3600.0, access_age=60.0, **overrides):
    """Write a token file the way the original pyTD did; returns (path, bytes written)."""
    now = time.time()
    data = {"refresh_token": {"token": OLD_REFRESH, "access_time": now - refresh_age,
                              "expires_in": 7_776_000},
            "access_token": {"token": OLD_ACCESS, "access_time": now - access_age,
                             "expires_in": 1800}}
    data.update(overrides)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    raw = json.dumps(data).encode() if not isinstance(data, bytes) else data
    with open(path, "wb") as f:
        f.write(raw)
    return path, raw


def home():
    return os.path.expanduser("~")


def pick(**kwargs):
    kwargs.setdefault("consumer_key", KEY)
    return select_cache(resolve(**kwargs))


def test_tokens_in_dot_tdm_are_picked_up_once_and_the_old_file_is_untouched(caplog):
    path, raw = old_file(os.path.join(home(), ".tdm"))
    before = os.stat(path)
    caplog.set_level(logging.DEBUG, logger="pyTD")
    cache = pick()
    assert isinstance(cache, DiskCache)
    assert cache.refresh_token.token == OLD_REFRESH and cache.refresh_token.valid
    assert cache.access_token.token == OLD_ACCESS
    infos = [r for r in caplog.records if r.levelno == logging.INFO and "Imported" in r.message]
    assert len(infos) == 1
    assert all(OLD_REFRESH not in r.getMessage() and OLD_ACCESS not in r.getMessage()
               for r in caplog.records)
    with open(path, "rb") as f:
        assert f.read() == raw
    after = os.stat(path)
    assert (after.st_mtime_ns, after.st_mode) == (before.st_mtime_ns, before.st_mode)
    assert os.path.exists(cache.path + MARKER_SUFFIX)

    # once: a second api, and even a cleared cache (logout), do not import again
    caplog.clear()
    cache.clear()
    again = pick()
    assert not again.refresh_token and not again.access_token
    assert not [r for r in caplog.records if "Imported" in r.message]


def test_td_config_dir_and_config_dir_are_searched(monkeypatch, tmp_path):
    old_file(tmp_path / "old")
    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path / "old"))
    assert pick().refresh_token.token == OLD_REFRESH
    other = tmp_path / "explicit"
    old_file(other, name=KEY + "@AMER.OAUTHAP")
    assert pick(config_dir=str(other)).refresh_token.token == OLD_REFRESH


def test_an_api_uses_the_old_tokens_without_authorizing():
    from pyTD.api import api

    old_file(os.path.join(home(), ".tdm"))
    a = api(consumer_key=KEY, callback_url="http://127.0.0.1:8080")
    assert a.refresh_valid and a.access_valid and a.auth_valid
    assert a.refresh_token.token == OLD_REFRESH


def test_a_new_cache_with_tokens_wins(tmp_path):
    config = tmp_path / "cfg"
    first = pick(config_dir=str(config))
    first.refresh_token = RefreshToken(token="new-refresh", expires_in=7_776_000)
    old_file(config)
    assert pick(config_dir=str(config)).refresh_token.token == "new-refresh"


def test_expired_old_refresh_token_is_not_imported(caplog):
    caplog.set_level(logging.INFO, logger="pyTD")
    old_file(os.path.join(home(), ".tdm"), refresh_age=7_776_000 + 10, access_age=3600)
    cache = pick()
    assert isinstance(cache.refresh_token, EmptyToken)
    assert isinstance(cache.access_token, EmptyToken)
    assert any("expired" in r.message for r in caplog.records if r.levelno == logging.INFO)


def test_expired_access_token_alone_is_left_behind():
    old_file(os.path.join(home(), ".tdm"), access_age=3600)
    cache = pick()
    assert cache.refresh_token.token == OLD_REFRESH
    assert isinstance(cache.access_token, EmptyToken)


def test_flat_string_tokens_are_accepted():
    path, _ = old_file(os.path.join(home(), ".tdm"), refresh_token=OLD_REFRESH,
                       access_token=OLD_ACCESS)
    cache = pick()
    mtime = os.stat(path).st_mtime
    assert cache.refresh_token.token == OLD_REFRESH
    assert cache.refresh_token.access_time == pytest.approx(mtime)
    assert cache.refresh_token.expires_in == 90 * 24 * 3600
    assert cache.access_token.token == OLD_ACCESS


@pytest.mark.parametrize("content", [
    b"", b"not json", b"[1, 2]", b'{"other": 1}', b'{"refresh_token": 5}',
    b'{"refresh_token": {"token": 7}}',
    b'{"refresh_token": {"token": "x", "access_time": "yesterday", "expires_in": 1}}',
    b'{"refresh_token": {"token": "x", "access_time": true, "expires_in": 1}}',
    b'{"access_token": {"token": "x", "access_time": 1, "expires_in": NaN}}',
    b"\xff\xfe garbage",
])
def test_malformed_old_file_is_ignored_with_a_warning(content, caplog):
    directory = os.path.join(home(), ".tdm")
    os.makedirs(directory)
    path = os.path.join(directory, KEY)
    with open(path, "wb") as f:
        f.write(content)
    caplog.set_level(logging.INFO, logger="pyTD")
    cache = pick()
    assert not cache.refresh_token and not cache.access_token
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and path in warnings[0].getMessage()
    with open(path, "rb") as f:
        assert f.read() == content


def test_memory_cache_and_an_explicit_cache_are_left_alone():
    old_file(os.path.join(home(), ".tdm"))
    assert not pick(store_tokens=False).refresh_token
    mine = MemCache()
    assert select_cache(resolve(consumer_key=KEY), cache=mine) is mine
    assert not mine.refresh_token


def test_nothing_is_written_without_an_old_file(tmp_path):
    config = tmp_path / "cfg"
    pick(config_dir=str(config))
    assert not config.exists()


def test_read_legacy_file_errors_never_show_tokens(tmp_path):
    path = tmp_path / "KEY"
    path.write_text(json.dumps({"refresh_token": {"token": OLD_REFRESH, "access_time": "x"}}))
    with pytest.raises(ValueError) as info:
        read_legacy_file(str(path))
    assert OLD_REFRESH not in str(info.value)


# -- code written for the original pyTD -----------------------------------------------------
def test_original_style_cache_and_tokens(tmp_path):
    cache = DiskCache(str(tmp_path / ".tdm"), KEY)
    assert cache.config_path == str(tmp_path / ".tdm" / KEY)
    now = time.time()
    cache.refresh_token = RefreshToken(options={"token": OLD_REFRESH, "access_time": now,
                                                "expires_in": 7_776_000})
    cache.access_token = AccessToken(options={"token": OLD_ACCESS, "access_time": now,
                                              "expires_in": 1800})
    reopened = DiskCache(str(tmp_path / ".tdm"), KEY)
    assert reopened.refresh_token.expiry == now + 7_776_000
    assert reopened.access_token.valid
    assert OLD_ACCESS not in str(reopened.access_token)
    reopened.access_token = EmptyToken()
    assert not cache.access_token and cache.refresh_token.token == OLD_REFRESH

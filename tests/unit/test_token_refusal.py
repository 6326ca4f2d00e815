"""A refresh token the server refused: recorded with the token, stored by every cache in
the same file format (an extra ``refused_at`` field, absent until a refusal)."""

from __future__ import annotations

import json

import pytest

from pyTD.auth.tokens import AccessToken, RefreshToken
from pyTD.cache.disk import DiskCache
from pyTD.cache.memory import MemCache
from pyTD.cache.sql import SQLCache
from pyTD.exceptions import CacheError

NOW = 1_800_000_000.0
MEMORY = MemCache(clock=lambda: NOW)


def clock():
    return NOW


def refresh_token(**extra):
    return RefreshToken(token="secret-refresh", access_time=NOW - 86400,
                        expires_in=90 * 86400, clock=clock, **extra)


def test_a_refused_token_is_not_valid_and_says_so_without_its_value():
    token = refresh_token()
    refused = token.refused(NOW)
    assert token.valid and not refused.valid
    assert refused.refused_at == NOW and refused.token == token.token
    assert refused.expires_at == token.expires_at       # the lifetime is unchanged
    assert refused != token
    assert "refused" in repr(refused) and "secret" not in repr(refused)


def test_the_dict_form_gains_refused_at_only_once_refused():
    assert "refused_at" not in refresh_token().to_dict()
    data = refresh_token().refused(NOW).to_dict()
    assert data["refused_at"] == NOW
    assert RefreshToken(data, clock=clock) == refresh_token().refused(NOW)


@pytest.mark.parametrize("make", [
    lambda tmp: MEMORY,   # the same one each time
    lambda tmp: DiskCache(str(tmp / "tokens.json"), clock=clock),
    lambda tmp: SQLCache(str(tmp / "tokens.db"), key="K", clock=clock),
], ids=["memory", "disk", "sql"])
def test_every_cache_keeps_the_refusal(tmp_path, make):
    cache = make(tmp_path)
    access = AccessToken(token="secret-access", access_time=NOW, expires_in=1800, clock=clock)
    cache.update(refresh_token=refresh_token(), access_token=access)
    with cache.transaction() as tokens:
        tokens.refresh_token = tokens.refresh_token.refused(NOW)
    again = make(tmp_path)
    assert again.tokens().refresh_token.refused_at == NOW
    assert not again.tokens().refresh_token.valid
    cache.update(refresh_token=refresh_token())          # a new login replaces the record
    assert make(tmp_path).tokens().refresh_token.refused_at is None


def test_a_file_written_before_refusals_were_recorded_reads_as_before(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"version": 1, "refresh_token": {
        "token": "secret-refresh", "access_time": NOW, "expires_in": 7776000},
        "access_token": None}))
    path.chmod(0o600)
    token = DiskCache(str(path), clock=clock).tokens().refresh_token
    assert token.valid and token.refused_at is None


def test_a_malformed_refused_at_is_a_cache_error_that_says_what_to_do(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"version": 1, "refresh_token": {
        "token": "secret-refresh", "access_time": NOW, "expires_in": 7776000,
        "refused_at": "yesterday"}}))
    path.chmod(0o600)
    with pytest.raises(CacheError, match=r"refresh_token\.refused_at has the wrong type.*"
                                         r"pytd auth login") as info:
        DiskCache(str(path), clock=clock).tokens()
    assert "secret" not in str(info.value)

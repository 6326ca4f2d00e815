"""Every bundled token cache, and a minimal custom one, against the cache contract."""

from __future__ import annotations

import json
from typing import Optional

import pytest

from pyTD.cache import DiskCache, MemCache, SQLCache, TokenCache
from pyTD.cache.conformance import TokenCacheContract

#: Storage of the example cache below, one dict per test directory.
_SERVERS: dict[str, dict[str, str]] = {}


class DictCache(TokenCache):
    """The smallest custom backend: JSON strings in a dict standing in for a key-value server."""

    def __init__(self, server: dict[str, str], key: str = "tokens", **kwargs) -> None:
        super().__init__(**kwargs)
        self.server, self.key = server, key

    def load(self) -> Optional[dict]:
        raw = self.server.get(self.key)
        return json.loads(raw) if raw else None

    def save(self, data: Optional[dict]) -> None:
        if data is None:
            self.server.pop(self.key, None)
        else:
            self.server[self.key] = json.dumps(data)


class TestDictCache(TokenCacheContract):
    def make_cache(self, tmp_path, clock):
        return DictCache(_SERVERS.setdefault(str(tmp_path), {}), clock=clock)


class TestMemCache(TokenCacheContract):
    persistent = False

    def make_cache(self, tmp_path, clock):
        return MemCache(clock=clock)


class TestDiskCache(TokenCacheContract):
    def make_cache(self, tmp_path, clock):
        return DiskCache(tmp_path / "cfg" / "tokens.json", clock=clock)


class TestDiskCacheRelativeName(TokenCacheContract):
    def make_cache(self, tmp_path, clock):
        return DiskCache("tokens-KEY.json", clock=clock, config_dir=str(tmp_path / "cfg"))


class TestSQLCache(TokenCacheContract):
    def make_cache(self, tmp_path, clock):
        return SQLCache(tmp_path / "tokens.db", key="KEY", clock=clock)


def test_a_backend_missing_load_or_save_fails_at_construction():
    class NoSave(TokenCache):
        def load(self) -> Optional[dict]:
            return None

    class NoLoad(TokenCache):
        def save(self, data: Optional[dict]) -> None:
            pass

    for incomplete, missing in ((NoSave, "save"), (NoLoad, "load"), (TokenCache, "load")):
        with pytest.raises(TypeError, match=missing):
            incomplete()

"""Token caches: where an ``api`` keeps its access and refresh tokens.

``MemCache`` (this process only), ``DiskCache`` (a JSON file, atomic writes,
shared safely between processes), ``SQLCache`` (SQLite, many consumer keys in
one file), ``RedisCache`` (a Redis server shared by many hosts; the ``redis``
extra) and ``TokenCache``, the base class of your own backends::

    from pyTD.cache import DiskCache
    from pyTD.api import api
    a = api(consumer_key="KEY", callback_url="http://localhost:8080",
            cache=DiskCache("/secure/tokens.json"))

Submodules load on first use (``import pyTD.cache`` does not import sqlite3 or redis).
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "TokenCache": "pyTD.cache.base",
    "TokenSet": "pyTD.cache.base",
    "MemCache": "pyTD.cache.memory",
    "DiskCache": "pyTD.cache.disk",
    "SQLCache": "pyTD.cache.sql",
    "RedisCache": "pyTD.cache.redis",
    "select_cache": "pyTD.cache.select",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'pyTD.cache' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Pick the token cache of an ``api``: ``cache=`` > ``store_tokens`` > ``TD_STORE_TOKENS``.

With tokens stored, ``TD_REDIS_URL`` (when set) picks a Redis cache instead of a file.

>>> from pyTD.settings import resolve
>>> from pyTD.cache import select_cache
>>> select_cache(resolve(consumer_key="KEY"), store_tokens=False)
MemCache('memory (this process only)')
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from typing import Any, Optional

from pyTD.auth.tokens import Clock
from pyTD.cache.base import TokenCache
from pyTD.cache.memory import MemCache
from pyTD.exceptions import ConfigurationError
from pyTD.settings import Settings, parse_bool

#: A Redis URL here makes stored tokens go to a :class:`~pyTD.cache.RedisCache`.
REDIS_URL_VARIABLE = "TD_REDIS_URL"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_MAX_NAME = 100


def cache_file_name(bare_key: str) -> str:
    """``tokens-<key>.json`` with unsafe characters replaced and, if any were, a hash suffix.

    >>> cache_file_name("ABC123")
    'tokens-ABC123.json'
    """
    safe = _UNSAFE.sub("_", bare_key)
    if safe != bare_key or len(safe) > _MAX_NAME:
        digest = hashlib.sha256(bare_key.encode("utf-8")).hexdigest()[:12]
        safe = f"{safe[:_MAX_NAME]}-{digest}"
    return f"tokens-{safe}.json"


def select_cache(settings: Settings, *, cache: Optional[TokenCache] = None,
                 store_tokens: Any = None, clock: Clock = time.time) -> TokenCache:
    """The cache an ``api`` uses.

    ``cache`` (a :class:`TokenCache` instance) wins; else ``store_tokens``
    (when not ``None``), else ``settings.store_tokens``: true -> a
    :class:`~pyTD.cache.DiskCache` named after the consumer key in
    ``settings.config_dir``; false -> a :class:`~pyTD.cache.MemCache`, and
    nothing touches the disk. With tokens stored and ``TD_REDIS_URL`` set, a
    :class:`~pyTD.cache.RedisCache` on that URL instead, keyed by the consumer
    key and provider::

        cache = select_cache(resolve(consumer_key="KEY"))  # DiskCache tokens-KEY.json

    For TD Ameritrade, an empty DiskCache picked here is first filled, once,
    from the original pyTD's token file ``<config_dir>/<consumer_key>`` or
    ``~/.tdm/<consumer_key>`` if one exists (see :mod:`pyTD.cache.legacy`).
    An explicit ``cache=`` and the in-memory cache are left alone.
    """
    if cache is not None:
        if not isinstance(cache, TokenCache):
            what = f"the class {cache.__name__}" if isinstance(cache, type) \
                else f"a {type(cache).__name__}"
            raise ConfigurationError(
                f"cache= must be a pyTD.cache.TokenCache instance, not {what}: pass e.g. "
                "DiskCache(path), SQLCache(path, key=...), MemCache(), or your own "
                "TokenCache subclass's instance (or leave cache=None)."
            )
        return cache
    store = settings.store_tokens if store_tokens is None \
        else parse_bool(store_tokens, "store_tokens")
    if not store:
        return MemCache(clock=clock)
    if not settings.consumer_key:
        raise ConfigurationError(
            "Cannot name the token cache without a consumer key: pass consumer_key=... or "
            "set TD_CONSUMER_KEY (or pass store_tokens=False to keep tokens in memory).",
            arguments={"consumer_key": "...", "store_tokens": "False"})
    redis_url = os.environ.get(REDIS_URL_VARIABLE)
    if redis_url:
        from pyTD.cache.redis import RedisCache, check_url

        return RedisCache(check_url(redis_url, REDIS_URL_VARIABLE),
                          key=settings.provider.bare_key(settings.consumer_key),
                          provider=settings.provider.name, clock=clock)
    from pyTD.cache.disk import DiskCache

    name = cache_file_name(settings.provider.bare_key(settings.consumer_key))
    disk = DiskCache(name, clock=clock, config_dir=settings.config_dir)
    if settings.provider.name == "tdameritrade":
        from pyTD.cache.legacy import LEGACY_DIR, MARKER_SUFFIX, import_legacy_tokens

        import_legacy_tokens(disk, settings.consumer_key, [settings.config_dir, LEGACY_DIR],
                             disk.path + MARKER_SUFFIX,
                             suffix=settings.provider.key_suffix, clock=clock)
    return disk

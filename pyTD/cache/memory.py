"""A thread-safe in-memory token cache."""

from __future__ import annotations

import copy
import time
from typing import Any, Mapping, Optional, Union

from pyTD.auth.tokens import Clock
from pyTD.cache.base import TokenCache, TokenSet


class MemCache(TokenCache):
    """Tokens kept in this process only; gone when the program exits.

    ``data`` seeds it: what another cache's ``load()`` returned (a dict such
    as ``{"refresh_token": {...}, "access_token": {...}}``) or a
    :class:`~pyTD.cache.base.TokenSet`; it is checked and copied.

    >>> from pyTD.cache import MemCache
    >>> cache = MemCache()
    >>> cache.access_token.valid
    False
    >>> from pyTD.auth.tokens import RefreshToken
    >>> refresh = RefreshToken(token="...", expires_in=7_776_000)
    >>> seeded = MemCache({"refresh_token": refresh.to_dict()})
    >>> seeded.refresh_token == refresh, seeded.access_token.valid
    (True, False)
    """

    def __init__(self, data: Union[TokenSet, Mapping[str, Any], None] = None, *,
                 clock: Clock = time.time) -> None:
        super().__init__(clock=clock)
        self._data: Optional[dict] = None
        if data is None:
            return
        if not isinstance(data, (TokenSet, Mapping)):
            raise TypeError("MemCache(data=...) takes a dict as returned by a cache's load(), "
                            f"or a TokenSet; not a {type(data).__name__}.")
        tokens = data if isinstance(data, TokenSet) else TokenSet.from_dict(dict(data), clock)
        self._data = tokens.to_dict()

    def load(self) -> Optional[dict]:
        with self._thread_lock:
            return copy.deepcopy(self._data)

    def save(self, data: Optional[dict]) -> None:
        with self._thread_lock:
            self._data = copy.deepcopy(data)

    def describe(self) -> str:
        return "memory (this process only)"

"""A thread-safe in-memory token cache."""

from __future__ import annotations

import copy
from typing import Optional

from pyTD.cache.base import TokenCache


class MemCache(TokenCache):
    """Tokens kept in this process only; gone when the program exits.

    >>> from pyTD.cache import MemCache
    >>> cache = MemCache()
    >>> cache.access_token.valid
    False
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._data: Optional[dict] = None

    def load(self) -> Optional[dict]:
        with self._thread_lock:
            return copy.deepcopy(self._data)

    def save(self, data: Optional[dict]) -> None:
        with self._thread_lock:
            self._data = copy.deepcopy(data)

    def describe(self) -> str:
        return "memory (this process only)"

"""The token cache plug-in interface.

A backend implements two methods, :meth:`TokenCache.load` and
:meth:`TokenCache.save` (abstract: a subclass missing one cannot be
instantiated), and, when several processes share it, a third,
:meth:`TokenCache.lock`. Everything else (tokens as objects, atomic updates of
both tokens, clearing) is built on them here. A Redis backend, for example::

    import json, redis
    from pyTD.cache import TokenCache

    class RedisCache(TokenCache):
        def __init__(self, url, key="pyTD:tokens"):
            super().__init__()
            self.r, self.key = redis.Redis.from_url(url), key

        def load(self):
            raw = self.r.get(self.key)
            return json.loads(raw) if raw else None

        def save(self, data):
            if data is None:
                self.r.delete(self.key)
            else:
                self.r.set(self.key, json.dumps(data))

        def lock(self):
            return self.r.lock(self.key + ":lock", timeout=30)

Run pyTD's contract tests against it with :mod:`pyTD.cache.conformance`.
"""

from __future__ import annotations

import math
import threading
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import Any, ContextManager, Iterator, Optional, Union

from pyTD._fork import held_here, register
from pyTD.auth.tokens import (
    AccessToken,
    Clock,
    EmptyToken,
    RefreshToken,
    Token,
    token_from_dict,
)
from pyTD.exceptions import CacheError
from pyTD.pacing import SlotStore

#: Version of the stored format; written with every save and checked on load.
FORMAT_VERSION = 1

_TOKEN_FIELDS: dict[str, Union[type, tuple[type, ...]]] = {
    "token": str, "access_time": (int, float), "expires_in": (int, float),
    "refused_at": (int, float)}


def check_shape(data: Any) -> None:
    """Raise ``ValueError`` saying what is wrong unless ``data`` has the stored form's types."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, found {type(data).__name__}")
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValueError("'version' is not an integer")
    for name in ("refresh_token", "access_token"):
        token = data.get(name)
        if token is None:
            continue
        if not isinstance(token, dict):
            raise ValueError(f"{name!r} is not an object")
        for field, kind in _TOKEN_FIELDS.items():
            value = token.get(field)
            if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
                raise ValueError(f"{name}.{field} has the wrong type")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{name}.{field} is not a finite number")


class TokenSet:
    """Both tokens of one consumer key, as read inside :meth:`TokenCache.transaction`."""

    def __init__(self, refresh_token: Token, access_token: Token) -> None:
        self.refresh_token = refresh_token
        self.access_token = access_token

    @classmethod
    def from_dict(cls, data: Optional[dict], clock: Clock = time.time) -> TokenSet:
        """Parse what a backend's ``load()`` returned (``None`` means empty); data of the
        wrong shape or types is a :class:`CacheError`."""
        if not data:
            data = {}
        problem = ""
        try:
            check_shape(data)
        except ValueError as exc:
            problem = str(exc)
        if problem:  # raised outside the except: the stored data is never chained
            raise CacheError(f"The stored tokens are malformed ({problem}); re-authorize with "
                             "`pytd auth login` to replace them.")
        version = data.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise CacheError(
                f"Token cache format version {version!r} is not supported "
                f"(this pyTD reads version {FORMAT_VERSION}); upgrade pyTD or run "
                "`pytd auth logout`."
            )
        return cls(token_from_dict(RefreshToken, data.get("refresh_token"), clock),
                   token_from_dict(AccessToken, data.get("access_token"), clock))

    def to_dict(self) -> dict[str, Any]:
        """The stored form: ``{"version", "refresh_token", "access_token"}``."""
        return {
            "version": FORMAT_VERSION,
            "refresh_token": self.refresh_token.to_dict() if self.refresh_token else None,
            "access_token": self.access_token.to_dict() if self.access_token else None,
        }

    def _key(self) -> tuple:
        return (self.refresh_token, self.access_token)


class TokenCache(ABC):
    """Base class of token caches: implement :meth:`load` and :meth:`save`.

    ``load()`` returns the dict last given to ``save()`` (or ``None``);
    ``save(None)`` erases. Override :meth:`lock` when several processes share
    the storage; the default lock only serializes the threads of one process.
    """

    def __init__(self, *, clock: Clock = time.time) -> None:
        self.clock = clock
        self._thread_lock = threading.RLock()
        register(self, lambda cache: cache._after_fork())

    def _after_fork(self) -> None:
        """In a forked child: free the locks a vanished parent thread may hold.

        A subclass holding more process-local state (connections, file locks)
        extends this; a lock the forking thread holds is left to it to release.
        """
        if not held_here(self._thread_lock):
            self._thread_lock = threading.RLock()

    # -- the plug-in methods -------------------------------------------------
    @abstractmethod
    def load(self) -> Optional[dict]:
        """Return the stored dict, or ``None`` when nothing is stored."""

    @abstractmethod
    def save(self, data: Optional[dict]) -> None:
        """Store ``data`` (a JSON-serializable dict) atomically; ``None`` erases."""

    def lock(self) -> ContextManager[Any]:
        """A context manager held around read-modify-write (re-entrant in one thread)."""
        return self._thread_lock

    def quota_slots(self) -> Optional[SlotStore]:
        """Where processes sharing this cache keep the slots of one request quota.

        ``None`` (the default): this cache is not shared, so each process paces
        itself. A shared backend returns a :class:`~pyTD.pacing.SlotStore`
        (``claim`` and ``finish``, one quota per consumer key), used by
        ``api(share_quota=True)``.
        """
        return None

    # -- built on them ---------------------------------------------------------
    def tokens(self) -> TokenSet:
        """Both tokens as currently stored."""
        return TokenSet.from_dict(self.load(), self.clock)

    @property
    def refresh_token(self) -> Token:
        """The stored refresh token, or an ``EmptyToken``.

        Assigning stores a new one in one atomic :meth:`update` (under the
        cache's lock); assigning ``None`` or an ``EmptyToken`` forgets it::

            cache.refresh_token = RefreshToken(token="...", expires_in=7_776_000)
            cache.refresh_token = None   # cleared; the access token is kept
        """
        return self.tokens().refresh_token

    @refresh_token.setter
    def refresh_token(self, token: Optional[Token]) -> None:
        self.update(refresh_token=self._assignable(token, "refresh_token"))

    @property
    def access_token(self) -> Token:
        """The stored access token, or an ``EmptyToken``.

        Assigning works like for :attr:`refresh_token`: one atomic update,
        ``None``/``EmptyToken`` clears it and the other token is kept.
        """
        return self.tokens().access_token

    @access_token.setter
    def access_token(self, token: Optional[Token]) -> None:
        self.update(access_token=self._assignable(token, "access_token"))

    def _assignable(self, token: Optional[Token], name: str) -> Token:
        if token is None or (isinstance(token, Token) and not token):
            return EmptyToken(clock=self.clock)
        if not isinstance(token, Token):
            raise TypeError(f"cache.{name} takes a pyTD token (e.g. "
                            f"{'RefreshToken' if name == 'refresh_token' else 'AccessToken'}"
                            f"(...)), an EmptyToken or None; not a {type(token).__name__}.")
        return token

    @contextmanager
    def transaction(self) -> Iterator[TokenSet]:
        """Lock, read both tokens, let the caller change them, write back if changed.

        Other threads and processes (for caches with a shared lock) wait, so
        a refresh done here is seen by them when they get the lock::

            with cache.transaction() as tokens:
                if not tokens.access_token.valid:
                    tokens.access_token = new_access_token
        """
        with self.lock():
            current = self.tokens()
            before = current._key()
            yield current
            if current._key() != before:
                self.save(current.to_dict())

    def update(self, refresh_token: Optional[Token] = None,
               access_token: Optional[Token] = None) -> None:
        """Replace either or both tokens in one atomic write."""
        with self.transaction() as tokens:
            if refresh_token is not None:
                tokens.refresh_token = refresh_token
            if access_token is not None:
                tokens.access_token = access_token

    def clear(self) -> None:
        """Forget both tokens."""
        with self.lock():
            self.save(None)

    def describe(self) -> str:
        """Where the tokens live, for ``pytd auth status`` (never the tokens)."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"

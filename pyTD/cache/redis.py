"""A Redis token cache: one key per consumer key and provider, shared by many hosts.

>>> from pyTD.cache import RedisCache
>>> cache = RedisCache("redis://127.0.0.1:6379/0", key="MYKEY")  # doctest: +SKIP
>>> cache.access_token.valid  # doctest: +SKIP
False

It needs the ``redis`` extra: ``pip install "pytd-ameritrade[redis]"``.
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Optional, TypeVar
from urllib.parse import parse_qsl, urlsplit

from pyTD._fork import held_here
from pyTD.auth.tokens import Clock
from pyTD.cache._lock import LOCK_TIMEOUT
from pyTD.cache.base import TokenCache, TokenSet, check_shape
from pyTD.cache.redis_slots import RedisSlots
from pyTD.exceptions import CacheError, ConfigurationError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_URL = "redis://127.0.0.1:6379/0"
#: Seconds a waiter gives the lock beyond ``lock_timeout``: by then the lock of a
#: holder that died has expired.
WAIT_MARGIN = 1.0
_FIRST_POLL, _MAX_POLL = 0.005, 0.1
_SCHEMES = ("redis", "rediss", "unix")

# KEYS: tokens, lock; ARGV: the lock's token, the data ("" erases). Writes only while
# the caller still holds the lock, so a holder whose lock expired overwrites nothing.
_FENCED_WRITE = """
if redis.call('get', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('del', KEYS[1]) else redis.call('set', KEYS[1], ARGV[2]) end
return 1
"""
# KEYS: tokens, new name; ARGV: the malformed value (renamed only if it is still that).
_MOVE_ASIDE = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('rename', KEYS[1], KEYS[2])
return 1
"""


def redis_module() -> Any:
    """The ``redis`` package, or a ``ConfigurationError`` saying how to install it."""
    try:
        import redis
    except ImportError:
        raise ConfigurationError('RedisCache needs the redis package: pip install '
                                 '"pytd-ameritrade[redis]" (or pip install "redis>=5").') from None
    return redis


def _password(url: str) -> str:
    """The password in ``url`` (user info or ``?password=``), or ``""``."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    return parts.password or query.get("password", "")


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***``.

    >>> redact_url("rediss://:s3cret@cache.example:6380/2")
    'rediss://:***@cache.example:6380/2'
    """
    password = _password(url)
    return url.replace(password, "***") if password else url


def check_url(url: Any, source: str = "RedisCache(url=...)") -> str:
    """``url`` if it is a Redis URL, else a ``ConfigurationError`` naming ``source``."""
    scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
    if scheme not in _SCHEMES:
        # The value itself is not shown: it may hold a password.
        got = f"a {type(url).__name__}" if not isinstance(url, str) else \
            f"a URL with scheme {scheme!r}" if scheme else "a value without a scheme"
        raise ConfigurationError(
            f"{source} must be a Redis URL (redis://, rediss:// for TLS, or unix://), e.g. "
            f"{DEFAULT_URL} or rediss://:PASSWORD@host:6380/0; got {got}.")
    return url


def _advice(redis: Any, exc: Exception, socket_timeout: float) -> str:
    errors = redis.exceptions
    if isinstance(exc, errors.AuthenticationError):
        return ("Check the password (and user name) in the URL: redis://:PASSWORD@host:port/db "
                "or redis://USER:PASSWORD@host:port/db.")
    if isinstance(exc, errors.BusyLoadingError):
        return "The server is loading its data after a restart: retry in a moment."
    if isinstance(exc, errors.TimeoutError):
        return (f"The server did not answer within {socket_timeout:g} s: check that it is up "
                "and not overloaded, or pass a larger socket_timeout=.")
    if isinstance(exc, errors.ConnectionError):
        return ("Start the Redis server or check the URL's host and port (and for TLS the "
                "rediss:// scheme and certificates), then retry; the stored tokens are unchanged.")
    if isinstance(exc, errors.ReadOnlyError):
        return "The URL points at a read-only replica: use the primary server's address."
    return ("Check that the URL's database holds pyTD's tokens; if that key holds something "
            "else, delete it and re-authorize with `pytd auth login`.")


class RedisCache(TokenCache):
    """Tokens of consumer key ``key`` and ``provider`` in the Redis server at ``url``.

    The tokens live under one Redis key, ``<prefix>:tokens:<provider>:<key>``,
    written in one command. :meth:`lock` is a Redis lock on that key plus
    ``:lock`` (the ``redis`` package's :class:`redis.lock.Lock`, with a random
    token), so across processes and hosts one refresh runs at a time and the
    others then read its tokens. The lock expires ``lock_timeout`` seconds
    after it was taken: a holder that crashed or lost its network blocks the
    others at most that long, and a holder slower than that writes nothing (its
    write is checked against the lock) and gets a :class:`CacheError`.
    Waiting for the lock is bounded by ``lock_timeout`` plus a second.

    TLS and the password come with the URL: ``rediss://:PASSWORD@host:6380/0``;
    other keywords go to :meth:`redis.Redis.from_url` (e.g. ``ssl_ca_certs=``).
    The password never appears in a ``repr``, a log line or an error. A Redis
    error (refused connection, timeout, wrong password) is a :class:`CacheError`
    saying what to do.

    >>> cache = RedisCache("rediss://:PASSWORD@redis.internal:6380/0",
    ...                    key="MYKEY", provider="schwab")  # doctest: +SKIP
    """

    def __init__(self, url: str = DEFAULT_URL, key: str = "default", *,
                 provider: Any = "tdameritrade", prefix: str = "pyTD",
                 clock: Clock = time.time, lock_timeout: float = LOCK_TIMEOUT,
                 socket_timeout: float = 5.0, **options: Any) -> None:
        super().__init__(clock=clock)
        self.url = check_url(url)
        provider = getattr(provider, "name", provider)
        for name, value in (("key", key), ("provider", provider), ("prefix", prefix)):
            if not isinstance(value, str) or not value:
                example = "the consumer key" if name == "key" else "leave the default"
                raise ValueError(f"RedisCache needs {name}= as a non-empty string "
                                 f"(e.g. {example}).")
        for name, number in (("lock_timeout", lock_timeout), ("socket_timeout", socket_timeout)):
            if isinstance(number, bool) or not isinstance(number, (int, float)) \
                    or not 0 < number < math.inf:
                raise ValueError(f"RedisCache needs {name}= as a positive number of seconds.")
        self.key, self.provider = key, provider
        self.name = f"{prefix}:tokens:{provider}:{key}"
        self.quota_name = f"{prefix}:quota:{provider}:{key}"
        self.lock_name = self.name + ":lock"
        self.lock_timeout, self.socket_timeout = float(lock_timeout), float(socket_timeout)
        self._redis = redis_module()
        self._secret = _password(url)
        self._options = options
        self._client, self._write, self._move = self._connect()
        self._depth = 0                 # nesting of lock(); touched by its holder only
        self._held: Any = None          # the Redis lock while held
        self._token = ""                # its token
        self._memo: Optional[tuple[bytes, TokenSet]] = None  # (raw value, tokens read)

    def _connect(self) -> tuple[Any, Any, Any]:
        """A client (connections open on first use) and the scripts bound to it."""
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry

        options = {"socket_timeout": self.socket_timeout,
                   "socket_connect_timeout": self.socket_timeout,
                   "retry": Retry(ExponentialBackoff(cap=0.2, base=0.05), 2), **self._options}
        client = self._redis.Redis.from_url(self.url, **options)
        return client, client.register_script(_FENCED_WRITE), client.register_script(_MOVE_ASIDE)

    def _after_fork(self) -> None:
        """In a forked child: a client of its own (never the parent's sockets or pool locks)."""
        held = held_here(self._thread_lock)
        super()._after_fork()
        self._client, self._write, self._move = self._connect()
        self._memo = None
        if not held:
            self._depth, self._held, self._token = 0, None, ""
        elif self._held is not None:
            self._held.redis = self._client   # the forking thread releases it through ours

    def quota_slots(self) -> RedisSlots:
        """This key's request quota in the same Redis, shared by every process and host using it.

        >>> api(cache=RedisCache(URL, key="KEY"), share_quota=True)  # doctest: +SKIP
        """
        return RedisSlots(self.quota_name, lambda: self._client, self._run)

    # -- errors ---------------------------------------------------------------------------
    def _run(self, action: str, command: Callable[[], T]) -> T:
        """``command()``, its Redis errors turned into a :class:`CacheError` saying what to do.

        The error is raised outside the ``except`` block: nothing of the client
        (its connection holds the password) is chained to it.
        """
        try:
            return command()
        except self._redis.exceptions.RedisError as exc:
            failure = CacheError(
                f"Cannot {action} in Redis at {self.describe()}: "
                f"{type(exc).__name__}: {self._scrub(str(exc)).rstrip('.')}. "
                f"{_advice(self._redis, exc, self.socket_timeout)}")
        raise failure

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    # -- the plug-in methods ----------------------------------------------------------------
    def _read(self) -> Optional[bytes]:
        return self._run("read the tokens", lambda: self._client.get(self.name))

    def _parse(self, raw: Optional[bytes]) -> Optional[dict]:
        if raw is None:
            return None
        data: Any = None
        problem = ""
        try:
            data = json.loads(raw)
        except ValueError as exc:  # a decoder error keeps the whole text (tokens): drop it
            problem = f"not valid JSON: {exc}"
        if not problem:
            try:
                check_shape(data)
            except ValueError as exc:
                problem = str(exc)
        if problem:
            raise self._move_aside(raw, problem)  # outside except: nothing chained
        return data

    def _move_aside(self, raw: bytes, reason: str) -> CacheError:
        """Rename the malformed value's key (if it still holds it); the error to raise."""
        when = datetime.fromtimestamp(time.time(), tz=timezone.utc)
        aside = f"{self.name}:corrupt-{when:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        moved = self._run("move aside the malformed tokens",
                          lambda: self._move(keys=[self.name, aside], args=[raw]))
        self._memo = None
        if not moved:
            return CacheError(f"The tokens in Redis key {self.name!r} were malformed ({reason}) "
                              "and another process has just replaced them: retry.")
        return CacheError(
            f"The tokens in Redis key {self.name!r} are malformed ({reason}); they were moved "
            f"to key {aside!r}. Re-authorize with `pytd auth login`, or restore them from "
            "that copy.")

    def load(self) -> Optional[dict]:
        """The stored dict, or ``None``; a malformed value is moved aside (CacheError)."""
        return self._parse(self._read())

    def tokens(self) -> TokenSet:
        """Both tokens; parsed again only when the stored value changed."""
        raw = self._read()
        memo = self._memo
        if raw is not None and memo is not None and memo[0] == raw:
            tokens = memo[1]
        else:
            tokens = TokenSet.from_dict(self._parse(raw), self.clock)
            self._memo = None if raw is None else (raw, tokens)
        return TokenSet(tokens.refresh_token, tokens.access_token)

    def save(self, data: Optional[dict]) -> None:
        """Store ``data`` in one command (``None`` deletes the key), under :meth:`lock`."""
        try:
            text = "" if data is None else \
                json.dumps(data, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise CacheError(f"Cannot store these tokens as JSON ({exc}); nothing was written.") \
                from exc
        with self.lock():
            written = self._run("write the tokens", lambda: self._write(
                keys=[self.name, self.lock_name], args=[self._token, text]))
        self._memo = None
        if not written:
            raise CacheError(
                f"The Redis lock {self.lock_name!r} expired while this process held it (for "
                f"longer than lock_timeout={self.lock_timeout:g} s), so another process may "
                "have stored newer tokens: nothing was written. Retry, or allow more time "
                "with RedisCache(..., lock_timeout=...).")

    @contextmanager
    def lock(self) -> Iterator[None]:
        """The Redis lock of this key (re-entrant per thread; threads serialized)."""
        wait = self.lock_timeout + WAIT_MARGIN
        deadline = time.monotonic() + wait
        if not self._thread_lock.acquire(timeout=wait):
            raise self._timed_out(wait, "another thread of this process")
        try:
            if self._depth == 0:
                self._acquire(deadline, wait)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()
        finally:
            self._thread_lock.release()

    def _acquire(self, deadline: float, wait: float) -> None:
        token = secrets.token_hex(16)
        lock = self._client.lock(self.lock_name, timeout=self.lock_timeout, thread_local=False)
        pause = _FIRST_POLL
        while not self._run("take the lock of the tokens",
                            lambda: lock.acquire(blocking=False, token=token)):
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timed_out(wait, "another process (probably refreshing tokens)")
            time.sleep(min(pause, left))
            pause = min(pause * 2, _MAX_POLL)
        self._held, self._token = lock, token

    def _release(self) -> None:
        lock, self._held, self._token = self._held, None, ""
        try:
            lock.release()
        except self._redis.exceptions.LockNotOwnedError:
            log.warning("The Redis lock %s expired before it was released (held longer than "
                        "lock_timeout=%g s)", self.lock_name, self.lock_timeout)
        except self._redis.exceptions.RedisError as exc:
            log.warning("Could not release the Redis lock %s (%s); it expires by itself within "
                        "%g s", self.lock_name, type(exc).__name__, self.lock_timeout)

    def _timed_out(self, wait: float, who: str) -> CacheError:
        return CacheError(
            f"Timed out after {wait:g} s waiting for the Redis lock {self.lock_name!r}, held by "
            f"{who}. A holder's lock expires lock_timeout={self.lock_timeout:g} s after it was "
            "taken, so a crashed one frees it by itself: retry, or allow more time with "
            "RedisCache(..., lock_timeout=...).")

    # -- what users see ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the client's connections (they are reopened on next use)."""
        self._client.close()

    def describe(self) -> str:
        return f"{redact_url(self.url)} [{self.name}]"

    def __repr__(self) -> str:
        return (f"RedisCache({redact_url(self.url)!r}, key={self.key!r}, "
                f"provider={self.provider!r})")

    def __enter__(self) -> RedisCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

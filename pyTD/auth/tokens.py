"""Access and refresh tokens: a value, when it was issued, and how long it lives.

The secret never appears in ``repr`` or ``str``::

    >>> from pyTD.auth.tokens import AccessToken
    >>> t = AccessToken(token="secret", access_time=1_700_000_000, expires_in=1800)
    >>> t.expires_at
    1700001800.0
    >>> "secret" in repr(t)
    False
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Optional, Union

Clock = Callable[[], float]

#: Seconds before expiry at which an access token is treated as expired.
ACCESS_LEEWAY = 60.0


class Token:
    """A token value with its issue time (epoch seconds) and lifetime (seconds).

    Build it from keywords or from one dict with the same keys, passed
    positionally or, as the original pyTD did, as ``options=``::

        AccessToken(token="...", access_time=time.time(), expires_in=1800)
        AccessToken({"token": "...", "access_time": 1700000000, "expires_in": 1800})
        RefreshToken(options={"token": "...", "access_time": 1700000000,
                              "expires_in": 7776000})

    ``expiry`` is an alias of :attr:`expires_at` (epoch seconds). ``refused_at``
    (epoch seconds, ``None`` unless set) records when the server refused the token,
    e.g. a revoked refresh token; a refused token is never valid again::

        RefreshToken(token="...", access_time=1700000000, expires_in=7776000,
                     refused_at=1700086400).valid          # False

    Unlike the original pyTD, ``str(token)`` is redacted just like ``repr``:
    it never returns the secret. Read the value from :attr:`token` explicitly
    when you need it (e.g. ``f"Bearer {token.token}"``).
    """

    default_leeway = 0.0

    def __init__(self, token: Union[str, Mapping[str, Any], None] = None,
                 access_time: Optional[float] = None, expires_in: Optional[float] = None,
                 *, options: Optional[Mapping[str, Any]] = None,
                 refused_at: Optional[float] = None, clock: Clock = time.time) -> None:
        if options is not None:
            if token is not None:
                raise TypeError(f"{type(self).__name__} takes either a token or options=, "
                                "not both.")
            if not isinstance(options, Mapping):
                raise TypeError(f"{type(self).__name__}(options=...) takes a dict with keys "
                                "token, access_time and expires_in; not a "
                                f"{type(options).__name__}.")
            token = options
        if isinstance(token, Mapping):
            data = token
            token = data.get("token")
            access_time = data.get("access_time", access_time)
            expires_in = data.get("expires_in", expires_in)
            refused_at = data.get("refused_at", refused_at)
        if token is not None and (not isinstance(token, str) or not token):
            raise ValueError(f"{type(self).__name__} needs a non-empty string token.")
        self.token: Optional[str] = token
        self.access_time = float(access_time) if access_time is not None else clock()
        self.expires_in = float(expires_in) if expires_in is not None else 0.0
        self.refused_at = float(refused_at) if refused_at is not None else None
        self._clock = clock

    @property
    def expires_at(self) -> float:
        """Epoch seconds at which the token expires."""
        return self.access_time + self.expires_in

    @property
    def expiry(self) -> float:
        """Alias of :attr:`expires_at` (the original pyTD's name): epoch seconds of expiry."""
        return self.expires_at

    def remaining(self, now: Optional[float] = None) -> float:
        """Seconds of life left (negative once expired)."""
        return self.expires_at - (self._clock() if now is None else now)

    def is_valid(self, leeway: Optional[float] = None, now: Optional[float] = None) -> bool:
        """True when the token has a value, was not refused, and has more than ``leeway``
        seconds left.

        The default leeway is at most a quarter of the lifetime, so that short-lived
        tokens (a sandbox configured for seconds) are still used.
        """
        if not self.token or self.refused_at is not None:
            return False
        if leeway is None:
            leeway = min(self.default_leeway, self.expires_in / 4)
        return self.remaining(now) > leeway

    @property
    def valid(self) -> bool:
        """``is_valid()`` with the default leeway (60 s for access tokens)."""
        return self.is_valid()

    def expires_text(self) -> str:
        """The expiry as ``YYYY-MM-DD HH:MM UTC`` (``never issued`` when empty)."""
        if not self.token:
            return "never issued"
        return utc_text(self.expires_at)

    def refused(self, when: float) -> Token:
        """A copy of this token recorded as refused by the server at ``when`` (epoch seconds).

        >>> RefreshToken(token="t", access_time=0, expires_in=10).refused(5).valid
        False
        """
        return type(self)(self.token, self.access_time, self.expires_in, refused_at=when,
                          clock=self._clock)

    def to_dict(self) -> dict[str, Any]:
        """``{"token", "access_time", "expires_in"}`` (and ``"refused_at"`` once refused);
        the inverse of the dict constructor."""
        data: dict[str, Any] = {"token": self.token, "access_time": self.access_time,
                                "expires_in": self.expires_in}
        if self.refused_at is not None:
            data["refused_at"] = self.refused_at
        return data

    def __bool__(self) -> bool:
        return bool(self.token)

    def _key(self) -> tuple:
        return (type(self), self.token, self.access_time, self.expires_in, self.refused_at)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        if not self.token:
            return f"{type(self).__name__}(empty)"
        try:
            expires = datetime.fromtimestamp(self.expires_at, tz=timezone.utc)
            when = expires.isoformat(timespec="seconds")
        except (OverflowError, OSError, ValueError):  # outside datetime's range
            when = repr(self.expires_at)
        refused = "" if self.refused_at is None else ", refused"
        return f"{type(self).__name__}(expires_at={when}, valid={self.valid}{refused})"

    __str__ = __repr__


class AccessToken(Token):
    """A short-lived (30 min) bearer token sent with every API request."""

    default_leeway = ACCESS_LEEWAY


class RefreshToken(Token):
    """A long-lived token that obtains new access tokens (TD Ameritrade: 90 days, renewed
    before it runs out; Schwab: 7 days, then a new login)."""


class EmptyToken(Token):
    """No token: never valid, falsy, compares equal to any other ``EmptyToken``."""

    def __init__(self, *, clock: Clock = time.time) -> None:
        super().__init__(None, 0.0, 0.0, clock=clock)

    def _key(self) -> tuple:
        return (EmptyToken,)


def utc_text(epoch_seconds: float) -> str:
    """``epoch_seconds`` as ``YYYY-MM-DD HH:MM UTC``.

    >>> utc_text(0)
    '1970-01-01 00:00 UTC'
    """
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def token_from_dict(cls: type[Token], data: Optional[Mapping[str, Any]],
                    clock: Clock = time.time) -> Token:
    """``cls(data)``, or an :class:`EmptyToken` when ``data`` is empty or has no token."""
    if not data or not data.get("token"):
        return EmptyToken(clock=clock)
    return cls(data, clock=clock)

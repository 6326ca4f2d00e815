"""The ``api`` class: settings, session, request pipeline and authorization in one object.

>>> from pyTD.api import api
>>> a = api(consumer_key="KEY", callback_url="http://127.0.0.1:8080")   # doctest: +SKIP
>>> a.get_quotes(["AAPL", "MSFT"])                                        # doctest: +SKIP

Data flows one way: endpoint wrapper -> :meth:`api.request` -> fresh token
from :class:`~pyTD.auth.manager.AuthManager` -> session -> error mapping -> JSON.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Mapping, Optional, Union

import requests

from pyTD._fork import in_child
from pyTD.auth.manager import AuthManager, BrowserOpener
from pyTD.auth.tokens import Clock, Token
from pyTD.cache.base import TokenCache
from pyTD.endpoints import EndpointMethods
from pyTD.exceptions import AuthorizationError, ConfigurationError, ValidationError
from pyTD.pacing import Pacer, Quota
from pyTD.provider import Provider
from pyTD.settings import ENV_VARS, Settings, resolve
from pyTD.transport import Timeout, Transport, decode_json, raise_for_status

log = logging.getLogger(__name__)

_SETTING_NAMES = tuple(ENV_VARS)


class _Fixed:
    """A read-only attribute of ``api`` whose assignment says what to do instead."""

    def __init__(self, read: Callable[[api], Any], instead: str) -> None:
        self.read, self.instead = read, instead
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Optional[api], owner: type) -> Any:
        return self if obj is None else self.read(obj)

    def __set__(self, obj: api, value: Any) -> None:
        raise AttributeError(f"api.{self.name} cannot change after the api is built: "
                             f"{self.instead}")


class api(EndpointMethods):
    """A TD Ameritrade API client for one consumer key.

    Every keyword falls back to ``options`` (a dict), then to its ``TD_*``
    environment variable, then to the default::

        a = api(consumer_key="KEY", callback_url="http://127.0.0.1:8080")
        a = api({"consumer_key": "KEY"}, store_tokens=False)
        a.authorize()              # once; tokens are cached
        a.get_quotes("AAPL")       # refreshes tokens by itself from now on

    GETs are retried ``retry_count`` times after connection errors, 429 and 5xx,
    with exponential backoff from ``pause`` seconds; a 429 waits for the next
    minute of TD's quota clock. No single wait exceeds ``retry_max_wait``.
    Orders and other changes are never retried, and no redirect is followed.
    Each answer must complete within ``deadline`` seconds (``TD_DEADLINE``;
    default three read timeouts) and hold at most ``max_body`` bytes
    (``TD_MAX_BODY``; default 64 MiB).

    Requests are paced to stay inside the app's quota (``quota``, ``TD_QUOTA``):
    ``auto`` (the default) paces by the provider's quota (120 a minute) when
    ``base_url`` is the provider's own host and not at all elsewhere (a
    sandbox or proxy), ``off`` never, ``"N/SECONDS"`` by that quota.
    ``share_quota=True`` (``TD_SHARE_QUOTA``) shares it with every process
    using the same token cache (:meth:`~pyTD.cache.TokenCache.quota_slots`).

    ``consumer_key``, ``callback_url``, ``store_tokens``, ``retry_count`` and
    ``pause`` read back what the api was built with; they are fixed for its life.
    """

    settings: Settings
    _retry_count: int
    _pause: float

    consumer_key = _Fixed(lambda a: a.settings.consumer_key,
                          "build a new one with api(consumer_key=...) or set TD_CONSUMER_KEY.")
    callback_url = _Fixed(lambda a: a.settings.callback_url,
                          "build a new one with api(callback_url=...) or set TD_CALLBACK_URL.")
    store_tokens = _Fixed(lambda a: a.settings.store_tokens,
                          "build a new one with api(store_tokens=...) or pass cache=.")
    retry_count = _Fixed(lambda a: a._retry_count, "build a new one with api(retry_count=...).")
    pause = _Fixed(lambda a: a._pause, "build a new one with api(pause=...).")

    def __init__(self, options: Optional[Mapping[str, Any]] = None, *,
                 consumer_key: Optional[str] = None, callback_url: Optional[str] = None,
                 store_tokens: Optional[bool] = None, cache: Optional[TokenCache] = None,
                 config_dir: Optional[str] = None, session: Optional[requests.Session] = None,
                 timeout: Timeout = (5.0, 30.0), retry_count: int = 3, pause: float = 0.5,
                 retry_max_wait: float = 60.0,
                 base_url: Optional[str] = None, auth_url: Optional[str] = None,
                 log_level: Optional[str] = None, output_format: Optional[str] = None,
                 refresh_window: Optional[float] = None, clock: Clock = time.time,
                 provider: Optional[Union[str, Provider]] = None,
                 app_secret: Optional[str] = None, deadline: Optional[float] = None,
                 max_body: Optional[int] = None,
                 refresh_warning: Optional[float] = None,
                 quota: Union[str, int, Quota, None] = None,
                 share_quota: Optional[bool] = None) -> None:
        given = dict(consumer_key=consumer_key, callback_url=callback_url,
                     store_tokens=store_tokens, config_dir=config_dir, base_url=base_url,
                     auth_url=auth_url, log_level=log_level, provider=provider,
                     app_secret=app_secret, output_format=output_format, deadline=deadline,
                     max_body=max_body, refresh_warning=refresh_warning, quota=quota,
                     share_quota=share_quota)
        extra = dict(options or {})
        cache = cache if cache is not None else extra.pop("cache", None)
        unknown = set(extra) - set(_SETTING_NAMES)
        if unknown:
            raise ConfigurationError(f"Unknown option(s) {sorted(unknown)}; known: "
                                     f"{sorted((*_SETTING_NAMES, 'cache'))}.")
        merged: dict[str, Any] = {
            name: given[name] if given[name] is not None else extra.get(name)
            for name in _SETTING_NAMES}
        self.settings = resolve(**merged)
        self.settings.provider.check_settings(self.settings.callback_url,
                                              self.settings.app_secret)
        if self.settings.log_level:
            logging.getLogger("pyTD").setLevel(self.settings.log_level)
        from pyTD.cache.select import select_cache

        self.cache = select_cache(self.settings, cache=cache, store_tokens=store_tokens)
        self._retry_count, self._pause = retry_count, pause
        self.transport = Transport(self.settings.base_url, session=session, timeout=timeout,
                                   retry_count=retry_count, pause=pause,
                                   max_wait=retry_max_wait, deadline=self.settings.deadline,
                                   max_body=self.settings.max_body,
                                   pacer=self._pacer())
        self.output_format = self.settings.output_format
        manager_options: dict[str, Any] = {}
        if refresh_window is not None:
            manager_options["refresh_window"] = refresh_window
        self.auth = AuthManager(self.settings, self.cache, self.transport, clock=clock,
                                **manager_options)

    def _pacer(self) -> Optional[Pacer]:
        """The pacer of ``settings.quota``; with ``share_quota``, its slots live in the cache."""
        quota = self.settings.quota
        if quota is None:
            if self.settings.share_quota:
                raise ConfigurationError(
                    "share_quota is on but there is no quota to share: pass quota='120/60' "
                    "(TD_QUOTA), or leave quota at auto with the provider's own base URL.")
            return None
        if not self.settings.share_quota:
            return Pacer(quota)
        store = self.cache.quota_slots()
        if store is None:
            raise ConfigurationError(
                f"share_quota needs a token cache that processes share (SQLCache or "
                f"RedisCache), not {type(self.cache).__name__}: pass cache=SQLCache(...) or "
                "cache=RedisCache(...), or share_quota=False "
                "(TD_SHARE_QUOTA) to pace this process alone.")
        return Pacer(quota, store)

    @property
    def pacer(self) -> Optional[Pacer]:
        """What keeps requests inside the provider's quota (``None``: no pacing)."""
        return self.transport.pacer

    @property
    def session(self) -> requests.Session:
        """The ``requests.Session`` every call goes through."""
        return self.transport.session

    @property
    def timeout(self) -> Timeout:
        """The ``(connect, read)`` timeout of every call, in seconds."""
        return self.transport.timeout

    @property
    def provider(self) -> Provider:
        """The API provider this client talks to."""
        return self.settings.provider

    # -- authorization -------------------------------------------------------
    def authorize(self, open_browser: BrowserOpener = True, timeout: float = 300.0, *,
                  manual: bool = False) -> None:
        """Authorize once through the browser (or ``manual=True``: paste the redirected URL).

        ``open_browser`` may also be a callable: it receives the URL to open.

        >>> a.authorize()                                  # doctest: +SKIP
        >>> a.authorize(open_browser=my_opener)            # doctest: +SKIP
        """
        self.auth.authorize(open_browser, timeout, manual=manual)

    def refresh_auth(self, *, force: bool = False, **authorize_kwargs: Any) -> None:
        """Re-authorize from scratch (pyTD's name), asking before overwriting valid tokens."""
        if self.auth_valid and not force:
            from pyTD.auth.manager import interactive

            if not interactive():
                raise AuthorizationError("The cached tokens are still valid; pass force=True to "
                                         "replace them anyway.")
            if not self.auth.confirm("Valid tokens are cached. Overwrite them?"):
                return
        self.authorize(**authorize_kwargs)

    def logout(self) -> None:
        """Forget the tokens, in this object and in its cache."""
        self.auth.logout()

    @property
    def refresh_token(self) -> Token:
        """The cached refresh token (an ``EmptyToken`` when there is none)."""
        return self.auth.tokens().refresh_token

    @property
    def access_token(self) -> Token:
        """The cached access token (an ``EmptyToken`` when there is none)."""
        return self.auth.tokens().access_token

    @property
    def refresh_expires_in(self) -> Optional[float]:
        """Seconds the refresh token has left (``0.0`` when expired; ``None`` without one).

        >>> a.refresh_expires_in / 86400       # doctest: +SKIP
        6.9
        """
        return self.auth.refresh_expires_in()

    @property
    def refresh_valid(self) -> bool:
        """Whether the refresh token is valid."""
        return self.refresh_token.valid

    @property
    def access_valid(self) -> bool:
        """Whether the access token is valid (with the 60 s leeway)."""
        return self.access_token.valid

    @property
    def auth_valid(self) -> bool:
        """Whether requests can be made without a new authorization."""
        return self.refresh_valid

    # -- requests ------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Optional[Mapping[str, Any]] = None,
                json: Any = None, raw: bool = False) -> Any:
        """Send an authenticated request to ``base_url + path`` and decode the answer.

        ``path`` must be URL-quoted already; a full URL is accepted when it lies
        under ``base_url`` (the token is never sent anywhere else). Returns the
        JSON body (``None`` when empty), or the ``requests.Response`` with
        ``raw=True``. An expired token is refreshed first; a 401 triggers one
        refresh and one resend.

        >>> a.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"})  # doctest: +SKIP
        """
        method = method.upper()
        path = self._relative(path)
        url = self.settings.base_url + path
        headers = self.auth.headers()
        started = time.perf_counter()
        response = self.transport.send(method, url, params=params, json=json, headers=headers)
        if response.status_code == 401:
            log.debug("%s %s -> 401; refreshing the access token once", method, path)
            headers = self.auth.refresh_after_401(headers)
            response = self.transport.send(method, url, params=params, json=json,
                                           headers=headers)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s in %.1f ms", method, path, response.status_code,
                      (time.perf_counter() - started) * 1000)
        parse = self.settings.provider.parse_error
        if response.status_code == 401:
            raise_for_status(response, "The access token was refused after a refresh. "
                                       "Run `pytd auth login` (or api.authorize()) again.", parse)
        raise_for_status(response, parse=parse)
        return response if raw else decode_json(response)

    def _relative(self, path: str) -> str:
        """``path`` relative to the base URL; a full URL must lie under it."""
        if not path.startswith(("http://", "https://")):
            return path
        base = self.settings.base_url
        if path == base or path.startswith((base + "/", base + "?")):
            return path[len(base):]
        raise ValidationError(
            f"{path.split('?')[0]!r} is not under this api's base URL {base!r}: pass a path "
            "such as '/marketdata/quotes', or a URL that starts with the base URL.")

    def stream(self, *, asynchronous: bool = False, **options: Any) -> Any:
        """A streamer client for this api's provider (needs the ``stream`` extra).

        Blocking by default (:class:`pyTD.streaming.sync.Stream`: ``for msg in s``,
        also ``async for``); ``asynchronous=True`` gives the asyncio client
        (:class:`pyTD.streaming.client.AsyncStream`) to run in your own loop.

        >>> with a.stream() as s:                                        # doctest: +SKIP
        ...     s.subscribe_quotes(["AAPL", "MSFT"], fields=["bid", "ask", "last"])
        ...     for msg in s:
        ...         print(msg.key, msg.fields)
        """
        from pyTD.streaming import websockets_module

        websockets_module()
        if asynchronous:
            from pyTD.streaming.client import AsyncStream
            return AsyncStream(self, **options)
        from pyTD.streaming.sync import Stream
        return Stream(self, **options)

    def close(self) -> None:
        """Close the HTTP session."""
        self.transport.close()

    def __enter__(self) -> api:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        key = self.settings.consumer_key or ""
        shown = f"{key[:4]}..." if key else None
        return (f"api(consumer_key={shown!r}, cache={self.cache!r}, "
                f"base_url={self.settings.base_url!r})")


_default: Optional[api] = None
_default_lock = threading.Lock()


def _fresh_default_lock() -> None:
    """In a forked child: a parent thread may have held the lock while configuring."""
    global _default_lock
    _default_lock = threading.Lock()


in_child(_fresh_default_lock)


def configure(options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> api:
    """Build the module-level default ``api`` used by ``pyTD.market.get_quotes(...)`` and friends.

    >>> import pyTD
    >>> pyTD.configure(consumer_key="KEY", callback_url="http://127.0.0.1:8080")  # doctest: +SKIP
    """
    global _default
    with _default_lock:
        _default = api(options, **kwargs)
        return _default


def default_api(ignore_globals: bool = False) -> api:
    """The default ``api``: from :func:`configure`, else built from the ``TD_*`` variables.

    ``ignore_globals=True`` builds a new one from the environment, leaving the
    configured default as it is.
    """
    global _default
    if ignore_globals:
        return api()
    with _default_lock:
        if _default is None:
            _default = api()
        return _default


api.default_api = staticmethod(default_api)  # type: ignore[attr-defined]  # pyTD.api.default_api()

"""The sandbox: a local emulator of the TD Ameritrade API (or, with ``provider="schwab"``,
of the Charles Schwab Trader API), served on 127.0.0.1.

    >>> import requests
    >>> from pyTD.sandbox import Sandbox
    >>> with Sandbox() as sb:                                   # doctest: +SKIP
    ...     tokens = sb.issue_tokens()
    ...     requests.get(sb.base_url + "/marketdata/AAPL/quotes",
    ...                  headers={"Authorization": "Bearer " + tokens["access_token"]})

Endpoints live in modules (``oauth``, ``market``, ``accounts``) that
expose ``register(router)`` and add routes with
:meth:`~pyTD.sandbox.routing.Router.add`. The handler interface::

    handler(sandbox, req, **path_params) -> SandboxResponse

- TD's REST routes are added to ``router.mount(API_ROOT)`` (``API_ROOT`` is the
  path of TD's base URL), so their patterns are relative to the API root, e.g.
  ``r"/marketdata/(?P<symbol>[^/]+)/quotes"``; patterns added to
  ``sandbox.router`` itself are full paths. They are matched against the raw
  (percent-encoded) path; path parameters are URL-decoded before the call.
  ``HEAD`` is served by the ``GET`` route.
- ``req`` is a :class:`~pyTD.sandbox.routing.SandboxRequest`; its ``headers``
  compare names case-insensitively. On ``BEARER`` and ``BEARER_OR_APIKEY``
  routes the credentials were checked before the call: ``req.consumer_key``
  (bare) is set, and ``req.delayed`` is True for ``apikey``-only requests.
- ``sandbox`` is typed as :class:`~pyTD.sandbox.routing.SandboxLike`, what a
  handler may use: ``seed``, ``url``, ``universe`` (which symbols exist),
  ``clock()``, ``lock`` (an ``RLock``),
  ``count(group, key, n=1)`` (shows up in :meth:`Sandbox.stats`) and
  ``store(name, factory)`` (one state object per sandbox); the OAuth handlers
  also use ``oauth`` and ``auto_approve`` (:class:`~pyTD.sandbox.oauth.OAuthSandbox`).
- A :class:`~pyTD.sandbox.routing.BadRequest` raised by a handler (or the parsers of
  :mod:`~pyTD.sandbox.routing` it calls) becomes its status with a TD error body; any
  other exception becomes a 500 with a TD error body.

A :class:`~pyTD.sandbox.modes.Mode` chooses the wire format (routes, error bodies,
401s, token bodies); the state behind it is the same in every mode.

Each request goes: counted -> faults (before) -> rate limit (REST paths)
-> route (404/405) -> credentials (401) -> handler (``BadRequest``: its status,
other exceptions: 500) -> faults (``apply_after``) -> status counted.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from functools import partial
from typing import Any, Callable, Iterable, Optional, TypeVar
from urllib.parse import unquote

from pyTD.provider import TD_AMERITRADE, Provider
from pyTD.sandbox import oauth
from pyTD.sandbox._http import Server
from pyTD.sandbox.data.universe import Universe
from pyTD.sandbox.faults import KINDS, RATE_LIMIT_MESSAGE, Faults, RateLimiter
from pyTD.sandbox.modes import mode_for
from pyTD.sandbox.oauth import (
    DEMO_CALLBACK_URL,
    DEMO_CONSUMER_KEY,
    OAuthSandbox,
    OAuthState,
)
from pyTD.sandbox.routing import BadRequest, Router, SandboxRequest, SandboxResponse

__all__ = ["DEMO_APP_SECRET", "DEMO_CALLBACK_URL", "DEMO_CONSUMER_KEY", "Sandbox"]

log = logging.getLogger(__name__)
T = TypeVar("T")
#: Where TD's REST routes are mounted: the path of TD's base URL.
API_ROOT = TD_AMERITRADE.root_path
#: The synthetic secret of the demo app in Schwab mode (a credential: never logged).
DEMO_APP_SECRET = "PYTDSANDBOXSECRET0000000000000AB"  # noqa: S105 - synthetic, sandbox only
GRANT_KINDS = ("authorization_code", "refresh_token", "refresh_token_offline")


class Sandbox:
    """A TD Ameritrade emulator on ``127.0.0.1:port`` (``port=0``: any free port).

    ``provider="schwab"`` emulates the Charles Schwab Trader API instead, over the
    same state (its lifetimes by default: 30 minutes, 7 days, 30 s codes).
    ``auto_approve`` skips the consent page; lifetimes are in seconds of
    ``clock`` (``None``: the provider's); ``seed`` makes faults and synthetic data reproducible;
    ``rate_limit`` caps requests per app per minute on REST paths (under ``API_ROOT``);
    ``rate_window`` shortens that minute (seconds; its 429s then carry
    ``Retry-After``, which TD's never did, so that clients need not wait a real minute);
    ``symbols`` are extra symbols that exist besides the fixed universe
    (:class:`~pyTD.sandbox.data.universe.Universe`; more with :meth:`add_symbol`).
    Unknown symbols are answered as TD answered them.

    >>> with Sandbox(auto_approve=True, access_token_lifetime=60) as sb:   # doctest: +SKIP
    ...     print(sb.base_url, sb.auth_url)
    """

    def __init__(self, *, port: int = 0, auto_approve: bool = False,
                 access_token_lifetime: Optional[float] = None,
                 refresh_token_lifetime: Optional[float] = None,
                 code_lifetime: Optional[float] = None, seed: int = 0,
                 clock: Callable[[], float] = time.time, rate_limit: Optional[int] = None,
                 symbols: Iterable[str] = (), provider: Any = TD_AMERITRADE.name,
                 rate_window: float = 60.0) -> None:
        #: The wire format served (:mod:`pyTD.sandbox.modes`).
        self.mode = mode_for(provider)
        access, refresh, code = self.mode.lifetimes
        self.seed = seed
        #: The symbols that exist here: the fixed universe and the extra ``symbols``.
        self.universe = Universe(symbols)
        self.clock = clock
        self.auto_approve = auto_approve
        self.rate_limit = rate_limit
        self.lock = threading.RLock()
        self.oauth = OAuthState(
            clock, self.lock,
            access_token_lifetime=access if access_token_lifetime is None
            else access_token_lifetime,
            refresh_token_lifetime=refresh if refresh_token_lifetime is None
            else refresh_token_lifetime,
            code_lifetime=code if code_lifetime is None else code_lifetime)
        #: Routes of this sandbox; tests may add their own with ``router.add(...)``.
        self.router = Router()
        self.mode.register(self.router)
        self._faults = Faults()
        if not 0 < rate_window < float("inf"):
            raise ValueError(f"rate_window={rate_window!r}: pass a positive number of seconds "
                             "(60 is TD's minute).")
        self._limiter = RateLimiter(rate_window)
        self._stores: dict[str, Any] = {}
        self._stats: dict[str, dict] = {}
        self._port = port
        self._server: Optional[Server] = None
        self._thread: Optional[threading.Thread] = None
        self.reset_stats()
        self.register_app(DEMO_CONSUMER_KEY, self.demo_callback_url,
                          app_secret=DEMO_APP_SECRET if self.mode.secrets else None)

    @property
    def rate_window(self) -> float:
        """Seconds of the rate limit's window (60: TD's minute)."""
        return self._limiter.window

    @property
    def provider(self) -> Provider:
        """The provider this sandbox emulates."""
        return self.mode.provider

    @property
    def demo_callback_url(self) -> str:
        """The demo app's callback URL (``http://127.0.0.1:8080/callback``; Schwab:
        ``https://127.0.0.1:8182``)."""
        return self.mode.demo_callback_url

    @property
    def demo_app_secret(self) -> Optional[str]:
        """The demo app's secret in a mode with app secrets (Schwab), else ``None``."""
        return DEMO_APP_SECRET if self.mode.secrets else None

    def add_symbol(self, symbol: str) -> None:
        """Make ``symbol`` exist from now on (an equity, or an index, future or forex pair
        by its form, with facts drawn from the seed); ``ValueError`` when malformed.

        >>> with Sandbox() as sb:                                   # doctest: +SKIP
        ...     sb.add_symbol("NEWCO")
        """
        with self.lock:
            self.universe.add(symbol)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind and serve from a background thread (again on the same port after ``stop``)."""
        if self._server is None:
            server = Server(("127.0.0.1", self._port), self._dispatch, lambda: self.clock())
            self._port = server.server_address[1]
            self._thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                            name=f"pyTD-sandbox-{self._port}", daemon=True)
            self._server = server
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join()
        streamer = self._stores.pop("streamer", None)  # pyTD.sandbox.streaming, if started
        if streamer is not None:
            streamer.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port the sandbox listens on."""
        if not self._port:
            raise RuntimeError("The sandbox has no port yet: call start() or use `with Sandbox()`.")
        return self._port

    @property
    def url(self) -> str:
        """The root URL, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """Where the REST API lives: pass it as ``base_url`` or ``TD_BASE_URL``."""
        return self.url + self.provider.root_path

    @property
    def auth_url(self) -> str:
        """The consent page: pass it as ``auth_url`` or ``TD_AUTH_URL``."""
        return self.url + self.mode.auth_path

    @property
    def token_url(self) -> str:
        """The token endpoint, ``base_url`` + the provider's token path (TD: ``/oauth2/token``)."""
        return self.url + self.mode.token_path

    def api_path(self, path: str = "/") -> str:
        """The full request path of ``path`` under the API root, e.g. for fault rules.

        >>> sb.set_faults(sb.api_path("/marketdata/"), error_5xx=0.3)   # doctest: +SKIP
        """
        return self.provider.root_path + path

    # -- apps, tokens, faults ----------------------------------------------------------------

    def register_app(self, consumer_key: str, callback_url: str,
                     app_secret: Optional[str] = None) -> None:
        """Register an app, or one more exact callback URL for it.

        In Schwab mode a new app needs its ``app_secret`` and the callback URL must be
        ``https`` on ``127.0.0.1`` (``ValueError`` otherwise, as the portal refuses it).

        >>> sb.register_app("MYAPPKEY@AMER.OAUTHAP", "https://127.0.0.1:8443")  # doctest: +SKIP
        """
        self.mode.check_callback(callback_url)
        if self.mode.secrets and not app_secret and self.oauth.app(consumer_key) is None:
            raise ValueError(f"{self.provider.title} apps have a secret: pass app_secret=.")
        self.oauth.register_app(consumer_key, callback_url, app_secret)

    def issue_tokens(self, consumer_key: str = DEMO_CONSUMER_KEY) -> dict:
        """A token response as after a completed authorization, without a browser."""
        key = self.oauth.app(consumer_key)
        if key is None:
            raise ValueError(f"Unknown consumer key {consumer_key!r}: register_app() it first.")
        self.count("grants", "authorization_code")
        return self.mode.issue_tokens(self.oauth, key)

    def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token (its access tokens live on until they expire)."""
        self.oauth.revoke(refresh_token)

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired."""
        self.oauth.expire_access_tokens()

    def set_faults(self, prefix: Optional[str] = None, *,
                   methods: Optional[Iterable[str]] = None,
                   error_5xx: float = 0.0, rate_429: float = 0.0, drop: float = 0.0,
                   slow: float = 0.0, slow_seconds: float = 2.0, malformed: float = 0.0,
                   seed: Optional[int] = None, apply_after: bool = False) -> None:
        """Inject faults into requests whose path starts with ``prefix`` (see ``faults``).

        ``prefix`` is a full request path; by default every REST path (each API root
        of the provider). Build it with :meth:`api_path`:

        >>> sb.set_faults(sb.api_path("/marketdata/"), error_5xx=0.3, seed=1)  # doctest: +SKIP
        """
        probabilities = {"error_5xx": error_5xx, "rate_429": rate_429, "drop": drop,
                         "slow": slow, "malformed": malformed}
        prefixes = self.provider.api_roots if prefix is None else (prefix,)
        with self.lock:
            for each in prefixes:
                self._faults.set(each, methods=methods, probabilities=probabilities,
                                 slow_seconds=slow_seconds,
                                 seed=self.seed if seed is None else seed,
                                 apply_after=apply_after)

    def clear_faults(self) -> None:
        """Remove every fault rule set with :meth:`set_faults`."""
        with self.lock:
            self._faults.clear()

    # -- state and statistics ----------------------------------------------------------------

    def count(self, group: str, key: Any, n: int = 1) -> None:
        """Add ``n`` to the counter ``stats()[group][key]``."""
        with self.lock:
            counts = self._stats.setdefault(group, {})
            counts[key] = counts.get(key, 0) + n

    def store(self, name: str, factory: Callable[[], T]) -> T:
        """The state object ``name`` of this sandbox, made by ``factory()`` on first use."""
        with self.lock:
            if name not in self._stores:
                self._stores[name] = factory()
            return self._stores[name]

    def stats(self) -> dict[str, dict]:
        """A copy of the counters: grants, requests, calls, status, faults, and more."""
        with self.lock:
            return copy.deepcopy(self._stats)

    def reset_stats(self) -> None:
        """Zero every counter of :meth:`stats`."""
        with self.lock:
            self._stats = {"grants": dict.fromkeys(GRANT_KINDS, 0), "requests": {}, "calls": {},
                           "status": {}, "faults": dict.fromkeys(KINDS, 0)}

    # -- serving -----------------------------------------------------------------------------

    def _dispatch(self, req: SandboxRequest) -> Optional[SandboxResponse]:
        """Serve one request; ``None`` means: close the connection without answering."""
        with self.lock:
            self.count("requests", req.path)
            self.count("calls", f"{req.method} {req.path}")
            fault = self._faults.draw(req.method, req.path)
            if fault is not None:
                self.count("faults", fault.kind)
        if fault is None:
            response: Optional[SandboxResponse] = self._process(req)
        else:
            response = fault.apply(lambda: self._process(req),
                                   partial(self.mode.error, req.path))
        if response is not None:
            self.count("status", response.status)
        return response

    def _process(self, req: SandboxRequest) -> SandboxResponse:
        error = partial(self.mode.error, req.path)
        if self.rate_limit is not None and req.path.startswith(self.mode.limited):
            app = oauth.app_of(self.oauth, req, self.mode.token_path)
            with self.lock:
                now = self.clock()
                allowed = self._limiter.allow(app, now, self.rate_limit)
            if not allowed:
                limited = error(429, RATE_LIMIT_MESSAGE)
                if self._limiter.window != 60.0:
                    limited.headers["Retry-After"] = str(self._limiter.retry_after(now))
                return limited
        method = "GET" if req.method == "HEAD" else req.method
        route, params, path_known = self.router.match(method, req.path)
        if route is None:
            if path_known:
                return error(405, f"The method {req.method} is not allowed on {req.path}")
            return error(404, f"No such resource in the sandbox: {req.path}")
        denied = oauth.authenticate(self.oauth, req, route.access,
                                    partial(self.mode.denied, req))
        if denied is not None:
            return denied
        sandbox: OAuthSandbox = self  # what every handler may use (checked by mypy)
        try:
            response = route.handler(sandbox, req, **{name: unquote(value)
                                                   for name, value in params.items()
                                                   if value is not None})
            response.body = response.encode()
        except BadRequest as exc:
            return error(exc.status, exc.message)
        except Exception:
            log.exception("Sandbox handler %s failed on %s %s",
                          getattr(route.handler, "__name__", route.handler), req.method, req.path)
            return error(500, "An unexpected error has occurred.")
        return response

"""Keeps one consumer key authorized: the script, installed-app and web flows,
and automatic refresh shared safely between threads and processes.

The hot path (:meth:`AuthManager.headers`) touches no disk while the access
token it holds is valid; only near expiry, or after a 401, does it take the
cache's lock, re-read the cache (another thread or process may have refreshed
already) and refresh if still needed.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Callable, Optional, Union

from pyTD._fork import register
from pyTD.auth.browser import NOTEBOOK_WAITING, WAITING, open_in_background
from pyTD.auth.flow import REAUTHORIZE, OAuthFlow, TokenGrant
from pyTD.auth.tokens import Clock, EmptyToken, RefreshToken, Token, utc_text
from pyTD.cache.base import TokenCache, TokenSet
from pyTD.exceptions import AuthorizationError, RefreshRefusedError, TDError
from pyTD.settings import Settings
from pyTD.transport import Transport

log = logging.getLogger(__name__)

BrowserOpener = Union[bool, Callable[[str], object]]
#: Shows a message to the user (the default prints it to stdout).
Output = Callable[[str], object]
#: Asks the user: receives the prompt, returns the answer (the default is ``input``).
Input = Callable[[str], str]

#: Renew the refresh token when less than this many seconds of it remain (10 days).
REFRESH_WINDOW = 10 * 86400


#: Printed before the browser opens on an https callback.
TLS_HINT = ("After you log in, the browser returns to {callback}, which pyTD serves with its "
            "own self-signed certificate: the browser warns about it. That warning is "
            "expected for this local address; choose to proceed (Advanced > Proceed).")


def refusal_text(refused_at: float) -> str:
    """How a refusal of the refresh token is reported, in errors and in ``pytd auth status``.

    >>> refusal_text(0)
    'The server refused the refresh token on 1970-01-01 00:00 UTC'
    """
    return f"The server refused the refresh token on {utc_text(refused_at)}"


def print_message(text: str) -> None:
    """The default :data:`Output`: ``text`` on stdout, flushed."""
    print(text, flush=True)


def ask(prompt: str) -> str:
    """The default :data:`Input`: the builtin ``input`` (looked up on every call)."""
    return input(prompt)


def interactive() -> bool:
    """True when a person can answer a prompt on this terminal."""
    try:
        return sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


class AuthManager:
    """Authorization state of one ``api``: flows, cache, and refresh.

    Everything said to the user (the URL to open, the manual flow's steps) goes
    through ``output`` and every question through ``input_func``; by default
    they print to stdout and read with ``input``. A GUI or a web app passes its own::

        AuthManager(settings, cache, transport, output=log_window.append,
                    input_func=dialog.ask)
    """

    def __init__(self, settings: Settings, cache: TokenCache, transport: Transport, *,
                 clock: Clock = time.time,
                 refresh_window: float = REFRESH_WINDOW,
                 input_func: Optional[Input] = None,
                 output: Optional[Output] = None) -> None:
        self.settings = settings
        self.cache = cache
        self.clock = clock
        self.refresh_window = refresh_window
        self.flow = OAuthFlow(settings, transport, clock=clock)
        self._input: Input = input_func or ask
        self._output: Output = output or print_message
        self._lock = threading.Lock()
        self._access: Token = EmptyToken()
        self._renew_at = 0.0
        self._headers: dict[str, str] = {}
        self._expired: Optional[str] = None
        self._warned = False
        register(self, AuthManager._after_fork)

    def _after_fork(self) -> None:
        """In a forked child: the lock free again (a parent thread may have held it).

        The cache resets its own locks and connections (see ``TokenCache._after_fork``).
        """
        self._lock = threading.Lock()

    # -- web flow: the three steps ---------------------------------------------
    def authorization_url(self, state: Optional[str] = None) -> tuple[str, str]:
        """``(url, state)`` to send the user to; keep ``state`` to check the redirect.

        >>> url, state = a.auth.authorization_url()        # doctest: +SKIP
        """
        return self.flow.authorization_url(state)

    def exchange_code(self, code_or_redirected_url: str, state: Optional[str] = None) -> None:
        """Trade the code (or the redirected URL) for tokens and store them in the cache.

        >>> a.auth.exchange_code(request.url, state=session["state"])   # doctest: +SKIP
        """
        self.store(self.flow.exchange_code(code_or_redirected_url, expected_state=state))

    def store(self, grant: TokenGrant) -> None:
        """Write a token grant to the cache (a grant without a refresh token keeps the old one)."""
        self.cache.update(refresh_token=grant.refresh_token, access_token=grant.access_token)
        self._remember(grant.access_token, grant.refresh_token)

    # -- script and installed-app flows ----------------------------------------
    def authorize(self, open_browser: BrowserOpener = True, timeout: float = 300.0, *,
                  manual: bool = False) -> None:
        """Authorize through the browser and cache the tokens.

        ``open_browser`` is True (the system browser, opened on a thread of its own
        so that a browser command that blocks cannot delay the callback page),
        False (print the URL only) or a callable that receives the URL; a callable
        runs on this thread and must not wait for the callback page. While waiting,
        one message says where to go, that Ctrl+C cancels and when the wait ends
        (``timeout`` seconds). ``manual=True`` prints the URL and reads the
        redirected URL pasted back (SSH sessions, remote notebooks).

        >>> a.auth.authorize(timeout=120)                      # doctest: +SKIP
        """
        if manual:
            self._authorize_manually()
            return
        from pyTD.auth.server import CallbackServer, loopback_address

        callback = self.settings.require_callback_url()
        _, _, _, scheme = loopback_address(callback)
        context = None
        if scheme == "https":
            from pyTD.auth.tls import server_context

            context = server_context(self.settings.config_dir)
        url, state = self.flow.authorization_url()
        with CallbackServer(callback, ssl_context=context, expected_state=state) as server:
            if context is not None:
                self._output(TLS_HINT.format(callback=callback))
            self._show(url, open_browser, timeout)
            query = server.wait(timeout)
            try:
                self.exchange_code(query, state=state)
            except TDError as exc:
                server.finish(False, str(exc))
                raise
            server.finish(True, "pyTD is authorized and your tokens are saved."
                          + (" (The browser's certificate warning came from pyTD's own "
                             "self-signed certificate for this local page.)"
                             if context is not None else ""))
        log.info("Authorization complete; tokens stored in %s", self.cache.describe())

    def _show(self, url: str, open_browser: BrowserOpener, timeout: float) -> None:
        from pyTD.auth.notebook import show_link

        until = time.strftime("%H:%M:%S", time.localtime(self.clock() + timeout))
        if show_link(url, output=self._output):   # a clickable link inside Jupyter
            self._output(NOTEBOOK_WAITING.format(until=until, timeout=timeout))
        elif not callable(open_browser):
            self._output(WAITING.format(url=url, until=until, timeout=timeout))
        if callable(open_browser):
            open_browser(url)
        elif open_browser:
            open_in_background(url)

    def _authorize_manually(self) -> None:
        url, state = self.flow.authorization_url()
        from pyTD.auth.notebook import show_link

        show_link(url, output=self._output)
        self._output("1. Open this URL in any browser and log in:\n\n    " + url + "\n\n"
                     "2. Click Allow. The browser is sent to your callback URL; the page may "
                     "fail to load, that is fine.\n3. Copy the full address from the address "
                     "bar and paste it here.\n")
        pasted = self._input("Redirected URL: ")
        self.exchange_code(pasted, state=state)
        self._output("Authorized: tokens saved in " + self.cache.describe())

    def confirm(self, question: str, *, default: bool = False) -> bool:
        """Ask a yes/no ``question`` through the input hook; an empty answer is ``default``.

        The prompt is ``question`` followed by `` [y/N] `` (or `` [Y/n] `` when
        ``default`` is True). It asks even without a terminal: check
        :func:`interactive` first where there may be nobody to answer.

        >>> if a.auth.confirm("Valid tokens are cached. Overwrite them?"):  # doctest: +SKIP
        ...     a.authorize()
        """
        hint = "[Y/n]" if default else "[y/N]"
        answer = self._input(f"{question} {hint} ").strip().lower()
        if not answer:
            return default
        return answer in ("y", "yes")

    # -- refresh ------------------------------------------------------------
    def _remember(self, access: Token, refresh: Optional[Token]) -> None:
        self._access = access
        if refresh is not None:
            window = min(self.refresh_window, refresh.expires_in / 2)
            self._renew_at = refresh.expires_at - window if refresh else 0.0
        self._headers = {"Authorization": f"Bearer {access.token}"} if access else {}

    def headers(self) -> dict[str, str]:
        """The Authorization header of a valid access token (refreshing it when needed)."""
        now = self.clock()
        if self._access.is_valid(None, now) and self._renew_at > now:
            return self._headers
        self._refresh(stale=None)
        return self._headers

    def refresh_after_401(self, rejected: dict[str, str]) -> dict[str, str]:
        """After a 401 with ``rejected`` headers: refresh once unless another caller already did."""
        self._refresh(stale=rejected.get("Authorization", "")[len("Bearer "):] or None)
        return self._headers

    def _refresh(self, stale: Optional[str]) -> None:
        with self._lock:
            if self._refresh_from_cache(stale):
                # No tokens at all: authorize once, outside the cache's lock (a browser
                # login can take minutes) but still one thread at a time.
                self._first_authorization()
            self._warn_refresh_expiry()

    def refresh_expires_in(self) -> Optional[float]:
        """Seconds the refresh token has left (0.0 when expired or refused by the server),
        ``None`` without one."""
        refresh = self.cache.tokens().refresh_token
        if not refresh.token:
            return None
        if refresh.refused_at is not None:
            return 0.0
        return max(0.0, refresh.remaining(self.clock()))

    def _warn_refresh_expiry(self) -> None:
        """Log one WARNING per manager when the refresh token is about to run out."""
        if self._warned:
            return
        refresh = self.cache.tokens().refresh_token
        if not refresh.token:
            return
        left = refresh.remaining(self.clock())
        if 0 < left < self.settings.refresh_warning:
            self._warned = True
            log.warning("The %s refresh token expires on %s (in %.1f hours); run "
                        "`pytd auth login` before then to keep access.",
                        self.settings.provider.title, refresh.expires_text(), left / 3600)

    def _renew_due(self, refresh: Token, now: float) -> bool:
        """The refresh token is in its renewal window (at most half its life, so a
        short-lived one is not renewed on every call)."""
        return refresh.remaining(now) <= min(self.refresh_window, refresh.expires_in / 2)

    def _usable(self, tokens: TokenSet, stale: Optional[str]) -> bool:
        """True (and remembered) when the cached tokens serve as they are."""
        now = self.clock()
        access, refresh = tokens.access_token, tokens.refresh_token
        if refresh.token and access.is_valid(None, now) and access.token != stale \
                and not self._renew_due(refresh, now):
            self._remember(access, refresh)  # another thread or process refreshed already
            return True
        return False

    def _refresh_from_cache(self, stale: Optional[str]) -> bool:
        """Refresh under the cache's lock; True when there is no refresh token at all.

        The cache is read once without the lock first: valid tokens need no lock
        (a cache on a read-only file system keeps working until a refresh is due).
        """
        if self._usable(self.cache.tokens(), stale):
            return False
        with self.cache.transaction() as tokens:
            now = self.clock()
            refresh = tokens.refresh_token
            refresh_value = refresh.token
            if not refresh_value:
                self._remember(EmptyToken(), EmptyToken())
                return True
            if self._usable(tokens, stale):
                return False
            renew = self._renew_due(refresh, now)
            if refresh.refused_at is not None:
                self._expired = refusal_text(refresh.refused_at) + "."
                return True
            if not refresh.is_valid(0, now):
                days = self.settings.provider.refresh_token_lifetime // 86400
                self._expired = (f"The refresh token expired on {refresh.expires_text()} "
                                 f"(they last {days} days).")
                return True
            try:
                grant = self.flow.refresh(refresh_value, renew=renew)
            except RefreshRefusedError as exc:
                # Recorded (and the access token dropped) when the transaction ends, so that
                # `pytd auth status` and other processes see the refusal, not a valid-looking
                # token; a new login replaces the record.
                refusal = exc
                tokens.refresh_token = refresh.refused(now)
                tokens.access_token = EmptyToken(clock=self.clock)
                self._remember(EmptyToken(), EmptyToken())
            else:
                tokens.access_token = grant.access_token
                if grant.refresh_token is not None \
                        and not self.settings.provider.renewable_refresh:
                    # The refresh token's life is not restarted by a refresh grant: keep its
                    # original issue time and lifetime, whatever string the answer repeats.
                    tokens.refresh_token = RefreshToken(
                        grant.refresh_token.token, access_time=refresh.access_time,
                        expires_in=refresh.expires_in, clock=self.clock)
                elif grant.refresh_token is not None:
                    tokens.refresh_token = grant.refresh_token
                self._remember(tokens.access_token, tokens.refresh_token)
                log.debug("Access token refreshed%s",
                          " and refresh token renewed" if renew else "")
                return False
        log.info("%s; recorded in %s", refusal_text(now), self.cache.describe())
        raise refusal

    def _first_authorization(self) -> None:
        # Settings first: nobody is asked to authorize what cannot be authorized.
        self.settings.require_consumer_key()
        self.settings.require_callback_url()
        expired, self._expired = self._expired, None
        from pyTD.auth.notebook import in_notebook

        if in_notebook():
            self._authorize_in_notebook(expired)
            return
        if expired and not interactive():
            raise AuthorizationError(
                f"{expired} There is no terminal to ask in: run `pytd auth login` once in a "
                "terminal (or call api.authorize()) to log in again.")
        if expired:
            self._output(expired)
        if not interactive():
            raise AuthorizationError(
                "pyTD is not authorized yet for consumer key "
                f"{self.settings.provider.bare_key(self.settings.consumer_key or '')[:4]}..., and "
                "there is no terminal to ask in. Run `pytd auth login` once in a terminal (or "
                "call api.authorize()); the tokens are cached for the next runs.")
        if not self.confirm("pyTD is not authorized yet. Open a browser to authorize now?",
                            default=True):
            raise AuthorizationError("Authorization declined. " + REAUTHORIZE)
        self.authorize()

    def _authorize_in_notebook(self, expired: Optional[str]) -> None:
        """The first call in a Jupyter kernel: the link and the callback server, or
        the pasted URL where the browser cannot reach this kernel's machine."""
        from pyTD.auth.notebook import browser_reaches_kernel

        if expired:
            self._output(expired)
        reachable = browser_reaches_kernel(self.settings.require_callback_url())
        self.authorize(open_browser=False, manual=not reachable)

    # -- state ----------------------------------------------------------------
    def tokens(self) -> TokenSet:
        """Both tokens as stored now."""
        return self.cache.tokens()

    def logout(self) -> None:
        """Forget the tokens here and in the cache."""
        with self._lock:
            self.cache.clear()
            self._remember(EmptyToken(), EmptyToken())

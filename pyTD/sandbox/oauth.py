"""The OAuth 2.0 half of the sandbox: apps, the consent page, the token endpoint, Bearer checks.

It behaves as TD Ameritrade did (reference §1 and §3): the consent page only
accepts a registered ``client_id`` with a byte-for-byte registered
``redirect_uri``; codes contain ``@`` and ``/`` and travel URL-encoded on the
callback; tokens are opaque base64 strings bound to the app; errors carry TD's
bodies and headers.
"""

from __future__ import annotations

import base64
import hmac
import html
import re
import secrets
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template
from typing import Callable, Optional, Protocol
from urllib.parse import quote, urlsplit

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox.routing import (
    BEARER_OR_APIKEY,
    PUBLIC,
    Router,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    json_response,
    td_error,
)

#: The app every sandbox knows from the start.
DEMO_CONSUMER_KEY = "PYTDSANDBOXDEMO0000000000000000A"
DEMO_CALLBACK_URL = "http://127.0.0.1:8080/callback"

SCOPE = "PlaceTrades AccountAccess MoveMoney"
#: The token endpoint: TD's token path under its API root.
TOKEN_PATH = TD_AMERITRADE.root_path + TD_AMERITRADE.token_path
EXPIRED_OR_INVALID = "The access token being passed has expired or is invalid."
_CHALLENGE = 'Bearer realm="null",error="invalid_token",error_description="keymanagement.service.'
EXPIRED_CHALLENGE = _CHALLENGE + 'access_token_expired: Access Token expired"'
INVALID_CHALLENGE = _CHALLENGE + 'invalid_access_token: Invalid Access Token"'
_AUTH_FIELDS = ("response_type", "redirect_uri", "client_id", "state")


@dataclass
class Grant:
    """What a code or token belongs to and until when (``clock`` seconds) it is valid."""

    consumer_key: str
    expires_at: float
    redirect_uri: str = ""


def _b64(n: int) -> str:
    return base64.b64encode(secrets.token_bytes(n)).decode("ascii")


def new_token() -> str:
    """An opaque token: base64 of 64 random bytes, always with ``+``, ``/`` and ``=``."""
    while True:
        value = _b64(64)
        if "+" in value and "/" in value:
            return value


def new_code() -> str:
    """An authorization code with ``@``, ``/`` and ``=`` in it (clients must decode it once)."""
    return f"{_b64(24)}@{_b64(24)}/{_b64(22)}"


class OAuthState:
    """Registered apps, outstanding codes and tokens of one sandbox (thread-safe)."""

    def __init__(self, clock: Callable[[], float], lock: threading.RLock, *,
                 access_token_lifetime: float, refresh_token_lifetime: float,
                 code_lifetime: float) -> None:
        self.clock = clock
        self.lock = lock
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.code_lifetime = code_lifetime
        self.apps: dict[str, list[str]] = {}
        #: App secrets (confidential clients only), by bare key.
        self.secrets: dict[str, str] = {}
        self.codes: dict[str, Grant] = {}
        self.access: dict[str, Grant] = {}
        self.refresh: dict[str, Grant] = {}
        #: Refresh tokens ended by :meth:`revoke`.
        self.revoked: set[str] = set()

    def register_app(self, consumer_key: str, callback_url: str,
                     app_secret: Optional[str] = None) -> None:
        """Register an app (key stored bare) and one more exact callback URL for it;
        ``app_secret`` (if given) becomes the app's secret."""
        parts = urlsplit(callback_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or re.search(
                r"[\s\x00-\x1f\x7f]", callback_url):
            raise ValueError(f"Not a usable callback URL: {callback_url!r}")
        key = TD_AMERITRADE.bare_key(consumer_key)
        if not key:
            raise ValueError("The consumer key is empty.")
        with self.lock:
            urls = self.apps.setdefault(key, [])
            if callback_url not in urls:
                urls.append(callback_url)
            if app_secret:
                self.secrets[key] = app_secret

    def secret_matches(self, key: str, app_secret: str) -> bool:
        """Whether ``app_secret`` is the secret of app ``key`` (compared in constant time)."""
        with self.lock:
            expected = self.secrets.get(key)
        return expected is not None and hmac.compare_digest(expected.encode(),
                                                            app_secret.encode())

    def app(self, client_id: Optional[str]) -> Optional[str]:
        """The bare key of a registered app given as ``client_id``/``apikey`` in either form."""
        if not client_id:
            return None
        key = TD_AMERITRADE.bare_key(client_id)
        with self.lock:
            return key if key in self.apps else None

    def consent_check(self, params: dict[str, Optional[str]], *,
                      response_type_required: bool = True) -> tuple[str, Optional[str]]:
        """``(bare key, None)`` for an acceptable authorization request, else ``("", reason)``."""
        key = self.app(params["client_id"])
        if key is None:
            return "", "The client_id is not a registered consumer key."
        response_type = params["response_type"]
        if response_type != "code" and (response_type_required or response_type is not None):
            return "", "The response_type must be code."
        with self.lock:
            if params["redirect_uri"] not in self.apps[key]:
                return "", "The redirect_uri is not a callback URL registered for this app."
        return key, None

    def issue_code(self, key: str, redirect_uri: str, code: Optional[str] = None) -> str:
        """A new single-use authorization code (``code``, or a TD-style one) for ``key``
        and ``redirect_uri``."""
        code = code or new_code()
        with self.lock:
            self.codes[code] = Grant(key, self.clock() + self.code_lifetime, redirect_uri)
        return code

    def redeem_code(self, code: str, key: str, redirect_uri: str) -> bool:
        """Consume a code issued to ``key`` for ``redirect_uri`` (single use, expiring)."""
        with self.lock:
            grant = self.codes.get(code)
            if grant is None:
                return False
            if self.clock() >= grant.expires_at:
                del self.codes[code]
                return False
            if grant.consumer_key != key or grant.redirect_uri != redirect_uri:
                return False
            del self.codes[code]
            return True

    def add_access(self, key: str, token: str, lifetime: Optional[float] = None) -> str:
        """Record ``token`` as an access token of ``key`` (default lifetime unless given)."""
        with self.lock:
            life = self.access_token_lifetime if lifetime is None else lifetime
            self.access[token] = Grant(key, self.clock() + life)
        return token

    def add_refresh(self, key: str, token: str) -> str:
        """Record ``token`` as a refresh token of ``key``."""
        with self.lock:
            self.refresh[token] = Grant(key, self.clock() + self.refresh_token_lifetime)
        return token

    def issue_tokens(self, key: str, *, refresh: bool) -> dict:
        """A token response: an access token, plus a new refresh token when ``refresh``."""
        with self.lock:
            body: dict = {"access_token": self.add_access(key, new_token())}
            if refresh:
                body["refresh_token"] = self.add_refresh(key, new_token())
            body["scope"] = SCOPE
            body["expires_in"] = self.access_token_lifetime
            if refresh:
                body["refresh_token_expires_in"] = self.refresh_token_lifetime
        body["token_type"] = "Bearer"  # noqa: S105 (a type, not a secret)
        return body

    def refresh_valid(self, token: str, key: str) -> bool:
        """Whether ``token`` is a live refresh token of app ``key``."""
        with self.lock:
            grant = self.refresh.get(token)
            return grant is not None and grant.consumer_key == key and \
                self.clock() < grant.expires_at

    def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token (``KeyError`` if it was never issued)."""
        with self.lock:
            if self.refresh.pop(refresh_token, None) is None:
                raise KeyError("Not a refresh token issued by this sandbox.")
            self.revoked.add(refresh_token)

    def expire_access_tokens(self) -> None:
        """Expire every access token issued so far."""
        with self.lock:
            now = self.clock()
            for grant in self.access.values():
                grant.expires_at = min(grant.expires_at, now)

    def access_owner(self, token: Optional[str]) -> tuple[Optional[str], bool]:
        """``(bare key, expired)`` of an access token; ``(None, False)`` when unknown."""
        with self.lock:
            grant = self.access.get(token) if token else None
            if grant is None:
                return None, False
            if self.clock() >= grant.expires_at:
                return None, True
            return grant.consumer_key, False

    def token_app(self, token: str) -> Optional[str]:
        """The app (bare consumer key) of a live access token, else ``None``."""
        with self.lock:
            grant = self.access.get(token)
            return grant.consumer_key if grant else None


class OAuthSandbox(SandboxLike, Protocol):
    """What the OAuth handlers use of the sandbox besides :class:`SandboxLike`."""

    @property
    def oauth(self) -> OAuthState:
        """Apps, codes and tokens."""

    @property
    def auto_approve(self) -> bool:
        """Whether the consent page approves itself."""


def _bearer(header: Optional[str]) -> Optional[str]:
    scheme, _, value = (header or "").partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


def authenticate(state: OAuthState, req: SandboxRequest, access: str,
                 deny: Optional[Callable[[bool], SandboxResponse]] = None
                 ) -> Optional[SandboxResponse]:
    """Check a request's credentials for a route's access level: ``None`` or a 401.

    Sets ``req.consumer_key`` (bare), and ``req.delayed`` for ``apikey``-only requests.
    ``deny(expired)`` makes the 401 (TD's by default).
    """
    if access == PUBLIC:
        return None
    header = req.headers.get("authorization")
    if header is None and access == BEARER_OR_APIKEY:
        key = state.app(req.arg("apikey"))
        if key is not None:
            req.consumer_key, req.delayed = key, True
            return None
        return td_error(401, EXPIRED_OR_INVALID, **{"WWW-Authenticate": INVALID_CHALLENGE})
    key, expired = state.access_owner(_bearer(header))
    if key is not None:
        req.consumer_key = key
        return None
    if deny is not None:
        return deny(expired)
    challenge = EXPIRED_CHALLENGE if expired else INVALID_CHALLENGE
    return td_error(401, EXPIRED_OR_INVALID, **{"WWW-Authenticate": challenge})


def basic_credentials(header: Optional[str]) -> Optional[tuple[str, str]]:
    """``(user, password)`` of an HTTP Basic ``Authorization`` header, else ``None``."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def app_of(state: OAuthState, req: SandboxRequest, token_path: str = TOKEN_PATH) -> str:
    """Which app a request counts against for rate limiting ("" when it cannot be told)."""
    token = _bearer(req.headers.get("authorization"))
    if token:
        return state.token_app(token) or ""
    ident = req.arg("apikey")
    if not ident and req.path == token_path:
        basic = basic_credentials(req.headers.get("authorization"))
        ident = basic[0] if basic else req.form().get("client_id")
    return TD_AMERITRADE.bare_key(ident) if ident else ""


# -- pages -----------------------------------------------------------------------------------

@cache
def _template(name: str) -> Template:
    page = resources.files("pyTD.sandbox") / "pages" / name
    return Template(page.read_text(encoding="utf-8"))


def html_page(status: int, name: str, markup: str = "", **values: str) -> SandboxResponse:
    """A page from ``pages/``: ``values`` are HTML-escaped, ``markup`` is inserted as is.

    ``provider`` (the page title) and ``action`` (where the consent form posts) default
    to TD's.
    """
    values = {"provider": TD_AMERITRADE.title, "action": "/auth", **values}
    fields = {key: html.escape(value) for key, value in values.items()}
    text = _template(name).substitute(fields, hidden_fields=markup)
    return SandboxResponse(status, text.encode("utf-8"),
                           {"Content-Type": "text/html; charset=utf-8"})


def error_page(reason: str, **values: str) -> SandboxResponse:
    """The authorization error page (400) giving ``reason``."""
    return html_page(400, "error.html", reason=reason, **values)


def redirect(params: dict[str, Optional[str]], **answer: str) -> SandboxResponse:
    """The 302 to the request's ``redirect_uri`` with ``answer`` and the ``state``."""
    uri = params["redirect_uri"] or ""
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in answer.items())
    if params["state"] is not None:
        query += "&state=" + quote(params["state"], safe="")
    return SandboxResponse(302, b"", {"Location": uri + ("&" if "?" in uri else "?") + query})


def hidden_fields(params: dict[str, Optional[str]]) -> str:
    """The consent form's hidden inputs carrying the authorization request."""
    return "\n".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name, value in params.items() if value is not None)


def _allow(sandbox: OAuthSandbox, key: str, params: dict[str, Optional[str]]) -> SandboxResponse:
    return redirect(params, code=sandbox.oauth.issue_code(key, params["redirect_uri"] or ""))


def authorize_page(sandbox: OAuthSandbox, req: SandboxRequest) -> SandboxResponse:
    """``GET /auth``: the consent page, TD's error page, or (auto-approve) the redirect."""
    params = {name: req.arg(name) for name in _AUTH_FIELDS}
    key, problem = sandbox.oauth.consent_check(params)
    if problem:
        return error_page(problem)
    if sandbox.auto_approve:
        return _allow(sandbox, key, params)
    return html_page(200, "consent.html", hidden_fields(params), app_key=key,
                 redirect_uri=params["redirect_uri"] or "")


def authorize_decision(sandbox: OAuthSandbox, req: SandboxRequest) -> SandboxResponse:
    """``POST /auth``: the consent form's Allow or Deny."""
    form = req.form()
    params = {name: form.get(name) for name in _AUTH_FIELDS}
    key, problem = sandbox.oauth.consent_check(params)
    if problem:
        return error_page(problem)
    decision = form.get("decision")
    if decision == "allow":
        return _allow(sandbox, key, params)
    if decision == "deny":
        return redirect(params, error="access_denied")
    return error_page("The decision must be allow or deny.")


# -- token endpoint --------------------------------------------------------------------------

def _oauth_error(error: str, status: int = 400) -> SandboxResponse:
    body = '{\n  "error" : "' + error + '"\n}'
    return SandboxResponse(status, body.encode("ascii"), {"Content-Type": "application/json"})


def token(sandbox: OAuthSandbox, req: SandboxRequest) -> SandboxResponse:
    """``POST /oauth2/token`` (under the API root): the authorization_code and refresh_token
    grants."""
    content_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return _oauth_error("invalid_request")
    form = req.form()
    grant_type, client_id = form.get("grant_type"), form.get("client_id")
    if not grant_type or not client_id:
        return _oauth_error("invalid_request")
    if grant_type not in ("authorization_code", "refresh_token"):
        return _oauth_error("unsupported_grant_type")
    state = sandbox.oauth
    key = state.app(client_id)
    if key is None:
        return _oauth_error("invalid_client", 401)
    if grant_type == "authorization_code":
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            return _oauth_error("invalid_request")
        if not state.redeem_code(code, key, redirect_uri):
            return _oauth_error("invalid_grant")
        sandbox.count("grants", "authorization_code")
        return json_response(state.issue_tokens(key, refresh=True))
    refresh_token = form.get("refresh_token")
    if not refresh_token:
        return _oauth_error("invalid_request")
    if not state.refresh_valid(refresh_token, key):
        return _oauth_error("invalid_grant")
    offline = form.get("access_type") == "offline"
    sandbox.count("grants", "refresh_token_offline" if offline else "refresh_token")
    return json_response(state.issue_tokens(key, refresh=offline))


def register(router: Router) -> None:
    """Add the authorization page and the token endpoint."""
    router.add("GET", r"/auth", authorize_page, PUBLIC)
    router.add("POST", r"/auth", authorize_decision, PUBLIC)
    router.add("POST", re.escape(TOKEN_PATH), token, PUBLIC)

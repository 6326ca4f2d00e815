"""The OAuth 2.0 authorization-code flow, as three separate steps.

1. :meth:`OAuthFlow.authorization_url` builds the URL the user opens;
2. something catches the redirect (the local callback server, a pasted URL,
   or a web app's own route) and :func:`parse_redirect` reads the code from it;
3. :meth:`OAuthFlow.exchange_code` trades the code for tokens;
   :meth:`OAuthFlow.refresh` gets new ones later.

>>> flow = OAuthFlow(settings, Transport(settings.base_url))     # doctest: +SKIP
>>> url, state = flow.authorization_url()                       # doctest: +SKIP
>>> tokens = flow.exchange_code(redirected_url, expected_state=state)  # doctest: +SKIP
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import math
import secrets
import time
from typing import Any, NamedTuple, Optional
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import requests

from pyTD.auth.tokens import AccessToken, Clock, RefreshToken
from pyTD.exceptions import (
    AccessDeniedError,
    AuthorizationError,
    RefreshRefusedError,
    ResponseFormatError,
    StateMismatchError,
    TDError,
    error_class,
)
from pyTD.provider import Provider
from pyTD.settings import Settings
from pyTD.transport import Transport, decode_json, redacted, server_message

log = logging.getLogger(__name__)

REAUTHORIZE = "Run `pytd auth login` (or call api.authorize()) to authorize again."


class TokenGrant(NamedTuple):
    """What the token endpoint granted: an access token, and a refresh token when issued."""

    access_token: AccessToken
    refresh_token: Optional[RefreshToken]


def parse_redirect(url_or_query: str, expected_state: Optional[str] = None) -> str:
    """The authorization code from a redirected URL (or its query), decoded exactly once.

    Raises :class:`AccessDeniedError` for ``error=access_denied``,
    :class:`AuthorizationError` for another ``error`` or no ``code``, and
    :class:`StateMismatchError` when ``expected_state`` is given and differs.
    """
    text = url_or_query.strip()
    query = urlsplit(text).query if "?" in text else text.lstrip("?")
    params = parse_qs(query, keep_blank_values=True)
    state = params.get("state", [None])[0]
    if expected_state is not None and not hmac.compare_digest(
            (state or "").encode(), expected_state.encode()):
        raise StateMismatchError(
            "The state returned with the authorization does not match the one pyTD sent: the "
            "redirect may not come from your own login. Start the authorization again."
        )
    if "error" in params:
        error = params["error"][0]
        if error == "access_denied":
            raise AccessDeniedError(
                "Access was denied on the authorization page. To authorize, run `pytd auth "
                "login` (or call api.authorize()) again and choose Allow.")
        raise AuthorizationError(f"The authorization server answered error={error!r}. "
                                 + REAUTHORIZE)
    code = params.get("code", [""])[0]
    if not code:
        raise AuthorizationError(
            "No code= parameter found in what was given. Paste the full URL your browser was "
            "redirected to after you clicked Allow (it starts with your callback URL and "
            "contains ?code=)."
        )
    return code


def token_body_problem(body: Any) -> Optional[str]:
    """What makes a token endpoint answer unusable (``None`` if nothing); never quotes a value."""
    if not isinstance(body, dict):
        return f"the answer is a JSON {type(body).__name__}, not an object"
    for name, required in (("access_token", True), ("refresh_token", False)):
        value = body.get(name)
        if value in (None, "") and not required:
            continue
        if value in (None, ""):
            return f"it has no {name}"
        if not isinstance(value, str):
            return f"its {name} is a JSON {type(value).__name__}, not a string"
    for name in ("expires_in", "refresh_token_expires_in"):
        value = body.get(name)
        if value is not None and not _is_seconds(value):
            return f"its {name} is not a number of seconds"
    return None


def _is_seconds(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return False
    try:
        return math.isfinite(float(value)) and float(value) >= 0
    except ValueError:
        return False


def grant_from_body(body: dict, now: float, provider: Provider,
                    clock: Clock = time.time) -> TokenGrant:
    """Tokens from a token endpoint answer received at ``now`` (provider lifetimes by default)."""
    access = AccessToken(token=body["access_token"], access_time=now,
                         expires_in=body.get("expires_in", provider.access_token_lifetime),
                         clock=clock)
    refresh = None
    if body.get("refresh_token"):
        refresh = RefreshToken(
            token=body["refresh_token"], access_time=now,
            expires_in=body.get("refresh_token_expires_in", provider.refresh_token_lifetime),
            clock=clock)
    return TokenGrant(access, refresh)


class OAuthFlow:
    """Builds authorization URLs and talks to the token endpoint for one consumer key."""

    def __init__(self, settings: Settings, transport: Transport, *,
                 clock: Clock = time.time) -> None:
        self.settings = settings
        self.transport = transport
        self.clock = clock

    @property
    def provider(self) -> Provider:
        """The provider whose token endpoint this flow talks to."""
        return self.settings.provider

    @property
    def client_id(self) -> str:
        """The consumer key with the provider's suffix."""
        return self.settings.provider.client_id(self.settings.require_consumer_key())

    def authorization_url(self, state: Optional[str] = None) -> tuple[str, str]:
        """``(url, state)``: the URL to open in a browser and the ``state`` it carries.

        >>> url, state = api.auth.authorization_url()   # doctest: +SKIP
        """
        state = state or secrets.token_urlsafe(24)
        query = urlencode({
            "response_type": "code",
            "redirect_uri": self.settings.require_callback_url(),
            "client_id": self.client_id,
            "state": state,
        }, quote_via=quote)
        return f"{self.settings.auth_url}?{query}", state

    def exchange_code(self, code_or_url: str, *,
                      expected_state: Optional[str] = None) -> TokenGrant:
        """Trade an authorization code (or the redirected URL carrying it) for tokens.

        A bare code is used as given (already decoded, as web frameworks deliver it);
        a URL or query string is parsed and its code decoded exactly once.
        """
        text = code_or_url.strip()
        if "code=" in text or "error=" in text or "://" in text or text.startswith("?"):
            code = parse_redirect(text, expected_state)
        elif expected_state is not None:
            raise StateMismatchError(
                "A bare code carries no state to check: pass the full redirected URL, or omit "
                "state= when your application has checked it already.")
        else:
            code = text
        if not code:
            raise AuthorizationError("The authorization code is empty. " + REAUTHORIZE)
        form = {"grant_type": "authorization_code"}
        if self.provider.renewable_refresh:
            form["access_type"] = "offline"
        form.update(code=code, redirect_uri=self.settings.require_callback_url())
        return self._request_tokens(form)

    def refresh(self, refresh_token: str, *, renew: bool = False) -> TokenGrant:
        """A new access token; with ``renew`` also a new refresh token (``access_type=offline``)."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if renew and self.provider.renewable_refresh:
            form["access_type"] = "offline"
        return self._request_tokens(form)

    def _request_tokens(self, form: dict[str, str]) -> TokenGrant:
        log.debug("Requesting tokens (grant_type=%s)", form["grant_type"])
        data, auth = self.provider.token_request(form, self.settings.require_consumer_key(),
                                                 self.settings.app_secret)
        now = self.clock()
        response = self.transport.send("POST", self.settings.token_url, data=data, auth=auth)
        if response.status_code >= 400:
            raise self._token_error(response, form["grant_type"])
        body = decode_json(response)
        problem = token_body_problem(body)
        if problem is not None:
            raise ResponseFormatError(
                f"The token endpoint answered HTTP {response.status_code}, but {problem}; no "
                "tokens were stored. Try again; if it persists, check TD_BASE_URL.",
                status_code=response.status_code, response=redacted(response))
        grant = grant_from_body(body, now, self.settings.provider, self.clock)
        log.debug("Token grant %s succeeded (refresh token %s)", form["grant_type"],
                  "issued" if grant.refresh_token else "kept")
        return grant

    def _token_error(self, response: requests.Response, grant: str) -> TDError:
        error = server_message(response, self.provider.parse_error)
        status = response.status_code
        if grant == "authorization_code":
            what = ("The authorization code was refused (used already, expired, or the callback "
                    "URL differs from the registered one).")
        else:
            why = "forgotten by the server, or revoked" if self.provider.renewable_refresh \
                else "replaced by a newer login, or revoked"
            what = (f"The server refused the refresh token before it expired ({why})."
                    + restarted_sandbox_hint(self.settings.token_url))
        code, description = _error_fields(response)
        client_refused = status == 401 or (code == "invalid_client" and (
            grant == "authorization_code" or description in (None, "", "Unauthorized")))
        if client_refused and self.provider.requires_secret:
            what = ("The app key or app secret was refused: check TD_CONSUMER_KEY / "
                    "TD_APP_SECRET against your app's App Key and Secret.")
        elif client_refused:
            what = ("The consumer key was not recognized: check TD_CONSUMER_KEY / consumer_key "
                    "against your app's Consumer Key.")
        if status in (400, 401):
            kind = AuthorizationError if client_refused or grant == "authorization_code" \
                else RefreshRefusedError
            return kind(f"{what} Server said: {error}. {REAUTHORIZE}",
                        status_code=status, response=redacted(response))
        return error_class(status)(f"Token request failed with HTTP {status}: {error}",
                                   status_code=status, response=redacted(response))


def restarted_sandbox_hint(token_url: str) -> str:
    """For a token URL on this machine (a sandbox): that it was probably restarted, else ``""``.

    >>> restarted_sandbox_hint("http://127.0.0.1:8765/v1/oauth2/token")[:44]
    ' The token URL is on this machine (a sandbox'
    >>> restarted_sandbox_hint("https://api.tdameritrade.com/v1/oauth2/token")
    ''
    """
    host = urlsplit(token_url).hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        return ""
    return (" The token URL is on this machine (a sandbox, such as `pytd sandbox`), which was "
            "probably restarted: a sandbox keeps its tokens in memory and forgets them when it "
            "stops.")


def _error_fields(response: requests.Response) -> tuple[Optional[str], Optional[str]]:
    """OAuth's ``error`` and ``error_description`` of an error body, when it has them."""
    try:
        data = response.json()
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    code, description = data.get("error"), data.get("error_description")
    return (str(code) if code is not None else None,
            str(description) if description is not None else None)

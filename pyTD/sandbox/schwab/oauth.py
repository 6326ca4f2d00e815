"""Schwab's OAuth pages and token endpoint over the sandbox's shared :class:`OAuthState`.

As on Schwab (reference §2): ``GET /v1/oauth/authorize`` takes the bare App Key
and an exact ``redirect_uri`` (``response_type`` may be left out) and redirects
with ``?code=C0....%40&session=<uuid>``; codes live about 30 seconds.
``POST /v1/oauth/token`` wants HTTP Basic with the key and the app secret and
answers ``expires_in``, ``token_type``, ``scope "api"``, ``refresh_token``,
``access_token`` and ``id_token``. A refresh returns the same refresh token, whose
7-day clock is not reset; there is no renewal.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import uuid
from typing import Optional
from urllib.parse import urlsplit

from pyTD.provider import SCHWAB
from pyTD.sandbox.oauth import (
    OAuthSandbox,
    OAuthState,
    basic_credentials,
    error_page,
    hidden_fields,
    html_page,
    redirect,
)
from pyTD.sandbox.routing import PUBLIC, Router, SandboxRequest, SandboxResponse, json_response
from pyTD.sandbox.schwab.errors import oauth_error

AUTHORIZE_PATH = "/v1/oauth/authorize"
TOKEN_PATH = SCHWAB.token_path
DEMO_CALLBACK_URL = "https://127.0.0.1:8182"
SCOPE = "api"
#: Lifetime of the access token a ``client_credentials`` grant gets (no refresh token).
CLIENT_CREDENTIALS_LIFETIME = 3600
_FIELDS = ("response_type", "redirect_uri", "client_id", "state")
_PAGE = {"provider": SCHWAB.title, "action": AUTHORIZE_PATH}


def _b64url(n: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(n)).decode("ascii").rstrip("=")


def new_code() -> str:
    """``C0.<...>.<...>@``: the ``@`` travels as ``%40`` on the callback."""
    return f"C0.{_b64url(24)}.{_b64url(48)}@"


def new_access_token() -> str:
    """``I0.<...>@``, opaque."""
    return f"I0.{_b64url(24)}.{_b64url(64)}@"


def new_refresh_token() -> str:
    """An opaque refresh token."""
    return f"{_b64url(48)}@"


def id_token(key: str) -> str:
    """A JWT-shaped ``id_token`` (synthetic claims, random signature)."""
    def part(data: dict) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return ".".join([part({"alg": "RS256", "typ": "JWT"}),
                     part({"sub": uuid.uuid4().hex, "aud": key[:4] + "...", "iss": "sandbox"}),
                     _b64url(64)])


def check_callback(url: str) -> None:
    """Refuse what Schwab's portal refuses: not ``https``, ``localhost``, a bad port."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValueError("URL must be HTTPS.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError("The URL entered is either not a valid URL or contains unsupported "
                         "characters.") from None
    if not parts.hostname or parts.hostname == "localhost" or re.search(r"[\s,]", url):
        raise ValueError("The URL entered is either not a valid URL or contains unsupported "
                         "characters.")


def _token_body(state: OAuthState, key: str, refresh_token: str,
                lifetime: Optional[float] = None) -> dict:
    access = state.add_access(key, new_access_token(), lifetime)
    return {"expires_in": state.access_token_lifetime if lifetime is None else lifetime,
            "token_type": "Bearer", "scope": SCOPE, "refresh_token": refresh_token,
            "access_token": access, "id_token": id_token(key)}


def issue_tokens(state: OAuthState, key: str) -> dict:
    """A token answer after a completed authorization: a new refresh token too."""
    return _token_body(state, key, state.add_refresh(key, new_refresh_token()))


# -- pages -----------------------------------------------------------------------------------

def _check(sandbox: OAuthSandbox, params: dict[str, Optional[str]]
           ) -> tuple[str, Optional[SandboxResponse]]:
    if sandbox.oauth.app(params["client_id"]) is None:
        return "", oauth_error("invalid_client", "Unauthorized", 401)
    key, problem = sandbox.oauth.consent_check(params, response_type_required=False)
    if problem:
        return "", error_page("Access Denied. " + problem, **_PAGE)
    return key, None


def _allow(sandbox: OAuthSandbox, key: str, params: dict[str, Optional[str]]) -> SandboxResponse:
    code = sandbox.oauth.issue_code(key, params["redirect_uri"] or "", new_code())
    return redirect(params, code=code, session=str(uuid.uuid4()))


def authorize_page(sandbox: OAuthSandbox, req: SandboxRequest) -> SandboxResponse:
    """``GET /v1/oauth/authorize``: the login and consent page, or (auto-approve) the
    redirect."""
    params = {name: req.arg(name) for name in _FIELDS}
    key, problem = _check(sandbox, params)
    if problem is not None:
        return problem
    if sandbox.auto_approve:
        return _allow(sandbox, key, params)
    return html_page(200, "consent.html", hidden_fields(params), app_key=key,
                     redirect_uri=params["redirect_uri"] or "", **_PAGE)


def authorize_decision(sandbox: OAuthSandbox, req: SandboxRequest) -> SandboxResponse:
    """``POST /v1/oauth/authorize``: the consent form's Allow or Deny."""
    form = req.form()
    params = {name: form.get(name) for name in _FIELDS}
    key, problem = _check(sandbox, params)
    if problem is not None:
        return problem
    decision = form.get("decision")
    if decision == "allow":
        return _allow(sandbox, key, params)
    if decision == "deny":
        return redirect(params, error="access_denied")
    return error_page("The decision must be allow or deny.", **_PAGE)


# -- token endpoint --------------------------------------------------------------------------

def _client(state: OAuthState, req: SandboxRequest, form: dict[str, str]) -> Optional[str]:
    """The app authenticated by HTTP Basic (key and secret), else ``None``."""
    credentials = basic_credentials(req.headers.get("authorization"))
    if credentials is None:
        return None
    key = state.app(credentials[0])
    if key is None or not state.secret_matches(key, credentials[1]):
        return None
    if form.get("client_id") and state.app(form["client_id"]) != key:
        return None
    return key


def _refused_refresh(state: OAuthState, token: str) -> SandboxResponse:
    if token in state.revoked:  # superseded or revoked: Schwab's nested error string
        inner = json.dumps({"error_description": "Exception while authenticating refresh "
                            "token [tokenDigest=<redacted>]",
                            "error": "refresh_token_authentication_error"})
        return oauth_error("unsupported_token_type", f'400 Bad Request: "{inner}"')
    return oauth_error("invalid_client", "refresh token invalid")


def token(sandbox: OAuthSandbox, req: SandboxRequest) -> SandboxResponse:
    """``POST /v1/oauth/token``: authorization_code, refresh_token and client_credentials."""
    content_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return oauth_error("invalid_request", "Content-Type must be "
                           "application/x-www-form-urlencoded")
    form, state = req.form(), sandbox.oauth
    key = _client(state, req, form)
    if key is None:
        return oauth_error("invalid_client", "Unauthorized", 401)
    grant_type = form.get("grant_type")
    if not grant_type:
        return oauth_error("invalid_request", "grant_type is required")
    if grant_type == "authorization_code":
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            return oauth_error("invalid_request", "code and redirect_uri are required")
        if not state.redeem_code(code, key, redirect_uri):
            return oauth_error("invalid_grant", "The authorization code is invalid or expired")
        sandbox.count("grants", "authorization_code")
        return json_response(issue_tokens(state, key))
    if grant_type == "refresh_token":
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            return oauth_error("invalid_request", "refresh_token is required")
        if not state.refresh_valid(refresh_token, key):
            return _refused_refresh(state, refresh_token)
        sandbox.count("grants", "refresh_token")
        return json_response(_token_body(state, key, refresh_token))
    if grant_type == "client_credentials":
        sandbox.count("grants", "client_credentials")
        body = _token_body(state, key, "", CLIENT_CREDENTIALS_LIFETIME)
        return json_response({k: v for k, v in body.items()
                              if k not in ("refresh_token", "id_token")})
    return oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")


def register(router: Router) -> None:
    """Add the authorization page and the token endpoint."""
    router.add("GET", re.escape(AUTHORIZE_PATH), authorize_page, PUBLIC)
    router.add("POST", re.escape(AUTHORIZE_PATH), authorize_decision, PUBLIC)
    router.add("POST", re.escape(TOKEN_PATH), token, PUBLIC)

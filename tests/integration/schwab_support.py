"""Helpers of the Schwab-mode sandbox tests: raw HTTP against ``Sandbox(provider="schwab")``."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from pyTD.sandbox import DEMO_APP_SECRET, DEMO_CONSUMER_KEY

BASIC = (DEMO_CONSUMER_KEY, DEMO_APP_SECRET)


def authorize(sandbox: Any, state: str = "s1") -> requests.Response:
    """The (auto-approved) authorize page's answer for the demo app."""
    return requests.get(sandbox.auth_url, params={
        "client_id": DEMO_CONSUMER_KEY, "redirect_uri": sandbox.demo_callback_url,
        "response_type": "code", "state": state}, allow_redirects=False, timeout=5)


def code_of(response: requests.Response) -> str:
    """The authorization code of a redirect, decoded once."""
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def token(sandbox: Any, auth: Any = BASIC, **form: str) -> requests.Response:
    """A form POST to the token endpoint with HTTP Basic ``auth``."""
    return requests.post(sandbox.token_url, data=form, auth=auth, timeout=5)


def bearer(sandbox: Any) -> dict[str, str]:
    """Headers with a fresh access token of the demo app."""
    return {"Authorization": "Bearer " + sandbox.issue_tokens()["access_token"]}


def get(sandbox: Any, path: str, headers: Any = None, **params: Any) -> requests.Response:
    """``GET sandbox.url + path`` with the demo app's token (unless ``headers`` are given)."""
    return requests.get(sandbox.url + path, params=params or None,
                        headers=bearer(sandbox) if headers is None else headers, timeout=10)


def is_market_error(response: requests.Response, status: int) -> dict:
    """The one entry of a market-data ``ErrorResponse`` with ``status`` (string or number)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["errors"]
    (entry,) = body["errors"]
    assert str(entry["status"]) == str(status)
    assert len(entry["id"]) == 36 and entry["title"]
    return entry


def is_trader_error(response: requests.Response, status: int) -> dict:
    """A trader ``ServiceError`` body with ``status``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["message"], str) and set(body) <= {"message", "errors"}
    assert "Schwab-Client-CorrelID" in response.headers
    return body

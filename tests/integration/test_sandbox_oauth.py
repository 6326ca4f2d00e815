"""The sandbox's OAuth half over real sockets: consent page, redirects, token endpoint."""

from __future__ import annotations

import json
import re
from typing import Optional
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from pyTD.sandbox import DEMO_CALLBACK_URL, DEMO_CONSUMER_KEY, Sandbox

CLIENT_ID = DEMO_CONSUMER_KEY + "@AMER.OAUTHAP"
THIRD_PARTY = ("A third-party application may be attempting to make unauthorized access "
               "to your account")
ALLOW = '<button id="allow" name="decision" value="allow">Allow</button>'
DENY = '<button id="deny" name="decision" value="deny">Deny</button>'
ACCESS_ONLY = {"access_token", "scope", "expires_in", "token_type"}
FULL = ACCESS_ONLY | {"refresh_token", "refresh_token_expires_in"}


def oauth_error(name: str) -> str:
    return '{\n  "error" : "' + name + '"\n}'


def auth_params(**overrides: Optional[str]) -> dict[str, str]:
    params: dict[str, Optional[str]] = {
        "response_type": "code", "redirect_uri": DEMO_CALLBACK_URL, "client_id": CLIENT_ID}
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def consent(sandbox: Sandbox, **overrides: Optional[str]) -> requests.Response:
    return requests.get(sandbox.auth_url, params=auth_params(**overrides),
                        allow_redirects=False, timeout=5)


def hidden_fields(page: str) -> dict[str, str]:
    import html
    return {html.unescape(name): html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)}


def decide(sandbox: Sandbox, decision: str, **overrides: Optional[str]) -> requests.Response:
    page = consent(sandbox, **overrides)
    assert page.status_code == 200, page.text
    form = {**hidden_fields(page.text), "decision": decision}
    return requests.post(sandbox.auth_url, data=form, allow_redirects=False, timeout=5)


def location_query(response: requests.Response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)


def get_code(sandbox: Sandbox, **overrides: Optional[str]) -> str:
    return location_query(decide(sandbox, "allow", **overrides))["code"][0]


def token_request(sandbox: Sandbox, **fields: Optional[str]) -> requests.Response:
    data = {name: value for name, value in fields.items() if value is not None}
    return requests.post(sandbox.token_url, data=data, timeout=5)


def exchange(sandbox: Sandbox, code: Optional[str], **overrides: Optional[str]
             ) -> requests.Response:
    fields: dict[str, Optional[str]] = {
        "grant_type": "authorization_code", "access_type": "offline", "code": code,
        "client_id": CLIENT_ID, "redirect_uri": DEMO_CALLBACK_URL}
    fields.update(overrides)
    return token_request(sandbox, **fields)


def refresh(sandbox: Sandbox, token: str, **extra: Optional[str]) -> requests.Response:
    fields: dict[str, Optional[str]] = {
        "grant_type": "refresh_token", "refresh_token": token, "client_id": DEMO_CONSUMER_KEY}
    fields.update(extra)
    return token_request(sandbox, **fields)


def assert_oauth_error(response: requests.Response, status: int, name: str) -> None:
    assert response.status_code == status
    assert response.text == oauth_error(name)
    assert response.headers["Content-Type"] == "application/json"


# -- consent page ----------------------------------------------------------------------------

def test_consent_page_names_the_app_and_posts_the_parameters_back(sandbox):
    page = consent(sandbox, state="xyz")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert ALLOW in page.text and DENY in page.text
    assert '<form method="post" action="/auth">' in page.text
    assert f'<strong id="app-key">{DEMO_CONSUMER_KEY}</strong>' in page.text
    assert hidden_fields(page.text) == {**auth_params(), "state": "xyz"}


def test_consent_page_escapes_everything_it_reflects(sandbox):
    key, callback = 'EVIL<b>&"KEY', "http://127.0.0.1:9/cb?a=<i>&b='x'"
    sandbox.register_app(key, callback)
    state = '"><script>alert(1)</script>'
    page = consent(sandbox, client_id=key, redirect_uri=callback, state=state)
    assert page.status_code == 200
    assert "<script>" not in page.text and "<b>" not in page.text and "<i>" not in page.text
    assert "EVIL&lt;b&gt;&amp;&quot;KEY" in page.text
    assert hidden_fields(page.text)["state"] == state
    assert hidden_fields(page.text)["redirect_uri"] == callback


@pytest.mark.parametrize("overrides, reason", [
    ({"client_id": "NOSUCHAPP@AMER.OAUTHAP"}, "client_id is not a registered consumer key"),
    ({"redirect_uri": DEMO_CALLBACK_URL + "/"}, "redirect_uri is not a callback URL registered"),
    ({"redirect_uri": None}, "redirect_uri is not a callback URL registered"),
    ({"response_type": "token"}, "response_type must be code"),
])
def test_error_page_and_no_redirect(sandbox, overrides, reason):
    page = consent(sandbox, **overrides)
    assert page.status_code == 400
    assert page.headers["Content-Type"].startswith("text/html")
    assert THIRD_PARTY in page.text and reason in page.text
    assert "Location" not in page.headers
    sandbox.auto_approve = True
    assert "Location" not in consent(sandbox, **overrides).headers


def test_posted_form_is_checked_again(sandbox):
    form = {**auth_params(redirect_uri=DEMO_CALLBACK_URL + "/"), "decision": "allow"}
    page = requests.post(sandbox.auth_url, data=form, allow_redirects=False, timeout=5)
    assert page.status_code == 400 and THIRD_PARTY in page.text
    assert "Location" not in page.headers
    page = requests.post(sandbox.auth_url, data={**auth_params(), "decision": "maybe"},
                         allow_redirects=False, timeout=5)
    assert page.status_code == 400 and "decision must be allow or deny" in page.text


def test_allow_redirects_with_a_code_that_must_be_decoded_once(sandbox):
    response = decide(sandbox, "allow", state="s t/&=")
    location = response.headers["Location"]
    assert location.startswith(DEMO_CALLBACK_URL + "?code=")
    raw_code = re.search(r"[?&]code=([^&]*)", location).group(1)
    assert "%40" in raw_code and "%2F" in raw_code and "%25" not in raw_code
    code = unquote(raw_code)
    assert "@" in code and "/" in code
    assert location.endswith("&state=s%20t%2F%26%3D")
    assert location_query(response)["state"] == ["s t/&="]
    assert exchange(sandbox, code).status_code == 200


def test_deny_redirects_with_access_denied(sandbox):
    response = decide(sandbox, "deny", state="st8")
    assert response.headers["Location"] == DEMO_CALLBACK_URL + "?error=access_denied&state=st8"
    response = decide(sandbox, "deny")
    assert response.headers["Location"] == DEMO_CALLBACK_URL + "?error=access_denied"


def test_callback_with_a_query_gets_the_code_appended(sandbox):
    callback = "http://127.0.0.1:9/cb?app=1"
    sandbox.register_app("QUERYAPP", callback)
    response = decide(sandbox, "allow", client_id="QUERYAPP", redirect_uri=callback)
    assert response.headers["Location"].startswith(callback + "&code=")


def test_auto_approve_from_the_constructor_and_the_attribute(sandbox):
    with Sandbox(auto_approve=True) as auto:
        query = location_query(consent(auto, state="abc"))
        assert set(query) == {"code", "state"} and query["state"] == ["abc"]
        assert "state" not in location_query(consent(auto))
    assert consent(sandbox).status_code == 200
    sandbox.auto_approve = True
    assert consent(sandbox).status_code == 302


# -- authorization_code grant ----------------------------------------------------------------

def test_code_exchange_returns_tokens_bound_to_the_app(sandbox):
    response = exchange(sandbox, get_code(sandbox))
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["access_token", "refresh_token", "scope", "expires_in",
                          "refresh_token_expires_in", "token_type"]
    assert body["scope"] == "PlaceTrades AccountAccess MoveMoney"
    assert (body["expires_in"], body["refresh_token_expires_in"]) == (1800, 7776000)
    assert body["token_type"] == "Bearer"
    for token in (body["access_token"], body["refresh_token"]):
        assert {"+", "/", "="} <= set(token)
    sandbox.register_app("OTHERAPP", DEMO_CALLBACK_URL)
    assert_oauth_error(refresh(sandbox, body["refresh_token"], client_id="OTHERAPP"),
                       400, "invalid_grant")
    assert sandbox.stats()["grants"]["authorization_code"] == 1


def test_code_is_single_use(sandbox):
    code = get_code(sandbox)
    assert exchange(sandbox, code).status_code == 200
    assert_oauth_error(exchange(sandbox, code), 400, "invalid_grant")


def test_code_must_be_decoded(sandbox):
    code = get_code(sandbox)
    from urllib.parse import quote
    assert_oauth_error(exchange(sandbox, quote(code, safe="")), 400, "invalid_grant")
    assert exchange(sandbox, code).status_code == 200


def test_code_expires_after_its_lifetime(clock):
    with Sandbox(clock=clock, code_lifetime=60) as sb:
        early, late = get_code(sb), get_code(sb)
        clock.advance(59)
        assert exchange(sb, early).status_code == 200
        clock.advance(1)
        assert_oauth_error(exchange(sb, late), 400, "invalid_grant")


def test_redirect_uri_must_match_the_one_the_code_was_issued_for(sandbox):
    other = "http://127.0.0.1:8080/other"
    sandbox.register_app(DEMO_CONSUMER_KEY, other)
    code = get_code(sandbox)
    assert_oauth_error(exchange(sandbox, code, redirect_uri=other), 400, "invalid_grant")
    assert_oauth_error(exchange(sandbox, code, redirect_uri=DEMO_CALLBACK_URL + "/"),
                       400, "invalid_grant")


def test_client_id_is_accepted_bare_or_with_the_suffix(sandbox):
    assert exchange(sandbox, get_code(sandbox), client_id=DEMO_CONSUMER_KEY).status_code == 200
    assert exchange(sandbox, get_code(sandbox, client_id=DEMO_CONSUMER_KEY)).status_code == 200


def test_unknown_client_is_401(sandbox):
    code = get_code(sandbox)
    assert_oauth_error(exchange(sandbox, code, client_id="NOSUCHAPP@AMER.OAUTHAP"),
                       401, "invalid_client")
    assert_oauth_error(refresh(sandbox, "x", client_id="NOSUCHAPP"), 401, "invalid_client")


@pytest.mark.parametrize("fields, error", [
    ({"grant_type": None}, "invalid_request"),
    ({"client_id": None}, "invalid_request"),
    ({"redirect_uri": None}, "invalid_request"),
    ({"grant_type": "password"}, "unsupported_grant_type"),
    ({"grant_type": "refresh_token"}, "invalid_request"),  # no refresh_token field
])
def test_malformed_token_requests(sandbox, fields, error):
    assert_oauth_error(exchange(sandbox, "some-code", **fields), 400, error)


def test_token_request_without_a_code(sandbox):
    assert_oauth_error(exchange(sandbox, None), 400, "invalid_request")


def test_token_endpoint_wants_a_form(sandbox):
    body = {"grant_type": "refresh_token", "refresh_token": sandbox.issue_tokens()["refresh_token"],
            "client_id": DEMO_CONSUMER_KEY}
    response = requests.post(sandbox.token_url, data=json.dumps(body), timeout=5,
                             headers={"Content-Type": "application/json"})
    assert_oauth_error(response, 400, "invalid_request")
    response = requests.post(sandbox.token_url, data=body, timeout=5,
                             headers={"Content-Type": "application/x-www-form-urlencoded; "
                                                      "charset=utf-8"})
    assert response.status_code == 200


# -- refresh_token grant ---------------------------------------------------------------------

def bearer_status(sandbox: Sandbox, access_token: str) -> int:
    return requests.get(sandbox.base_url + "/marketdata/AAPL/quotes", timeout=5,
                        headers={"Authorization": "Bearer " + access_token}).status_code


def test_refresh_without_offline_returns_an_access_token_only(sandbox):
    tokens = sandbox.issue_tokens()
    response = refresh(sandbox, tokens["refresh_token"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ACCESS_ONLY and body["expires_in"] == 1800
    assert body["access_token"] != tokens["access_token"]
    assert bearer_status(sandbox, body["access_token"]) == 200
    assert sandbox.stats()["grants"] == {"authorization_code": 1, "refresh_token": 1,
                                         "refresh_token_offline": 0}


def test_refresh_with_offline_also_returns_a_new_refresh_token(sandbox):
    tokens = sandbox.issue_tokens()
    body = refresh(sandbox, tokens["refresh_token"], access_type="offline").json()
    assert set(body) == FULL and body["refresh_token_expires_in"] == 7776000
    assert body["refresh_token"] != tokens["refresh_token"]
    assert refresh(sandbox, body["refresh_token"]).status_code == 200
    assert refresh(sandbox, tokens["refresh_token"]).status_code == 200  # the old one lives on
    assert sandbox.stats()["grants"]["refresh_token_offline"] == 1


def test_refresh_token_expires(clock):
    with Sandbox(clock=clock, refresh_token_lifetime=1000, access_token_lifetime=100) as sb:
        tokens = sb.issue_tokens()
        clock.advance(999)
        renewed = refresh(sb, tokens["refresh_token"], access_type="offline").json()
        clock.advance(1)
        assert_oauth_error(refresh(sb, tokens["refresh_token"]), 400, "invalid_grant")
        assert refresh(sb, renewed["refresh_token"]).json()["expires_in"] == 100


def test_revoked_refresh_token_is_invalid_grant(sandbox):
    tokens = sandbox.issue_tokens()
    sandbox.revoke(tokens["refresh_token"])
    assert_oauth_error(refresh(sandbox, tokens["refresh_token"]), 400, "invalid_grant")
    assert_oauth_error(refresh(sandbox, "not-a-token"), 400, "invalid_grant")
    with pytest.raises(KeyError, match="Not a refresh token issued by this sandbox"):
        sandbox.revoke(tokens["refresh_token"])


def test_issue_tokens_needs_a_registered_app(sandbox):
    with pytest.raises(ValueError, match="Unknown consumer key 'NOPE': register_app"):
        sandbox.issue_tokens("NOPE")
    with pytest.raises(ValueError, match="Not a usable callback URL"):
        sandbox.register_app("APP", "http://127.0.0.1:9/a\r\nSet-Cookie: x=1")

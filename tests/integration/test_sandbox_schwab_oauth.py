"""Schwab mode's OAuth over real sockets: the authorize page, HTTP Basic at the token
endpoint, codes, lifetimes and Schwab's error bodies (reference §2)."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from pyTD.sandbox import DEMO_APP_SECRET, DEMO_CONSUMER_KEY
from tests.integration.schwab_support import (
    authorize,
    code_of,
    get,
    is_market_error,
    is_trader_error,
    token,
)


@pytest.fixture
def schwab(make_sandbox, clock):
    return make_sandbox(provider="schwab", auto_approve=True, clock=clock)


def test_where_things_live(schwab):
    assert schwab.base_url == schwab.url
    assert schwab.auth_url == schwab.url + "/v1/oauth/authorize"
    assert schwab.token_url == schwab.url + "/v1/oauth/token"
    assert schwab.demo_callback_url == "https://127.0.0.1:8182"
    assert schwab.demo_app_secret == DEMO_APP_SECRET
    assert schwab.api_path("/marketdata/v1/") == "/marketdata/v1/"


def test_the_redirect_carries_an_encoded_code_a_session_and_the_state(schwab):
    response = authorize(schwab, state="abc123")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("https://127.0.0.1:8182?code=C0.")
    query = location.split("?", 1)[1]
    code_part, session, state = query.split("&")
    assert code_part.endswith("%40")
    assert session.startswith("session=") and len(session) == len("session=") + 36
    assert state == "state=abc123"
    assert code_of(response).endswith("@")


def test_the_full_flow_with_basic_auth(schwab):
    code = code_of(authorize(schwab))
    response = token(schwab, grant_type="authorization_code", code=code,
                     redirect_uri=schwab.demo_callback_url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["expires_in", "token_type", "scope", "refresh_token", "access_token",
                          "id_token"]
    assert body["expires_in"] == 1800 and body["scope"] == "api"
    assert body["token_type"] == "Bearer"
    assert "refresh_token_expires_in" not in body
    assert body["id_token"].count(".") == 2
    headers = {"Authorization": "Bearer " + body["access_token"]}
    assert get(schwab, "/trader/v1/accounts/accountNumbers", headers).status_code == 200
    assert schwab.stats()["grants"]["authorization_code"] == 1
    # single use
    again = token(schwab, grant_type="authorization_code", code=code,
                  redirect_uri=schwab.demo_callback_url)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_client_id_in_the_form_is_accepted_too(schwab):
    response = token(schwab, grant_type="authorization_code", code=code_of(authorize(schwab)),
                     redirect_uri=schwab.demo_callback_url, client_id=DEMO_CONSUMER_KEY)
    assert response.status_code == 200


@pytest.mark.parametrize("auth", [(DEMO_CONSUMER_KEY, "WRONGSECRET"), ("NOSUCHAPP", "x"), None])
def test_a_wrong_or_missing_secret_is_invalid_client(schwab, auth):
    response = token(schwab, auth=auth, grant_type="authorization_code",
                     code=code_of(authorize(schwab)), redirect_uri=schwab.demo_callback_url)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "Unauthorized"}


def test_the_secret_never_goes_in_the_form(schwab):
    response = requests.post(schwab.token_url, timeout=5, data={
        "grant_type": "authorization_code", "code": code_of(authorize(schwab)),
        "redirect_uri": schwab.demo_callback_url, "client_id": DEMO_CONSUMER_KEY,
        "client_secret": DEMO_APP_SECRET})
    assert response.status_code == 401


def test_a_code_expires_after_about_30_seconds(schwab, clock):
    code = code_of(authorize(schwab))
    clock.advance(31)
    response = token(schwab, grant_type="authorization_code", code=code,
                     redirect_uri=schwab.demo_callback_url)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_is_bound_to_its_redirect_uri(schwab):
    response = token(schwab, grant_type="authorization_code", code=code_of(authorize(schwab)),
                     redirect_uri="https://127.0.0.1:9999")
    assert response.status_code == 400


def test_refresh_keeps_the_refresh_token_and_its_clock(make_sandbox, clock):
    sb = make_sandbox(provider="schwab", auto_approve=True, clock=clock,
                      access_token_lifetime=60, refresh_token_lifetime=600)
    first = token(sb, grant_type="authorization_code", code=code_of(authorize(sb)),
                  redirect_uri=sb.demo_callback_url).json()
    assert first["expires_in"] == 60
    clock.advance(61)
    expired = get(sb, "/marketdata/v1/quotes", {"Authorization": "Bearer "
                                                + first["access_token"]}, symbols="AAPL")
    assert is_market_error(expired, 401)["detail"] == "Client not authorized"
    refreshed = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["refresh_token"] == first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    clock.advance(540)  # 601 s after the login: refreshing never extended the refresh token
    late = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert late.status_code == 400
    assert late.json() == {"error": "invalid_client", "error_description": "refresh token invalid"}
    assert sb.stats()["grants"]["refresh_token"] == 1


def test_no_renewal_with_access_type_offline(schwab):
    first = schwab.issue_tokens()
    body = token(schwab, grant_type="refresh_token", refresh_token=first["refresh_token"],
                 access_type="offline").json()
    assert body["refresh_token"] == first["refresh_token"]
    assert schwab.stats()["grants"]["refresh_token_offline"] == 0


def test_a_revoked_refresh_token_gets_the_nested_error(schwab):
    first = schwab.issue_tokens()
    schwab.revoke(first["refresh_token"])
    response = token(schwab, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "unsupported_token_type"
    inner = json.loads(body["error_description"].split(": ", 1)[1].strip('"'))
    assert inner["error"] == "refresh_token_authentication_error"


def test_client_credentials_gets_a_one_hour_token_and_no_refresh(schwab):
    body = token(schwab, grant_type="client_credentials").json()
    assert body["expires_in"] == 3600
    assert "refresh_token" not in body and "id_token" not in body


def test_other_grants_and_bodies_are_refused(schwab):
    assert token(schwab, grant_type="password").json()["error"] == "unsupported_grant_type"
    assert token(schwab).json()["error"] == "invalid_request"
    raw = requests.post(schwab.token_url, json={"grant_type": "refresh_token"}, timeout=5,
                        auth=(DEMO_CONSUMER_KEY, DEMO_APP_SECRET))
    assert raw.status_code == 400 and raw.json()["error"] == "invalid_request"


def test_the_authorize_page_refuses_unknown_apps_and_other_callbacks(schwab):
    unknown = requests.get(schwab.auth_url, params={"client_id": "null", "redirect_uri":
                                                    schwab.demo_callback_url}, timeout=5)
    assert unknown.status_code == 401
    assert unknown.json() == {"error": "invalid_client", "error_description": "Unauthorized"}
    other = requests.get(schwab.auth_url, allow_redirects=False, timeout=5, params={
        "client_id": DEMO_CONSUMER_KEY, "redirect_uri": schwab.demo_callback_url + "/"})
    assert other.status_code == 400 and "Access Denied" in other.text


def test_response_type_may_be_left_out(schwab):
    response = requests.get(schwab.auth_url, allow_redirects=False, timeout=5, params={
        "client_id": DEMO_CONSUMER_KEY, "redirect_uri": schwab.demo_callback_url})
    assert response.status_code == 302 and "state=" not in response.headers["Location"]


def test_the_consent_page_posts_back_to_the_authorize_path(make_sandbox):
    sb = make_sandbox(provider="schwab")
    page = requests.get(sb.auth_url, timeout=5, params={
        "client_id": DEMO_CONSUMER_KEY, "redirect_uri": sb.demo_callback_url, "state": "z"})
    assert page.status_code == 200
    assert 'action="/v1/oauth/authorize"' in page.text and "Charles Schwab" in page.text
    allow = requests.post(sb.auth_url, allow_redirects=False, timeout=5, data={
        "client_id": DEMO_CONSUMER_KEY, "redirect_uri": sb.demo_callback_url, "state": "z",
        "decision": "allow"})
    assert allow.status_code == 302 and "code=C0." in allow.headers["Location"]
    deny = requests.post(sb.auth_url, allow_redirects=False, timeout=5, data={
        "client_id": DEMO_CONSUMER_KEY, "redirect_uri": sb.demo_callback_url,
        "decision": "deny"})
    assert deny.headers["Location"].endswith("?error=access_denied")


@pytest.mark.parametrize(("url", "message"), [
    ("http://127.0.0.1:8182", "URL must be HTTPS."),
    ("https://localhost:8182", "not a valid URL"),
    ("https://127.0.0.1:99999", "not a valid URL"),
])
def test_callback_rules(schwab, url, message):
    with pytest.raises(ValueError, match=message):
        schwab.register_app("OTHERAPP", url, app_secret="S3CRET")


def test_new_apps_need_a_secret(schwab):
    with pytest.raises(ValueError, match="secret"):
        schwab.register_app("OTHERAPP", "https://127.0.0.1:8443")
    schwab.register_app("OTHERAPP", "https://127.0.0.1:8443", app_secret="S3CRET")
    schwab.register_app("OTHERAPP", "https://127.0.0.1:8444")  # one more callback: no secret
    assert schwab.oauth.secret_matches("OTHERAPP", "S3CRET")


def test_trader_401_is_a_service_error(schwab):
    body = is_trader_error(get(schwab, "/trader/v1/accounts", {}), 401)
    assert body["message"] == "Client not authorized"
    bad = {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}
    is_trader_error(get(schwab, "/trader/v1/accounts", bad), 401)


def test_the_demo_secret_stays_out_of_reprs(schwab):
    assert DEMO_APP_SECRET not in repr(schwab) and DEMO_APP_SECRET not in repr(schwab.oauth)

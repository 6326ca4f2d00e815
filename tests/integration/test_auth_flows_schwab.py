"""The installed-app (manual) and web flows against Schwab's sandbox, as for TD Ameritrade:
Schwab's authorize page, its ``%40``-encoded code with ``session=``, HTTP Basic at the token
endpoint, and the same refusals (denied consent, state mismatch, a code used twice)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from pyTD.exceptions import AccessDeniedError, AuthorizationError, StateMismatchError
from pyTD.sandbox.client import sandbox_api

from .auth_support import Browser


@pytest.fixture
def schwab(make_sandbox):
    return make_sandbox(provider="schwab", auto_approve=True)


@pytest.fixture
def client(schwab):
    a = sandbox_api(schwab, authorized=False)
    yield a
    a.close()


def redirected_url(auth_url: str) -> str:
    """The address bar after approval (auto-approve: one redirect to the https callback)."""
    response = requests.get(auth_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def test_manual_flow_with_a_pasted_schwab_url(schwab, client):
    shown, pasted = [], []

    def paste(prompt: str) -> str:
        url = next(line.strip() for line in shown[-1].splitlines()
                   if line.strip().startswith(schwab.auth_url))
        pasted.append(redirected_url(url))
        return pasted[-1]

    client.auth._input, client.auth._output = paste, shown.append
    client.authorize(manual=True)
    query = parse_qs(urlsplit(pasted[0]).query)
    assert pasted[0].startswith("https://127.0.0.1:") and "%40" in pasted[0]
    assert query["code"][0].endswith("@") and query["session"]
    assert client.auth_valid and client.get_quotes("AAPL")
    assert schwab.stats()["grants"]["authorization_code"] == 1


def test_web_flow_with_state(schwab, client):
    url, state = client.auth.authorization_url()
    assert url.startswith(schwab.auth_url) and f"state={state}" in url
    assert "%40AMER.OAUTHAP" not in url  # Schwab's app keys carry no suffix
    client.auth.exchange_code(redirected_url(url), state=state)
    assert client.auth_valid and client.refresh_expires_in > 6 * 86400


def test_web_flow_takes_the_bare_code(schwab, client):
    url, _state = client.auth.authorization_url()
    code = parse_qs(urlsplit(redirected_url(url)).query)["code"][0]  # decoded: ends in "@"
    client.auth.exchange_code(code)
    assert client.auth_valid


def test_state_mismatch_sends_nothing(schwab, client):
    url, _state = client.auth.authorization_url()
    location = redirected_url(url)
    with pytest.raises(StateMismatchError, match="state"):
        client.auth.exchange_code(location, state="not-the-state")
    assert schwab.stats()["grants"]["authorization_code"] == 0


def test_a_code_used_twice_is_an_authorization_error(schwab, client):
    url, state = client.auth.authorization_url()
    location = redirected_url(url)
    client.auth.exchange_code(location, state=state)
    other = sandbox_api(schwab, authorized=False)
    with pytest.raises(AuthorizationError) as info:
        other.auth.exchange_code(location, state=state)
    assert "code was refused (used already, expired" in str(info.value)
    assert "Run `pytd auth login`" in str(info.value)
    other.close()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_denied_consent_is_access_denied(schwab, client):
    schwab.auto_approve = False
    pytest.importorskip("cryptography")
    deny = Browser("deny", verify=False)
    with pytest.raises(AccessDeniedError, match="Allow"):
        client.authorize(open_browser=deny, timeout=20)
    assert deny.done.wait(10)
    assert not client.auth_valid


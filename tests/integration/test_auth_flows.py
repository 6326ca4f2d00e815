"""Script, installed-app (manual) and web flows against the sandbox over real sockets."""

from __future__ import annotations

import logging
import socket
import stat
import time

import pytest
import requests

from pyTD.exceptions import (
    AccessDeniedError,
    AuthorizationError,
    CallbackTimeoutError,
    ConfigurationError,
    StateMismatchError,
)
from pyTD.sandbox import Sandbox

from .auth_support import APP_KEY, BROWSER_THREAD, Browser, client_for, new_app


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox(auto_approve=True)


def redirected_url(sandbox: Sandbox, auth_url: str) -> str:
    """What a browser's address bar shows after approval (auto-approve: one redirect)."""
    response = requests.get(auth_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def test_script_flow_with_callable_browser(sandbox, tmp_path):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback, config_dir=str(tmp_path / "cfg"))
    browser = Browser()
    a.authorize(open_browser=browser, timeout=20)
    assert browser.done.wait(10) and not browser.errors
    page = browser.pages[-1]
    assert page.status_code == 200 and "Authorization complete" in page.text
    assert a.refresh_valid and a.access_valid and a.auth_valid
    assert sandbox.stats()["grants"]["authorization_code"] == 1
    # The tokens went to a DiskCache file in the configuration directory, 0600.
    cache_file = a.cache.describe()
    assert cache_file.startswith(str(tmp_path / "cfg"))
    assert stat.S_IMODE((tmp_path / "cfg").stat().st_mode) == 0o700
    assert stat.S_IMODE(__import__("os").stat(cache_file).st_mode) == 0o600
    quotes = a.request("GET", "/marketdata/quotes", params={"symbol": "AAPL,MSFT"})
    assert set(quotes) == {"AAPL", "MSFT"}
    # A new api on the same configuration directory needs no new authorization.
    b = client_for(sandbox, callback, config_dir=str(tmp_path / "cfg"))
    assert b.request("GET", "/marketdata/AAPL/quotes")["AAPL"]["symbol"] == "AAPL"
    assert sandbox.stats()["grants"]["authorization_code"] == 1


def test_consent_page_allow_and_deny(sandbox):
    sandbox.auto_approve = False
    callback = new_app(sandbox)
    a = client_for(sandbox, callback)
    allow = Browser("allow")
    a.authorize(open_browser=allow, timeout=20)
    assert allow.done.wait(10) and not allow.errors
    assert "Authorization complete" in allow.pages[-1].text
    a.logout()
    assert not a.auth_valid

    deny = Browser("deny")
    with pytest.raises(AccessDeniedError, match="Allow"):
        a.authorize(open_browser=deny, timeout=20)
    assert deny.done.wait(10)
    assert deny.pages[-1].status_code == 400
    assert "Authorization failed" in deny.pages[-1].text
    assert not a.auth_valid


def test_manual_flow_with_pasted_url(sandbox, capsys):
    callback = new_app(sandbox)
    pasted = []

    def paste(prompt: str) -> str:
        printed = capsys.readouterr().out
        url = next(line.strip() for line in printed.splitlines() if "/auth?" in line)
        pasted.append(redirected_url(sandbox, url))
        return pasted[-1]

    a = client_for(sandbox, callback)
    a.auth._input = paste
    a.authorize(manual=True)
    assert pasted and "code=" in pasted[0]
    assert a.auth_valid
    assert "tokens saved" in capsys.readouterr().out


def test_manual_flow_talks_only_through_the_injected_output_and_input(sandbox, capsys):
    from pyTD.auth.manager import AuthManager

    a = client_for(sandbox, new_app(sandbox))
    shown: list[str] = []
    asked: list[str] = []

    def paste(prompt: str) -> str:
        asked.append(prompt)
        url = next(line.strip() for line in shown[-1].splitlines() if "/auth?" in line)
        return redirected_url(sandbox, url)

    auth = AuthManager(a.settings, a.cache, a.transport, input_func=paste, output=shown.append)
    auth.authorize(manual=True)
    url = next(line.strip() for line in shown[0].splitlines() if "/auth?" in line)
    assert shown == [
        "1. Open this URL in any browser and log in:\n\n    " + url + "\n\n"
        "2. Click Allow. The browser is sent to your callback URL; the page may fail to load, "
        "that is fine.\n3. Copy the full address from the address bar and paste it here.\n",
        "Authorized: tokens saved in memory (this process only)",
    ]
    assert asked == ["Redirected URL: "]
    assert capsys.readouterr().out == ""
    assert a.auth_valid                         # same cache: the api sees the tokens


def test_web_flow_with_state(sandbox):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback)
    url, state = a.auth.authorization_url()
    assert f"state={state}" in url and "%40AMER.OAUTHAP" in url
    a.auth.exchange_code(redirected_url(sandbox, url), state=state)
    assert a.auth_valid
    assert a.request("GET", "/marketdata/MSFT/quotes")["MSFT"]["symbol"] == "MSFT"


def test_web_flow_bare_code_is_decoded_exactly_once(sandbox):
    from urllib.parse import parse_qs, urlsplit

    callback = new_app(sandbox)
    a = client_for(sandbox, callback)
    url, _state = a.auth.authorization_url()
    location = redirected_url(sandbox, url)
    code = parse_qs(urlsplit(location).query)["code"][0]   # what a web framework hands over
    assert "@" in code and "/" in code
    a.auth.exchange_code(code)
    assert a.auth_valid


def test_state_mismatch(sandbox):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback)
    url, _state = a.auth.authorization_url()
    with pytest.raises(StateMismatchError, match="Start the authorization again"):
        a.auth.exchange_code(redirected_url(sandbox, url), state="not-the-state")
    assert not a.auth_valid
    assert sandbox.stats()["grants"]["authorization_code"] == 0


def test_access_denied_redirect(sandbox):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback)
    _url, state = a.auth.authorization_url()
    with pytest.raises(AccessDeniedError, match="pytd auth login"):
        a.auth.exchange_code(f"{callback}?error=access_denied&state={state}", state=state)


def test_pasted_url_without_code(sandbox):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback)
    _url, state = a.auth.authorization_url()
    with pytest.raises(AuthorizationError, match="code="):
        a.auth.exchange_code(f"{callback}?state={state}", state=state)
    with pytest.raises(AuthorizationError, match="full URL"):
        a.auth.exchange_code(f"{callback}?foo=bar")


def test_stray_requests_do_not_end_the_wait(sandbox):
    callback = new_app(sandbox)
    root = callback.rsplit("/", 1)[0]
    a = client_for(sandbox, callback)
    browser = Browser(before=(root + "/favicon.ico", callback, callback + "?state=x",
                              root + "/other?code=abc", root + "/../../etc/passwd"))
    a.authorize(open_browser=browser, timeout=20)
    assert browser.done.wait(10) and not browser.errors
    assert browser.stray == [404, 404, 404, 404, 404]
    assert "Authorization complete" in browser.pages[-1].text
    assert a.auth_valid


def test_callback_timeout_releases_the_port(sandbox):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback)
    started = time.monotonic()
    with pytest.raises(CallbackTimeoutError, match="manual=True"):
        a.authorize(open_browser=lambda url: None, timeout=0.5)
    assert time.monotonic() - started < 3
    port = int(callback.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as probe:   # the port is free again
        probe.bind(("127.0.0.1", port))


def test_busy_port_fails_before_the_browser_opens(sandbox):
    callback = new_app(sandbox)
    port = int(callback.rsplit(":", 1)[1].split("/")[0])
    opened = []
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        a = client_for(sandbox, callback)
        with pytest.raises(AuthorizationError, match="another callback URL"):
            a.authorize(open_browser=opened.append, timeout=5)
    assert opened == []


@pytest.mark.parametrize("url", ["http://example.com:8080/callback",
                                 "http://192.168.1.20:8080/", "https://10.0.0.1/cb"])
def test_non_loopback_callback_is_refused(sandbox, url):
    sandbox.register_app(APP_KEY, url)
    a = client_for(sandbox, url)
    opened = []
    with pytest.raises(ConfigurationError, match=r"manual=True"):
        a.authorize(open_browser=opened.append)
    assert opened == []


def test_reused_code_is_an_authorization_error(sandbox):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback)
    url, state = a.auth.authorization_url()
    location = redirected_url(sandbox, url)
    a.auth.exchange_code(location, state=state)
    with pytest.raises(AuthorizationError, match="invalid_grant") as info:
        a.auth.exchange_code(location, state=state)
    assert "pytd auth login" in str(info.value)
    assert info.value.status_code == 400


def test_unknown_consumer_key_is_an_authorization_error(sandbox):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback, key="UNKNOWNKEY0000000000000000000000")
    with pytest.raises(AuthorizationError, match="Consumer Key"):
        a.auth.exchange_code("some-code")


def test_consumer_key_suffix_appended_once(sandbox):
    callback = new_app(sandbox)
    for key in (APP_KEY, APP_KEY + "@AMER.OAUTHAP"):
        a = client_for(sandbox, callback, key=key)
        url, _ = a.auth.authorization_url()
        assert url.count("%40AMER.OAUTHAP") == 1


def test_debug_log_never_contains_secrets(sandbox, tmp_path, caplog):
    callback = new_app(sandbox)
    caplog.set_level(logging.DEBUG)
    a = client_for(sandbox, callback, config_dir=str(tmp_path), log_level="DEBUG")
    browser = Browser()
    a.authorize(open_browser=browser, timeout=20)
    assert browser.done.wait(10)
    a.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"})
    sandbox.expire_access_tokens()
    a.request("GET", "/marketdata/quotes", params={"symbol": "MSFT"})   # 401 -> refresh
    tokens = a.auth.tokens()
    secrets_seen = [tokens.access_token.token, tokens.refresh_token.token]
    text = "\n".join(r.getMessage() for r in caplog.records if r.threadName != BROWSER_THREAD)
    assert "Access token refreshed" in text           # the log did capture the flow
    for secret in secrets_seen:
        assert secret and secret not in text
    assert "code=" not in text
    assert tokens.access_token.token not in repr(a) and tokens.access_token.token not in repr(
        tokens.access_token)

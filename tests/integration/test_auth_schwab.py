"""Schwab authorization against the sandbox: token errors, the 7-day refresh token."""

from __future__ import annotations

import logging

import pytest

import pyTD.auth.manager as manager_module
from pyTD.exceptions import AuthorizationError
from pyTD.sandbox.client import sandbox_api

DAY = 86400.0


@pytest.fixture
def schwab(make_sandbox, clock):
    return make_sandbox(provider="schwab", auto_approve=True, clock=clock)


def test_a_wrong_app_secret_says_the_key_or_secret_was_refused(schwab, clock, caplog):
    wrong = "WrongSecretNobodyShouldSee"
    a = sandbox_api(schwab, app_secret=wrong, clock=clock)
    clock.advance(1900)  # the access token is stale: the next call refreshes
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthorizationError, match="app key or app secret was refused") as info:
        a.get_quotes("AAPL")
    assert "TD_APP_SECRET" in str(info.value)
    seen, error = [], info.value
    while error is not None:
        seen.append(str(error))
        error = error.__cause__ or error.__context__
    response = getattr(info.value, "response", None)
    if response is not None:
        seen += [str(r.request.headers) for r in (*response.history, response)
                 if r.request is not None]
    seen += [r.getMessage() for r in caplog.records] + [repr(a), repr(a.auth)]
    assert not [text for text in seen if wrong in text]


def test_refreshing_keeps_the_refresh_tokens_7_day_life(schwab, clock):
    a = sandbox_api(schwab, clock=clock)
    issued = a.auth.tokens().refresh_token.access_time
    assert a.refresh_expires_in == pytest.approx(7 * DAY)
    clock.advance(2 * DAY)
    a.get_quotes("AAPL")
    kept = a.auth.tokens().refresh_token
    assert kept.access_time == issued and kept.expires_in == 7 * DAY
    assert a.refresh_expires_in == pytest.approx(5 * DAY)


def test_six_days_23_hours_warns_once(schwab, clock, caplog):
    a = sandbox_api(schwab, clock=clock)
    clock.advance(6 * DAY + 23 * 3600)
    caplog.set_level(logging.WARNING, logger="pyTD")
    a.get_quotes("AAPL")
    clock.advance(1900)
    a.get_quotes("AAPL")
    warnings = [r for r in caplog.records if "pytd auth login" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING and "UTC" in warnings[0].getMessage()


def test_expired_refresh_token_raises_without_a_terminal(schwab, clock, monkeypatch):
    monkeypatch.setattr(manager_module, "interactive", lambda: False)
    a = sandbox_api(schwab, clock=clock)
    clock.advance(7 * DAY + 1)
    assert a.refresh_expires_in == 0.0
    with pytest.raises(AuthorizationError, match="pytd auth login") as info:
        a.get_quotes("AAPL")
    assert "7 days" in str(info.value)


def test_expired_refresh_token_prompts_in_a_terminal_and_login_fixes_it(
        schwab, clock, monkeypatch):
    monkeypatch.setattr(manager_module, "interactive", lambda: True)
    asked, said = [], []
    a = sandbox_api(schwab, clock=clock)
    a.auth._input = lambda q: asked.append(q) or "n"
    a.auth._output = said.append
    clock.advance(7 * DAY + 1)
    with pytest.raises(AuthorizationError, match="declined"):
        a.get_quotes("AAPL")
    assert asked and "authorize now" in asked[0]
    assert any("7 days" in s for s in said)
    # A fresh login (what `pytd auth login` does) fixes it.
    fresh = sandbox_api(schwab, clock=clock, cache=a.cache)
    assert fresh.refresh_expires_in == pytest.approx(7 * DAY)
    assert a.get_quotes("AAPL")


def test_no_refresh_token_means_none():
    from pyTD.api import api
    from pyTD.cache.memory import MemCache
    a = api(provider="schwab", consumer_key="K", app_secret="x", cache=MemCache())
    assert a.refresh_expires_in is None


def test_a_refused_refresh_token_says_7_days_or_a_newer_login(schwab, clock):
    from pyTD.auth.tokens import RefreshToken
    a = sandbox_api(schwab, clock=clock)
    bogus = RefreshToken("not-a-known-token", access_time=clock(), expires_in=7 * DAY,
                         clock=clock)
    a.cache.update(refresh_token=bogus)
    clock.advance(1900)
    with pytest.raises(AuthorizationError) as info:
        a.get_quotes("AAPL")
    message = str(info.value)
    assert "refused the refresh token before it expired (replaced by a newer login, or " \
        "revoked)" in message
    assert "app secret" not in message


def test_status_line_names_the_7_day_login(schwab, clock):
    from pyTD.cli.commands import _refresh_text
    from pyTD.provider import TD_AMERITRADE
    a = sandbox_api(schwab, clock=clock)
    clock.advance(3600)
    line = _refresh_text(a.auth.tokens().refresh_token, a.provider)
    assert line.startswith("valid until ") and "UTC" in line
    assert "Charles Schwab requires a new login every 7 days" in line
    assert "requires a new login" not in _refresh_text(a.auth.tokens().refresh_token,
                                                       TD_AMERITRADE)


def test_browser_flow_over_the_https_callback(schwab, clock, tmp_path):
    """The whole flow: Schwab's authorize page, the %40 code with session=, HTTP Basic at
    the token endpoint, the built-in https callback server and its certificate hint."""
    import threading

    import requests

    pytest.importorskip("cryptography")
    said, pages = [], []
    a = sandbox_api(schwab, authorized=False, clock=clock, config_dir=str(tmp_path))
    a.auth._output = said.append

    def opener(url):
        assert url.startswith(schwab.auth_url) and "client_id=" in url

        def follow():
            redirect = requests.get(url, allow_redirects=False, timeout=10)
            location = redirect.headers["Location"]
            assert "%40" in location and "session=" in location
            pages.append(requests.get(location, verify=False, timeout=10).text)

        threading.Thread(target=follow, daemon=True).start()

    a.authorize(open_browser=opener, timeout=30)
    assert any("self-signed certificate" in s for s in said)
    assert pages and "certificate warning" in pages[0]
    assert a.refresh_expires_in == pytest.approx(7 * DAY)
    assert a.get_quotes("AAPL")

"""Automatic refresh: before expiry, after a 401, renewal, expiry, threads and processes."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from pyTD.cache import DiskCache
from pyTD.exceptions import AuthorizationError
from pyTD.sandbox import Sandbox
from tests.support.together import threads_started_together

from .auth_support import APP_KEY, client_for, clock_from_now, new_app

QUOTES = "/marketdata/quotes"


def authorized(sandbox, callback, **kwargs):
    """An api for APP_KEY authorized through the web flow (consent auto-approved)."""
    import requests

    a = client_for(sandbox, callback, **kwargs)
    url, state = a.auth.authorization_url()
    location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    a.auth.exchange_code(location, state=state)
    return a


def grants(sandbox, kind="refresh_token"):
    return sandbox.stats()["grants"].get(kind, 0)


def test_two_second_access_token_is_refreshed_transparently():
    with Sandbox(auto_approve=True, access_token_lifetime=2) as sandbox:
        a = authorized(sandbox, new_app(sandbox))
        first = a.access_token.token
        assert a.request("GET", QUOTES, params={"symbol": "AAPL"})
        time.sleep(2.1)
        assert a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert a.access_token.token != first
        assert grants(sandbox) == 1
        assert sandbox.stats()["status"].get(401, 0) == 0   # refreshed before expiry, not after


def test_401_is_answered_by_one_refresh_and_a_retry():
    with Sandbox(auto_approve=True) as sandbox:
        a = authorized(sandbox, new_app(sandbox))
        a.request("GET", QUOTES, params={"symbol": "AAPL"})
        sandbox.expire_access_tokens()          # the server forgets it; the client can't know
        assert a.request("GET", QUOTES, params={"symbol": "MSFT"})["MSFT"]
        stats = sandbox.stats()
        assert grants(sandbox) == 1
        assert stats["status"][401] == 1


def test_refresh_token_near_its_end_is_renewed():
    clock = clock_from_now()
    with Sandbox(auto_approve=True, clock=clock, refresh_token_lifetime=1000) as sandbox:
        a = authorized(sandbox, new_app(sandbox), clock=clock, refresh_window=100)
        old_refresh = a.refresh_token.token
        a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert grants(sandbox, "refresh_token_offline") == 0
        clock.advance(950)                       # 50 s left < 100 s window
        a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert grants(sandbox, "refresh_token_offline") == 1
        assert a.refresh_token.token != old_refresh
        assert a.refresh_token.remaining() > 900
        clock.advance(10)
        a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert grants(sandbox, "refresh_token_offline") == 1   # not renewed on every call


def test_refresh_response_without_refresh_token_keeps_the_old_one():
    clock = clock_from_now()
    with Sandbox(auto_approve=True, clock=clock) as sandbox:
        a = authorized(sandbox, new_app(sandbox), clock=clock)
        refresh = a.refresh_token
        clock.advance(1800)
        a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert grants(sandbox) == 1
        assert a.refresh_token == refresh


def test_expired_refresh_token_raises_with_instructions():
    clock = clock_from_now()
    with Sandbox(auto_approve=True, clock=clock, refresh_token_lifetime=3600) as sandbox:
        a = authorized(sandbox, new_app(sandbox), clock=clock, refresh_window=1)
        clock.advance(3601)
        with pytest.raises(AuthorizationError, match="pytd auth login") as info:
            a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert "expired" in str(info.value)
        assert grants(sandbox) == 0       # nothing sent with a token known to be dead


def test_revoked_refresh_token_raises_with_instructions():
    clock = clock_from_now()
    with Sandbox(auto_approve=True, clock=clock) as sandbox:
        a = authorized(sandbox, new_app(sandbox), clock=clock)
        sandbox.revoke(a.refresh_token.token)
        clock.advance(1800)
        with pytest.raises(AuthorizationError, match="revoked") as info:
            a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert "pytd auth login" in str(info.value)


def test_eight_threads_with_an_expired_token_cause_one_refresh(tmp_path):
    clock = clock_from_now()
    with Sandbox(auto_approve=True, clock=clock) as sandbox:
        a = authorized(sandbox, new_app(sandbox), clock=clock, config_dir=str(tmp_path))
        clock.advance(1800)
        answers = threads_started_together(
            8, lambda i: a.request("GET", QUOTES, params={"symbol": "AAPL"}), timeout=20)
        assert all(answers)
        assert grants(sandbox) == 1


def test_first_call_without_tokens_and_without_terminal_raises_instructions(monkeypatch):
    with Sandbox() as sandbox:
        a = client_for(sandbox, new_app(sandbox))
        monkeypatch.setattr("pyTD.auth.manager.interactive", lambda: False)
        with pytest.raises(AuthorizationError, match="pytd auth login"):
            a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert sandbox.stats()["requests"].get("/v1/marketdata/quotes", 0) == 0


def test_first_call_in_a_terminal_asks_before_opening_a_browser(monkeypatch):
    with Sandbox(auto_approve=True) as sandbox:
        a = client_for(sandbox, new_app(sandbox))
        monkeypatch.setattr("pyTD.auth.manager.interactive", lambda: True)
        asked = []
        a.auth._input = lambda prompt: asked.append(prompt) or "n"
        with pytest.raises(AuthorizationError, match="declined"):
            a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert asked and "Open a browser" in asked[0]


def test_first_call_in_a_terminal_authorizes_when_the_user_agrees(monkeypatch, capsys):
    from .auth_support import Browser

    with Sandbox(auto_approve=True) as sandbox:
        a = client_for(sandbox, new_app(sandbox))
        monkeypatch.setattr("pyTD.auth.manager.interactive", lambda: True)
        a.auth._input = lambda prompt: "y"
        browser = Browser()
        monkeypatch.setattr("webbrowser.open", browser)   # the system browser, played
        quotes = a.request("GET", QUOTES, params={"symbol": "AAPL"})
        assert quotes["AAPL"]["symbol"] == "AAPL"
        assert browser.opened and grants(sandbox, "authorization_code") == 1
        assert "Open this URL to authorize pyTD" in capsys.readouterr().out


WORKER = r"""
import sys, time
from pyTD.api import api
from pyTD.cache import DiskCache
base, auth, callback, path, count = sys.argv[1:6]
a = api(consumer_key="{key}", callback_url=callback, base_url=base, auth_url=auth,
        cache=DiskCache(path))
ok = 0
deadline = time.monotonic() + 60
for i in range(int(count)):
    a.request("GET", "/marketdata/quotes", params={{"symbol": "AAPL"}})
    ok += 1
    time.sleep(0.02)
print(ok)
"""


def test_four_processes_share_one_disk_cache_and_refresh_once_per_window(tmp_path):
    lifetime = 2
    with Sandbox(auto_approve=True, access_token_lifetime=lifetime) as sandbox:
        callback = new_app(sandbox)
        path = str(tmp_path / "shared.json")
        authorized(sandbox, callback, cache=DiskCache(path))
        started = time.monotonic()
        script = WORKER.format(key=APP_KEY)
        procs = [subprocess.Popen([sys.executable, "-c", script, sandbox.base_url,
                                   sandbox.auth_url, callback, path, "150"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
        results = [p.communicate(timeout=120) for p in procs]
        elapsed = time.monotonic() - started
        for proc, (out, err) in zip(procs, results):
            assert proc.returncode == 0, err
            assert out.strip() == "150"
        # A token is used until 1/4 of its life remains: one window every 1.5 s.
        windows = elapsed / (lifetime * 0.75) + 1
        refreshes = grants(sandbox)
        assert 1 <= refreshes <= 2 * windows, (refreshes, windows)
        assert sandbox.stats()["status"].get(401, 0) == 0

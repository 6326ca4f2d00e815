"""The script flow in a real headless Chromium: the sandbox's consent page, Allow and Deny.

``api.authorize`` runs in a worker thread (it blocks until the callback arrives) and
hands the authorization URL over a queue; Playwright's sync objects stay on the test
thread, which opens the URL, clicks a button and waits for pyTD's callback page.
"""

from __future__ import annotations

import os
import queue
import stat
import threading
from pathlib import Path
from typing import Optional

import pytest
import requests
from playwright.sync_api import expect

from pyTD.exceptions import AccessDeniedError, AuthorizationError
from pyTD.sandbox import Sandbox
from tests.support import free_port

from ..integration.auth_support import APP_KEY, client_for, new_app
from .conftest import artifacts_dir

pytestmark = pytest.mark.browser

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class BackgroundAuthorization:
    """``api.authorize(open_browser=<queue>.put)`` in a worker thread, its outcome collected."""

    def __init__(self, client, callback: str, timeout: float = 30.0) -> None:
        self.callback = callback
        self.urls: queue.Queue[str] = queue.Queue()
        self.error: Optional[BaseException] = None
        self.thread = threading.Thread(target=self._run, args=(client, timeout),
                                       name="authorize-worker", daemon=True)
        self.thread.start()

    def _run(self, client, timeout: float) -> None:
        try:
            client.authorize(open_browser=self.urls.put, timeout=timeout)
        except BaseException as exc:
            self.error = exc

    def url(self) -> str:
        return self.urls.get(timeout=10)

    def join(self) -> None:
        self.thread.join(15)
        assert not self.thread.is_alive(), "authorize() did not return after the callback"

    def release(self) -> None:
        """End a wait left open by a failed test (a stray callback the flow rejects)."""
        if self.thread.is_alive():
            try:
                with requests.Session() as session:
                    session.trust_env = False
                    session.get(self.callback, timeout=5,
                                params={"error": "access_denied", "state": "x"})
            except requests.RequestException:
                pass
            self.thread.join(10)


@pytest.fixture
def sandbox(make_sandbox) -> Sandbox:
    return make_sandbox(auto_approve=False)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 900, "height": 640})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshots() -> Path:
    return artifacts_dir("screenshots")


def shoot(page, directory: Path, name: str) -> Path:
    path = directory / name
    if path.exists():
        path.unlink()
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_png(path: Path) -> None:
    assert path.is_file(), f"screenshot {path} was not written"
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_MAGIC), f"{path} is not a usable PNG"


def open_consent_page(page, sandbox: Sandbox, url: str, callback: str) -> None:
    assert url.startswith(sandbox.auth_url + "?")
    response = page.goto(url)
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("Authorize an application")
    expect(page.locator("#app-key")).to_have_text(APP_KEY)
    expect(page.locator("#redirect-uri")).to_have_text(callback)
    expect(page.locator("#allow")).to_be_visible()
    expect(page.locator("#deny")).to_be_visible()


def landed_on(page) -> str:
    """The page's URL without its query (which carries the code)."""
    return page.url.split("?", 1)[0]


def test_allow_in_chromium_caches_tokens_and_requests_work(sandbox, page, screenshots, tmp_path):
    callback = new_app(sandbox)
    config_dir = tmp_path / "cfg"
    a = client_for(sandbox, callback, config_dir=str(config_dir))
    worker = BackgroundAuthorization(a, callback)
    try:
        open_consent_page(page, sandbox, worker.url(), callback)
        consent_png = shoot(page, screenshots, "consent.png")

        page.click("#allow")
        result = page.locator("#result")
        expect(result).to_have_text("Authorization complete")
        expect(result).to_have_class("ok")
        expect(page.locator("#message")).to_contain_text("tokens are saved")
        assert page.title() == "pyTD: Authorization complete"
        assert landed_on(page) == callback
        success_png = shoot(page, screenshots, "success.png")

        worker.join()
    finally:
        worker.release()
    assert worker.error is None, f"authorize() raised {type(worker.error).__name__}"
    assert_png(consent_png)
    assert_png(success_png)

    assert a.auth_valid and a.access_valid
    assert sandbox.stats()["grants"]["authorization_code"] == 1
    assert sandbox.stats()["calls"]["POST /auth"] == 1
    # Tokens went to a DiskCache file in the configuration directory, readable by us only.
    cache_file = Path(a.cache.describe())
    assert cache_file.is_file() and config_dir in cache_file.parents
    assert stat.S_IMODE(os.stat(cache_file).st_mode) == 0o600
    assert cache_file.stat().st_size > 0
    # A fresh client on the same directory reads them from disk.
    assert client_for(sandbox, callback, config_dir=str(config_dir)).auth_valid

    quotes = a.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"})
    assert quotes["AAPL"]["symbol"] == "AAPL"
    assert quotes["AAPL"]["lastPrice"] > 0
    assert sandbox.stats()["requests"]["/v1/marketdata/quotes"] == 1


def test_deny_in_chromium_shows_failure_page_and_raises(sandbox, page, screenshots, tmp_path):
    callback = new_app(sandbox)
    a = client_for(sandbox, callback, config_dir=str(tmp_path / "cfg"))
    worker = BackgroundAuthorization(a, callback)
    try:
        open_consent_page(page, sandbox, worker.url(), callback)
        page.click("#deny")
        result = page.locator("#result")
        expect(result).to_have_text("Authorization failed")
        expect(result).to_have_class("failed")
        expect(page.locator("#message")).to_contain_text("Access was denied")
        assert page.title() == "pyTD: Authorization failed"
        assert landed_on(page) == callback
        failure_png = shoot(page, screenshots, "failure.png")

        worker.join()
    finally:
        worker.release()
    assert_png(failure_png)

    assert isinstance(worker.error, AccessDeniedError), repr(worker.error)
    assert isinstance(worker.error, AuthorizationError)
    assert not a.auth_valid
    assert sandbox.stats()["grants"]["authorization_code"] == 0


def test_schwab_https_callback_in_chromium(make_sandbox, chromium, screenshots, tmp_path):
    """Schwab's flow end to end: consent page, the https callback with pyTD's self-signed
    certificate (the browser is told to accept it, as the printed hint tells a user to),
    the code ending in %40 with session=, HTTP Basic at the token endpoint."""
    sandbox = make_sandbox(provider="schwab", auto_approve=False)
    callback = f"https://127.0.0.1:{free_port()}"
    secret = "synthetic-app-secret-for-the-browser-test"
    sandbox.register_app(APP_KEY, callback, app_secret=secret)
    shown: list[str] = []
    a = client_for(sandbox, callback, provider="schwab", app_secret=secret,
                   config_dir=str(tmp_path / "cfg"))
    a.auth._output = shown.append
    context = chromium.new_context(ignore_https_errors=True, viewport={"width": 900,
                                                                        "height": 640})
    worker = BackgroundAuthorization(a, callback)
    try:
        page = context.new_page()
        page.goto(worker.url())
        page.click("#allow")
        expect(page.locator("#result")).to_have_text("Authorization complete")
        assert landed_on(page).rstrip("/") == callback
        assert "session=" in page.url and "%40" in page.url   # Schwab's code, as the browser saw it
        assert_png(shoot(page, screenshots, "schwab-success.png"))
        worker.join()
    finally:
        worker.release()
        context.close()
    assert worker.error is None, f"authorize() raised {type(worker.error).__name__}"
    assert any("self-signed certificate" in line for line in shown)
    assert sandbox.stats()["grants"]["authorization_code"] == 1
    assert a.refresh_expires_in is not None and 6.9 * 86400 < a.refresh_expires_in <= 7 * 86400
    assert a.get_quotes("AAPL")["AAPL"]["symbol"] == "AAPL"
    a.close()

"""Shared pieces of the authorization tests: a fake clock, a browser stand-in, app setup."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from pyTD.api import api
from pyTD.cache import conformance
from pyTD.sandbox import DEMO_CONSUMER_KEY
from tests.support import free_port

APP_KEY = "PYTDTESTAPP00000000000000000000B"
#: Thread name of the browser stand-in (its own HTTP logging is not pyTD's).
BROWSER_THREAD = "test-browser"


def clock_from_now() -> conformance.FakeClock:
    """A clock the test moves by hand, starting now so that dates look sane."""
    return conformance.FakeClock(time.time())


class Browser:
    """Plays the user's browser: visits the authorization URL in a thread and follows redirects.

    ``decision`` is ``"auto"`` (the sandbox auto-approves), ``"allow"`` or ``"deny"`` (the
    consent form is submitted). ``before`` lists URLs to visit first (stray requests to
    the callback server, like a browser asking for /favicon.ico); their statuses land in
    ``stray``. ``verify=False`` accepts the self-signed certificate of an https callback
    (as the user does at the browser's warning).
    """

    def __init__(self, decision: str = "auto", before: tuple[str, ...] = (),
                 verify: bool = True) -> None:
        self.decision = decision
        self.before = before
        self.verify = verify
        self.pages: list[requests.Response] = []
        self.stray: list[int] = []
        self.errors: list[BaseException] = []
        self.done = threading.Event()
        self.opened: list[str] = []

    def __call__(self, url: str) -> None:
        self.opened.append(url)
        threading.Thread(target=self._visit, args=(url,), name=BROWSER_THREAD,
                         daemon=True).start()

    def _visit(self, url: str) -> None:
        try:
            with requests.Session() as session:
                session.trust_env = False
                session.verify = self.verify
                for path in self.before:
                    self.stray.append(session.get(path, timeout=10).status_code)
                if self.decision == "auto":
                    self.pages.append(session.get(url, timeout=30))
                else:
                    consent = session.get(url, timeout=10)
                    consent.raise_for_status()
                    form = _hidden_fields(consent.text)
                    form["decision"] = self.decision
                    auth_url = url.split("?", 1)[0]
                    self.pages.append(session.post(auth_url, data=form, timeout=30))
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            self.done.set()


def _hidden_fields(page: str) -> dict[str, str]:
    import html
    import re

    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return fields


def new_app(sandbox: Any, key: str = APP_KEY, path: str = "/callback") -> str:
    """Register an app with a free loopback port; returns its callback URL."""
    callback = f"http://127.0.0.1:{free_port()}{path}"
    sandbox.register_app(key, callback)
    return callback


def client_for(sandbox: Any, callback: str, key: str = APP_KEY, **kwargs: Any) -> api:
    """An ``api`` pointed at the sandbox (MemCache unless a cache or config_dir is given)."""
    if "config_dir" not in kwargs and "cache" not in kwargs:
        kwargs["store_tokens"] = False
    return api(consumer_key=key, callback_url=callback, base_url=sandbox.base_url,
               auth_url=sandbox.auth_url, **kwargs)


__all__ = ["APP_KEY", "DEMO_CONSUMER_KEY", "Browser", "client_for", "clock_from_now", "new_app"]

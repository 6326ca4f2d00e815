"""AuthManager's user-facing hooks without a server: questions go through the input hook."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from pyTD.auth.manager import AuthManager
from pyTD.cache import MemCache
from pyTD.exceptions import AuthorizationError
from pyTD.settings import resolve


def manager(answers=(), **kwargs) -> tuple[AuthManager, list[str]]:
    asked: list[str] = []
    replies = list(answers)

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return replies.pop(0)

    settings = resolve(env={}, consumer_key="KEY", callback_url="http://127.0.0.1:1/cb")
    auth = AuthManager(settings, MemCache(), requests.Session(), input_func=answer, **kwargs)
    return auth, asked


@pytest.mark.parametrize("reply,expected", [
    ("y", True), ("yes", True), (" YES \n", True), ("Y", True),
    ("", False), ("n", False), ("no", False), ("sure", False),
])
def test_confirm_defaults_to_no(reply, expected):
    auth, asked = manager([reply])
    assert auth.confirm("Valid tokens are cached. Overwrite them?") is expected
    assert asked == ["Valid tokens are cached. Overwrite them? [y/N] "]


@pytest.mark.parametrize("reply,expected", [("", True), ("y", True), ("n", False),
                                            ("nope", False)])
def test_confirm_with_default_yes(reply, expected):
    auth, asked = manager([reply])
    assert auth.confirm("Go on?", default=True) is expected
    assert asked == ["Go on? [Y/n] "]


def test_the_default_input_is_the_builtin_looked_up_when_asking(monkeypatch):
    settings = resolve(env={}, consumer_key="KEY", callback_url="http://127.0.0.1:1/cb")
    auth = AuthManager(settings, MemCache(), requests.Session())
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "yes")
    assert auth.confirm("Overwrite?")
    assert asked == ["Overwrite? [y/N] "]


def test_first_authorization_asks_through_confirm_and_a_no_declines(monkeypatch):
    monkeypatch.setattr("pyTD.auth.manager.interactive", lambda: True)
    auth, asked = manager(["n"])
    with pytest.raises(AuthorizationError, match="declined"):
        auth.headers()
    assert asked == ["pyTD is not authorized yet. Open a browser to authorize now? [Y/n] "]


NOW = 1_800_000_000.0
#: What the terminal shows while waiting 120 s from NOW for the callback.
WAITING = ("Open this URL to authorize pyTD (Ctrl+C cancels; waiting until "
           + time.strftime("%H:%M:%S", time.localtime(NOW + 120)) + ", 120 s):\n\n"
           "    https://example.test/auth?x=1\n")


def test_nothing_is_printed_when_output_is_injected(monkeypatch, capsys):
    shown: list[str] = []
    auth, _ = manager(output=shown.append, clock=lambda: NOW)
    monkeypatch.setattr("pyTD.auth.notebook.in_notebook", lambda: False)
    opened: list[str] = []
    called = threading.Event()
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or called.set())
    auth._show("https://example.test/auth?x=1", True, 120)
    assert shown == [WAITING]
    assert called.wait(10) and opened == ["https://example.test/auth?x=1"]
    assert capsys.readouterr().out == ""


def test_the_default_output_prints_the_same_text(monkeypatch, capsys):
    auth, _ = manager(clock=lambda: NOW)
    monkeypatch.setattr("pyTD.auth.notebook.in_notebook", lambda: False)
    auth._show("https://example.test/auth?x=1", False, 120)
    assert capsys.readouterr().out == WAITING + "\n"

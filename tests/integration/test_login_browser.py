"""``pytd auth login`` with the system browser: a browser that blocks or fails cannot make a
working login look failed, the wait is announced, and cached tokens are mentioned first.

The blocking browser is real: ``BROWSER`` names a script that, like a console
browser, fetches the authorization URL (the sandbox approves and redirects to
pytd's callback server) and then does not return until it is closed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
import webbrowser
from pathlib import Path

import pytest
import requests

from tests.support.sandboxes import start_sandbox

from .cli_support import CHILD_TIMEOUT, run_alongside, run_pytd, store_tokens

AUTH_URL = r"(http://127\.0\.0\.1:\d+/auth\?\S+)"
WAITING = (r"Open this URL to authorize pyTD \(Ctrl\+C cancels; waiting until "
           r"\d\d:\d\d:\d\d, 20 s\):\n\n    " + AUTH_URL + "\n")

#: A console browser: fetches the URL, reports the page it got, then stays open.
BLOCKING_BROWSER = '''#!{python}
import json, os, sys, time
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1)
os.dup2(null, 2)    # pytd's output pipes are not held open by this browser
report = {report!r}
with open(report + ".pid", "w") as handle:
    handle.write(str(os.getpid()))
import requests
try:
    with requests.Session() as session:
        session.trust_env = False
        page = session.get(sys.argv[1], timeout=15)
    result = {{"status": page.status_code, "text": page.text}}
except Exception as exc:
    result = {{"error": repr(exc)}}
with open(report + ".tmp", "w") as handle:
    json.dump(result, handle)
os.replace(report + ".tmp", report)
time.sleep(120)     # the user has not closed the browser yet
'''


@pytest.fixture(scope="module")
def sandbox(request):
    return start_sandbox(request, auto_approve=True)


def approve(console):
    """Play a browser that works: open the printed URL, expect the success page."""
    url = console.wait_for(AUTH_URL).group(1)
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Authorization complete" in page.text


def wait_for_file(path: Path, timeout: float = CHILD_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never written"
        time.sleep(0.05)


def test_a_browser_command_that_blocks_gets_the_success_page(sandbox, env, tmp_path):
    report = tmp_path / "page.json"
    browser = tmp_path / "console-browser"
    browser.write_text(BLOCKING_BROWSER.format(python=sys.executable, report=str(report)))
    browser.chmod(0o700)
    pid_file = Path(str(report) + ".pid")
    try:
        result = run_pytd(["auth", "login", "--timeout", "20"], {**env, "BROWSER": str(browser)})
        assert result.returncode == 0, result.stderr
        assert "Authorized." in result.stdout and "Traceback" not in result.stderr
        wait_for_file(report)
        page = json.loads(report.read_text())
        assert page.get("status") == 200, page
        assert "Authorization complete" in page["text"] and "did not finish" not in page["text"]
        assert sandbox.stats()["grants"]["authorization_code"] >= 1
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)   # close the browser


def test_a_browser_that_fails_to_open_leaves_the_printed_url(env, monkeypatch):
    def broken(url, *args, **kwargs):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr("webbrowser.open", broken)
    result = run_alongside(monkeypatch, ["auth", "login", "--timeout", "20"], env, approve)
    assert result.returncode == 0, result.stderr
    assert "Authorized." in result.stdout and "Traceback" not in result.stderr


def test_the_wait_says_where_to_go_how_to_cancel_and_when_it_ends(env, monkeypatch):
    result = run_alongside(monkeypatch, ["auth", "login", "--no-browser", "--timeout", "20"],
                           env, approve)
    assert result.returncode == 0, result.stderr
    assert re.match(WAITING, result.stdout), result.stdout
    assert "already cached" not in result.stdout


def test_login_says_when_valid_tokens_are_cached_already(sandbox, env, monkeypatch):
    store_tokens(sandbox, env)
    result = run_alongside(monkeypatch, ["auth", "login", "--no-browser", "--timeout", "20"],
                           env, approve)
    assert result.returncode == 0, result.stderr
    first, rest = result.stdout.split("\n", 1)
    cache = os.path.join(env["TD_CONFIG_DIR"], "")
    assert re.fullmatch(r"Valid tokens are already cached in " + re.escape(cache) + r"\S+ "
                        r"\(refresh token valid until \d{4}-\d\d-\d\d.*\); this login "
                        r"replaces them\.", first), first
    assert re.match(WAITING, rest), rest


def test_json_login_says_it_on_stderr(sandbox, env, monkeypatch):
    store_tokens(sandbox, env)

    def browser(console):
        url = console.wait_for(AUTH_URL, stderr=True).group(1)
        requests.get(url, timeout=10)

    result = run_alongside(monkeypatch, ["--json", "auth", "login", "--no-browser"], env,
                           browser)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["authorized"] is True
    assert result.stderr.startswith("Valid tokens are already cached in ")

"""``pytd sandbox`` from the command line: ports, extra callback URLs, restarts, busy ports.

The standalone sandbox runs as a real child process (``python -m pyTD sandbox``);
the ``pytd`` commands that use it run in this process.
"""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import sys
from typing import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from pyTD.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from pyTD.sandbox.standalone import DEFAULT_PORT
from tests.support import free_port
from tests.support.sandboxes import start_sandbox

from .cli_support import CHILD_TIMEOUT, CLI_KEY, child_env, run_alongside, run_main

AUTH_URL = r"(http://127\.0\.0\.1:\d+/auth\?\S+)"


@contextlib.contextmanager
def standalone(*args: str) -> Iterator[tuple[dict[str, str], list[str]]]:
    """``python -m pyTD sandbox ARGS`` until the block ends (SIGTERM): its exports and banner."""
    command = [sys.executable, "-m", "pyTD", "sandbox", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, text=True) as proc:
        try:
            lines: list[str] = []
            while not lines or not lines[-1].startswith("Serving until"):
                line = proc.stdout.readline()
                assert line, f"exited early: {proc.stderr.read()}"
                lines.append(line.rstrip("\n"))
            exports = dict(line[len("export "):].split("=", 1) for line in lines
                           if line.startswith("export "))
            yield exports, lines
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=CHILD_TIMEOUT) == 0
        finally:
            proc.kill()


@contextlib.contextmanager
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def environment(exports: dict[str, str], tmp_path) -> dict[str, str]:
    return {**exports, "TD_CONFIG_DIR": str(tmp_path / "config")}


def browser_to(callback: str):
    """A user who opens the printed consent URL and lands on ``callback`` (pyTD's server)."""
    def open_consent_page(console) -> None:
        url = console.wait_for(AUTH_URL).group(1)
        with requests.Session() as session:
            session.trust_env = False
            landed = session.get(url, timeout=CHILD_TIMEOUT)
        assert landed.status_code == 200 and landed.url.startswith(callback + "?"), landed.url
    return open_consent_page


def test_help_shows_the_default_port(capsys, monkeypatch):
    sandbox_help = run_main(capsys, monkeypatch, ["sandbox", "--help"], {})
    assert sandbox_help.returncode == EXIT_OK
    assert re.search(rf"--port PORT\s+port on 127\.0\.0\.1 \(default: {DEFAULT_PORT}; 0: any "
                     r"free port\)", sandbox_help.stdout)
    assert "--callback URL" in sandbox_help.stdout
    overview = run_main(capsys, monkeypatch, ["--help"], {})
    assert re.search(r"sandbox\s+run the local TD Ameritrade \(or Schwab\) emulator on\s+"
                     rf"127\.0\.0\.1:{DEFAULT_PORT}", overview.stdout)


def test_a_taken_port_is_named_with_what_to_do(capsys, monkeypatch):
    with busy_port() as port:
        result = run_main(capsys, monkeypatch, ["sandbox", "--port", str(port)], {})
    assert result.returncode == EXIT_ERROR
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Run `pytd sandbox --port 0` to listen on any free port" in result.stderr
    assert f"lsof -i :{port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--callback", "ftp://127.0.0.1/cb"], "expected a callback URL such as "
                                           "http://127.0.0.1:8091/callback, got 'ftp://127.0.0.1/cb'"),
    (["--callback", "http://127.0.0.1:99999/cb"], "expected a callback URL such as"),
    (["--callback", "127.0.0.1:8091"], "expected a callback URL such as"),
    (["--provider", "schwab", "--callback", "http://127.0.0.1:8091/cb"],
     "URL must be HTTPS. (Charles Schwab's portal would refuse it; e.g. "
     "https://127.0.0.1:8183/callback is accepted)"),
])
def test_a_bad_callback_is_a_usage_error_that_shows_a_good_one(capsys, monkeypatch, args,
                                                                message):
    result = run_main(capsys, monkeypatch, ["sandbox", *args], {})
    assert result.returncode == EXIT_USAGE
    assert message in result.stderr


def test_port_0_and_an_extra_callback_then_a_restart(capsys, monkeypatch, tmp_path):
    """A busy 8080 is not a dead end, and a restarted sandbox is named in the refusal."""
    port = free_port()
    callback = f"http://127.0.0.1:{free_port()}/callback"
    with standalone("--port", "0", "--auto-approve", "--callback", callback) as (exports, lines):
        assert urlsplit(exports["TD_BASE_URL"]).port not in (0, 8765)
        assert exports["TD_CALLBACK_URL"] == callback
        assert "  Callback URL:  http://127.0.0.1:8080/callback" in lines
        assert f"  Callback URL:  {callback}" in lines

    args = ["--port", str(port), "--auto-approve", "--callback", callback]
    with standalone(*args) as (exports, lines):
        assert any("after a restart, run `pytd auth login` again" in line for line in lines)
        env = environment(exports, tmp_path)
        login = run_alongside(monkeypatch, ["auth", "login", "--no-browser", "--timeout", "20"],
                              env, browser_to(callback))
        assert login.returncode == EXIT_OK, login.stderr
        assert "Authorized." in login.stdout
        quote = run_main(capsys, monkeypatch, ["quote", "SPY"], env)
        assert quote.returncode == EXIT_OK, quote.stderr

    with standalone(*args) as (exports, _):
        again = run_main(capsys, monkeypatch, ["quote", "SPY"], environment(exports, tmp_path))
    assert again.returncode == EXIT_ERROR
    assert "The server refused the refresh token" in again.stderr
    assert "probably restarted: a sandbox keeps its tokens in memory" in again.stderr
    assert "Run `pytd auth login`" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.fixture(scope="module")
def sandbox(request):
    return start_sandbox(request, auto_approve=True)


def test_a_busy_callback_port_gives_steps_to_follow(sandbox, capsys, monkeypatch, tmp_path):
    with busy_port() as port:
        callback = f"http://127.0.0.1:{port}/callback"
        sandbox.register_app(CLI_KEY, callback)
        env = child_env(sandbox, tmp_path / "config", callback)
        result = run_main(capsys, monkeypatch, ["auth", "login", "--no-browser"], env)
    assert result.returncode == EXIT_ERROR
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr
    assert f"find it with `lsof -i :{port}` or `ss -ltnp 'sport = :{port}'`" in result.stderr
    found = re.search(r"`pytd sandbox --callback (http://127\.0\.0\.1:(\d+)/callback)` registers",
                      result.stderr)
    assert found, result.stderr
    suggested = int(found.group(2))
    assert suggested != port
    assert f"e.g. {found.group(1)} (port {suggested} is free now)" in result.stderr
    assert result.stderr.rstrip().endswith("Then authorize again (`pytd auth login`, or "
                                           "api.authorize()).")
    with socket.socket() as probe:   # the suggested port can indeed be listened on
        probe.bind(("127.0.0.1", suggested))

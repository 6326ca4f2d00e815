"""``pytd history`` of many symbols: a bar and the rate-limit waits on a terminal, no 429.

The child's standard error is a real pseudo-terminal (``os.openpty``), as in a
user's shell; with a pipe instead, nothing extra is printed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.integration.cli_support import CHILD_TIMEOUT, CLI_KEY, child_env, store_tokens
from tests.support import free_port

SYMBOLS = [f"T{i:03d}" for i in range(25)]
ARGS = ["history", *SYMBOLS, "--period-type", "month"]


@pytest.fixture
def env(make_sandbox, tmp_path):
    sandbox = make_sandbox(rate_limit=10, rate_window=2.0, symbols=SYMBOLS)
    callback = f"http://127.0.0.1:{free_port()}/callback"
    sandbox.register_app(CLI_KEY, callback)
    env = child_env(sandbox, tmp_path / "config", callback)
    env["TD_QUOTA"] = "10/2"        # what `pytd sandbox --rate-limit 10 --rate-window 2` prints
    store_tokens(sandbox, env)
    sandbox.reset_stats()
    return sandbox, env


def run_on_terminal(args, env) -> tuple[int, str, str]:
    """``python -m pyTD ARGS`` with standard error on a pty: (exit code, stdout, the terminal)."""
    master, slave = os.openpty()
    child = subprocess.Popen([sys.executable, "-m", "pyTD", *args], env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    screen = bytearray()
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:   # EIO: the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(master)
    stdout = child.stdout.read().decode() if child.stdout else ""
    child.stdout.close() if child.stdout else None
    return child.wait(CHILD_TIMEOUT), stdout, screen.decode("utf-8", "replace")


def test_a_terminal_shows_the_bar_and_the_waits_and_no_429(env):
    sandbox, child = env
    code, stdout, screen = run_on_terminal(ARGS, child)
    assert code == 0, screen
    assert "price history" in screen and f"{len(SYMBOLS)}/{len(SYMBOLS)}" in screen
    assert "%|" in screen                          # tqdm's bar
    assert "s for the rate limit" in screen and "waiting " in screen
    assert sandbox.stats()["status"].get(429, 0) == 0
    assert all(symbol in stdout for symbol in SYMBOLS)


def test_a_pipe_gets_no_bar(env):
    sandbox, child = env
    result = subprocess.run([sys.executable, "-m", "pyTD", *ARGS], env=child, text=True,
                            capture_output=True, timeout=CHILD_TIMEOUT, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sandbox.stats()["status"].get(429, 0) == 0

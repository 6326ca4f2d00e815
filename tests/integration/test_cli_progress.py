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

SYMBOLS = [f"T{i:03d}" for i in range(50)]
ARGS = ["history", *SYMBOLS, "--period-type", "month"]


@pytest.fixture
def env(make_sandbox, tmp_path):
    sandbox = make_sandbox(rate_limit=20, rate_window=2.0, symbols=SYMBOLS)
    callback = f"http://127.0.0.1:{free_port()}/callback"
    sandbox.register_app(CLI_KEY, callback)
    env = child_env(sandbox, tmp_path / "config", callback)
    env["TD_QUOTA"] = "20/2"        # what `pytd sandbox --rate-limit 20 --rate-window 2` prints
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


def test_help_states_the_default_timeouts_and_the_quota():
    result = subprocess.run([sys.executable, "-m", "pyTD", "--help"], text=True,
                            capture_output=True, timeout=CHILD_TIMEOUT, check=False,
                            env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0
    text = " ".join(result.stdout.split())      # the help's line breaks fall anywhere
    for words in ("5 s to connect", "30 s to read", "90 s", "retried 3 times",
                  "-v shows each retry", "$TD_QUOTA"):
        assert words in text


def test_verbose_shows_the_retries_of_a_server_that_never_answers(capsys):
    import socket
    import threading

    from pyTD.api import api
    from pyTD.cache.memory import MemCache
    from pyTD.cli import log_to_stderr
    from pyTD.exceptions import TransportError

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(silent.accept()) for _ in range(3)],
                     daemon=True).start()
    base = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
    client = api(consumer_key="KEY", callback_url="http://127.0.0.1:8080", cache=MemCache(),
                 base_url=base, timeout=(1.0, 0.2), retry_count=2, pause=0.01, deadline=10)
    try:
        with log_to_stderr("DEBUG"), pytest.raises(TransportError, match="TD_BASE_URL"):
            client.transport.send("GET", base + "/marketdata/quotes")
    finally:
        client.close()
        silent.close()
        for connection, _ in held:
            connection.close()
    assert capsys.readouterr().err.count("Retrying") == 2

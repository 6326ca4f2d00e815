"""``pytd stream``: JSON lines through a pipe, a live table in a terminal (a real pty)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.support.sandboxes import start_sandbox

from .cli_support import CHILD_TIMEOUT, app_env, run_pytd, store_tokens


@pytest.fixture(scope="module")
def sandbox(request):
    frozen = time.time()
    return start_sandbox(request, auto_approve=True, clock=lambda: frozen)


@pytest.fixture
def env(sandbox, tmp_path):
    env = app_env(sandbox, tmp_path / "config")
    secrets = store_tokens(sandbox, env)
    env["SECRETS"] = ",".join(secrets)
    return env


def test_json_lines_when_the_output_is_not_a_terminal(env):
    done = run_pytd(["stream", "quotes", "AAPL", "MSFT", "--count", "2"], env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["status"] == "connected"
    quotes = [line for line in lines if line.get("service") == "quotes"]
    assert {q["key"] for q in quotes} == {"AAPL", "MSFT"}
    assert all(isinstance(q["bid"], float) and isinstance(q["volume"], int) for q in quotes)
    for secret in env["SECRETS"].split(","):
        assert secret not in done.stdout + done.stderr


def test_a_live_table_in_a_terminal(env):
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pyTD", "stream", "quotes", "AAPL", "MSFT", "--count", "2"],
        env=env, stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    output = b""
    deadline = time.monotonic() + CHILD_TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        assert process.wait(CHILD_TIMEOUT) == 0, output.decode(errors="replace")
    finally:
        os.close(main)
        if process.poll() is None:
            process.kill()
    text = output.decode(errors="replace")
    assert "\x1b[H\x1b[J" in text  # redrawn in place
    last = text.rsplit("\x1b[H\x1b[J", 1)[-1]
    assert "symbol" in last and "AAPL" in last and "MSFT" in last and "bid" in last

"""Running ``pytd`` against a sandbox in the test process: in process, or as a child process.

In process, :func:`run_main` calls :func:`pyTD.cli.main` with the environment a
child would get; :func:`run_alongside` does the same while another thread plays
the user (opens the printed URL, pastes the redirect, sends a signal). A few
tests still run ``python -m pyTD`` as a child (:func:`run_pytd`) end to end.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import pytest

from pyTD.cli import main
from pyTD.sandbox.client import sandbox_api
from tests.support import free_port

CLI_KEY = "PYTDCLITESTAPP0000000000000000C"
#: Seconds any child (or helper thread) may take; longer is a hang, and the test fails.
CHILD_TIMEOUT = 30
_DROPPED = re.compile(r"^(TD_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$)", re.IGNORECASE)
#: argparse's help width in a child whose output is a pipe (no terminal, no $COLUMNS).
_PIPE_COLUMNS = "80"


def child_env(sandbox: Any, config_dir: Path, callback: str) -> dict[str, str]:
    """The environment of a child ``pytd``: pointed at ``sandbox``, nothing inherited from TD_*."""
    env = {name: value for name, value in os.environ.items() if not _DROPPED.match(name)}
    env.update(TD_BASE_URL=sandbox.base_url, TD_AUTH_URL=sandbox.auth_url,
               TD_CONSUMER_KEY=CLI_KEY, TD_CALLBACK_URL=callback,
               TD_CONFIG_DIR=str(config_dir), PYTHONUNBUFFERED="1")
    return env


def app_env(sandbox: Any, config_dir: Path, *, tokens: bool = False) -> dict[str, str]:
    """A child's environment for the CLI test app, registered on ``sandbox`` with a fresh callback.

    On Schwab the callback is https and the app has the sandbox's secret. With
    ``tokens=True`` the app is authorized first (:func:`store_tokens`).
    """
    schwab = sandbox.provider.name == "schwab"
    callback = f"{'https' if schwab else 'http'}://127.0.0.1:{free_port()}/callback"
    sandbox.register_app(CLI_KEY, callback,
                         app_secret=sandbox.demo_app_secret if schwab else None)
    env = child_env(sandbox, config_dir, callback)
    if schwab:
        env.update(TD_PROVIDER="schwab", TD_APP_SECRET=sandbox.demo_app_secret)
    if tokens:
        store_tokens(sandbox, env)
    return env


def run_pytd(args: Sequence[str], env: dict[str, str],
             stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """``python -m pyTD ARGS`` to completion; stdin is closed unless text is given."""
    return subprocess.run([sys.executable, "-m", "pyTD", *args], env=env, text=True,
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=CHILD_TIMEOUT, check=False)


def store_tokens(sandbox: Any, env: dict[str, str]) -> list[str]:
    """Authorize the child's DiskCache directly; returns the token values (to look for leaks)."""
    client = sandbox_api(sandbox, consumer_key=CLI_KEY, callback_url=env["TD_CALLBACK_URL"],
                         config_dir=env["TD_CONFIG_DIR"],
                         cache=None)  # None: the DiskCache in config_dir, as pytd picks it
    tokens = client.auth.tokens()
    client.close()
    return [tokens.refresh_token.token, tokens.access_token.token]


# -- in process ---------------------------------------------------------------------------------

def use_env(patch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Give this process the TD_* and proxy variables of ``env`` (and only those)."""
    for name in [name for name in os.environ if _DROPPED.match(name)]:
        patch.delenv(name)
    for name, value in env.items():
        if _DROPPED.match(name):
            patch.setenv(name, value)
    patch.setenv("COLUMNS", env.get("COLUMNS", _PIPE_COLUMNS))


def call_main(args: Sequence[str]) -> int:
    """``main(args)``; argparse's ``SystemExit`` (usage, ``--help``) becomes its exit code."""
    try:
        return main(list(args))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)


def run_main(capsys: pytest.CaptureFixture, patch: pytest.MonkeyPatch, args: Sequence[str],
             env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    """``main(args)`` in this process, as a child with ``env`` would run; stdin holds ``stdin``."""
    capsys.readouterr()  # what fixtures printed is not pytd's output
    with patch.context() as scoped:
        use_env(scoped, env)
        scoped.setattr(sys, "stdin", io.StringIO(stdin))
        code = call_main(args)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["pytd", *args], code, out, err)


class Stream(io.TextIOBase):
    """A text stream that one thread writes while another reads it."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[str] = []
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._parts.append(text)
        return len(text)

    def getvalue(self) -> str:
        with self._lock:
            return "".join(self._parts)


class Console:
    """What the helper thread of :func:`run_alongside` sees: pytd's output, and its stdin."""

    def __init__(self, out: Stream, err: Stream, stdin: Optional[io.TextIOBase]) -> None:
        self.out, self.err, self.stdin = out, err, stdin

    def wait_for(self, pattern: str, *, stderr: bool = False,
                 timeout: float = CHILD_TIMEOUT) -> re.Match:
        """The first match of ``pattern`` in stdout (or stderr) once it has been printed."""
        stream = self.err if stderr else self.out
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, stream.getvalue())
            if found:
                return found
            time.sleep(0.01)
        raise AssertionError(f"{pattern!r} never printed; stdout: {self.out.getvalue()!r} "
                             f"stderr: {self.err.getvalue()!r}")

    def paste(self, line: str) -> None:
        """Type ``line`` into pytd's standard input, then close it."""
        assert self.stdin is not None, "run_alongside(..., stdin=True) gives pytd a stdin"
        self.stdin.write(line + "\n")
        self.stdin.close()


def run_alongside(patch: pytest.MonkeyPatch, args: Sequence[str], env: dict[str, str],
                  user: Callable[[Console], Any], *,
                  stdin: bool = False) -> subprocess.CompletedProcess:
    """``main(args)`` in this (the main) thread while ``user(console)`` runs in another.

    Signals reach ``main`` as in a child, since it runs on the main thread.
    ``stdin=True`` connects pytd's standard input to :meth:`Console.paste`; else
    it is closed. The helper's failure is raised once ``main`` has returned.
    """
    out, err = Stream(), Stream()
    reader: Any = io.StringIO("")
    writer = None
    if stdin:
        read_fd, write_fd = os.pipe()
        reader, writer = os.fdopen(read_fd, "r"), os.fdopen(write_fd, "w")
    console = Console(out, err, writer)
    failures: list[BaseException] = []

    def play() -> None:
        try:
            user(console)
        except BaseException as exc:
            failures.append(exc)
            if writer is not None and not writer.closed:
                writer.close()  # a pytd waiting for input gives up

    helper = threading.Thread(target=play, name="pytd-test-user", daemon=True)
    try:
        with patch.context() as scoped:
            use_env(scoped, env)
            scoped.setattr(sys, "stdin", reader)
            scoped.setattr(sys, "stdout", out)
            scoped.setattr(sys, "stderr", err)
            helper.start()
            code = call_main(args)
        helper.join(CHILD_TIMEOUT)
    finally:
        reader.close()
        if writer is not None and not writer.closed:
            writer.close()
    if failures:
        raise failures[0]
    assert not helper.is_alive(), "the helper thread is still running"
    return subprocess.CompletedProcess(["pytd", *args], code, out.getvalue(), err.getvalue())

"""Running ``python -m pyTD`` in a child process against a sandbox in the test process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from pyTD.sandbox.client import sandbox_api

CLI_KEY = "PYTDCLITESTAPP0000000000000000C"
#: Seconds any child may take; a child still running then is a hang, and the test fails.
CHILD_TIMEOUT = 30
_DROPPED = re.compile(r"^(TD_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$)", re.IGNORECASE)


def child_env(sandbox: Any, config_dir: Path, callback: str) -> dict[str, str]:
    """The environment of a child ``pytd``: pointed at ``sandbox``, nothing inherited from TD_*."""
    env = {name: value for name, value in os.environ.items() if not _DROPPED.match(name)}
    env.update(TD_BASE_URL=sandbox.base_url, TD_AUTH_URL=sandbox.auth_url,
               TD_CONSUMER_KEY=CLI_KEY, TD_CALLBACK_URL=callback,
               TD_CONFIG_DIR=str(config_dir), PYTHONUNBUFFERED="1")
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


class Child:
    """A ``pytd`` child process whose output is read as it comes."""

    def __init__(self, args: Sequence[str], env: dict[str, str], *, stdin: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyTD", *args], env=env, text=True,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, sink), daemon=True)
                         for stream, sink in ((self.proc.stdout, self.out),
                                              (self.proc.stderr, self.err))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)

    def wait_for(self, pattern: str, *, stderr: bool = False,
                 timeout: float = CHILD_TIMEOUT) -> re.Match:
        """The first match of ``pattern`` in stdout (or stderr) once it has been printed."""
        sink = self.err if stderr else self.out
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, "".join(sink))
            if found:
                return found
            if self.proc.poll() is not None and not any(r.is_alive() for r in self._readers):
                break
            time.sleep(0.02)
        self.proc.kill()
        raise AssertionError(f"{pattern!r} never printed; stdout: {''.join(self.out)!r} "
                             f"stderr: {''.join(self.err)!r}")

    def finish(self, timeout: float = CHILD_TIMEOUT) -> tuple[int, str, str]:
        """Wait for the exit; ``(returncode, stdout, stderr)``."""
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        for reader in self._readers:
            reader.join(5)
        return code, "".join(self.out), "".join(self.err)

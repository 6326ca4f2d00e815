"""A real ``redis-server`` for the tests: a free loopback port, a temporary directory.

    server = RedisServer(tmp_path, appendonly=True).start()
    url = server.url            # redis://127.0.0.1:<port>/0
    server.kill(); server.start()   # SIGKILL and restart on the same port and directory
    server.stop()

``tls=True`` serves TLS only (``rediss://``), with pyTD's self-signed certificate
for 127.0.0.1 (``server.ca``: clients trust it with ``ssl_ca_certs=server.ca``).

:func:`shared_redis_server` gives every test module of a run the same server
(no persistence), stopped at the end of the run. Without the ``redis-server``
binary or the ``redis`` package the tests are skipped, except when the ``CI``
environment variable is set: there they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Optional

import pytest

from tests.support import free_port

BINARY = "redis-server"
_SHARED = pytest.StashKey["RedisServer"]()


def require_redis() -> str:
    """The ``redis-server`` path; skip (fail under ``CI``) when it or the package is missing."""
    binary = shutil.which(BINARY)
    missing = []
    if binary is None:
        missing.append("the redis-server binary (apt-get install redis-server)")
    if importlib.util.find_spec("redis") is None:
        missing.append('the redis package (pip install -e ".[test]")')
    if missing:
        reason = "Redis tests need a real server: missing " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set: these tests must run here)")
        pytest.skip(reason)
    assert binary is not None
    return binary


class RedisServer:
    """One ``redis-server`` process on 127.0.0.1 with its data in ``directory``."""

    def __init__(self, directory: Path, *, appendonly: bool = False,
                 password: Optional[str] = None, tls: bool = False) -> None:
        self.binary = require_redis()
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.appendonly, self.password = appendonly, password
        self.ca = self.key = ""
        if tls:
            from pyTD.auth.tls import ensure_certificate

            self.ca, self.key = ensure_certificate(str(self.directory / "tls"))
        self.port = 0
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        """``redis[s]://[:password@]127.0.0.1:<port>/0``."""
        auth = f":{self.password}@" if self.password else ""
        return f"{'rediss' if self.ca else 'redis'}://{auth}127.0.0.1:{self.port}/0"

    def _argv(self) -> list[str]:
        ports = ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", self.ca,
                 "--tls-key-file", self.key, "--tls-ca-cert-file", self.ca,
                 "--tls-auth-clients", "no"] if self.ca else ["--port", str(self.port)]
        argv = [self.binary, *ports, "--bind", "127.0.0.1",
                "--dir", str(self.directory), "--save", "", "--daemonize", "no",
                "--logfile", str(self.directory / "redis.log"),
                "--appendonly", "yes" if self.appendonly else "no"]
        if self.appendonly:  # every acknowledged write is on disk: a SIGKILL loses nothing
            argv += ["--appendfsync", "always"]
        if self.password:
            argv += ["--requirepass", self.password]
        return argv

    def start(self, timeout: float = 30.0) -> RedisServer:
        """Start (again on the same port and directory) and wait until it answers PING."""
        for _ in range(5):
            self.port = self.port or free_port()
            self.process = subprocess.Popen(self._argv(), stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE)
            if self._ready(timeout):
                return self
            self.process.wait(10)
            self.port = 0  # taken by someone else meanwhile: another free port
        raise RuntimeError(f"redis-server did not start: {self.log()}")

    def _ready(self, timeout: float) -> bool:
        import redis

        tls = {"ssl": True, "ssl_ca_certs": self.ca} if self.ca else {}
        client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password,
                             socket_timeout=1, retry=None, **tls)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    return False
                try:
                    if client.ping():
                        return True
                except redis.exceptions.ConnectionError:  # not listening, or still loading
                    pass
                time.sleep(0.02)
            raise RuntimeError(f"redis-server did not answer PING in {timeout:g} s: {self.log()}")
        finally:
            client.close()

    def log(self) -> str:
        """The server's log file (for failure messages)."""
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the server (what a crash or power loss looks like to Redis)."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM) and wait for it."""
        self._end(signal.SIGTERM)

    def _end(self, signum: int) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signum)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        if process.stderr is not None:
            process.stderr.close()


def shared_redis_server(request: pytest.FixtureRequest,
                        tmp_path_factory: pytest.TempPathFactory) -> RedisServer:
    """The run's one server without persistence, started on first use, stopped at the end."""
    stash = request.config.stash
    server = stash.get(_SHARED, None)
    if server is None:
        server = RedisServer(tmp_path_factory.mktemp("redis")).start()
        stash[_SHARED] = server
        request.config.add_cleanup(server.stop)
    return server

"""``os.fork()`` after an ``api`` was used: every process gets its own answers and no one hangs.

A forked child inherits the parent's pooled keep-alive connection and its
locks. Without pyTD's fork hook (``pyTD/_fork.py``) parent and child write
requests on one socket and read each other's answers (quotes of the wrong
symbol, returned as a normal result), and a child forked while another thread
refreshes the token waits forever for a lock that nobody in it will release.

Both runs use real ``os.fork`` against the sandbox; each child reports through
a pipe and is killed (counted as a hang) when it misses a generous deadline.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import pytest

from pyTD.cache import DiskCache, MemCache, SQLCache
from pyTD.cache.conformance import FakeClock
from pyTD.exceptions import TDError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

SYMBOLS = ("AAPL", "MSFT", "SPY", "QQQ")
CHILDREN, REQUESTS = 3, 150
#: Connect and read timeouts of the clients: far above a local answer, far below the deadline.
TIMEOUT = (5.0, 5.0)
#: How long a child may take before it counts as hung and is killed.
DEADLINE = 60.0
#: How long the sandbox's token endpoint sleeps in the refresh run.
SLOW_REFRESH = 2.0


@dataclass
class ForkRun:
    """What the processes of one run saw."""

    processes: int = 0
    responses: int = 0            # answers checked against their request
    mismatches: int = 0           # answers for another request, returned as a result
    errors: list[str] = field(default_factory=list)
    hangs: int = 0                # children killed at the deadline
    seconds: float = 0.0


def _quotes(client: Any, symbol: str, count: int) -> dict[str, Any]:
    """``count`` quote requests for ``symbol``, each answer checked against it."""
    checked, mismatches, errors = 0, 0, []
    for _ in range(count):
        try:
            answer = client.get_quotes(symbol)
        except TDError as exc:
            errors.append(f"{symbol}: {type(exc).__name__}: {exc}"[:200])
            continue
        checked += 1
        if set(answer) != {symbol} or answer[symbol].get("symbol") != symbol:
            mismatches += 1
    return {"responses": checked, "mismatches": mismatches, "errors": errors}


def _fork(work: Callable[[], dict]) -> tuple[int, int]:
    """Fork a child that runs ``work`` and writes its JSON result; ``(pid, read_fd)``."""
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the test runner
        code = 0
        try:
            os.close(read_fd)
            os.write(write_fd, json.dumps(work()).encode())
        except BaseException as exc:
            os.write(write_fd, json.dumps({"crash": repr(exc)}).encode())
            code = 3
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect(pid: int, read_fd: int, deadline: float) -> Optional[dict]:
    """The child's result, or ``None`` when it was still running at ``deadline`` (killed)."""
    try:
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                chunks = []
                while chunk := os.read(read_fd, 65536):
                    chunks.append(chunk)
                return json.loads(b"".join(chunks) or b'{"crash": "no result"}')
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None
    finally:
        os.close(read_fd)


def _add(run: ForkRun, result: Optional[dict]) -> None:
    run.processes += 1
    if result is None:
        run.hangs += 1
    elif "crash" in result:
        run.errors.append(result["crash"])
    else:
        run.responses += result["responses"]
        run.mismatches += result["mismatches"]
        run.errors += result["errors"]


def run_fork_keepalive(children: int = CHILDREN, requests: int = REQUESTS) -> ForkRun:
    """The parent uses its api, forks ``children``, and all send quote requests at once.

    Each process asks for its own symbol over keep-alive connections, so an
    answer read off a shared socket shows up as a quote of another symbol.
    """
    run = ForkRun()
    with Sandbox() as sandbox:
        client = sandbox_api(sandbox, timeout=TIMEOUT, retry_count=0)
        client.get_quotes(SYMBOLS[0])            # a pooled keep-alive connection now exists
        go_read, go_write = os.pipe()

        def child(symbol: str) -> Callable[[], dict]:
            def work() -> dict:
                os.read(go_read, 1)              # start together with the others
                return _quotes(client, symbol, requests)
            return work

        started = time.monotonic()
        forked = [_fork(child(SYMBOLS[1 + i % (len(SYMBOLS) - 1)])) for i in range(children)]
        os.close(go_read)
        os.write(go_write, b"g" * children)
        os.close(go_write)
        _add(run, _quotes(client, SYMBOLS[0], requests))
        deadline = time.monotonic() + DEADLINE
        for pid, read_fd in forked:
            _add(run, _collect(pid, read_fd, deadline))
        run.seconds = time.monotonic() - started
        client.close()
    return run


def _cache(kind: str, directory: str) -> Any:
    if kind == "memory":
        return MemCache()
    if kind == "disk":
        return DiskCache(os.path.join(directory, "tokens.json"))
    return SQLCache(os.path.join(directory, "tokens.db"), key="fork")


def run_fork_during_refresh(kind: str, directory: str) -> ForkRun:
    """Fork while another thread is inside a (slow) token refresh; the child then calls the API.

    The refreshing thread holds the api's refresh lock and the cache's lock
    when the fork happens; the child's own call needs both.
    """
    run = ForkRun()
    clock = FakeClock(time.time())
    with Sandbox() as sandbox:
        client = sandbox_api(sandbox, timeout=TIMEOUT, retry_count=0, clock=clock,
                             cache=_cache(kind, directory))
        client.get_quotes("AAPL")
        sandbox.set_faults(sandbox.api_path("/oauth2/token"), slow=1.0,
                           slow_seconds=SLOW_REFRESH, seed=1)
        clock.advance(3600)                      # the access token has expired
        refreshing = threading.Thread(target=lambda: _add(run, _quotes(client, "AAPL", 1)))
        started = time.monotonic()
        refreshing.start()
        while not sandbox.stats()["calls"].get("POST " + sandbox.api_path("/oauth2/token")):
            time.sleep(0.01)                     # the thread is inside the refresh now
        pid, read_fd = _fork(lambda: _quotes(client, "MSFT", 3))
        _add(run, _collect(pid, read_fd, time.monotonic() + DEADLINE))
        refreshing.join(DEADLINE)
        run.seconds = time.monotonic() - started
        client.close()
    return run


@pytest.mark.slow
def test_forked_processes_each_get_their_own_answers(figure):
    run = run_fork_keepalive()
    assert run.processes == CHILDREN + 1
    assert run.hangs == 0, run
    assert run.errors == [], run.errors
    assert run.mismatches == 0, run
    assert run.responses == (CHILDREN + 1) * REQUESTS
    figure("fork keep-alive", f"{run.processes} processes, {run.responses} responses checked, "
                              f"{run.mismatches} mismatches, {run.hangs} hangs, "
                              f"{run.seconds:.1f} s")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["memory", "disk", "sql"])
def test_a_child_forked_during_a_refresh_does_not_hang(kind, tmp_path, figure):
    run = run_fork_during_refresh(kind, str(tmp_path))
    assert run.hangs == 0, "the child waited for a lock held by a thread of the parent"
    assert run.errors == [], run.errors
    assert (run.responses, run.mismatches) == (4, 0), run
    figure(f"fork during refresh ({kind})",
           f"child completed, {run.hangs} hangs, {run.seconds:.1f} s")


def _hold_while_forking(hold: Callable[[threading.Event], None],
                        work: Callable[[], dict]) -> Optional[dict]:
    """Fork while another thread runs ``hold(release)`` (holding a lock until ``release``)."""
    release, holding = threading.Event(), threading.Event()

    def holder() -> None:
        holding.set()
        hold(release)

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait(5)
    time.sleep(0.05)                             # inside the lock now
    pid, read_fd = _fork(work)
    release.set()   # the parent thread lets go; the child inherited a held copy
    thread.join(10)
    return _collect(pid, read_fd, time.monotonic() + 20)


@pytest.mark.parametrize("kind", ["memory", "disk", "sql"])
def test_a_cache_used_without_an_api_is_usable_in_a_child(kind, tmp_path):
    cache = _cache(kind, str(tmp_path))
    cache.lock_timeout = cache.timeout = 10.0

    def hold(release: threading.Event) -> None:
        with cache.transaction():
            release.wait(10)

    def work() -> dict:
        with cache.transaction() as tokens:
            return {"read": bool(tokens.refresh_token)}

    assert _hold_while_forking(hold, work) == {"read": False}


def test_configure_works_in_a_child_forked_while_another_thread_configures():
    module = sys.modules["pyTD.api"]  # the package's ``pyTD.api`` attribute is the class

    def hold(release: threading.Event) -> None:
        with module._default_lock:
            release.wait(10)

    def work() -> dict:
        built = module.configure(consumer_key="CHILD", store_tokens=False)
        return {"key": built.consumer_key}

    assert _hold_while_forking(hold, work) == {"key": "CHILD"}

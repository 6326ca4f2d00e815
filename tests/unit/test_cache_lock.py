"""The cache lock file: bounded waits naming the holder, every OS error a CacheError."""

from __future__ import annotations

import errno
import os
import threading

import pytest

import pyTD.cache._lock as lock_module
from pyTD.auth.tokens import AccessToken
from pyTD.cache import DiskCache, SQLCache
from pyTD.cache._lock import FileLock
from pyTD.exceptions import CacheError
from pyTD.transport import Transport
from tests.reliability._cache_workers import lock_held_elsewhere

NOW = 1_700_000_000.0


def access(value: str = "a-1") -> AccessToken:
    return AccessToken(token=value, access_time=NOW, expires_in=1800)


def test_default_lock_timeout_outlasts_the_worst_case_token_request():
    from pyTD.cache._lock import LOCK_TIMEOUT

    connect, read = Transport("http://127.0.0.1:9").timeout
    assert LOCK_TIMEOUT >= connect + read + 20
    assert DiskCache.__init__.__kwdefaults__["lock_timeout"] == LOCK_TIMEOUT
    assert SQLCache.__init__.__kwdefaults__["timeout"] == LOCK_TIMEOUT


@pytest.mark.parametrize("kind", ["disk", "sql"])
def test_lock_held_by_another_process_times_out_naming_it(tmp_path, kind):
    path = str(tmp_path / ("tokens.json" if kind == "disk" else "tokens.db"))
    cache = DiskCache(path, lock_timeout=0.5) if kind == "disk" \
        else SQLCache(path, key="K", timeout=0.5)
    cache.update(access_token=access("before"))
    with lock_held_elsewhere(kind, path) as holder:
        with pytest.raises(CacheError) as info:
            cache.update(access_token=access("blocked"))
        assert cache.access_token.token == "before"   # reading needs no lock
    message = str(info.value)
    assert "Timed out after 0.5 s" in message and ".lock" in message
    assert f"pid {holder.pid}" in message
    assert "stop it" in message and "lock_timeout" in message
    cache.update(access_token=access("after"))        # released: works again
    assert cache.access_token.token == "after"


def test_timeout_is_measured_on_the_injected_clock(tmp_path):
    path = str(tmp_path / "x.lock")
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    waiter = FileLock(path, clock=lambda: now[0], sleep=sleep)
    with lock_held_elsewhere("disk", str(tmp_path / "x")):
        with pytest.raises(CacheError, match="Timed out after 3 s"):
            waiter.acquire(timeout=3)
    assert sum(sleeps) == pytest.approx(3)
    assert max(sleeps) <= 0.1      # polls back off, but never sleep past the deadline


def test_lock_held_by_another_thread_times_out(tmp_path):
    cache = DiskCache(tmp_path / "tokens.json", lock_timeout=0.3)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with cache.lock():
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(30)
        with pytest.raises(CacheError, match=f"another thread of this process .pid {os.getpid()}"):
            cache.update(access_token=access())
    finally:
        release.set()
        thread.join(30)


def test_released_lock_forgets_its_holder(tmp_path):
    cache = DiskCache(tmp_path / "tokens.json")
    with cache.lock():
        assert lock_module.holder(cache.path + ".lock").startswith(f"pid {os.getpid()} on host")
    assert lock_module.holder(cache.path + ".lock") == ""


# -- errors creating the lock file --------------------------------------------------------------
# ENOSPC/EDQUOT (no free inodes) cannot be produced on demand on this machine, and a
# read-only mount is not available to unprivileged runs: the OSError is injected at the one
# OS call that creates the lock file (the real read-only mount is in tests/reliability).
@pytest.mark.parametrize("code,advice", [
    (errno.EROFS, "read-only: tokens can be read but not stored. Set TD_STORE_TOKENS=false"),
    (errno.ENOSPC, "full: free disk space"),
    (errno.EDQUOT, "full: free disk space"),
    (errno.EACCES, "Fix the permissions"),
    (errno.EIO, "Check the path"),
])
def test_every_lock_file_error_is_a_cache_error(tmp_path, monkeypatch, code, advice):
    cache = DiskCache(tmp_path / "tokens.json")
    cache.update(access_token=access("stored"))

    def refuse(path: str) -> int:
        raise OSError(code, os.strerror(code), path)

    monkeypatch.setattr(lock_module, "_open", refuse)
    with pytest.raises(CacheError) as info:
        cache.update(access_token=access("new"))
    assert advice in str(info.value)
    assert cache.path + ".lock" in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
    assert cache.access_token.token == "stored"


def test_symlink_at_the_lock_path_is_refused_and_its_target_not_created(tmp_path):
    cache = DiskCache(tmp_path / "tokens.json")
    victim = tmp_path / "elsewhere"
    os.symlink(victim, cache.path + ".lock")
    with pytest.raises(CacheError, match="symbolic link, which pyTD never follows: remove it"):
        cache.update(access_token=access())
    assert not victim.exists()


def test_fifo_at_the_lock_path_is_refused(tmp_path):
    cache = DiskCache(tmp_path / "tokens.json")
    os.mkfifo(cache.path + ".lock")
    with pytest.raises(CacheError, match=r"lock file .* is a FIFO. Remove it"):
        cache.update(access_token=access())

"""Token caches under lock contention and on a read-only file system.

- A DiskCache and an SQLCache whose lock another process holds: the wait ends
  after the configured timeout with a CacheError naming the holder's pid.
- Two keys in one SQLCache file: while another process holds key A's lock (as
  during a hung token request), key B's refresh goes through at once.
- A real read-only mount (tmpfs remounted ro in a private mount namespace):
  valid tokens keep serving requests, a due refresh is a CacheError saying the
  cache is read-only and what to do. Skipped where mounting is not permitted;
  tests/unit/test_cache_lock.py injects EROFS at the lock file's one OS call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from pyTD.auth.tokens import AccessToken
from pyTD.cache import DiskCache, SQLCache
from pyTD.exceptions import CacheError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from tests.reliability._cache_workers import lock_held_elsewhere

WORKER = str(Path(__file__).with_name("_read_only_worker.py"))
#: The lock wait configured in the timeout figures (short, with a holder that never lets go).
TIMEOUT = 0.5
READS = 50


@dataclass
class LockTimeout:
    kind: str
    configured: float
    waited: float
    message: str
    holder_pid: int

    @property
    def names_holder(self) -> bool:
        return f"pid {self.holder_pid}" in self.message


def measure_lock_timeout(kind: str, directory: str, timeout: float = TIMEOUT) -> LockTimeout:
    """Wait for a lock another process holds forever; how long, and what the error says."""
    path = os.path.join(directory, "tokens.json" if kind == "disk" else "tokens.db")
    cache = DiskCache(path, lock_timeout=timeout) if kind == "disk" \
        else SQLCache(path, key="K", timeout=timeout)
    with lock_held_elsewhere(kind, path) as holder:
        started = time.monotonic()
        with pytest.raises(CacheError) as info:
            cache.update(access_token=AccessToken(token="t", expires_in=1800))
        waited = time.monotonic() - started
    return LockTimeout(kind, timeout, waited, str(info.value), holder.pid)


def _expire_access(cache) -> None:
    cache.update(access_token=AccessToken(token="expired", access_time=time.time() - 3600,
                                          expires_in=1800))


@dataclass
class OtherKey:
    seconds: float                 # key B's request, refresh included
    refresh_grants: int            # refresh grants the sandbox issued meanwhile
    error: Optional[str]


def measure_other_key_refresh(directory: str) -> OtherKey:
    """Key B refreshes while another process holds key A's lock in the same database."""
    path = os.path.join(directory, "shared.db")
    with Sandbox() as sandbox:
        authorized = sandbox_api(sandbox, cache=SQLCache(path, key="B"))
        _expire_access(authorized.auth.cache)
        authorized.close()
        client = sandbox_api(sandbox, authorized=False, cache=SQLCache(path, key="B", timeout=10))
        before = sandbox.stats()["grants"]
        error = None
        with lock_held_elsewhere("sql", path, key="A"):
            started = time.monotonic()
            try:
                client.get_quotes("AAPL")
            except CacheError as exc:
                error = str(exc)
            seconds = time.monotonic() - started
        after = sandbox.stats()["grants"]
        client.close()
    grants = sum(after.get(k, 0) - before.get(k, 0)
                 for k in ("refresh_token", "refresh_token_offline"))
    return OtherKey(seconds, grants, error)


def mount_namespace_available() -> bool:
    if sys.platform != "linux" or not shutil.which("unshare") or not shutil.which("mount"):
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs tmpfs /mnt && mount -o remount,ro /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


@dataclass
class ReadOnly:
    reads: int
    ok: int
    files: list
    error: Optional[str]
    message: str


def measure_read_only_cache(directory: str, reads: int = READS) -> ReadOnly:
    """Valid and expired token caches on a real read-only mount, used by a real api."""
    staging, mount = os.path.join(directory, "staging"), os.path.join(directory, "mnt")
    os.mkdir(staging, 0o700)
    os.mkdir(mount, 0o700)
    with Sandbox() as sandbox:
        sandbox_api(sandbox, cache=DiskCache(os.path.join(staging, "valid.json"))).close()
        expired = sandbox_api(sandbox, cache=DiskCache(os.path.join(staging, "expired.json")))
        _expire_access(expired.auth.cache)
        expired.close()
        proc = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                               WORKER, staging, mount, sandbox.base_url, sandbox.auth_url,
                               str(reads)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    return ReadOnly(out["reads"], out["ok"], out["files"], out.get("error"),
                    out.get("message", ""))


@pytest.mark.parametrize("kind", ["disk", "sql"])
def test_a_held_lock_times_out_naming_its_holder(kind, tmp_path, figure):
    run = measure_lock_timeout(kind, str(tmp_path))
    figure(f"lock timeout {kind}", f"configured {run.configured:g} s, raised after "
                                   f"{run.waited:.2f} s, holder named: {run.names_holder}")
    assert run.names_holder, run.message
    assert "Timed out after" in run.message and "stop it" in run.message
    assert run.waited >= run.configured
    assert run.waited < run.configured + 20   # bounded; the margin absorbs a busy machine


def test_one_keys_held_lock_does_not_block_another_keys_refresh(tmp_path, figure):
    run = measure_other_key_refresh(str(tmp_path))
    figure("sql other key", f"refresh of key B while key A is locked: {run.seconds:.2f} s, "
                            f"{run.refresh_grants} refresh grant(s), error: {run.error}")
    assert run.error is None
    assert run.refresh_grants == 1
    assert run.seconds < 10   # key B's own lock timeout: a blocked refresh would hit it


@pytest.mark.skipif(not mount_namespace_available(),
                    reason="no permission to mount a tmpfs in a private mount namespace")
def test_read_only_cache_serves_valid_tokens_and_refuses_refresh_clearly(tmp_path, figure):
    run = measure_read_only_cache(str(tmp_path))
    figure("read-only cache", f"{run.ok}/{run.reads} reads ok, refresh: {run.error}")
    assert run.ok == run.reads
    assert run.files == ["expired.json", "valid.json"]   # no lock or temp file was attempted
    assert run.error == "CacheError"
    assert "read-only" in run.message and "TD_STORE_TOKENS=false" in run.message

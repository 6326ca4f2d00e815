"""Worker processes for the cache crash and concurrency tests (run as a script).

    python _cache_workers.py write <disk|sql> <path> <start>
        prints "ready", then stores start+1, start+2, ... in the access token,
        printing each counter (flushed) after its update() returned; runs until killed.
    python _cache_workers.py increment <disk|sql> <path> <rounds>
        prints "ready", waits for a line on stdin, then does <rounds> read-modify-write
        increments through cache.transaction(); prints "done".
    python _cache_workers.py hold <disk|sql> <path> <key>
        takes the cache's lock (of <key> for sql), prints "ready" and holds it until a
        line arrives on stdin (or stdin closes).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator

if __package__ in (None, ""):  # run as a script: make ``tests`` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))

from pyTD._files import STALE_TEMP_AGE, remove_stale_temp_files
from pyTD.auth.tokens import AccessToken
from pyTD.cache import DiskCache, SQLCache, TokenCache
from pyTD.cache._lock import file_lock
from tests.support.together import wait_for_go

T0 = 1_700_000_000.0


def open_cache(kind: str, path: str, key: str = "K", **options: Any) -> TokenCache:
    """The cache under test: a DiskCache file or the ``key`` row of an SQLCache database."""
    return DiskCache(path, **options) if kind == "disk" else SQLCache(path, key=key, **options)


def counter(cache: TokenCache) -> int:
    """The counter stored in the access token (0 when there is none)."""
    token = cache.access_token
    return int(token.token) if token else 0


def token(n: int) -> AccessToken:
    # Variable-size padding makes consecutive files differ in length, as real tokens do.
    return AccessToken(token=f"{n}" + " " * (n % 7) * 40, access_time=T0 + n, expires_in=1800)


def write(kind: str, path: str, start: int) -> None:
    cache = open_cache(kind, path)
    print("ready", flush=True)
    n = start
    while True:
        n += 1
        cache.update(access_token=token(n))
        print(n, flush=True)


def increment(kind: str, path: str, rounds: int) -> None:
    cache = open_cache(kind, path)
    wait_for_go()
    for _ in range(rounds):
        with cache.transaction() as tokens:
            n = int(tokens.access_token.token) if tokens.access_token else 0
            tokens.access_token = token(n + 1)
    print("done", flush=True)


def sweep_later(path: str) -> None:
    """Remove ``path``'s temp files as its DiskCache would once they are 10 minutes old
    (leftovers of killed writers count as stale only by age), holding its lock."""
    cache = DiskCache(path)
    with cache.lock():
        remove_stale_temp_files(cache.path, now=time.time() + STALE_TEMP_AGE + 1)


def hold(kind: str, path: str, key: str) -> None:
    # DiskCache's own lock() would also sweep stale temp files: hold just its lock file.
    lock = file_lock(path + ".lock") if kind == "disk" else open_cache(kind, path, key).lock()
    with lock:
        wait_for_go()


@contextmanager
def lock_held_elsewhere(kind: str, path: str, key: str = "K") -> Iterator[subprocess.Popen]:
    """Another process holding the cache's lock (of ``key``) until the block ends."""
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "hold", kind, path, key],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline() == "ready\n", proc.communicate(timeout=30)[1]
        yield proc
        proc.stdin.write("go\n")
        proc.stdin.flush()
    finally:
        try:
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


if __name__ == "__main__":
    command, kind, path, arg = sys.argv[1:5]
    if command == "hold":
        hold(kind, path, arg)
    else:
        {"write": write, "increment": increment}[command](kind, path, int(arg))

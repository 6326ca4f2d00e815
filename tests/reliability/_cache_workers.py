"""Worker processes for the cache crash and concurrency tests (run as a script).

    python _cache_workers.py write <disk|sql> <path> <start>
        prints "ready", then stores start+1, start+2, ... in the access token,
        printing each counter (flushed) after its update() returned; runs until killed.
    python _cache_workers.py increment <disk|sql> <path> <rounds>
        prints "ready", waits for a line on stdin, then does <rounds> read-modify-write
        increments through cache.transaction(); prints "done".
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # run as a script: make ``tests`` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))

from pyTD.auth.tokens import AccessToken
from pyTD.cache import DiskCache, SQLCache, TokenCache
from tests.support.together import wait_for_go

T0 = 1_700_000_000.0


def open_cache(kind: str, path: str) -> TokenCache:
    """The cache under test: a DiskCache file or the "K" row of an SQLCache database."""
    return DiskCache(path) if kind == "disk" else SQLCache(path, key="K")


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


if __name__ == "__main__":
    command, kind, path, number = sys.argv[1:5]
    {"write": write, "increment": increment}[command](kind, path, int(number))

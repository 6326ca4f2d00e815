"""Cost of reading an unchanged access token (``cache.access_token``) from each cache.

The baseline, measured in the same run, is what a client without a parse cache
does on every request: open the file, ``json.load`` it, build both tokens.
Rounds are interleaved and the best round of each is kept, so noise cancels.

    python bench/bench_cache.py [--reads 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from typing import Callable

from pyTD.auth.tokens import AccessToken, RefreshToken
from pyTD.cache import DiskCache, MemCache, SQLCache, TokenCache
from pyTD.cache.disk import RACY_WINDOW_NS

NOW = time.time()


def naive_reader(path: str) -> Callable[[], AccessToken]:
    def read() -> AccessToken:
        with open(path) as f:
            data = json.load(f)
        RefreshToken(data["refresh_token"])
        return AccessToken(data["access_token"])
    return read


def per_call_us(read: Callable[[], object], reads: int) -> float:
    started = time.perf_counter()
    for _ in range(reads):
        read()
    return (time.perf_counter() - started) / reads * 1e6


def fill(cache: TokenCache) -> TokenCache:
    cache.update(refresh_token=RefreshToken(token="r" * 90, access_time=NOW, expires_in=7776000),
                 access_token=AccessToken(token="a" * 1200, access_time=NOW, expires_in=1800))
    return cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        disk = fill(DiskCache(os.path.join(tmp, "tokens.json")))
        sql = fill(SQLCache(os.path.join(tmp, "tokens.db"), key="KEY"))
        mem = fill(MemCache())
        recent = per_call_us(lambda: disk.access_token, 200)  # inside the racy window
        time.sleep(RACY_WINDOW_NS / 1e9 + 0.1)  # tokens are read long after they are written
        readers = {
            "naive (open + json.load + tokens)": naive_reader(disk.path),
            "MemCache": lambda: mem.access_token,
            "DiskCache": lambda: disk.access_token,
            "SQLCache": lambda: sql.access_token,
        }
        for read in readers.values():
            assert read().token == "a" * 1200
        best = dict.fromkeys(readers, float("inf"))
        for _ in range(args.rounds):
            for name, read in readers.items():
                best[name] = min(best[name], per_call_us(read, args.reads))
        sql.close()

    baseline = best["naive (open + json.load + tokens)"]
    print(f"{'reader':36} {'us/read':>9} {'x faster than naive':>20}")
    for name, us in best.items():
        print(f"{name:36} {us:9.2f} {baseline / us:20.1f}")
    print(f"\nDiskCache within {RACY_WINDOW_NS / 1e9:.0f} s of a write (re-parsed on purpose): "
          f"{recent:.2f} us/read")
    ratio = baseline / best["DiskCache"]
    print(f"DiskCache vs naive: {ratio:.1f}x (target >= 5x): {'OK' if ratio >= 5 else 'MISSED'}")


if __name__ == "__main__":
    main()

"""A writer killed with SIGKILL at random moments never leaves a cache that is torn or behind.

A subprocess stores an increasing counter in the access token, printing each
counter once its ``update()`` has returned. The parent kills it after a
random (seeded) number of reports plus a random delay of up to 2 ms (a few
writes' time), checks the cache, and restarts the writer from the stored
value, until 200 writes have completed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability._cache_workers import counter, open_cache, sweep_later

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")

WORKER = str(Path(__file__).with_name("_cache_workers.py"))
TARGET = 200
SEEDS = {"disk": 1201, "sql": 3407}


def kill_writer_once(kind: str, path: str, start: int, wait_for: int, delay: float) -> list[int]:
    """Run the writer from ``start``; SIGKILL it ``delay`` s after its ``wait_for``-th report.

    Returns every counter it reported.
    """
    with subprocess.Popen([sys.executable, WORKER, "write", kind, path, str(start)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            ready = proc.stdout.readline()
            assert ready == "ready\n", proc.stderr.read()
            seen = "".join(proc.stdout.readline() for _ in range(wait_for))
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            # Read through proc.stdout: readline() may have buffered reports already, and
            # communicate() would read the pipe underneath that buffer and miss them.
            out, err = seen + proc.stdout.read(), proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, err
    return [int(line) for line in out.split()]


def read_back(kind: str, path: str) -> int:
    cache = open_cache(kind, path)
    try:
        return counter(cache)
    finally:
        if hasattr(cache, "close"):
            cache.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["disk", "sql"])
def test_sigkilled_writer_leaves_last_completed_write(kind, tmp_path):
    rng = random.Random(SEEDS[kind])
    path = str(tmp_path / ("tokens.json" if kind == "disk" else "tokens.db"))
    stored, kills, ahead = 0, 0, 0
    while stored < TARGET:
        reports = kill_writer_once(kind, path, stored, rng.randrange(8),
                                   rng.uniform(0.0, 0.002))
        kills += 1
        assert reports == list(range(stored + 1, stored + 1 + len(reports)))
        last = reports[-1] if reports else stored
        value = read_back(kind, path)  # must load without error after every kill
        # The writer reports a counter only after update() returned. A kill that lands
        # after the new content became the file (DiskCache: os.replace, before the
        # directory fsync; SQLCache: the commit frame written to the WAL, before its
        # fsync) but before the report reaches the pipe leaves the cache one write
        # ahead of the last report; that write is complete, not torn.
        assert value in (last, last + 1), f"after kill {kills}: stored {value}, reported {last}"
        ahead += value == last + 1
        stored = value
    assert kills >= 15, "too few kills to exercise crashes"
    if kind == "disk":
        # Writers killed mid-write left temp files, removed once they are old enough.
        sweep_later(path)
        assert sorted(os.listdir(tmp_path)) == ["tokens.json", "tokens.json.lock"]
    print(f"{kind}: {stored} writes, {kills} kills, {ahead} kills between write and report")

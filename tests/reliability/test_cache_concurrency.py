"""Four processes incrementing one counter through ``cache.transaction()`` lose nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability._cache_workers import counter, open_cache

WORKER = str(Path(__file__).with_name("_cache_workers.py"))
PROCESSES, ROUNDS = 4, 200


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["disk", "sql"])
def test_processes_share_one_cache_without_lost_updates(kind, tmp_path):
    path = str(tmp_path / ("tokens.json" if kind == "disk" else "tokens.db"))
    open_cache(kind, path)  # create the storage before the race starts
    procs = [subprocess.Popen([sys.executable, WORKER, "increment", kind, path, str(ROUNDS)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for _ in range(PROCESSES)]
    try:
        for proc in procs:
            assert proc.stdout.readline() == "ready\n", proc.stderr.read()
        for proc in procs:  # start all of them at once
            proc.stdin.write("go\n")
            proc.stdin.close()
        for proc in procs:
            out, err = proc.stdout.read(), proc.stderr.read()
            assert proc.wait(120) == 0 and out == "done\n", err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            proc.stdout.close()
            proc.stderr.close()
    assert counter(open_cache(kind, path)) == PROCESSES * ROUNDS

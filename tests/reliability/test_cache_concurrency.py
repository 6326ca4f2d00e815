"""Four processes incrementing one counter through ``cache.transaction()`` lose nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.reliability._cache_workers import counter, open_cache
from tests.support.together import processes_started_together

WORKER = str(Path(__file__).with_name("_cache_workers.py"))
PROCESSES, ROUNDS = 4, 200


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["disk", "sql"])
def test_processes_share_one_cache_without_lost_updates(kind, tmp_path):
    path = str(tmp_path / ("tokens.json" if kind == "disk" else "tokens.db"))
    open_cache(kind, path)  # create the storage before the race starts
    argv = [sys.executable, WORKER, "increment", kind, path, str(ROUNDS)]
    with processes_started_together([argv] * PROCESSES) as procs:
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0 and out == "done\n", err
    assert counter(open_cache(kind, path)) == PROCESSES * ROUNDS

"""8 processes x 300 requests on one shared cache, with access tokens that live 2 seconds.

Every process sends quote requests through its own ``api`` on the same
DiskCache file (and, in a second run, the same SQLCache row). Access tokens are
used until a quarter of their life remains (``pyTD/auth/tokens.py``), so a new
one is needed every 1.5 s: an "expiry window". One refresh per window is the
ideal; the cross-process lock must keep the sandbox's count of refresh grants
within twice the number of windows, with no request failing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from tests.reliability._cache_workers import open_cache
from tests.support.together import processes_started_together

WORKER = str(Path(__file__).with_name("_workers.py"))
PROCESSES, REQUESTS = 8, 300
LIFETIME = 2
#: A token is used until a quarter of its life remains.
WINDOW = LIFETIME * 0.75
PAUSE = 0.01


@dataclass
class SharedRun:
    kind: str
    processes: int
    requests: int = 0
    failures: int = 0
    errors: list[str] = field(default_factory=list)
    refresh_grants: int = 0
    unauthorized: int = 0        # 401 answers (each is followed by a refresh and a resend)
    seconds: float = 0.0         # from the first token to the last answer

    @property
    def windows(self) -> float:
        """Expiry windows in the run, counting the one it started in."""
        return self.seconds / WINDOW + 1


def run_shared_cache(kind: str, directory: str, *, processes: int = PROCESSES,
                     requests: int = REQUESTS, pause: float = PAUSE) -> SharedRun:
    """``processes`` clients of one cache, started together; counts from both ends."""
    path = os.path.join(directory, "shared.json" if kind == "disk" else "shared.db")
    run = SharedRun(kind, processes)
    with Sandbox(access_token_lifetime=LIFETIME) as sandbox:
        issued = time.monotonic()      # the first access token's life starts here
        sandbox_api(sandbox, cache=open_cache(kind, path)).close()   # authorized once
        argv = [sys.executable, WORKER, "requests", kind, path, sandbox.base_url,
                sandbox.auth_url, str(requests), str(pause)]
        with processes_started_together([argv] * processes) as procs:
            results = [proc.communicate(timeout=100) for proc in procs]
            run.seconds = time.monotonic() - issued
        stats = sandbox.stats()
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        summary = json.loads(out)
        run.requests += summary["ok"] + summary["failed"]
        run.failures += summary["failed"]
        run.errors += summary["errors"]
    grants = stats["grants"]
    run.refresh_grants = grants["refresh_token"] + grants["refresh_token_offline"]
    run.unauthorized = stats["status"].get(401, 0)
    return run


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["disk", "sql"])
def test_eight_processes_share_one_cache_and_refresh_about_once_per_window(kind, tmp_path,
                                                                           figure):
    run = run_shared_cache(kind, str(tmp_path))
    assert run.requests == PROCESSES * REQUESTS
    assert run.failures == 0, run.errors
    assert run.seconds > 2 * WINDOW, "too short to see tokens expire"
    assert 2 <= run.refresh_grants <= 2 * run.windows, run
    # The lock does better than that: the loser of a race uses the winner's token, so
    # each expiry costs one refresh (8 unlocked processes would do up to 8).
    assert run.refresh_grants <= run.windows, run
    figure(f"processes {kind}",
           f"{run.requests} requests, {run.failures} failed, {run.refresh_grants} refresh "
           f"grants in {run.windows:.1f} windows, {run.unauthorized} 401s, {run.seconds:.1f} s")

"""500 SIGKILLs of cache writers at random moments: never a torn cache, never one behind.

The scale-up of ``test_cache_crash.py``: writers are forked from a server process
that has imported pyTD already (``_workers.py crash-server``), so each of the 500
kills (250 on a DiskCache, 250 on an SQLCache) costs milliseconds. Each writer
stores an increasing counter and reports it once ``update()`` returned; it is
killed after a random (seeded) delay, every other writer only once it has
reported a write (so the run makes progress however loaded the machine).
Delays are spread over the writer's first few saves, whose duration is measured
on this machine first (fsync times differ a hundredfold between disks). After
every kill the cache must load, and hold the last reported write or the one that
was in flight.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from tests.reliability._cache_workers import sweep_later
from tests.reliability.test_cache_crash import read_back

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs fork and SIGKILL")

WORKER = str(Path(__file__).with_name("_workers.py"))
KILLS = 500
SEEDS = {"disk": 5001, "sql": 5002}
#: Delays are drawn from [0, time to the first save + this many further saves].
DELAY_SAVES = 4


@dataclass
class Writer:
    """What one killed writer reported: counters and their times (s after it was ready)."""

    counters: list[int]
    times: list[float]


@dataclass
class CrashRun:
    kind: str
    kills: int = 0
    writes: int = 0              # completed writes, as read back at the end
    after_a_write: int = 0       # kills made only once the writer had reported a write
    unreadable: int = 0          # loads that raised after a kill
    mismatches: int = 0          # loads neither the last reported write nor the next one
    ahead: int = 0               # kills between a completed write and its report
    before_first: int = 0        # kills before the writer's first save completed
    max_delay: float = 0.0
    seconds: float = 0.0
    first_problem: Optional[str] = None


class CrashServer:
    """The fork server: ``kill_one()`` forks a writer, SIGKILLs it, returns its reports."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, WORKER, "crash-server"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)

    def kill_one(self, kind: str, path: str, start: int, delay: float, report: str, *,
                 after_a_write: bool = False) -> Writer:
        """Fork a writer and SIGKILL it ``delay`` s after it was ready (``after_a_write``:
        after it reported its first completed write, however long that took)."""
        if os.path.exists(report):
            os.unlink(report)
        self.proc.stdin.write(f"{kind} {path} {start} {report}\n")
        self.proc.stdin.flush()
        ready = self.proc.stdout.readline().split()
        assert ready[:1] == ["ready"], (ready, self._stderr())
        pid, ready_ns = int(ready[1]), int(ready[2])
        if after_a_write:
            _wait_for_a_line(report)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)                 # our own forked writer, by its id
        dead = self.proc.stdout.readline().split()
        assert dead == ["dead", str(pid), str(-signal.SIGKILL)], (dead, self._stderr())
        lines = []
        if os.path.exists(report):
            with open(report, encoding="ascii") as f:
                lines = [line.split() for line in f.read().splitlines()]
        return Writer([int(n) for n, _ in lines], [(int(t) - ready_ns) / 1e9 for _, t in lines])

    def _stderr(self) -> str:
        self.close()
        return self.proc.stderr.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _wait_for_a_line(report: str, patience: float = 60.0) -> None:
    """Wait until the writer has reported a completed write (a whole line) in ``report``."""
    give_up = time.monotonic() + patience
    while time.monotonic() < give_up:
        try:
            with open(report, "rb") as f:
                if b"\n" in f.read():
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.001)
    raise AssertionError(f"the writer reported no completed write within {patience:g} s")


def calibrate(server: CrashServer, kind: str, directory: str) -> float:
    """The longest useful kill delay: a writer's first save plus ``DELAY_SAVES`` more."""
    firsts, saves = [], []
    path = os.path.join(directory, "calibrate.json" if kind == "disk" else "calibrate.db")
    report = os.path.join(directory, "calibrate.txt")
    stored, delay = 0, 0.15
    while len(firsts) < 3:
        writer = server.kill_one(kind, path, stored, delay, report)
        stored = read_back(kind, path)
        if len(writer.times) < 2:         # a slow disk: give the writer longer
            assert delay < 5, f"a writer did not complete two saves in {delay} s"
            delay *= 2
            continue
        firsts.append(writer.times[0])
        saves += [b - a for a, b in zip(writer.times, writer.times[1:])]
    for name in os.listdir(directory):
        if name.startswith("calibrate"):
            os.unlink(os.path.join(directory, name))
    return sorted(firsts)[1] + DELAY_SAVES * sorted(saves)[len(saves) // 2]


def crash_cache(kind: str, directory: str, kills: int, *, seed: int) -> CrashRun:
    """Kill ``kills`` writers of one cache in ``directory``; count what went wrong."""
    rng = random.Random(seed)
    path = os.path.join(directory, "tokens.json" if kind == "disk" else "tokens.db")
    report = os.path.join(directory, "report.txt")
    run = CrashRun(kind)
    server = CrashServer()
    try:
        run.max_delay = calibrate(server, kind, directory)
        started = time.perf_counter()
        stored = 0
        for number in range(kills):
            # Every other writer is killed only after it reported a write: progress that
            # does not depend on how fast this machine is, whatever the load.
            waits = number % 2 == 1
            writer = server.kill_one(kind, path, stored, rng.uniform(0.0, run.max_delay),
                                     report, after_a_write=waits)
            run.kills += 1
            run.after_a_write += waits
            assert writer.counters == list(range(stored + 1, stored + 1 + len(writer.counters)))
            last = writer.counters[-1] if writer.counters else stored
            try:
                value = read_back(kind, path)
            except Exception as exc:
                run.unreadable += 1
                run.first_problem = run.first_problem or f"kill {run.kills}: {exc!r}"
                break                     # nothing sensible to continue from
            if value not in (last, last + 1):
                run.mismatches += 1
                run.first_problem = run.first_problem or \
                    f"kill {run.kills}: stored {value}, last reported {last}"
            run.ahead += value == last + 1
            run.before_first += not writer.counters
            stored = value
        run.writes = stored
        run.seconds = time.perf_counter() - started
    finally:
        server.close()
    return run


def check_storage_is_clean(kind: str, directory: str) -> None:
    """After the last kill: no stray temp files (DiskCache), an intact database (SQLCache)."""
    if kind == "disk":
        sweep_later(os.path.join(directory, "tokens.json"))   # dead writers' temps, once old
        assert sorted(os.listdir(directory)) == ["report.txt", "tokens.json",
                                                 "tokens.json.lock"]
    else:
        with sqlite3.connect(os.path.join(directory, "tokens.db")) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["disk", "sql"])
def test_500_sigkills_never_leave_a_torn_or_stale_cache(kind, tmp_path, figure):
    run = crash_cache(kind, str(tmp_path), KILLS // 2, seed=SEEDS[kind])
    assert run.unreadable == 0, run.first_problem
    assert run.mismatches == 0, run.first_problem
    assert run.kills == KILLS // 2
    # Half the writers reported a write before their kill, and a reported write is never
    # lost, so the counter advanced at least once per such kill, on any machine; kills
    # also landed after a save was complete but before the writer reported it.
    assert run.after_a_write == run.kills // 2
    assert run.writes >= run.after_a_write and run.ahead > 0, run
    check_storage_is_clean(kind, str(tmp_path))
    figure(f"crash {kind}",
           f"{run.kills} kills within {run.max_delay * 1000:.0f} ms, {run.writes} writes, "
           f"{run.ahead} between write and report, {run.before_first} before the first save "
           f"completed, {run.seconds:.1f} s")

"""Start several workers at the same instant, so a race really is one.

Processes: each worker calls :func:`wait_for_go` (prints ``ready``, waits for a
line on stdin); :func:`processes_started_together` starts them all, waits until
every one is ready, then releases them at once::

    with processes_started_together([argv] * 4) as procs:
        outputs = [proc.communicate(timeout=100) for proc in procs]

Threads: :func:`threads_started_together` runs ``target(i)`` on ``count``
threads behind one barrier and returns their results (re-raising the first error).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence


def wait_for_go() -> None:
    """Worker side: say ``ready`` and block until the test says go."""
    print("ready", flush=True)
    sys.stdin.readline()


@contextmanager
def processes_started_together(argvs: Sequence[Sequence[str]]) -> Iterator[list[subprocess.Popen]]:
    """Start one process per ``argv``, wait until all are ready, release them together.

    Leftover processes are killed and their pipes closed on the way out.
    """
    procs = [subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for argv in argvs]
    try:
        for proc in procs:
            assert proc.stdout.readline() == "ready\n", proc.stderr.read()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe and not pipe.closed:
                    try:
                        pipe.close()
                    except OSError:  # a closed reader: nothing to flush into
                        pass


def threads_started_together(count: int, target: Callable[[int], Any],
                             timeout: float = 60.0) -> list[Any]:
    """``[target(0), ..., target(count - 1)]``, each on its own thread, all started at once."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait(timeout)
        try:
            results[i] = target(i)
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hangs"
    if errors:
        raise errors[0]
    return results

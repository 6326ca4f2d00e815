"""Worker processes of the reliability tests (run as a script).

    python _workers.py crash-server
        A fork server for crash tests. For each line ``<disk|sql> <path> <start> <report>``
        on stdin it forks a writer, which prints ``ready <pid> <ns>`` and then stores
        start+1, start+2, ... in the access token (as ``_cache_workers.py write`` does),
        appending ``<counter> <ns>`` to the file <report> once its ``update()`` returned
        (``<ns>``: ``time.monotonic_ns()``, one clock for every process); it runs until
        killed. The server reaps it and prints ``dead <pid> <signal>``.
        Forking from a process that has imported pyTD already makes a writer ready in a
        millisecond, so hundreds of kills take seconds.

    python _workers.py requests <disk|sql> <path> <base_url> <auth_url> <count> <pause>
        One client of a shared cache: prints ``ready``, waits for a line on stdin, then
        sends <count> quote requests (sleeping <pause> s between them) and prints one
        JSON line: ``{"ok": n, "failed": n, "errors": [...]}``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

if __package__ in (None, ""):  # run as a script: make ``tests`` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))

from tests.reliability._cache_workers import open_cache, token
from tests.support.together import wait_for_go

SYMBOLS = ("AAPL", "MSFT", "SPY", "QQQ")


def _write_forever(kind: str, path: str, start: int, report: str) -> None:
    cache = open_cache(kind, path)
    fd = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.write(1, f"ready {os.getpid()} {time.monotonic_ns()}\n".encode())
    n = start
    while True:
        n += 1
        cache.update(access_token=token(n))
        os.write(fd, f"{n} {time.monotonic_ns()}\n".encode())


def crash_server() -> None:
    for line in sys.stdin:
        kind, path, start, report = line.split()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:  # the writer: never returns into this loop
            code = 0
            try:
                _write_forever(kind, path, int(start), report)
            except BaseException as exc:  # shown by the test as the writer's exit status
                os.write(2, f"writer failed: {exc!r}\n".encode())
                code = 3
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        died = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"dead {pid} {died}", flush=True)


def requests_worker(kind: str, path: str, base_url: str, auth_url: str, count: int,
                    pause: float) -> None:
    from pyTD.api import api
    from pyTD.exceptions import TDError
    from pyTD.sandbox import DEMO_CALLBACK_URL, DEMO_CONSUMER_KEY

    client = api(consumer_key=DEMO_CONSUMER_KEY, callback_url=DEMO_CALLBACK_URL,
                 base_url=base_url, auth_url=auth_url, cache=open_cache(kind, path))
    wait_for_go()
    ok, errors = 0, []
    for i in range(count):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        try:
            if client.get_quotes(symbol)[symbol]["symbol"] == symbol:
                ok += 1
        except (TDError, KeyError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(pause)
    print(json.dumps({"ok": ok, "failed": count - ok, "errors": errors[:5]}), flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    command, args = sys.argv[1], sys.argv[2:]
    if command == "crash-server":
        crash_server()
    elif command == "requests":
        kind, path, base_url, auth_url, count, pause = args
        requests_worker(kind, path, base_url, auth_url, int(count), float(pause))
    else:
        raise SystemExit(f"unknown command {command!r}")

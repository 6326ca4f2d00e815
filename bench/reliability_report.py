"""The reliability figures in one table: faults, orders, crashes, processes, fuzzing,
secrets, cache locks, fork, redirects, limits (deadline, body size), request bodies.

Each row is measured by the same function the reliability tests call (imported
from ``tests/reliability``), with the same seeds and sizes, so the table and
the test suite cannot disagree about what was measured.

    python bench/reliability_report.py [--only NAME,...]

NAME is one of faults, orders, crash, processes, fuzz, secrets, locks, fork,
redirects, limits, bodies.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability import (
    test_body_encoding,
    test_cache_locks,
    test_callback_fuzz,
    test_crash_500,
    test_faults,
    test_fork,
    test_limits,
    test_many_processes,
    test_orders_under_faults,
    test_redirect_policy,
    test_secrets,
)

Row = tuple[str, str, str]   # area, figure, value


def faults() -> list[Row]:
    run = test_faults.run_fault_mix()
    rows = [("faults", "GETs / succeeded", f"{run.gets} / {run.successes}"),
            ("faults", "retries seen by the sandbox", f"{run.retries} ({run.retries / run.gets:.0%}"
                                                       " of GETs)"),
            ("faults", "injected faults", ", ".join(f"{k} {v}" for k, v in run.faults.items())),
            ("faults", "time", f"{run.seconds:.1f} s")]
    for kind in sorted(test_faults.EXPECTED):
        result = test_faults.give_up(kind)
        rows.append(("faults", f"100 % {kind}: error, time / budget",
                     f"{type(result.error).__name__}, {result.seconds:.2f} s / "
                     f"{result.budget:.2f} s ({result.attempts} attempts)"))
    return rows


def orders() -> list[Row]:
    run = test_orders_under_faults.run_orders()
    posts = max(run.posts_per_attempt)
    return [("orders", "attempts", str(run.attempts)),
            ("orders", "placed / refused / unknown",
             f"{len(run.placed)} / {len(run.refused)} / {len(run.unknown)}"),
            ("orders", "unknown that were placed", str(run.unknown_placed)),
            ("orders", "orders in the book", str(len(run.book))),
            ("orders", "duplicates", str(run.duplicates)),
            ("orders", "most POSTs for one attempt", str(posts))]


def crash() -> list[Row]:
    rows = []
    for kind in ("disk", "sql"):
        with tempfile.TemporaryDirectory() as directory:
            run = test_crash_500.crash_cache(kind, directory, test_crash_500.KILLS // 2,
                                             seed=test_crash_500.SEEDS[kind])
        rows += [(f"crash {kind}", "kills / completed writes", f"{run.kills} / {run.writes}"),
                 (f"crash {kind}", "unreadable / last-write mismatches",
                  f"{run.unreadable} / {run.mismatches}"),
                 (f"crash {kind}", "kills after a save, before its report", str(run.ahead)),
                 (f"crash {kind}", "kill delays / time",
                  f"0-{run.max_delay * 1000:.0f} ms / {run.seconds:.1f} s")]
    return rows


def processes() -> list[Row]:
    rows = []
    for kind in ("disk", "sql"):
        with tempfile.TemporaryDirectory() as directory:
            run = test_many_processes.run_shared_cache(kind, directory)
        rows += [(f"processes {kind}", "requests / failures",
                  f"{run.requests} / {run.failures} ({run.processes} processes)"),
                 (f"processes {kind}", "refresh grants / expiry windows",
                  f"{run.refresh_grants} / {run.windows:.1f} (limit {2 * run.windows:.1f})"),
                 (f"processes {kind}", "401 answers / time",
                  f"{run.unauthorized} / {run.seconds:.1f} s")]
    return rows


def fuzz() -> list[Row]:
    run = test_callback_fuzz.fuzz_callback_server()
    return [("fuzz", "requests / time", f"{run.requests} / {run.seconds:.1f} s"),
            ("fuzz", "crashes (handler exceptions, failed probes)",
             f"{len(run.handler_errors)}, {run.probes_failed}"),
            ("fuzz", "unescaped reflections", str(len(run.unescaped))),
            ("fuzz", "forged callbacks ignored", f"{run.ignored} / {run.wrong_state_sent}"),
            ("fuzz", "idle connections closed by the timeout", f"{run.idle_closed}"),
            ("fuzz", "real callback ok", str(run.real_callback_ok)),
            ("fuzz", "listening socket bound to", run.bound),
            ("fuzz", "slowest burst of 25 connections", f"{run.slowest_burst:.1f} s")]


def secrets() -> list[Row]:
    with tempfile.TemporaryDirectory() as directory:
        evidence = test_secrets.run_flows(Path(directory))
        bad_modes = evidence.bad_modes()
    return [("secrets", "flows / secrets searched for",
             f"{len(evidence.flows)} / {len(evidence.secrets)}"),
            ("secrets", "log records / objects shown",
             f"{len(evidence.records)} / {evidence.objects}"),
            ("secrets", "leaks / files with a wrong mode",
             f"{len(evidence.leaks())} / {len(bad_modes)}")]


def redirects() -> list[Row]:
    run = test_redirect_policy.run_redirects()
    return [("redirects", "calls (5 statuses x 4 calls x 2 sessions)", str(run.calls)),
            ("redirects", "Redirection / unknown outcomes",
             f"{run.redirections} / {run.unknown_outcomes}"),
            ("redirects", "requests reaching the other host / leaks",
             f"{run.reached_other_host} / {run.leaks}"),
            ("redirects", "time", f"{run.seconds:.1f} s")]


def limits() -> list[Row]:
    rows = []
    for part in sorted(test_limits.TRICKLES):
        outcome = test_limits.trickled(part)
        rows.append(("limits", f"trickled {part}: error after / deadline",
                     f"{type(outcome.error).__name__} after {outcome.seconds:.2f} s / "
                     f"{test_limits.DEADLINE:g} s"))
    endless = test_limits.endless_body()
    rows.append(("limits", "endless body: error, time",
                 f"{type(endless.error).__name__}, {endless.seconds:.2f} s"))
    rows.append(("limits", "endless body: peak memory / max_body",
                 f"{endless.peak_bytes / 2**20:.1f} MiB / {test_limits.MAX_BODY / 2**20:.0f} MiB"))
    return rows


def bodies() -> list[Row]:
    run = test_body_encoding.run_bodies()
    return [("bodies", "orders placed / stored exactly",
             f"{run.placed} / {run.exact} (python, numpy, Decimal, datetime)"),
            ("bodies", "bad bodies refused / sent anyway",
             f"{len(run.refused)} / {run.posts_for_refused}"),
            ("bodies", "orders in the book", str(run.book))]


def locks() -> list[Row]:
    rows = []
    for kind in ("disk", "sql"):
        with tempfile.TemporaryDirectory() as directory:
            run = test_cache_locks.measure_lock_timeout(kind, directory)
        rows.append((f"locks {kind}", "lock held elsewhere: timeout / raised after / holder named",
                     f"{run.configured:g} s / {run.waited:.2f} s / {run.names_holder}"))
    with tempfile.TemporaryDirectory() as directory:
        other = test_cache_locks.measure_other_key_refresh(directory)
    rows.append(("locks sql", "key B refresh while key A locked: time / grants / error",
                 f"{other.seconds:.2f} s / {other.refresh_grants} / {other.error}"))
    if not test_cache_locks.mount_namespace_available():
        return [*rows, ("read-only", "real read-only mount", "not permitted here: skipped")]
    with tempfile.TemporaryDirectory() as directory:
        ro = test_cache_locks.measure_read_only_cache(directory)
    return [*rows, ("read-only", "reads with valid tokens ok", f"{ro.ok} / {ro.reads}"),
            ("read-only", "files created on the mount", str(len(ro.files) - 2)),
            ("read-only", "refresh due", f"{ro.error}: says read-only "
                                         f"{'read-only' in ro.message}")]


def fork() -> list[Row]:
    run = test_fork.run_fork_keepalive()
    rows = [("fork", "processes / responses checked", f"{run.processes} / {run.responses}"),
            ("fork", "mismatches / errors / hangs",
             f"{run.mismatches} / {len(run.errors)} / {run.hangs}"),
            ("fork", "keep-alive run time", f"{run.seconds:.1f} s")]
    for kind in ("memory", "disk", "sql"):
        with tempfile.TemporaryDirectory() as directory:
            during = test_fork.run_fork_during_refresh(kind, directory)
        rows.append(("fork", f"fork during a refresh ({kind}): hangs / errors / time",
                     f"{during.hangs} / {len(during.errors)} / {during.seconds:.1f} s"))
    return rows


SECTIONS: dict[str, Callable[[], list[Row]]] = {
    "faults": faults, "orders": orders, "crash": crash, "processes": processes,
    "fuzz": fuzz, "secrets": secrets, "locks": locks, "fork": fork, "redirects": redirects,
    "limits": limits, "bodies": bodies}


def table(rows: list[Row]) -> str:
    header = ("area", "figure", "value")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |", line]
    area = None
    for row in rows:
        if area is not None and row[0] != area:
            out.append(line)
        area = row[0]
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    out.append(line)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections (default: all)")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    started = time.perf_counter()
    for name in args.only.split(","):
        section_started = time.perf_counter()
        rows += SECTIONS[name.strip()]()
        print(f"{name}: measured in {time.perf_counter() - section_started:.1f} s",
              file=sys.stderr, flush=True)
    print(table(rows))
    print(f"\n{len(rows)} figures in {time.perf_counter() - started:.0f} s on "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Import cost of pyTD (what a user needs to reach the ``api`` class) against ``requests``.

Each sample is a fresh interpreter timing one statement with ``perf_counter``;
the two statements alternate and the medians are compared. ``import pyTD;
pyTD.api`` includes importing requests, so the ratio is what pyTD adds.
Byte-code is cached for both, as after ``pip install``: the samples write and
read it under a temporary ``PYTHONPYCACHEPREFIX`` (nothing lands in the tree),
even when ``PYTHONDONTWRITEBYTECODE`` is set in the calling environment.

Then the start of the command line: the wall time of a whole ``pytd --help``
process (run as the ``pytd`` script runs it) against a whole ``python -c "import
requests"``, with a bare ``python -c pass`` for reference, alternating likewise.

    python bench/bench_import.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence, TypeVar

STATEMENTS = {
    "requests": "import requests",
    "pyTD": "import pyTD; pyTD.api",
}
PROBE = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
#: Whole processes, timed from outside: what a user waits for.
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    'python -c "import requests"': ["-c", "import requests"],
    "pytd --help": ["-c", "import sys; from pyTD.cli import main; sys.exit(main())", "--help"],
}
ROOT = Path(__file__).resolve().parents[1]
P = TypeVar("P")


def sample(statement: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=statement)],
                         capture_output=True, text=True, check=True, env=env, cwd=ROOT).stdout
    return float(out) * 1000


def wall(arguments: Sequence[str], env: dict[str, str]) -> float:
    """Milliseconds from starting ``python arguments`` to its exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], stdout=subprocess.DEVNULL, check=True, env=env,
                   cwd=ROOT)
    return (time.perf_counter() - start) * 1000


def medians(runs: int, probes: Mapping[str, P], measure: Callable[[P], float]) -> dict[str, float]:
    """Median of ``runs`` samples of each probe, alternating, after one warm-up each (which
    writes the byte-code and warms the file cache)."""
    times: dict[str, list[float]] = {name: [] for name in probes}
    for probe in probes.values():
        measure(probe)
    for _ in range(runs):
        for name, probe in probes.items():
            times[name].append(measure(probe))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as prefix:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = prefix
        imports = medians(args.runs, STATEMENTS, lambda statement: sample(statement, env))
        starts = medians(args.runs, COMMANDS, lambda arguments: wall(arguments, env))
    for name, statement in STATEMENTS.items():
        print(f"{statement:28} median {imports[name]:7.1f} ms over {args.runs} runs")
    ratio = imports["pyTD"] / imports["requests"]
    print(f"pyTD / requests: {ratio:.3f} (adds {100 * (ratio - 1):+.1f} %; target <= +15 %): "
          f"{'OK' if ratio <= 1.15 else 'MISSED'}")
    print()
    for name, value in starts.items():
        print(f"{name:28} median {value:7.1f} ms wall over {args.runs} runs")
    help_ms, requests_ms = starts["pytd --help"], starts['python -c "import requests"']
    bare = starts["python -c pass"]
    print(f"pytd --help / python -c \"import requests\": {help_ms / requests_ms:.3f} "
          f"(beyond a bare interpreter: {help_ms - bare:.1f} ms against "
          f"{requests_ms - bare:.1f} ms)")


if __name__ == "__main__":
    main()

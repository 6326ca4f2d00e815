"""Import cost of pyTD (what a user needs to reach the ``api`` class) against ``requests``.

Each sample is a fresh interpreter timing one statement with ``perf_counter``;
the two statements alternate and the medians are compared. ``import pyTD;
pyTD.api`` includes importing requests, so the ratio is what pyTD adds.
Byte-code is cached for both, as after ``pip install``: the samples write and
read it under a temporary ``PYTHONPYCACHEPREFIX`` (nothing lands in the tree),
even when ``PYTHONDONTWRITEBYTECODE`` is set in the calling environment.

    python bench/bench_import.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

STATEMENTS = {
    "requests": "import requests",
    "pyTD": "import pyTD; pyTD.api",
}
PROBE = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def sample(statement: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=statement)],
                         capture_output=True, text=True, check=True, env=env).stdout
    return float(out) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    with tempfile.TemporaryDirectory() as prefix:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = prefix
        for statement in STATEMENTS.values():
            sample(statement, env)  # write byte-code, warm the file cache
        for _ in range(args.runs):
            for name, statement in STATEMENTS.items():
                times[name].append(sample(statement, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, statement in STATEMENTS.items():
        print(f"{statement:28} median {medians[name]:7.1f} ms over {args.runs} runs")
    ratio = medians["pyTD"] / medians["requests"]
    print(f"pyTD / requests: {ratio:.3f} (adds {100 * (ratio - 1):+.1f} %; target <= +15 %): "
          f"{'OK' if ratio <= 1.15 else 'MISSED'}")


if __name__ == "__main__":
    main()

"""Authorization round trip, and the cost of one authenticated GET through ``api.request``.

The yardstick is a bare ``requests.Session`` sending the same GET with the same
Bearer header to the same sandbox, measured in the same run (interleaved
rounds, medians), so machine noise cancels out in the ratio.

    python bench/bench_auth.py [--requests 2000] [--rounds 5] [--authorizations 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyTD.api import api
from pyTD.cli.demo import follow_in_background
from pyTD.sandbox import Sandbox
from tests.support import free_port

KEY = "PYTDBENCHAPP00000000000000000000"
PATH = "/marketdata/quotes"
PARAMS = {"symbol": "AAPL"}


def time_authorizations(sandbox: Sandbox, count: int) -> list[float]:
    callback = f"http://127.0.0.1:{free_port()}/callback"
    sandbox.register_app(KEY, callback)
    client = api(consumer_key=KEY, callback_url=callback, base_url=sandbox.base_url,
                 auth_url=sandbox.auth_url, store_tokens=False)
    times = []
    for _ in range(count):
        client.logout()
        started = time.perf_counter()
        client.authorize(open_browser=follow_in_background, timeout=30)
        times.append(time.perf_counter() - started)
    return times


def per_request(send, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        send()
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--authorizations", type=int, default=20)
    args = parser.parse_args()

    with Sandbox(auto_approve=True) as sandbox:
        auth_times = time_authorizations(sandbox, args.authorizations)
        print(f"authorize round trip (auto-approve): median "
              f"{statistics.median(auth_times) * 1000:.1f} ms over {len(auth_times)}")

        from pyTD.sandbox.client import sandbox_api

        client = sandbox_api(sandbox)
        headers = dict(client.auth.headers())
        bare = requests.Session()
        url = sandbox.base_url + PATH

        def bare_get() -> None:
            response = bare.get(url, params=PARAMS, headers=headers, timeout=30)
            response.raise_for_status()
            response.json()

        def pytd_get() -> None:
            client.request("GET", PATH, params=PARAMS)

        for send in (bare_get, pytd_get):          # warm up connections and caches
            per_request(send, 200)
        bare_times, pytd_times = [], []
        for _ in range(args.rounds):
            bare_times.append(per_request(bare_get, args.requests))
            pytd_times.append(per_request(pytd_get, args.requests))
        bare_ms = statistics.median(bare_times) * 1000
        pytd_ms = statistics.median(pytd_times) * 1000
        print(f"bare requests.Session GET: {bare_ms:.3f} ms/request")
        print(f"pyTD api.request GET:      {pytd_ms:.3f} ms/request")
        print(f"ratio pyTD / bare session: {pytd_ms / bare_ms:.2f}x (target <= 0.80x)")


if __name__ == "__main__":
    main()

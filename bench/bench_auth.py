"""Authorization round trip, and the cost of one authenticated GET through ``api.request``.

Two yardsticks send the same GET with the same Bearer header to the same
sandbox, measured in the same run (many short interleaved rounds, medians), so
machine noise cancels out in the ratios: a bare ``requests.Session(trust_env=False)``,
and the floor, a ``urllib3`` connection pool (what requests itself sends
through) sending the very header lines pyTD sends, with pyTD's retry policy,
so that it differs from pyTD only in what runs around urllib3. The ratios
are medians of each round's ratio, so a burst of load on a busy machine
spoils a round of each sender, not one sender's result.
Each GET is timed twice: wall clock (the sandbox's answer included)
and the client thread's own CPU time (``time.thread_time``; the sandbox serves
on other threads), which a busy machine disturbs far less.

    python bench/bench_auth.py [--requests 200] [--rounds 50] [--authorizations 20]
                               [--provider {tdameritrade,schwab,both}]

Each provider is measured against its own sandbox with its own baseline, so the
two ratios can be compared directly (Schwab: app secret, https callback).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import requests
import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._providers import QUOTE_GET, add_provider_option, chosen
from pyTD.api import api
from pyTD.cli.demo import follow_in_background
from pyTD.sandbox import DEMO_APP_SECRET, Sandbox
from tests.support import free_port

KEY = "PYTDBENCHAPP00000000000000000000"


def time_authorizations(sandbox: Sandbox, provider: str, count: int) -> list[float]:
    schwab = provider == "schwab"
    callback = f"{'https' if schwab else 'http'}://127.0.0.1:{free_port()}/callback"
    secret = DEMO_APP_SECRET if schwab else None
    sandbox.register_app(KEY, callback, app_secret=secret)
    client = api(consumer_key=KEY, callback_url=callback, base_url=sandbox.base_url,
                 auth_url=sandbox.auth_url, store_tokens=False, provider=provider,
                 app_secret=secret)
    times = []
    for _ in range(count):
        client.logout()
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):   # the https callback's hint, each time
            client.authorize(open_browser=follow_in_background, timeout=30)
        times.append(time.perf_counter() - started)
    return times


def per_request(send, count: int) -> tuple[float, float]:
    """Seconds per call of ``send``: (wall clock, this thread's CPU)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(count):
        send()
    return (time.perf_counter() - wall) / count, (time.thread_time() - cpu) / count


class Costs(NamedTuple):
    """One provider's ratios: wall clock against the bare session, CPU against the floor."""

    wall_vs_session: float
    cpu_vs_floor: float


def measure(provider: str, args: argparse.Namespace) -> Costs:
    """Print one provider's numbers; its :class:`Costs`."""
    path, params = QUOTE_GET[provider]
    with Sandbox(auto_approve=True, provider=provider) as sandbox:
        print(f"[{provider}]")
        auth_times = time_authorizations(sandbox, provider, args.authorizations)
        print(f"  authorize round trip (auto-approve): median "
              f"{statistics.median(auth_times) * 1000:.1f} ms over {len(auth_times)}")

        from pyTD.sandbox.client import sandbox_api

        client = sandbox_api(sandbox)
        headers = dict(client.auth.headers())
        # The floor sends what pyTD sends: the same header lines and pyTD's retry policy.
        wire_headers = {**client.session.headers, **headers}
        retries = client.session.get_adapter(sandbox.base_url).max_retries
        bare = requests.Session()
        bare.trust_env = False
        url = sandbox.base_url + path
        pool = urllib3.HTTPConnectionPool("127.0.0.1", sandbox.port, maxsize=1)
        floor_url = url[url.index("/", len("http://")):] + (
            "?" + urlencode(params) if params else "")

        def floor_get() -> None:
            response = pool.request("GET", floor_url, headers=wire_headers, retries=retries)
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            response.json()

        def bare_get() -> None:
            response = bare.get(url, params=params, headers=headers, timeout=30)
            response.raise_for_status()
            response.json()

        def pytd_get() -> None:
            client.request("GET", path, params=params)

        senders = {"urllib3 pool (floor)": floor_get, "bare requests.Session": bare_get,
                   "pyTD api.request": pytd_get}
        for send in senders.values():          # warm up connections and caches
            per_request(send, 200)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in senders}
        for _ in range(args.rounds):
            for name, send in senders.items():
                samples[name].append(per_request(send, args.requests))
        wall = {name: statistics.median(s[0] for s in runs) * 1000
                for name, runs in samples.items()}
        cpu = {name: statistics.median(s[1] for s in runs) * 1e6
               for name, runs in samples.items()}
        print(f"  GET {path}")
        for name in senders:
            print(f"  {name + ':':26} {wall[name]:.3f} ms/request wall, "
                  f"{cpu[name]:.0f} us client CPU")
        mine, baseline, floor = ("pyTD api.request", "bare requests.Session",
                                 "urllib3 pool (floor)")

        def ratio(of: str, to: str, kind: int) -> float:
            return statistics.median(a[kind] / b[kind]
                                     for a, b in zip(samples[of], samples[to]))

        print(f"  ratio pyTD / bare session: {ratio(mine, baseline, 0):.2f}x wall, "
              f"{ratio(mine, baseline, 1):.2f}x CPU (target <= 0.80x)")
        print(f"  ratio pyTD / urllib3 floor: {ratio(mine, floor, 1):.2f}x CPU "
              f"(target <= 1.25x); pyTD's own cost: {cpu[mine] - cpu[floor]:.0f} us CPU")
        bare.close()
        pool.close()
        client.close()
        return Costs(ratio(mine, baseline, 0), ratio(mine, floor, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="GETs per sender per round")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--authorizations", type=int, default=20)
    add_provider_option(parser)
    args = parser.parse_args()
    costs = {provider: measure(provider, args) for provider in chosen(args)}
    if len(costs) == 2:
        schwab, td = costs["schwab"], costs["tdameritrade"]
        print(f"per-request overhead schwab / tdameritrade: "
              f"{schwab.wall_vs_session / td.wall_vs_session:.2f} wall, "
              f"{schwab.cpu_vs_floor / td.cpu_vs_floor:.2f} CPU (1.00 = same overhead)")


if __name__ == "__main__":
    main()

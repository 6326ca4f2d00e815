"""Authorization round trip, and the cost of one authenticated GET through ``api.request``.

The yardstick is a bare ``requests.Session`` sending the same GET with the same
Bearer header to the same sandbox, measured in the same run (interleaved
rounds, medians), so machine noise cancels out in the ratio.

    python bench/bench_auth.py [--requests 2000] [--rounds 5] [--authorizations 20]
                               [--provider {tdameritrade,schwab,both}]

Each provider is measured against its own sandbox with its own baseline, so the
two ratios can be compared directly (Schwab: app secret, https callback).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

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
        client.authorize(open_browser=follow_in_background, timeout=30)
        times.append(time.perf_counter() - started)
    return times


def per_request(send, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        send()
    return (time.perf_counter() - started) / count


def measure(provider: str, args: argparse.Namespace) -> float:
    """Print one provider's numbers; the ratio pyTD / bare session."""
    path, params = QUOTE_GET[provider]
    with Sandbox(auto_approve=True, provider=provider) as sandbox:
        print(f"[{provider}]")
        auth_times = time_authorizations(sandbox, provider, args.authorizations)
        print(f"  authorize round trip (auto-approve): median "
              f"{statistics.median(auth_times) * 1000:.1f} ms over {len(auth_times)}")

        from pyTD.sandbox.client import sandbox_api

        client = sandbox_api(sandbox)
        headers = dict(client.auth.headers())
        bare = requests.Session()
        url = sandbox.base_url + path

        def bare_get() -> None:
            response = bare.get(url, params=params, headers=headers, timeout=30)
            response.raise_for_status()
            response.json()

        def pytd_get() -> None:
            client.request("GET", path, params=params)

        for send in (bare_get, pytd_get):          # warm up connections and caches
            per_request(send, 200)
        bare_times, pytd_times = [], []
        for _ in range(args.rounds):
            bare_times.append(per_request(bare_get, args.requests))
            pytd_times.append(per_request(pytd_get, args.requests))
        bare_ms = statistics.median(bare_times) * 1000
        pytd_ms = statistics.median(pytd_times) * 1000
        print(f"  GET {path}")
        print(f"  bare requests.Session GET: {bare_ms:.3f} ms/request")
        print(f"  pyTD api.request GET:      {pytd_ms:.3f} ms/request")
        print(f"  ratio pyTD / bare session: {pytd_ms / bare_ms:.2f}x (target <= 0.80x)")
        bare.close()
        client.close()
        return pytd_ms / bare_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--authorizations", type=int, default=20)
    add_provider_option(parser)
    args = parser.parse_args()
    ratios = {provider: measure(provider, args) for provider in chosen(args)}
    if len(ratios) == 2:
        print(f"per-request ratio schwab / tdameritrade: "
              f"{ratios['schwab'] / ratios['tdameritrade']:.2f} (1.00 = same overhead)")


if __name__ == "__main__":
    main()

"""Bulk market data: ``get_quotes`` for many symbols and ``get_price_history`` for many.

Against one local sandbox, in the same run, pyTD is timed beside a naive loop
that sends one request per symbol through a bare ``requests.Session`` carrying
the same Bearer header. Rounds are interleaved and medians reported, so machine
noise cancels out in the ratios; request counts come from the sandbox.

    python bench/bench_bulk.py [--quotes 1000] [--history 100] [--rounds 3]
                               [--provider {tdameritrade,schwab,both}]

On Schwab the naive loop uses the path forms ``/marketdata/v1/{symbol}/quotes``
and ``/marketdata/v1/pricehistory?symbol=``. A bulk call that fails is reported
as such and the other numbers are still printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._providers import add_provider_option, chosen
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api

HISTORY = {"period_type": "month", "period": 1, "frequency_type": "daily"}
HISTORY_PARAMS = {"periodType": "month", "period": 1, "frequencyType": "daily"}


def served(sandbox: Sandbox, run: Callable[[], object]) -> tuple[float, int]:
    """Seconds ``run`` takes and the REST requests the sandbox served meanwhile."""
    sandbox.reset_stats()
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    calls = sandbox.stats()["calls"]
    return elapsed, sum(n for call, n in calls.items() if "/oauth" not in call)


def naive(session: requests.Session, url: str, symbols: list[str], suffix: str,
          params: dict, provider: str = "tdameritrade") -> dict:
    out = {}
    for symbol in symbols:
        if provider == "schwab" and suffix == "pricehistory":
            target, query = f"{url}/marketdata/v1/pricehistory", {**params, "symbol": symbol}
        elif provider == "schwab":
            target, query = f"{url}/marketdata/v1/{quote(symbol, safe='')}/{suffix}", params
        else:
            target, query = f"{url}/marketdata/{quote(symbol, safe='')}/{suffix}", params
        response = session.get(target, params=query, timeout=30)
        response.raise_for_status()
        out[symbol] = response.json()
    return out


def report(label: str, ours: list, theirs: list[tuple[float, int]]) -> None:
    if isinstance(ours, str):
        print(f"{label}")
        print(f"  pyTD         failed: {ours}")
        print(f"  naive loop   {statistics.median(t for t, _ in theirs) * 1000:9.1f} ms  "
              f"{theirs[0][1]:5d} requests")
        return
    t_ours = statistics.median(t for t, _ in ours)
    t_theirs = statistics.median(t for t, _ in theirs)
    n_ours, n_theirs = ours[0][1], theirs[0][1]
    print(f"{label}")
    print(f"  pyTD         {t_ours * 1000:9.1f} ms  {n_ours:5d} requests")
    print(f"  naive loop   {t_theirs * 1000:9.1f} ms  {n_theirs:5d} requests")
    print(f"  ratio        {t_theirs / t_ours:9.2f}x faster, {n_theirs / n_ours:.1f}x fewer "
          "requests")


def attempt(sandbox: Sandbox, run: Callable[[], object]) -> object:
    """``served(sandbox, run)``, or the error's text when the call fails."""
    try:
        return served(sandbox, run)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:120]}"


def measure(provider: str, args: argparse.Namespace) -> None:
    quote_symbols = [f"Q{i:04d}" for i in range(args.quotes)]
    history_symbols = [f"H{i:03d}" for i in range(args.history)]

    with Sandbox(provider=provider) as sandbox:
        client = sandbox_api(sandbox)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {client.access_token.token}"
        url = sandbox.base_url
        naive(session, url, quote_symbols[:5], "quotes", {}, provider)  # warm both up
        attempt(sandbox, lambda: client.get_quotes(quote_symbols[:5]))

        results: dict[str, list] = {key: [] for key in ("q", "qn", "h", "hn")}
        for _ in range(args.rounds):
            results["q"].append(attempt(sandbox, lambda: client.get_quotes(quote_symbols)))
            results["qn"].append(served(sandbox, lambda: naive(
                session, url, quote_symbols, "quotes", {}, provider)))
            results["h"].append(attempt(sandbox, lambda: client.get_price_history(
                history_symbols, **HISTORY)))
            results["hn"].append(served(sandbox, lambda: naive(
                session, url, history_symbols, "pricehistory", HISTORY_PARAMS, provider)))
        session.close()
        client.close()

    def ours(key: str) -> object:
        failed = [r for r in results[key] if isinstance(r, str)]
        return failed[0] if failed else results[key]

    print(f"[{provider}] medians of {args.rounds} interleaved rounds against a local sandbox")
    report(f"get_quotes, {args.quotes} symbols", ours("q"), results["qn"])
    report(f"get_price_history, {args.history} symbols", ours("h"), results["hn"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=1000)
    parser.add_argument("--history", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    add_provider_option(parser)
    args = parser.parse_args()
    for provider in chosen(args):
        measure(provider, args)


if __name__ == "__main__":
    main()

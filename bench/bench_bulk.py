"""Bulk market data: ``get_quotes`` for many symbols and ``get_price_history`` for many.

Against one local sandbox, in the same run, pyTD is timed beside a naive loop
that sends one request per symbol through a bare ``requests.Session`` carrying
the same Bearer header. Rounds are interleaved and medians reported, so machine
noise cancels out in the ratios; request counts come from the sandbox.

    python bench/bench_bulk.py [--quotes 1000] [--history 100] [--rounds 3]
                               [--quota-symbols 300] [--quota 120] [--window 6]
                               [--provider {tdameritrade,schwab,both}]

Then, against a sandbox with the quota enabled (``--quota`` requests per
``--window`` seconds: TD's 120 a minute, with the minute shortened so the run
is quick; ``--window 60`` for the real one), daily price history for
``--quota-symbols`` symbols: pyTD paced by that quota, pyTD with pacing off
(429s and its retry policy), and a naive loop that retries a 429 after a
sixtieth of the window (one second of a real minute, as TD sent no
``Retry-After``). Each starts at a fresh window of the sandbox's clock and is
printed against the quota-limited ideal (requests / quota) with its 429s.

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


def window_start(window: float) -> None:
    """Sleep until a new window of the sandbox's clock (``time.time``) begins."""
    time.sleep(window - time.time() % window + 0.01)


def naive_paced_by_429s(session: requests.Session, url: str, symbols: list[str],
                        provider: str, window: float) -> int:
    """One request per symbol as fast as it goes; a 429 is retried after ``window / 60``."""
    for symbol in symbols:
        while True:
            try:
                naive(session, url, [symbol], "pricehistory", HISTORY_PARAMS, provider)
                break
            except requests.HTTPError as exc:
                if exc.response is None or exc.response.status_code != 429:
                    raise
                time.sleep(window / 60)
    return len(symbols)


def measure_quota(provider: str, args: argparse.Namespace) -> None:
    symbols = [f"R{i:03d}" for i in range(args.quota_symbols)]
    ideal = args.quota_symbols / args.quota * args.window
    quota = f"{args.quota}/{args.window:g}"
    with Sandbox(provider=provider, rate_limit=args.quota, rate_window=args.window,
                 symbols=symbols) as sandbox:
        paced = sandbox_api(sandbox, quota=quota)
        unpaced = sandbox_api(sandbox, quota="off")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {paced.access_token.token}"
        runs = {
            "pyTD, paced": lambda: paced.get_price_history(symbols, **HISTORY),
            "pyTD, pacing off": lambda: unpaced.get_price_history(symbols, **HISTORY),
            "naive loop": lambda: naive_paced_by_429s(session, sandbox.base_url, symbols,
                                                      provider, args.window),
        }
        rows = []
        for label, run in runs.items():
            window_start(args.window)
            sandbox.reset_stats()
            started = time.perf_counter()
            try:
                run()
                outcome = ""
            except Exception as exc:
                outcome = f"  failed: {type(exc).__name__}: {str(exc)[:80]}"
            elapsed = time.perf_counter() - started
            stats = sandbox.stats()
            rows.append((label, elapsed, stats["status"].get(429, 0), outcome))
        for client in (paced, unpaced):
            client.close()
        session.close()
    print(f"[{provider}] price history of {args.quota_symbols} symbols, sandbox quota "
          f"{args.quota} per {args.window:g} s (TD: 120 per 60 s)")
    print(f"  quota-limited ideal (requests / quota) {ideal:8.2f} s")
    for label, elapsed, limited, outcome in rows:
        print(f"  {label:18s} {elapsed:8.2f} s  {elapsed / ideal:5.2f}x ideal  "
              f"{limited:4d} 429s{outcome}")
    ours = rows[0]
    verdict = "met" if ours[1] <= 1.05 * ideal and ours[2] == 0 and not ours[3] else "MISSED"
    print(f"  target (pyTD paced within 5% of the ideal, 0 429s): {verdict}")
    print("  (the sandbox, like TD, counts per window of its clock, so a full burst in the "
          "first window can finish under requests / quota)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=1000)
    parser.add_argument("--history", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quota-symbols", type=int, default=300,
                        help="symbols for the run against the quota (0: skip it)")
    parser.add_argument("--quota", type=int, default=120, help="requests per window")
    parser.add_argument("--window", type=float, default=6.0,
                        help="seconds of the quota's window (TD: 60)")
    add_provider_option(parser)
    args = parser.parse_args()
    for provider in chosen(args):
        measure(provider, args)
        if args.quota_symbols:
            measure_quota(provider, args)


if __name__ == "__main__":
    main()

"""Run the sandbox as a program: ``python -m pyTD.sandbox`` or ``pytd sandbox``.

    $ python -m pyTD.sandbox --port 8765 --auto-approve
    $ export TD_BASE_URL=...   # the lines it prints: base URL, auth URL, key, callback

It serves until SIGINT (Ctrl+C) or SIGTERM and then exits with status 0.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from typing import Optional, Sequence

from pyTD.sandbox.oauth import DEMO_CONSUMER_KEY
from pyTD.sandbox.server import Sandbox


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytd sandbox",
        description="Run a local emulator of the TD Ameritrade API, or of the Charles Schwab "
                    "Trader API with --provider schwab (synthetic data).")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--auto-approve", action="store_true",
                        help="approve the consent page without showing it")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument("--provider", choices=("tdameritrade", "schwab"), default="tdameritrade",
                        help="the API to emulate (default: tdameritrade)")
    parser.add_argument("--access-token-lifetime", type=int, default=None, metavar="SECONDS",
                        help="default: the provider's (1800)")
    parser.add_argument("--refresh-token-lifetime", type=int, default=None, metavar="SECONDS",
                        help="default: the provider's (7776000; schwab: 604800)")
    parser.add_argument("--rate-limit", type=int, default=None, metavar="N",
                        help="at most N requests per app per minute (default: no limit)")
    parser.add_argument("--rate-window", type=float, default=60.0, metavar="SECONDS",
                        help="shorten the rate limit's minute to SECONDS, for fast tests "
                             "(default: 60)")
    return parser


def banner(sandbox: Sandbox) -> str:
    """What the sandbox serves, and the environment that points pyTD at it."""
    env = {"TD_BASE_URL": sandbox.base_url, "TD_AUTH_URL": sandbox.auth_url,
           "TD_CONSUMER_KEY": DEMO_CONSUMER_KEY, "TD_CALLBACK_URL": sandbox.demo_callback_url}
    consent = "approved automatically" if sandbox.auto_approve else "shown in the browser"
    schwab = sandbox.demo_app_secret is not None
    # The app secret is a credential, synthetic or not: it is named, never printed.
    secret = ["  App secret:    pyTD.sandbox.DEMO_APP_SECRET"] if schwab else []
    if sandbox.rate_limit is not None:  # pace by the sandbox's limit (pyTD.pacing)
        env["TD_QUOTA"] = f"{sandbox.rate_limit}/{sandbox.rate_window:g}"
    exports = [f"export {name}={shlex.quote(value)}" for name, value in env.items()]
    if schwab:
        exports += ["export TD_PROVIDER=schwab",
                    "export TD_APP_SECRET=\"$(python -c 'from pyTD.sandbox import "
                    "DEMO_APP_SECRET; print(DEMO_APP_SECRET)')\""]
    return "\n".join([
        f"pyTD sandbox: a local {sandbox.provider.title} emulator (synthetic data, no real money)",
        f"  URL:           {sandbox.url}",
        f"  Base URL:      {sandbox.base_url}",
        f"  Auth URL:      {sandbox.auth_url}",
        f"  Consumer key:  {DEMO_CONSUMER_KEY}",
        *secret,
        f"  Callback URL:  {sandbox.demo_callback_url}",
        f"  Consent page:  {consent}",
        "",
        "Point pyTD at it:",
        *exports,
        "",
        "Serving until Ctrl+C or SIGTERM.",
    ])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Serve the sandbox until SIGINT/SIGTERM; the exit status (0, or 1 if it cannot listen).

    >>> main(["--port", "0", "--auto-approve"])   # doctest: +SKIP
    """
    args = _parser().parse_args(argv)
    sandbox = Sandbox(port=args.port, auto_approve=args.auto_approve, seed=args.seed,
                      access_token_lifetime=args.access_token_lifetime,
                      refresh_token_lifetime=args.refresh_token_lifetime,
                      rate_limit=args.rate_limit, provider=args.provider,
                      rate_window=args.rate_window)
    try:
        sandbox.start()
    except OSError as exc:
        print(f"pytd sandbox: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(banner(sandbox), flush=True)
        while not stop.wait(0.5):  # a timed wait lets signals in on every platform
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sandbox.stop()
    print("pyTD sandbox stopped.", flush=True)
    return 0

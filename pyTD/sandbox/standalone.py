"""Run the sandbox as a program: ``python -m pyTD.sandbox`` or ``pytd sandbox``.

    $ python -m pyTD.sandbox --port 8765 --auto-approve
    $ export TD_BASE_URL=...   # the lines it prints: base URL, auth URL, key, callback
    $ pytd sandbox --port 0 --callback http://127.0.0.1:8091/callback   # 8765, 8080 busy

It serves until SIGINT (Ctrl+C) or SIGTERM and then exits with status 0. Tokens
live in its memory only: after a restart, clients authorize again.
"""

from __future__ import annotations

import argparse
import errno
import shlex
import signal
import sys
import threading
from typing import Optional, Sequence
from urllib.parse import urlsplit

from pyTD.sandbox.oauth import DEMO_CONSUMER_KEY
from pyTD.sandbox.server import Sandbox

#: The port ``pytd sandbox`` listens on unless ``--port`` is given.
DEFAULT_PORT = 8765


def _callback_url(text: str) -> str:
    """An ``http``/``https`` URL with a host, as ``--callback`` takes it."""
    parts = urlsplit(text.strip())
    try:
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (
            parts.port is None or parts.port > 0)
    except ValueError:  # a port that is no number, or out of range
        valid = False
    if not valid:
        raise argparse.ArgumentTypeError(
            f"expected a callback URL such as http://127.0.0.1:8091/callback, got {text!r}")
    return text.strip()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytd sandbox",
        description="Run a local emulator of the TD Ameritrade API, or of the Charles Schwab "
                    "Trader API with --provider schwab (synthetic data).")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port on 127.0.0.1 (default: %(default)s; 0: any free port)")
    parser.add_argument("--callback", action="append", default=[], type=_callback_url,
                        metavar="URL",
                        help="register URL as one more callback URL of the demo app, e.g. "
                             "http://127.0.0.1:8091/callback when port 8080 (Schwab: 8182) is "
                             "taken (may be repeated; the first one is printed as "
                             "TD_CALLBACK_URL)")
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


def banner(sandbox: Sandbox, callbacks: Sequence[str] = ()) -> str:
    """What the sandbox serves, and the environment that points pyTD at it.

    ``callbacks`` are the demo app's extra callback URLs (``--callback``); the first one
    is the ``TD_CALLBACK_URL`` printed.
    """
    callback = callbacks[0] if callbacks else sandbox.demo_callback_url
    env = {"TD_BASE_URL": sandbox.base_url, "TD_AUTH_URL": sandbox.auth_url,
           "TD_CONSUMER_KEY": DEMO_CONSUMER_KEY, "TD_CALLBACK_URL": callback}
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
        *(f"  Callback URL:  {url}" for url in [sandbox.demo_callback_url, *callbacks]),
        f"  Consent page:  {consent}",
        "",
        "Point pyTD at it:",
        *exports,
        "",
        "Tokens live in this process only: after a restart, run `pytd auth login` again.",
        "Serving until Ctrl+C or SIGTERM.",
    ])


def cannot_listen(port: int, error: OSError) -> str:
    """The message for a port the sandbox cannot bind, with what to do about it."""
    if error.errno == errno.EADDRINUSE:
        return (f"pytd sandbox: port {port} on 127.0.0.1 is already in use (maybe by another "
                f"sandbox: stop it with Ctrl+C, or find what holds the port with "
                f"`lsof -i :{port}` or `ss -ltnp`). Run `pytd sandbox --port 0` to listen on "
                "any free port (the banner shows which), or pick one with --port N.")
    return (f"pytd sandbox: cannot listen on 127.0.0.1:{port}: {error.strerror or error}. "
            "Run `pytd sandbox --port 0` to listen on any free port.")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Serve the sandbox until SIGINT/SIGTERM; the exit status (0, or 1 if it cannot listen).

    >>> main(["--port", "0", "--auto-approve"])   # doctest: +SKIP
    """
    parser = _parser()
    args = parser.parse_args(argv)
    sandbox = Sandbox(port=args.port, auto_approve=args.auto_approve, seed=args.seed,
                      access_token_lifetime=args.access_token_lifetime,
                      refresh_token_lifetime=args.refresh_token_lifetime,
                      rate_limit=args.rate_limit, provider=args.provider,
                      rate_window=args.rate_window)
    for url in args.callback:
        try:
            sandbox.register_app(DEMO_CONSUMER_KEY, url)
        except ValueError as exc:
            parser.error(f"argument --callback: {url}: {exc} ({sandbox.provider.title}'s "
                         "portal would refuse it; e.g. https://127.0.0.1:8183/callback is "
                         "accepted)")
    try:
        sandbox.start()
    except OSError as exc:
        print(cannot_listen(args.port, exc), file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(banner(sandbox, args.callback), flush=True)
        while not stop.wait(0.5):  # a timed wait lets signals in on every platform
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sandbox.stop()
    print("pyTD sandbox stopped.", flush=True)
    return 0

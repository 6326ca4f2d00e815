"""``pytd demo``: the whole script flow against the bundled sandbox, no account needed.

An in-process sandbox approves the consent page at once; a small HTTP client
plays the browser and follows the redirect into pyTD's callback server; the
code is exchanged for tokens, which land in a ``DiskCache``; quotes are fetched
with them.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import warnings
from typing import Optional, TextIO

import requests

from pyTD.cli import EXIT_OK

DEMO_SYMBOLS = ("AAPL", "MSFT", "SPY", "$SPX.X")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def follow_in_background(url: str) -> None:
    """Play the browser: GET ``url`` in a thread and follow redirects to the callback page.

    Like a user clicking through the browser's certificate warning, it accepts the callback
    server's self-signed certificate (the demo's https callback is on 127.0.0.1 only).
    """
    def visit() -> None:
        with requests.Session() as browser:
            browser.trust_env = False
            browser.verify = False
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                browser.get(url, timeout=30)

    threading.Thread(target=visit, name="pyTD-demo-browser", daemon=True).start()


def run_demo(*, config_dir: Optional[str] = None, symbols: tuple[str, ...] = DEMO_SYMBOLS,
             out: Optional[TextIO] = None, log_level: Optional[str] = None,
             provider: str = "tdameritrade") -> int:
    """Authorize against a fresh sandbox, print quotes and where the tokens went; 0 on success.

    ``out`` defaults to standard output; ``log_level`` is the client's (as ``api(log_level=)``);
    ``provider`` picks the emulated API (``"schwab"``: app secret and an https callback on
    127.0.0.1 with a self-signed certificate, as Schwab requires).

    >>> run_demo(symbols=("AAPL",))               # doctest: +SKIP
    0
    """
    from pyTD.api import api
    from pyTD.cli.format import quote_rows, table
    from pyTD.provider import get_provider
    from pyTD.sandbox import DEMO_APP_SECRET, DEMO_CONSUMER_KEY, Sandbox

    chosen = get_provider(provider)
    schwab = chosen.name == "schwab"
    out = out if out is not None else sys.stdout
    config_dir = config_dir or tempfile.mkdtemp(prefix="pytd-demo-")
    with Sandbox(auto_approve=True, provider=chosen.name) as sandbox:
        scheme = "https" if schwab else "http"
        callback = f"{scheme}://127.0.0.1:{free_port()}/callback"
        secret = DEMO_APP_SECRET if schwab else None
        sandbox.register_app(DEMO_CONSUMER_KEY, callback, app_secret=secret)
        print(f"Sandbox running at {sandbox.url} ({chosen.title} emulator)", file=out)
        client = api(consumer_key=DEMO_CONSUMER_KEY, callback_url=callback,
                     base_url=sandbox.base_url, auth_url=sandbox.auth_url,
                     config_dir=config_dir, store_tokens=True, log_level=log_level,
                     provider=chosen.name, app_secret=secret)
        print(f"Authorizing: consent page -> callback server on {callback}", file=out)
        client.authorize(open_browser=follow_in_background, timeout=30)
        print(f"Authorized. Refresh token valid until {client.refresh_token.expires_text()},\n"
              f"access token until {client.access_token.expires_text()}.", file=out)
        quotes = client.get_quotes(list(symbols))
        print("", file=out)
        print(table(*quote_rows(quotes)), file=out)
        print("", file=out)
        print(f"Tokens stored in {client.cache.describe()}\n(file mode 0600). Run `pytd demo` "
              "again any time; no real account was used.", file=out)
        client.close()
    return EXIT_OK

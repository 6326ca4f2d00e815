"""``pytd demo``: the whole script flow against the bundled sandbox, no account needed.

An in-process sandbox approves the consent page at once; a small HTTP client
plays the browser and follows the redirect into pyTD's callback server; the
code is exchanged for tokens, which land in a ``DiskCache``; quotes are fetched
with them. Every run uses the same directory (:func:`demo_dir`) and starts by
removing the previous run's tokens, which no sandbox knows any more.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import warnings
from typing import Optional, TextIO

import requests

from pyTD.cli import EXIT_OK

DEMO_SYMBOLS = ("AAPL", "MSFT", "SPY", "$SPX.X")


def demo_dir() -> str:
    """Where ``pytd demo`` keeps its tokens unless told: ``demo`` in pyTD's configuration
    directory (``$TD_CONFIG_DIR/demo``, else under ``appdirs.user_config_dir("pyTD")``)."""
    from pyTD.settings import resolve_config_dir

    return os.path.join(resolve_config_dir(), "demo")


def next_steps(provider: str) -> str:
    """What to try after the demo: a sandbox that keeps running, then a real app.

    >>> print(next_steps("schwab").splitlines()[1])
      1. In one terminal: pytd sandbox --provider schwab   (it prints the exports)
    """
    option = "" if provider == "tdameritrade" else f" --provider {provider}"
    if provider == "schwab":
        real = ["  3. For real data: register an app at https://developer.schwab.com, set",
                "     TD_PROVIDER=schwab, TD_CONSUMER_KEY, TD_APP_SECRET and TD_CALLBACK_URL",
                "     (docs: Using pyTD with Schwab), then pytd auth login."]
    else:
        real = ["  3. For real data: TD Ameritrade's API was retired in 2024; register an app",
                "     with Schwab instead (docs: Using pyTD with Schwab) and try",
                "     pytd demo --provider schwab."]
    return "\n".join([
        "Next steps:",
        f"  1. In one terminal: pytd sandbox{option}   (it prints the exports)",
        "  2. In another, after pasting those export lines: pytd auth login, then",
        "     pytd quote AAPL",
        *real,
    ])


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
    config_dir = config_dir or demo_dir()
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
        client.logout()  # tokens of an earlier run: no sandbox knows them any more
        print(f"Authorizing: consent page -> callback server on {callback}", file=out)
        client.authorize(open_browser=follow_in_background, timeout=30)
        print(f"Authorized. Refresh token valid until {client.refresh_token.expires_text()},\n"
              f"access token until {client.access_token.expires_text()}.", file=out)
        quotes = client.get_quotes(list(symbols))
        print("", file=out)
        print(table(*quote_rows(quotes)), file=out)
        print("", file=out)
        print(f"Tokens stored in {client.cache.describe()}\n(file mode 0600; the next run "
              "replaces them); no real account was used.", file=out)
        print("", file=out)
        print(next_steps(chosen.name), file=out)
        client.close()
    return EXIT_OK

"""No redirect is followed, for any status, method or endpoint, and nothing leaks through one.

Each 3xx status answers a read (GET), a cancel (DELETE), an order (POST) and
a token refresh (POST form), pointing at another host that records what
reaches it. Every call must raise ``Redirection`` (never an unknown outcome),
the other host must see nothing, and no credential may be reachable from the
errors (message, chain, the response's request, its history, its ``next``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

from pyTD.accounts.orders import cancel_order, place_order
from pyTD.exceptions import Redirection, TDError, UnknownOutcomeError
from pyTD.market.quotes import get_quotes
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from tests.support.leaks import exposed_text, leaked
from tests.support.servers import Canned, Redirector

STATUSES = (301, 302, 303, 307, 308)
ORDER = {"orderType": "MARKET", "session": "NORMAL", "duration": "DAY",
         "orderStrategyType": "SINGLE", "orderLegCollection": [
             {"instruction": "BUY", "quantity": 1,
              "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]}


def calls(a: Any) -> dict[str, Callable[[], Any]]:
    return {"GET quotes": lambda: get_quotes("AAPL", api=a),
            "DELETE order": lambda: cancel_order("123456789", "1", api=a),
            "POST order": lambda: place_order("123456789", ORDER, api=a),
            "POST token": lambda: a.auth.flow.refresh(a.refresh_token.token)}


@dataclass
class RedirectRun:
    calls: int = 0
    redirections: int = 0
    unknown_outcomes: int = 0
    reached_other_host: int = 0
    leaks: int = 0
    seconds: float = 0.0
    errors: list[TDError] = field(default_factory=list)


def run_redirects() -> RedirectRun:
    """Every status x call x (pyTD's session, a session of your own)."""
    run = RedirectRun()
    started = time.monotonic()
    with Sandbox() as sandbox, Canned() as other:
        for status in STATUSES:
            with Redirector(status, f"http://127.0.0.1:{other.port}/steal?x=1") as server:
                for session in (None, requests.Session()):
                    a = sandbox_api(sandbox, base_url=server.url, session=session)
                    secrets = (a.access_token.token, a.refresh_token.token)
                    for action in calls(a).values():
                        run.calls += 1
                        try:
                            action()
                        except TDError as exc:
                            run.errors.append(exc)
                            run.redirections += isinstance(exc, Redirection)
                            run.unknown_outcomes += isinstance(exc, UnknownOutcomeError)
                            text = exposed_text(exc)
                            run.leaks += sum(leaked(secret, text) for secret in secrets)
        run.reached_other_host = len(other.requests)
    run.seconds = time.monotonic() - started
    return run


def test_no_redirect_is_followed_and_none_leaks(figure):
    run = run_redirects()
    assert run.calls == len(STATUSES) * 2 * 4
    assert run.redirections == run.calls and run.unknown_outcomes == 0
    assert run.reached_other_host == 0 and run.leaks == 0
    figure("redirects", f"{run.calls} calls: {run.redirections} Redirection, "
                        f"{run.reached_other_host} requests reached the other host, "
                        f"{run.leaks} leaks, {run.seconds:.1f} s")

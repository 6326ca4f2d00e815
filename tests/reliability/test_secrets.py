"""No secret leaks: every authorization flow, with DEBUG logging on everything.

The flows run against the sandbox with the root logger at DEBUG (so pyTD's,
urllib3's and every other logger's records are captured) and stdout/stderr
captured: the script flow over https (a self-signed TLS key is made) with a
callable browser, the manual flow with a pasted URL, the web flow, refresh
before expiry, renewal of the refresh token, refresh after a 401, logout, and
the failures (state mismatch, access denied, reused code, revoked and expired
refresh tokens), and transport failures carrying real tokens (a 307 to another
host, form-encoded and truncated token answers, a dropped connection, an
answer trickled past the deadline) for token refreshes, orders and quotes.
Every access token, refresh token and authorization code the sandbox issued,
and the TLS private key, must appear in no log record, no printed line, no
``repr()``/``str()`` of the objects involved, and nothing reachable from an
error (message, ``content``, ``__context__``/``__cause__``, the response's
request, its ``history`` and its unfollowed ``next``). The token
files must be 0600 in 0700 directories, the TLS key 0600.

The browser stand-in's own HTTP logging (its URLs carry the code) is not
pyTD's: records from its thread are left out, as in ``auth_support``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote_plus, urlsplit

import requests

from pyTD.api import api
from pyTD.auth.flow import TokenGrant
from pyTD.auth.tls import CERT_NAME, KEY_NAME
from pyTD.cache import DiskCache, MemCache, SQLCache
from pyTD.exceptions import TDError
from pyTD.orders import equity_buy_market
from pyTD.sandbox import Sandbox
from tests.integration.auth_support import (
    APP_KEY,
    BROWSER_THREAD,
    Browser,
    client_for,
    clock_from_now,
)
from tests.support import free_port
from tests.support.leaks import exposed_text, leaked
from tests.support.servers import Canned, RawServer, Redirector

DAY = 86400


@dataclass
class Evidence:
    """Everything that might leak, and what must not be in it."""

    secrets: dict[str, str] = field(default_factory=dict)    # value -> what it is
    records: list[str] = field(default_factory=list)         # formatted log records
    loggers: set[str] = field(default_factory=set)
    printed: str = ""
    shown: list[str] = field(default_factory=list)           # repr() and str() of objects
    objects: int = 0
    errors: list[TDError] = field(default_factory=list)
    flows: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)          # directories holding secrets
    grants: dict[str, int] = field(default_factory=dict)     # as counted by the sandbox

    def leaks(self) -> list[str]:
        """``"<what> in <where>"`` for every secret found anywhere."""
        places = [("log", "\n".join(self.records)), ("output", self.printed),
                  ("repr", "\n".join(self.shown)),
                  ("errors", "\n".join(exposed_text(exc) for exc in self.errors))]
        return [f"{what} in {where}" for value, what in self.secrets.items()
                for where, text in places if leaked(value, text)]

    def bad_modes(self) -> list[str]:
        """Files not 0600 and directories not 0700 under the secret-holding directories."""
        bad = []
        for top in self.paths:
            for root, _dirs, files in os.walk(top):
                entries = [(root, 0o700)] + [(os.path.join(root, f), 0o600) for f in files]
                for path, wanted in entries:
                    mode = stat.S_IMODE(os.stat(path).st_mode)
                    if mode != wanted:
                        bad.append(f"{path}: {mode:04o}")
        return bad


class Capture(logging.Handler):
    """Every record that reaches the root logger, formatted, unless from the browser thread."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(logging.DEBUG)
        self.evidence = evidence
        self.setFormatter(logging.Formatter("%(name)s %(threadName)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.threadName == BROWSER_THREAD:
            return
        self.evidence.loggers.add(record.name)
        self.evidence.records.append(self.format(record) + f" args={record.args!r}")


def record_issued(sandbox: Sandbox, evidence: Evidence) -> None:
    """Note every code and token the sandbox hands out (its own objects, wrapped)."""
    issue_code, issue_tokens = sandbox.oauth.issue_code, sandbox.oauth.issue_tokens

    def code(*args: Any, **kwargs: Any) -> str:
        value = issue_code(*args, **kwargs)
        evidence.secrets[value] = "authorization code"
        return value

    def tokens(*args: Any, **kwargs: Any) -> dict:
        body = issue_tokens(*args, **kwargs)
        evidence.secrets[body["access_token"]] = "access token"
        if body.get("refresh_token"):
            evidence.secrets[body["refresh_token"]] = "refresh token"
        return body

    sandbox.oauth.issue_code, sandbox.oauth.issue_tokens = code, tokens


class TLSBrowser:
    """Approves (auto) and follows the redirect to an https callback, trusting its certificate."""

    def __init__(self, cert: Path) -> None:
        self.cert = cert
        self.pages: list[requests.Response] = []
        self.done = threading.Event()

    def __call__(self, url: str) -> None:
        threading.Thread(target=self._visit, args=(url,), name=BROWSER_THREAD,
                         daemon=True).start()

    def _visit(self, url: str) -> None:
        try:
            with requests.Session() as http:
                http.trust_env = False
                location = http.get(url, allow_redirects=False, timeout=10).headers["Location"]
                self.pages.append(http.get(location, timeout=10, verify=str(self.cert)))
        finally:
            self.done.set()


def show(evidence: Evidence, *objects: Any) -> None:
    for obj in objects:
        evidence.objects += 1
        evidence.shown += [repr(obj), str(obj)]


def expect_error(evidence: Evidence, flow: str, action: Callable[[], Any]) -> None:
    try:
        action()
    except TDError as exc:
        evidence.errors.append(exc)
        evidence.flows.append(flow)
        return
    raise AssertionError(f"{flow}: no error")


def redirected(url: str) -> str:
    """The address bar after approval (the sandbox auto-approves with one redirect)."""
    return requests.get(url, allow_redirects=False, timeout=10).headers["Location"]


def run_flows(directory: Path) -> Evidence:
    """Every flow, with all logging and output captured; returns what to search."""
    evidence = Evidence()
    clock = clock_from_now()
    capture = Capture(evidence)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), \
                Sandbox(auto_approve=True, clock=clock) as sandbox:
            record_issued(sandbox, evidence)
            _flows(sandbox, clock, directory, evidence, out)
            show(evidence, sandbox, sandbox.oauth)
            evidence.grants = sandbox.stats()["grants"]
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
        logging.getLogger("pyTD").setLevel(logging.NOTSET)
    evidence.printed = out.getvalue()
    for exc in evidence.errors:
        show(evidence, exc, exc.args)
    key = (directory / "tls" / KEY_NAME).read_text().splitlines()
    for line in key[1:-1]:                          # the PEM body, line by line
        evidence.secrets[line] = "TLS private key"
    evidence.paths = [directory / "tls", directory / "sql"]
    return evidence


def _flows(sandbox: Sandbox, clock: Any, directory: Path, evidence: Evidence,
           out: io.StringIO) -> None:
    def app(scheme: str = "http") -> str:
        callback = f"{scheme}://127.0.0.1:{free_port()}/callback"
        sandbox.register_app(APP_KEY, callback)
        return callback

    # Script flow over https with a callable browser; tokens in a DiskCache, 0600.
    tls_dir = directory / "tls"
    script = client_for(sandbox, app("https"), config_dir=str(tls_dir), clock=clock,
                        log_level="DEBUG")
    browser = TLSBrowser(tls_dir / CERT_NAME)
    script.authorize(open_browser=browser, timeout=20)
    assert browser.done.wait(10) and browser.pages[-1].status_code == 200
    script.get_quotes(["AAPL", "MSFT"])
    evidence.flows.append("script flow (https, callable browser)")
    # Refresh before expiry, then a refresh token renewal, then a 401 and its refresh.
    clock.advance(1800)
    script.get_quotes("AAPL")
    evidence.flows.append("refresh before expiry")
    clock.advance(81 * DAY)          # less than the 10-day renewal window left of 90 days
    script.get_quotes("SPY")
    evidence.flows.append("refresh token renewal")
    sandbox.expire_access_tokens()
    script.get_quotes("QQQ")
    evidence.flows.append("refresh after 401")
    show(evidence, script, script.cache, script.auth, script.auth.flow,
         script.settings, script.access_token, script.refresh_token, script.auth.tokens(),
         script.auth.flow.refresh(script.refresh_token.token))   # a TokenGrant

    # Manual flow: the URL is printed, the redirected URL pasted back; an SQLCache.
    manual = client_for(sandbox, app(), cache=SQLCache(directory / "sql" / "tokens.db",
                                                       key=APP_KEY), clock=clock)

    def paste(prompt: str) -> str:
        printed = out.getvalue().splitlines()
        return redirected(next(line.strip() for line in reversed(printed) if "/auth?" in line))

    manual.auth._input = paste
    manual.authorize(manual=True)
    manual.get_quotes("AAPL")
    evidence.flows.append("manual flow (pasted URL)")
    show(evidence, manual, manual.cache, manual.access_token, manual.refresh_token)
    _transport_errors(manual, clock, evidence)

    # Web flow: authorization URL, then the redirected URL with its state; a MemCache.
    web = client_for(sandbox, app(), cache=MemCache(), clock=clock)
    url, state = web.auth.authorization_url()
    location = redirected(url)
    web.auth.exchange_code(location, state=state)
    web.get_quotes("MSFT")
    evidence.flows.append("web flow")
    show(evidence, web, web.cache, web.access_token, web.refresh_token)

    # Failures, each with a typed error whose text is searched too.
    url, state = web.auth.authorization_url()
    expect_error(evidence, "state mismatch",
                 lambda: web.auth.exchange_code(redirected(url), state="other"))
    expect_error(evidence, "reused code",
                 lambda: web.auth.exchange_code(location, state=urlsplit(location).query
                                                .split("state=")[1]))
    expect_error(evidence, "access denied",
                 lambda: web.auth.exchange_code(f"{web.settings.callback_url}?error="
                                                f"access_denied&state={state}", state=state))
    deny = Browser("deny")
    sandbox.auto_approve = False
    expect_error(evidence, "denied on the consent page",
                 lambda: manual.authorize(open_browser=deny, timeout=10))
    assert deny.done.wait(10)
    sandbox.auto_approve = True
    sandbox.revoke(web.refresh_token.token)
    clock.advance(1800)
    expect_error(evidence, "revoked refresh token", lambda: web.get_quotes("AAPL"))
    clock.advance(91 * DAY)
    expect_error(evidence, "expired refresh token", lambda: manual.get_quotes("AAPL"))

    # Logout forgets the tokens in the object and in the cache.
    script.logout()
    assert not script.auth_valid and not DiskCache(script.cache.describe()).refresh_token
    evidence.flows.append("logout")
    show(evidence, script, script.access_token)
    time.sleep(0.05)   # let the callback server's last handler thread finish its logging


def _transport_errors(holder: Any, clock: Any, evidence: Evidence) -> None:
    """Redirects, malformed token answers, dropped and trickled answers, with real tokens.

    ``holder``'s tokens were issued by the sandbox (so they are searched for);
    each failing server is its api's base URL, so the Bearer header and the
    refresh token travel with every request that fails.
    """
    tokens = {"access_token": holder.access_token.token,
              "refresh_token": holder.refresh_token.token}
    form = "&".join(f"{k}={quote_plus(v)}" for k, v in tokens.items()).encode()
    truncated = json.dumps({**tokens, "expires_in": 1800}).encode()[:-8]

    def drop(conn: Any) -> None:
        conn.close()

    def trickle(conn: Any) -> None:
        for _ in range(200):
            conn.sendall(b"H")
            time.sleep(0.02)

    with Canned() as other:
        servers = {
            "307 to another host": Redirector(307, f"http://127.0.0.1:{other.port}/steal"),
            "form-encoded token answer": Canned(200, form),
            "truncated token answer": Canned(200, truncated),
            "dropped connection": RawServer(drop),
            "trickled answer": RawServer(trickle),
        }
        for name, server in servers.items():
            with server:
                a = api(consumer_key=APP_KEY, callback_url=holder.settings.callback_url,
                        cache=MemCache(), base_url=server.url, deadline=1.0, retry_count=0,
                        clock=clock)
                a.auth.store(TokenGrant(holder.access_token, holder.refresh_token))
                expect_error(evidence, f"{name}: token refresh",
                             lambda a=a: a.auth.flow.refresh(holder.refresh_token.token))
                expect_error(evidence, f"{name}: order",
                             lambda a=a: a.place_order("123456789",
                                                       equity_buy_market("AAPL", 1)))
                expect_error(evidence, f"{name}: quotes", lambda a=a: a.get_quotes("AAPL"))
        assert other.requests == []


def test_no_secret_in_logs_output_or_reprs_and_private_files(tmp_path, figure):
    evidence = run_flows(tmp_path)
    kinds = set(evidence.secrets.values())
    assert kinds == {"authorization code", "access token", "refresh token", "TLS private key"}
    assert len(evidence.flows) == 13 + 15, evidence.flows
    assert evidence.grants == {"authorization_code": 3, "refresh_token": 3,
                               "refresh_token_offline": 1}
    # The capture worked: pyTD's and urllib3's DEBUG records are in it.
    text = "\n".join(evidence.records)
    assert {"pyTD.api", "pyTD.auth.flow", "pyTD.auth.manager", "urllib3.connectionpool"} \
        <= evidence.loggers, evidence.loggers
    assert "Access token refreshed" in text and "refreshing the access token once" in text
    assert evidence.leaks() == []
    assert evidence.bad_modes() == []
    assert (tmp_path / "tls" / KEY_NAME).exists() and (tmp_path / "sql" / "tokens.db").exists()
    figure("secrets",
           f"{len(evidence.secrets)} secrets, {len(evidence.records)} log records from "
           f"{len(evidence.loggers)} loggers, {evidence.objects} objects shown, "
           f"{len(evidence.errors)} errors, {len(evidence.printed)} characters printed")


# -- Schwab: the app secret is a credential -------------------------------------------------

def test_schwab_app_secret_leaks_nowhere(make_sandbox, clock, tmp_path, caplog):
    from pyTD.sandbox.client import sandbox_api
    from tests.support.leaks import exposed_text, leaked

    wrong = "WrongAppSecretValue-4711"
    sandbox = make_sandbox(provider="schwab", auto_approve=True, clock=clock)
    caplog.set_level(logging.DEBUG)
    a = sandbox_api(sandbox, app_secret=wrong, clock=clock,
                    cache=DiskCache(str(tmp_path / "tokens.json")), config_dir=str(tmp_path))
    clock.advance(1900)
    try:
        a.get_quotes("AAPL")
    except TDError as exc:
        assert "app key or app secret was refused" in str(exc)
        assert not leaked(wrong, exposed_text(exc))
    else:
        raise AssertionError("a wrong app secret was accepted")
    texts = [r.getMessage() for r in caplog.records]
    texts += [repr(a), repr(a.settings), repr(a.auth), repr(a.auth.flow)]
    texts += [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert not [t for t in texts if leaked(wrong, t)]

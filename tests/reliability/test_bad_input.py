"""Bad input, one row each: the documented typed error, a message that says what to do,
and nothing lost from the token cache.

Every case starts from an ``api`` authorized against the sandbox whose tokens
sit in a DiskCache in its configuration directory. The case does one wrong
thing (a setting, an argument, a server answer, a broken disk, a damaged cache
file, a bad redirect); afterwards the cache must still hold the same tokens (or,
for a damaged file, the damaged bytes must still exist where the message says).
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

import pytest
import requests

from pyTD.api import api
from pyTD.cache import DiskCache
from pyTD.exceptions import (
    AccessDeniedError,
    AuthorizationError,
    CacheError,
    CallbackTimeoutError,
    ConfigurationError,
    StateMismatchError,
    TDError,
    ValidationError,
)
from pyTD.sandbox import Sandbox
from pyTD.sandbox.accounts import ACCOUNT_IDS
from pyTD.sandbox.routing import BEARER, SandboxResponse
from tests.integration.auth_support import APP_KEY, new_app
from tests.support.sandboxes import start_sandbox

DAY = 86400
ACCOUNT = ACCOUNT_IDS[0]


@pytest.fixture(scope="module")
def sb(request):
    sandbox = start_sandbox(request, auto_approve=True)
    sandbox.router.add("GET", r"/v1/test/html", lambda sandbox, req: SandboxResponse(
        200, b"<html><body>Gateway maintenance</body></html>",
        {"Content-Type": "text/html"}), BEARER)
    return sandbox


@dataclass
class Env:
    """An authorized api whose tokens are in ``path``, and what the case may need."""

    sb: Sandbox
    a: Any
    callback: str
    config: Path
    path: Path
    tokens: tuple[str, str] = field(repr=False)      # never shown in a failure report
    bytes: bytes = field(repr=False)
    monkeypatch: pytest.MonkeyPatch = field(repr=False)

    def client(self, **kwargs: Any) -> Any:
        """Another api on the same key and configuration directory (so the same cache)."""
        options = dict(consumer_key=APP_KEY, callback_url=self.callback,
                       base_url=self.sb.base_url, auth_url=self.sb.auth_url,
                       config_dir=str(self.config))
        options.update(kwargs)
        return api(**options)

    def redirected(self) -> tuple[str, str]:
        """A fresh authorization of this app: (redirected URL, state)."""
        url, state = self.a.auth.authorization_url()
        location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        return location, state


@pytest.fixture
def env(sb, tmp_path, monkeypatch):
    callback = new_app(sb)
    config = tmp_path / "config"
    a = api(consumer_key=APP_KEY, callback_url=callback, base_url=sb.base_url,
            auth_url=sb.auth_url, config_dir=str(config))
    e = Env(sb, a, callback, config, Path(a.cache.describe()), ("", ""), b"", monkeypatch)
    location, state = e.redirected()
    a.auth.exchange_code(location, state=state)
    e.tokens = tokens_in(e.path)
    e.bytes = e.path.read_bytes()
    yield e
    os.chmod(config, 0o700)
    logging_off()


def logging_off() -> None:
    import logging

    logging.getLogger("pyTD").setLevel(logging.NOTSET)


def tokens_in(path: Path) -> tuple[str, str]:
    tokens = DiskCache(str(path)).tokens()
    return tokens.refresh_token.token or "", tokens.access_token.token or ""


# -- what a case does to the environment -------------------------------------------------

class Disk:
    """The ``os`` module as ``pyTD._files`` (the cache's writes) sees it, with a full disk or
    a read-only dir."""

    def __init__(self, real: Any, *, full: tuple[str, ...] = (),
                 read_only: Optional[Path] = None) -> None:
        self._real, self._full, self._read_only = real, full, read_only

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def _enospc(self, name: str) -> None:
        if name in self._full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write(self, fd: int, data: Any) -> int:
        self._enospc("write")
        return self._real.write(fd, data)

    def replace(self, src: Any, dst: Any) -> None:
        self._enospc("replace")
        self._real.replace(src, dst)

    def open(self, path: Any, flags: int, *args: Any) -> int:
        # Creating a file in a read-only directory; root would otherwise be let through.
        if (self._read_only is not None and flags & os.O_CREAT and not os.path.exists(path)
                and Path(path).parent == self._read_only):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return self._real.open(path, flags, *args)


def full_disk(env: Env, failing: str) -> None:
    import pyTD._files as files

    env.monkeypatch.setattr(files, "os", Disk(os, full=(failing,)))
    env.sb.expire_access_tokens()                    # the next call must refresh and save
    env.a.get_quotes("AAPL")


def read_only_config(env: Env) -> None:
    import pyTD._files as files

    os.chmod(env.config, 0o500)
    if os.geteuid() == 0:   # root ignores the mode: make the cache's writes see it anyway
        env.monkeypatch.setattr(files, "os", Disk(os, read_only=env.config))
    env.sb.expire_access_tokens()
    env.a.get_quotes("AAPL")


def busy_port(env: Env) -> None:
    port = urlsplit(env.callback).port
    opened: list[str] = []
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        try:
            env.a.authorize(open_browser=opened.append, timeout=5)
        finally:
            assert opened == []           # failed before the browser opened


def authorize_with(callback: str) -> Callable[[Env], None]:
    def run(env: Env) -> None:
        opened: list[str] = []
        try:
            env.client(callback_url=callback).authorize(open_browser=opened.append, timeout=1)
        finally:
            assert opened == []
    return run


def environment(name: str, value: str) -> Callable[[Env], None]:
    """An api built with ``name`` set in the environment (and no argument overriding it)."""
    setting = name[len("TD_"):].lower()

    def run(env: Env) -> None:
        env.monkeypatch.setenv(name, value)
        env.client(**{setting: None})
    return run


def garbage(env: Env) -> None:
    env.path.write_bytes(b'{"version": 1, "refresh_token": {"token": "abc", "acc')
    env.client().get_quotes("AAPL")


def wrong_version(env: Env) -> None:
    data = json.loads(env.bytes)
    data["version"] = 99
    env.path.write_text(json.dumps(data))
    env.client().get_quotes("AAPL")


def expired_refresh(env: Env) -> None:
    later = env.client(clock=lambda: time.time() + 91 * DAY)
    later.get_quotes("AAPL")


def revoked_refresh(env: Env) -> None:
    env.sb.revoke(env.tokens[0])
    env.sb.expire_access_tokens()
    env.a.get_quotes("AAPL")


def paste(text_of: Callable[[Env, str], str]) -> Callable[[Env], None]:
    """The manual flow, pasting ``text_of(env, state of the printed URL)``."""
    def run(env: Env) -> None:
        flow = env.a.auth.flow
        original, states = flow.authorization_url, []

        def recording(state: Optional[str] = None) -> tuple[str, str]:
            url, state = original(state)
            states.append(state)
            return url, state

        env.monkeypatch.setattr(flow, "authorization_url", recording)
        env.a.auth._input = lambda prompt: text_of(env, states[0])
        env.a.authorize(manual=True)
    return run


def reused_code(env: Env) -> None:
    location, state = env.redirected()
    env.client(store_tokens=False).auth.exchange_code(location, state=state)
    env.a.auth.exchange_code(location, state=state)


# -- the table ---------------------------------------------------------------------------

@dataclass
class Case:
    id: str
    run: Callable[[Env], Any]
    error: type
    says: str                                     # regex: what to do
    keeps: Optional[Callable[[Env], None]] = None  # instead of "same tokens"


def moved_aside(env: Env) -> None:
    """The damaged file is kept under the name the message gives."""
    kept = [p for p in env.config.iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b'{"version": 1, "refresh')


def untouched(env: Env) -> None:
    data = json.loads(env.path.read_bytes())
    same = data["refresh_token"]["token"] == env.tokens[0]   # (a failure must not print it)
    assert data["version"] == 99 and same


def recorded_refusal(env: Env) -> None:
    """The refused refresh token stays, marked refused; the dead access token is dropped."""
    data = json.loads(env.path.read_bytes())
    same = data["refresh_token"]["token"] == env.tokens[0]   # (a failure must not print it)
    assert same and data["refresh_token"]["refused_at"] > 0 and data["access_token"] is None


QUOTE = "pytd auth login"

CASES = [
    # Configuration.
    Case("unknown consumer key",
         lambda e: e.client(consumer_key="NOSUCHKEY0000000000000000000000").auth.exchange_code(
             "some-code"), AuthorizationError, r"check TD_CONSUMER_KEY / consumer_key"),
    Case("no consumer key", lambda e: e.client(consumer_key=None), ConfigurationError,
         r"pass consumer_key=\.\.\. or set TD_CONSUMER_KEY"),
    Case("callback URL not http", authorize_with("ftp://127.0.0.1:8080/cb"),
         ConfigurationError, r"use the one registered for your app"),
    Case("callback URL not loopback", authorize_with("http://example.com:8080/cb"),
         ConfigurationError, r"authorize\(manual=True\)"),
    Case("callback URL with a bad port", authorize_with("http://127.0.0.1:99999/cb"),
         ConfigurationError, r"invalid port"),
    Case("no callback URL", authorize_with(""), ConfigurationError,
         r"pass callback_url=\.\.\. or set TD_CALLBACK_URL"),
    Case("busy callback port", busy_port, AuthorizationError,
         r"find it with `lsof -i :\d+`.* and close it\. Or register another callback URL "
         r"with a free port for your app, e\.g\. http://127\.0\.0\.1:\d+"),
    Case("invalid TD_STORE_TOKENS", environment("TD_STORE_TOKENS", "maybe"),
         ConfigurationError, r"TD_STORE_TOKENS='maybe'.*use one of true/false"),
    Case("invalid TD_LOG_LEVEL", environment("TD_LOG_LEVEL", "LOUD"), ConfigurationError,
         r"TD_LOG_LEVEL='LOUD'.*use one of"),
    Case("invalid TD_BASE_URL", environment("TD_BASE_URL", "api.example.com/v1"),
         ConfigurationError, r"TD_BASE_URL=.*must be an http\(s\):// URL"),
    Case("unknown option", lambda e: api({"consumer_key": APP_KEY, "colour": "blue"}),
         ConfigurationError, r"Unknown option\(s\) \['colour'\]; known: "),
    Case("store_tokens not a boolean", lambda e: e.client(store_tokens="perhaps"),
         ConfigurationError, r"use one of true/false"),
    Case("cache class instead of instance", lambda e: e.client(cache=DiskCache),
         ConfigurationError, r"pass e\.g\. DiskCache\(path\)"),
    Case("bad output_format for the api", lambda e: e.client(output_format="xml"),
         ConfigurationError, r"use one of json, pandas"),
    Case("bad output_format for a call",
         lambda e: e.a.get_quotes("AAPL", output_format="csv"), ValidationError,
         r"output_format must be one of json, pandas"),
    # Arguments.
    Case("unknown period type", lambda e: e.a.get_price_history("AAPL", period_type="week"),
         ValidationError, r"period_type must be one of day, month, year, ytd"),
    Case("period not allowed for the period type",
         lambda e: e.a.get_price_history("AAPL", period_type="month", period=5),
         ValidationError, r"must be one of 1, 2, 3, 6"),
    Case("frequency type not allowed for the period type",
         lambda e: e.a.get_price_history("AAPL", period_type="month", frequency_type="minute"),
         ValidationError, r"must be one of daily, weekly"),
    Case("unknown contract type",
         lambda e: e.a.get_option_chain("AAPL", contract_type="STRADDLE"), ValidationError,
         r"contract_type must be one of CALL, PUT, ALL"),
    Case("unknown movers index", lambda e: e.a.get_movers("$FOO"), ValidationError,
         r"index must be one of \$COMPX, \$DJI, \$SPX\.X"),
    Case("unknown market", lambda e: e.a.get_market_hours("CRYPTO"), ValidationError,
         r"markets must be one of EQUITY, OPTION"),
    Case("unknown projection", lambda e: e.a.get_instruments("AAPL", projection="fuzzy"),
         ValidationError, r"projection must be one of symbol-search"),
    Case("unknown transaction type", lambda e: e.a.get_transactions(ACCOUNT, type="GIFT"),
         ValidationError, r"type must be one of ALL, TRADE"),
    Case("unknown order status", lambda e: e.a.get_orders(ACCOUNT, status="DONE"),
         ValidationError, r"status must be one of .*WORKING"),
    Case("inverted price history dates",
         lambda e: e.a.get_price_history("AAPL", start_date=date(2024, 2, 1),
                                         end_date=date(2024, 1, 1)),
         ValidationError, r"pass a start_date on or before end_date"),
    Case("inverted order dates",
         lambda e: e.a.get_orders(ACCOUNT, from_entered_time="2024-03-01",
                                  to_entered_time="2024-02-01"),
         ValidationError, r"pass a from_entered_time on or before to_entered_time"),
    Case("inverted option chain dates",
         lambda e: e.a.get_option_chain("AAPL", from_date="2024-03-01", to_date="2024-01-01"),
         ValidationError, r"pass a from_date on or before to_date"),
    Case("epoch seconds instead of milliseconds",
         lambda e: e.a.get_price_history("AAPL", start_date=1_700_000_000), ValidationError,
         r"pass epoch milliseconds \(1700000000000\)"),
    Case("empty symbol list", lambda e: e.a.get_quotes([]), ValidationError,
         r"symbols is empty: pass a symbol such as 'AAPL'"),
    Case("empty symbol string", lambda e: e.a.get_quotes("  "), ValidationError,
         r"pass a symbol such as 'AAPL'"),
    Case("CUSIP as an int", lambda e: e.a.get_instrument(37833100), ValidationError,
         r"Pass it quoted"),
    Case("max_results of 0", lambda e: e.a.get_orders(ACCOUNT, max_results=0),
         ValidationError, r"must be a whole number of at least 1"),
    Case("analytical inputs without the analytical strategy",
         lambda e: e.a.get_option_chain("AAPL", strategy="SINGLE", volatility=30),
         ValidationError, r"pass strategy='ANALYTICAL' or drop them"),
    Case("order that is not a dict", lambda e: e.a.place_order(ACCOUNT, []), ValidationError,
         r"must be a dict of TD.s order JSON or an OrderBuilder"),
    # What comes back from the server or the disk.
    Case("non-JSON server body", lambda e: e.a.request("GET", "/test/html"), TDError,
         r"starts with '<html><body>Gateway.*Check that TD_BASE_URL points at the API"),
    Case("read-only configuration directory", read_only_config, CacheError,
         r"previous tokens are unchanged\. Fix the permissions .*or choose another location"),
    Case("full disk (write)", lambda e: full_disk(e, "write"), CacheError,
         r"No space left on device\. The previous tokens are unchanged\. The disk .*is full: "
         r"free disk space"),
    Case("full disk (rename)", lambda e: full_disk(e, "replace"), CacheError,
         r"No space left on device\. The previous tokens are unchanged\. The disk .*is full: "
         r"free disk space"),
    Case("cache file edited into garbage", garbage, CacheError,
         r"moved to .*\.corrupt-.*Re-authorize with `pytd auth login`, or restore", moved_aside),
    Case("cache format version from the future", wrong_version, CacheError,
         r"version 99 is not supported.*upgrade pyTD or run `pytd auth logout`", untouched),
    # Authorization.
    Case("pasted URL without a code", paste(lambda e, state: f"{e.callback}?state={state}"),
         AuthorizationError, r"Paste the full URL your browser was redirected to"),
    Case("pasted URL of another authorization", paste(lambda e, state: e.redirected()[0]),
         StateMismatchError, r"Start the authorization again"),
    Case("error=access_denied",
         paste(lambda e, state: f"{e.callback}?error=access_denied&state={state}"),
         AccessDeniedError, r"choose Allow"),
    Case("state mismatch in the web flow",
         lambda e: e.a.auth.exchange_code(e.redirected()[0], state="not-the-state"),
         StateMismatchError, r"Start the authorization again"),
    Case("reused code", reused_code, AuthorizationError, QUOTE),
    Case("expired refresh token", expired_refresh, AuthorizationError,
         r"expired on .*\(they last 90 days\)\. .*run `pytd auth login`"),
    Case("revoked refresh token", revoked_refresh, AuthorizationError,
         r"revoked\).*Run `pytd auth login`", recorded_refusal),
    Case("no callback within the deadline",
         lambda e: e.a.authorize(open_browser=lambda url: None, timeout=0.3),
         CallbackTimeoutError, r"api\.authorize\(manual=True\)"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_typed_error_that_says_what_to_do_and_loses_nothing(case, env):
    with pytest.raises(case.error) as info:
        case.run(env)
    message = str(info.value)
    assert re.search(case.says, message, re.S), message
    if case.keeps is not None:
        case.keeps(env)
    else:
        kept = tokens_in(env.path) == env.tokens     # compared here: a failure must not print
        assert kept, "the cache no longer holds the tokens it had before"
        assert not [p for p in env.config.iterdir() if ".tmp-" in p.name]


def test_the_table_is_long_enough():
    assert len(CASES) >= 30

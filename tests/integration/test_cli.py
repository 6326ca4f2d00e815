"""The ``pytd`` command line against a sandbox in this process.

Most tests call :func:`pyTD.cli.main` in this process (with the environment a
child would get, output captured); a few run ``python -m pyTD`` as a real child
process end to end.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import signal
import stat
import sys
import time

import pytest
import requests

import pyTD
from pyTD.accounts import get_accounts
from pyTD.auth.tokens import AccessToken
from pyTD.cache.disk import DiskCache
from pyTD.cache.select import cache_file_name
from pyTD.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, log_to_stderr
from pyTD.sandbox import DEMO_CONSUMER_KEY
from pyTD.sandbox.accounts import state
from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.faults import Faults
from tests.support.sandboxes import start_sandbox

from .cli_support import (
    CLI_KEY,
    call_main,
    run_alongside,
    run_pytd,
    store_tokens,
    use_env,
)
from .sandbox_support import calls

AUTH_URL = r"(http://127\.0\.0\.1:\d+/auth\?\S+)"


@pytest.fixture(scope="module")
def sandbox(request):
    frozen = time.time()  # market data depends on the sandbox clock: freeze it
    return start_sandbox(request, auto_approve=True, clock=lambda: frozen)


@pytest.fixture
def secrets(sandbox, env):
    """Tokens stored in the child's cache; their values must never be printed."""
    return store_tokens(sandbox, env)


def cache_path(env) -> str:
    return os.path.join(env["TD_CONFIG_DIR"], cache_file_name(CLI_KEY))


def assert_clean(result, secrets=()) -> None:
    """No traceback, and no token value, anywhere in the output."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    for secret in secrets:
        assert secret not in output


def table_rows(stdout: str) -> list[list[str]]:
    """The rows of a printed table (below the rule), split on runs of 2+ spaces."""
    lines = stdout.strip().splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line) <= {"-", " "})
    return [re.split(r"\s{2,}", line.strip()) for line in lines[rule + 1:]]


def tokens_in_cache(env) -> list[str]:
    tokens = DiskCache(cache_path(env)).tokens()
    return [t.token for t in (tokens.refresh_token, tokens.access_token) if t]


# -- auth ---------------------------------------------------------------------------------------

def approve(console):
    """Play the browser: open the printed URL; the sandbox approves and redirects to pytd."""
    url = console.wait_for(AUTH_URL).group(1)
    page = requests.get(url, timeout=10)  # auto-approved: redirected to pytd's callback
    assert page.status_code == 200 and "Authorization complete" in page.text


def paste_redirect(console):
    """Open the printed URL without following the redirect; paste where it points."""
    url = console.wait_for(AUTH_URL).group(1)
    redirect = requests.get(url, allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    console.paste(redirect.headers["Location"])


def test_login_no_browser_runs_the_callback_server(sandbox, env, monkeypatch, pytd):
    result = run_alongside(monkeypatch, ["auth", "login", "--no-browser", "--timeout", "20"],
                           env, approve)
    code, out, err = result.returncode, result.stdout, result.stderr
    assert code == 0, err
    assert "Authorized." in out and "valid for 89 days" in out and cache_path(env) in out
    secrets = tokens_in_cache(env)
    assert len(secrets) == 2
    assert all(secret not in out + err for secret in secrets)
    assert pytd(["auth", "status"], env).returncode == 0


def test_login_json_keeps_stdout_machine_readable(env, monkeypatch):
    def browser(console):
        url = console.wait_for(AUTH_URL, stderr=True).group(1)
        requests.get(url, timeout=10)

    result = run_alongside(monkeypatch, ["--json", "auth", "login", "--no-browser"], env,
                           browser)
    code, out, err = result.returncode, result.stdout, result.stderr
    assert code == 0, err
    status = json.loads(out)
    assert status["authorized"] and status["location"] == cache_path(env)


def test_login_manual_reads_the_pasted_url(env, monkeypatch):
    result = run_alongside(monkeypatch, ["auth", "login", "--manual"], env, paste_redirect,
                           stdin=True)
    code, out, err = result.returncode, result.stdout, result.stderr
    assert code == 0, err
    assert "Authorized" in out and "valid for 29 minutes" in out
    assert all(secret not in out + err for secret in tokens_in_cache(env))


def test_verbose_login_logs_the_grant_but_no_code_or_token(env, monkeypatch):
    pasted = []

    def user(console):
        url = console.wait_for(AUTH_URL).group(1)
        redirect = requests.get(url, allow_redirects=False, timeout=10)
        pasted.append(redirect.headers["Location"])
        console.paste(redirect.headers["Location"])

    result = run_alongside(monkeypatch, ["-v", "auth", "login", "--manual"], env, user,
                           stdin=True)
    assert result.returncode == EXIT_OK, result.stderr
    assert "pytd: debug: pyTD.auth.flow: Requesting tokens (grant_type=authorization_code)" \
        in result.stderr
    assert "pytd: debug: pyTD.auth.flow: Token grant authorization_code succeeded" \
        in result.stderr
    code = re.search(r"[?&]code=([^&]+)", pasted[0]).group(1)
    output = result.stdout + result.stderr
    assert code not in output and requests.utils.unquote(code) not in output
    assert all(secret not in output for secret in tokens_in_cache(env))


def test_login_manual_without_input_fails_cleanly(env, pytd):
    result = pytd(["auth", "login", "--manual"], env)
    assert result.returncode == 1
    assert "standard input is closed" in result.stderr
    assert_clean(result)
    assert not os.path.exists(cache_path(env))


def test_login_timeout_says_how_to_authorize(env, pytd):
    result = pytd(["auth", "login", "--no-browser", "--timeout", "0.3"], env)
    assert result.returncode == 1
    assert re.search(r"^pytd: error: No authorization reached the callback server within 0.3 s"
                     r".*`pytd auth login --manual`", result.stderr, re.MULTILINE)
    assert_clean(result)


def test_login_interrupted_exits_130(env, monkeypatch):
    def interrupt(console):
        console.wait_for(AUTH_URL)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C: main() runs on this process's main thread

    result = run_alongside(monkeypatch, ["auth", "login", "--no-browser"], env, interrupt)
    code, err = result.returncode, result.stderr
    assert code == 130 == EXIT_INTERRUPTED
    assert "pytd: interrupted" in err and "Traceback" not in err


def test_status_human_and_json(env, secrets, pytd):
    human = pytd(["auth", "status"], env)
    assert human.returncode == 0, human.stderr
    assert f"DiskCache at {cache_path(env)}" in human.stdout
    assert re.search(r"Refresh token:\s+valid for 89 days \(until \d{4}-\d\d-\d\d", human.stdout)
    assert re.search(r"Access token:\s+valid for 29 minutes", human.stdout)
    assert_clean(human, secrets)

    machine = pytd(["auth", "status", "--json"], env)
    assert machine.returncode == 0
    status = json.loads(machine.stdout)
    assert status["authorized"] is True
    assert (status["cache"], status["location"]) == ("DiskCache", cache_path(env))
    refresh, access = status["refresh_token"], status["access_token"]
    assert refresh["valid"] and access["valid"]
    assert 90 * 86400 - 60 < refresh["remaining_seconds"] <= 90 * 86400
    assert 1800 - 60 < access["remaining_seconds"] <= 1800
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", refresh["expires_at"])
    assert_clean(machine, secrets)


def test_expired_access_token_is_renewed_by_the_next_command(env, secrets, pytd):
    DiskCache(cache_path(env)).update(access_token=AccessToken(
        token=secrets[1], access_time=time.time() - 3600, expires_in=1800))
    status = pytd(["auth", "status"], env)
    assert status.returncode == 0
    assert re.search(r"Access token:\s+expired \(.*\); renewed on the next request",
                     status.stdout)
    assert pytd(["quote", "AAPL"], env).returncode == 0
    assert "valid for 29 minutes" in pytd(["auth", "status"], env).stdout


def test_logout_then_status_says_how_to_log_in(env, secrets, pytd):
    logout = pytd(["auth", "logout"], env)
    assert logout.returncode == 0
    assert f"tokens removed from {cache_path(env)}" in logout.stdout
    assert tokens_in_cache(env) == []

    status = pytd(["auth", "status"], env)
    assert status.returncode == 1
    assert "Refresh token:  none" in status.stdout and "pytd auth login" in status.stdout
    machine = json.loads(pytd(["auth", "status", "--json"], env).stdout)
    assert machine["authorized"] is False
    assert machine["refresh_token"] == {"valid": False, "expires_at": None,
                                        "remaining_seconds": 0, "refused_at": None}


def test_global_options_work_before_or_after_the_command(sandbox, env, secrets, pytd):
    bare = {k: v for k, v in env.items() if not k.startswith("TD_")}
    options = ["--consumer-key", CLI_KEY, "--config-dir", env["TD_CONFIG_DIR"],
               "--base-url", sandbox.base_url, "--auth-url", sandbox.auth_url]
    before = pytd([*options, "--json", "auth", "status"], bare)
    after = pytd(["auth", "status", *options, "--json"], bare)
    for result in (before, after):
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["location"] == cache_path(env)
    quotes = pytd(["quote", "AAPL", *options], bare)
    assert quotes.returncode == 0 and table_rows(quotes.stdout)[0][0] == "AAPL"


def test_no_store_keeps_nothing_on_disk(env, pytd):
    result = pytd(["--no-store", "--json", "auth", "status"], env)
    assert result.returncode == 1
    assert json.loads(result.stdout)["cache"] == "MemCache"
    assert not os.path.exists(env["TD_CONFIG_DIR"])


def test_missing_consumer_key_is_an_error_naming_the_variable(env, pytd):
    env = {k: v for k, v in env.items() if k != "TD_CONSUMER_KEY"}
    result = pytd(["auth", "status"], env)
    assert result.returncode == 1
    assert result.stderr.startswith("pytd: error:") and "TD_CONSUMER_KEY" in result.stderr
    assert_clean(result)


@pytest.mark.parametrize("args", [["quote", "AAPL"], ["history", "AAPL"], ["chain", "AAPL"],
                                  ["hours"], ["movers", "$DJI"]])
def test_data_commands_without_tokens_or_terminal_fail_fast(env, args, pytd):
    started = time.monotonic()
    result = pytd(args, env)
    assert result.returncode == 1
    assert result.stderr.startswith("pytd: error:") and "pytd auth login" in result.stderr
    assert result.stdout == ""
    assert_clean(result)
    assert time.monotonic() - started < 10


# -- market data --------------------------------------------------------------------------------

def test_quote_table_and_json(env, secrets, pytd):
    table = pytd(["quote", "AAPL", "msft"], env)
    assert table.returncode == 0, table.stderr
    header = table.stdout.splitlines()[0].split()
    assert header == ["symbol", "last", "bid", "ask", "change", "%change", "volume"]
    rows = {row[0]: row for row in table_rows(table.stdout)}
    assert set(rows) == {"AAPL", "MSFT"}

    result = pytd(["quote", "AAPL", "MSFT", "--json"], env)
    data = json.loads(result.stdout)
    assert set(data) == {"AAPL", "MSFT"}
    aapl = data["AAPL"]
    assert rows["AAPL"][1:] == [f"{aapl['lastPrice']:,.2f}", f"{aapl['bidPrice']:,.2f}",
                                f"{aapl['askPrice']:,.2f}", f"{aapl['netChange']:,.2f}",
                                f"{aapl['netPercentChangeInDouble']:,.2f}",
                                f"{aapl['totalVolume']:,}"]
    assert_clean(table, secrets)
    assert_clean(result, secrets)


def test_quote_of_unknown_symbol_fails(env, secrets, pytd):
    result = pytd(["quote", "NOT A SYMBOL"], env)
    assert result.returncode == 1
    assert "pytd: error: No quote for NOT A SYMBOL: check the symbol" in result.stderr
    assert_clean(result)


def test_quote_with_one_unknown_symbol_shows_the_others_and_warns(env, secrets, pytd):
    result = pytd(["quote", "AAPL", "NOTASYMBOL"], env)
    assert result.returncode == 0, result.stderr
    assert "AAPL" in result.stdout and "NOTASYMBOL" not in result.stdout
    assert "pytd: warning: No quote for NOTASYMBOL: left out of the answer." in result.stderr


def test_history_table_json_and_csv(env, secrets, tmp_path, pytd):
    args = ["history", "AAPL", "--period-type", "month", "--period", "1",
            "--frequency-type", "daily"]
    data = json.loads(pytd([*args, "--json"], env).stdout)
    candles = data["candles"]
    assert candles

    table = pytd(args, env)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == ["date", "open", "high", "low", "close",
                                                    "volume"]   # daily candles: trading days
    rows = table_rows(table.stdout)
    assert len(rows) == len(candles)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row[0]) for row in rows)
    assert rows[0][4] == f"{candles[0]['close']:,.2f}"

    target = tmp_path / "out" / "aapl.csv"
    target.parent.mkdir()
    written = pytd([*args, "--csv", str(target)], env)
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == f"Wrote {len(candles)} candles of AAPL to {target}"
    with open(target, newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["date", "open", "high", "low", "close", "volume"]
    assert len(lines) == len(candles) + 1
    first = candles[0]
    assert lines[1][0] == rows[0][0]
    assert [float(v) for v in lines[1][1:5]] == [first[k] for k in ("open", "high", "low",
                                                                    "close")]
    assert int(lines[1][5]) == first["volume"]
    assert_clean(written, secrets)


def test_history_csv_to_unwritable_place_is_an_error(env, secrets, tmp_path, pytd):
    result = pytd(["history", "AAPL", "--csv", str(tmp_path / "missing" / "x.csv")], env)
    assert result.returncode == 1
    assert result.stderr.startswith("pytd: error: cannot write")
    assert_clean(result)


def test_history_dates(env, secrets, pytd):
    result = pytd(["--json", "history", "AAPL", "--period-type", "month",
                       "--frequency-type", "daily", "--start", "2024-01-02",
                       "--end", "2024-01-31T00:00Z"], env)
    assert result.returncode == 0, result.stderr
    stamps = [c["datetime"] for c in json.loads(result.stdout)["candles"]]
    assert stamps and min(stamps) >= 1704153600000 and max(stamps) <= 1706659200000


@pytest.mark.parametrize("args, allowed", [
    (["--period-type", "day", "--frequency-type", "daily"], "minute"),
    (["--period-type", "month", "--period", "4"], "1, 2, 3, 6"),
    (["--frequency-type", "minute", "--frequency", "7"], "1, 5, 10, 15, 30"),
])
def test_history_bad_period_frequency_combination(env, args, allowed, pytd):
    result = pytd(["history", "AAPL", *args], env)  # checked before any request
    assert result.returncode == 2
    assert result.stderr.startswith("pytd: error:") and allowed in result.stderr
    assert_clean(result)


def test_chain(env, secrets, pytd):
    result = pytd(["chain", "aapl", "--contract-type", "call", "--strike-count", "2"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == [
        "expiration", "strike", "put/call", "bid", "ask", "last", "volume", "open", "int",
        "delta"]
    rows = table_rows(result.stdout)
    assert rows and {row[2] for row in rows} == {"CALL"}
    assert rows == sorted(rows, key=lambda r: (r[0], float(r[1])))

    data = json.loads(pytd(["chain", "AAPL", "--contract-type", "CALL", "--strike-count",
                                "2", "--json"], env).stdout)
    assert not data.get("putExpDateMap")
    contracts = sum(len(c) for strikes in data["callExpDateMap"].values()
                    for c in strikes.values())
    assert contracts == len(rows)


def test_hours(env, secrets, pytd):
    result = pytd(["hours", "equity", "option", "--date", "2024-07-03"], env)
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    assert ["equity", "EQ", "yes", "09:30-16:00 (UTC-04:00)"] in rows
    assert {row[0] for row in rows} == {"equity", "option"}

    everything = json.loads(pytd(["hours", "--json", "--date", "2024-07-03"], env).stdout)
    assert set(everything) == {"equity", "option", "future", "bond", "forex"}


def test_movers(env, secrets, pytd):
    result = pytd(["movers", "DJI", "--direction", "up"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == ["symbol", "description", "direction",
                                                     "last", "change", "%change", "volume"]
    rows = table_rows(result.stdout)
    assert rows and {row[2] for row in rows} == {"up"}

    data = json.loads(pytd(["movers", "$DJI", "--direction", "up", "--json"], env).stdout)
    assert [m["symbol"] for m in data] == [row[0] for row in rows]
    assert rows[0][5] == f"{data[0]['change'] * 100:.2f}"

    by_value = pytd(["movers", "$SPX.X", "--change", "value"], env)
    assert by_value.returncode == 0
    assert by_value.stdout.splitlines()[0].split()[4:6] == ["change", "%change"]


def test_closed_output_pipe_ends_quietly(env, secrets, monkeypatch, capsys):
    read_end, write_end = os.pipe()
    os.close(read_end)
    stdout = os.fdopen(write_end, "w")  # like `pytd history AAPL | head` once head has quit
    try:
        with monkeypatch.context() as scoped:
            use_env(scoped, env)
            scoped.setattr(sys, "stdin", io.StringIO(""))
            scoped.setattr(sys, "stdout", stdout)
            code = call_main(["history", "AAPL"])
    finally:
        stdout.close()  # pytd pointed the descriptor at /dev/null: the rest goes nowhere
    assert code == 1
    assert capsys.readouterr().err == ""


# -- sandbox and demo ---------------------------------------------------------------------------

def test_sandbox_command_serves_until_terminated(env, monkeypatch):
    answers = []

    def client(console):
        base_url = console.wait_for(r"Base URL:\s+(\S+)").group(1)
        try:
            answers.append(requests.get(f"{base_url}/marketdata/AAPL/quotes",
                                        params={"apikey": DEMO_CONSUMER_KEY}, timeout=10))
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # the sandbox's own handler stops it

    result = run_alongside(monkeypatch, ["sandbox", "--port", "0", "--auto-approve"], env,
                           client)
    answer = answers[0]
    assert answer.status_code == 200 and answer.json()["AAPL"]["delayed"] is True
    code, out, err = result.returncode, result.stdout, result.stderr
    assert code == 0, err
    assert "stopped" in out


def test_demo(tmp_path, env):  # a child process: `python -m pyTD demo`, end to end
    config_dir = tmp_path / "demo"
    result = run_pytd(["demo", "--config-dir", str(config_dir)], env)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^symbol\s+last\s+bid\s+ask", result.stdout, re.MULTILINE)
    assert re.search(r"^AAPL\s+\d", result.stdout, re.MULTILINE)
    stored = re.search(r"Tokens stored in (\S+)", result.stdout).group(1)
    assert stored.startswith(str(config_dir)) and os.path.isfile(stored)
    assert_clean(result)


# -- usage --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    ([], "required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["quote"], "required: SYMBOL"),
    (["quote", "AAPL", "--bogus"], "unrecognized arguments: --bogus"),
    (["history", "AAPL", "--period-type", "week"], "invalid choice: 'week'"),
    (["history", "AAPL", "--start", "yesterday"], "expected YYYY-MM-DD"),
    (["chain", "AAPL", "--contract-type", "both"], "invalid choice: 'BOTH'"),
    (["chain", "AAPL", "--strike-count", "0"], "at least 1"),
    (["hours", "--date", "2024-13-01"], "expected YYYY-MM-DD"),
    (["movers", "NASDAQ"], "'NASDAQ' is not an index pyTD knows"),
    (["auth", "login", "--manual", "--no-browser"], "not allowed with argument"),
    (["auth"], "pytd auth: error: the following arguments are required: COMMAND"),
    (["--log-level", "loud", "quote", "AAPL"],
     "argument --log-level: invalid choice: 'LOUD' (choose from 'DEBUG', 'INFO', 'WARNING', "
     "'ERROR', 'CRITICAL')"),
    (["quote", "AAPL", "--log-level"], "argument --log-level: expected one argument"),
    (["demo", "--verbose=yes"], "argument -v/--verbose: ignored explicit argument 'yes'"),
])
def test_bad_usage_exits_2(env, args, message, pytd):
    result = pytd(args, env)
    assert result.returncode == 2 == EXIT_USAGE
    assert message in result.stderr and "usage: pytd" in result.stderr
    assert result.stdout == ""
    assert_clean(result)


def test_bad_market_is_rejected_with_the_allowed_values(env, pytd):
    result = pytd(["hours", "STOCKS"], env)
    assert result.returncode == 2
    assert "EQUITY, OPTION, FUTURE, BOND, FOREX" in result.stderr
    assert_clean(result)


@pytest.mark.parametrize("command, expected", [
    ([], "--consumer-key"),
    (["auth"], "logout"),
    (["auth", "login"], "--no-browser"),
    (["auth", "status"], "--json"),
    (["auth", "logout"], "--config-dir"),
    (["quote"], "SYMBOL"),
    (["history"], "--period-type {day,month,year,ytd}"),
    (["chain"], "--contract-type {CALL,PUT,ALL}"),
    (["hours"], "--date YYYY-MM-DD"),
    (["movers"], "--direction {up,down}"),
    (["demo"], "--config-dir"),
    (["sandbox"], "--auto-approve"),
])
def test_help_of_each_command(env, command, expected, pytd):
    result = pytd([*command, "--help"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: pytd {' '.join(command)}".rstrip())
    assert expected in result.stdout


# -- version and logging ------------------------------------------------------------------------

REQUEST_LINE = r"^pytd: debug: pyTD\.api: GET /marketdata/AAPL/quotes -> 200 in \d+\.\d ms$"


def test_version(env):  # a child process: the module entry point, end to end
    result = run_pytd(["--version"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"pytd {pyTD.__version__}\n"
    assert result.stderr == ""


def test_verbose_shows_each_request_with_its_timing(env, secrets):  # a child process
    result = run_pytd(["-v", "quote", "AAPL"], env)
    assert result.returncode == 0, result.stderr
    assert re.search(REQUEST_LINE, result.stderr, re.MULTILINE), result.stderr
    assert table_rows(result.stdout)[0][0] == "AAPL"  # stdout carries only the table
    assert "pytd: debug:" not in result.stdout
    assert_clean(result, secrets)


@pytest.mark.parametrize("args", [["quote", "AAPL", "--verbose"],
                                  ["--log-level", "debug", "quote", "AAPL"],
                                  ["quote", "AAPL", "--log-level", "DEBUG"],
                                  ["--log-level", "warning", "quote", "AAPL", "-v"]])
def test_verbose_and_log_level_debug_anywhere(env, secrets, pytd, args):
    result = pytd(args, env)
    assert result.returncode == EXIT_OK, result.stderr
    assert re.search(REQUEST_LINE, result.stderr, re.MULTILINE), result.stderr
    # urllib3's lines too: connections and the wire request (where retries would show)
    assert re.search(r"^pytd: debug: urllib3\.connectionpool: .*\"GET /v1/marketdata/AAPL/quotes"
                     r" HTTP/1\.1\" 200", result.stderr, re.MULTILINE), result.stderr
    assert_clean(result, secrets)


def seed_failing_once(probability: float) -> int:
    """A fault seed whose first draw is a fault and whose second is not (drawn as the sandbox
    draws them), so one request meets exactly one 5xx and its immediate retry succeeds."""
    for seed in range(1000):
        faults = Faults()
        faults.set("/", methods=None, probabilities={"error_5xx": probability},
                   slow_seconds=0.0, seed=seed, apply_after=False)
        if faults.draw("GET", "/") is not None and faults.draw("GET", "/") is None:
            return seed
    raise AssertionError("no such seed")


def test_verbose_shows_retries(sandbox, env, secrets, pytd):
    sandbox.set_faults("/v1/marketdata/", error_5xx=0.5, seed=seed_failing_once(0.5))
    try:
        result = pytd(["-v", "quote", "AAPL"], env)
    finally:
        sandbox.clear_faults()
    assert result.returncode == EXIT_OK, result.stderr
    err = result.stderr
    assert re.search(r"^pytd: debug: urllib3\.connectionpool: .*\"GET /v1/marketdata/AAPL/quotes "
                     r"HTTP/1\.1\" 50[023]", err, re.MULTILINE), err
    assert re.search(r"^pytd: debug: urllib3\.util\.retry: Incremented Retry for "
                     r"\(url='/v1/marketdata/AAPL/quotes'\)", err, re.MULTILINE), err
    assert re.search(REQUEST_LINE, err, re.MULTILINE), err  # one line per call, with its retry
    assert_clean(result, secrets)


def test_quiet_by_default_and_at_log_level_warning(env, secrets, pytd):
    for args in (["quote", "AAPL"], ["--log-level", "WARNING", "quote", "AAPL"],
                 ["-v", "quote", "AAPL", "--log-level", "warning"]):  # the last one wins
        result = pytd(args, env)
        assert result.returncode == EXIT_OK
        assert result.stderr == "", args


def test_quiet_by_default_whatever_level_the_library_logger_had(env, secrets, pytd):
    logger = logging.getLogger("pyTD")
    previous = logger.level
    logger.setLevel(logging.DEBUG)  # as an earlier api(log_level="DEBUG") in this process leaves it
    try:
        result = pytd(["quote", "AAPL"], env)
        assert logger.level == logging.DEBUG  # and as pytd found it
    finally:
        logger.setLevel(previous)
    assert result.returncode == EXIT_OK
    assert result.stderr == ""


def test_td_log_level_sets_the_level_and_options_override_it(env, secrets, pytd):
    shown = pytd(["quote", "AAPL"], {**env, "TD_LOG_LEVEL": "debug"})
    assert shown.returncode == EXIT_OK, shown.stderr
    assert re.search(REQUEST_LINE, shown.stderr, re.MULTILINE), shown.stderr

    overridden = pytd(["--log-level", "WARNING", "quote", "AAPL"], {**env, "TD_LOG_LEVEL": "DEBUG"})
    assert overridden.returncode == EXIT_OK
    assert overridden.stderr == ""

    raised = pytd(["-v", "quote", "AAPL"], {**env, "TD_LOG_LEVEL": "ERROR"})
    assert re.search(REQUEST_LINE, raised.stderr, re.MULTILINE), raised.stderr


def test_bad_td_log_level_is_an_error_naming_the_variable(env, secrets, pytd):
    result = pytd(["quote", "AAPL"], {**env, "TD_LOG_LEVEL": "loud"})
    assert result.returncode == EXIT_ERROR
    assert result.stderr.startswith("pytd: error: TD_LOG_LEVEL='LOUD' is not a log level")
    assert result.stdout == ""


def test_library_warning_reaches_stderr_once(env, secrets, pytd, caplog):
    path = cache_path(env)
    os.chmod(path, 0o644)
    result = pytd(["auth", "status"], env)
    assert result.returncode == EXIT_OK, result.stderr
    message = (f"Token cache {path} was readable by other users (mode 0644); its mode is "
               "now 0600.")
    assert result.stderr == f"pytd: warning: {message}\n"  # the log line, not also a warning
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("pyTD.cache", logging.WARNING, message)]
    assert_clean(result, secrets)

    os.chmod(path, 0o644)
    quiet = pytd(["--log-level", "error", "auth", "status"], env)  # asked for errors only
    assert quiet.returncode == EXIT_OK and quiet.stderr == ""


def test_partial_accounts_answer_is_a_warning_on_stderr(sandbox, capsys):
    client = sandbox_api(sandbox)
    state(sandbox).partial_failure = True
    try:
        with log_to_stderr():
            accounts = get_accounts(api=client)
    finally:
        state(sandbox).partial_failure = False
        client.close()
    assert len(accounts) == 1
    assert capsys.readouterr().err == (
        "pytd: warning: Only some linked accounts could be loaded (HTTP 207); the others are "
        "missing from the result.\n")


def test_log_lines_never_show_codes_or_tokens(capsys):
    with log_to_stderr("DEBUG"):
        logging.getLogger("urllib3.connectionpool").debug(
            '"GET /callback?code=SECRET%2BCODE&state=S3 HTTP/1.1" 200; refresh_token=R; '
            "Authorization: Bearer A.B-C")
        logging.getLogger("pyTD.test").warning("client_secret=XYZ")
    err = capsys.readouterr().err
    for secret in ("SECRET", "S3", "=R;", "A.B-C", "XYZ"):
        assert secret not in err, err
    assert "code=***&state=***" in err and "Bearer ***" in err


def test_main_leaves_logging_as_it_found_it(env, secrets, pytd):
    loggers = [logging.getLogger("pyTD"), logging.getLogger("urllib3")]
    before = [(list(logger.handlers), logger.level) for logger in loggers]
    for args in (["-v", "quote", "AAPL"], ["auth", "status"], ["quote"], ["--version"]):
        pytd(args, {**env, "TD_LOG_LEVEL": "INFO"})
        assert [(list(logger.handlers), logger.level) for logger in loggers] == before


# -- pytd order ---------------------------------------------------------------------------------

ORDER_ACCOUNT = "987654321"


def test_order_place_asks_then_places_and_list_shows_it(env, secrets, sandbox, pytd):
    args = ["order", "place", ORDER_ACCOUNT, "BUY", "AAPL", "10", "--limit", "150.10"]
    before = calls(sandbox)
    refused = pytd(args, env, stdin="n\n")
    assert refused.returncode == 1
    assert "Place BUY 10 AAPL, LIMIT 150.10, DAY in account 987654321? [y/N]" in refused.stderr
    assert "Not confirmed: nothing was sent (pass --yes" in refused.stderr
    assert calls(sandbox) == before
    placed = pytd(args, env, stdin="y\n")
    assert placed.returncode == 0, placed.stderr
    order_id = int(placed.stdout.split()[-1].rstrip("."))
    posts = f"POST /v1/accounts/{ORDER_ACCOUNT}/orders"
    assert calls(sandbox)[posts] == before.get(posts, 0) + 1
    listed = pytd(["order", "list", ORDER_ACCOUNT], env)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if str(order_id) in line)
    assert "BUY 10 AAPL, LIMIT 150.1, DAY" in row
    assert_clean(listed, secrets)


def test_order_place_from_a_json_file_with_yes(env, secrets, sandbox, pytd, tmp_path):
    # A limit far above the market: it stays WORKING whatever the time of day.
    order = {"orderType": "LIMIT", "price": "9999.00", "session": "NORMAL", "duration": "DAY",
             "orderStrategyType": "SINGLE", "orderLegCollection": [
                 {"instruction": "SELL_SHORT", "quantity": 2,
                  "instrument": {"symbol": "TSLA", "assetType": "EQUITY"}}]}
    path = tmp_path / "order.json"
    path.write_text(json.dumps(order))
    result = pytd(["order", "place", ORDER_ACCOUNT, "--file", str(path), "--yes", "--json"], env)
    assert result.returncode == 0, result.stderr
    order_id = json.loads(result.stdout)["order_id"]
    cancelled = pytd(["order", "cancel", ORDER_ACCOUNT, str(order_id), "--yes"], env)
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"Cancelled order {order_id}." in cancelled.stdout
    again = pytd(["order", "list", ORDER_ACCOUNT, "--status", "CANCELED", "--json"], env)
    assert order_id in [o["orderId"] for o in json.loads(again.stdout)]


def test_order_cancel_asks_first(env, secrets, sandbox, pytd):
    before = calls(sandbox)
    result = pytd(["order", "cancel", ORDER_ACCOUNT, "42"], env, stdin="")
    assert result.returncode == 1
    assert "Cancel order 42 in account 987654321? [y/N]" in result.stderr
    assert calls(sandbox) == before


@pytest.mark.parametrize("args, message", [
    (["BUY", "AAPL"], "give INSTRUCTION SYMBOL QUANTITY"),
    (["BUY", "AAPL", "10", "--file", "x.json"], "either as --file or as INSTRUCTION"),
    (["BUY_TO_OPEN", "AAPL", "1"], "EQUITY leg instruction must be one of"),
    (["BUY", "AAPL", "0"], "positive whole number"),
    (["BUY", "AAPL", "1", "--limit", "nan"], "finite number; nothing was sent"),
])
def test_order_place_refuses_bad_orders_before_asking(env, secrets, sandbox, pytd, args,
                                                      message):
    before = calls(sandbox)
    result = pytd(["order", "place", ORDER_ACCOUNT, *args, "--yes"], env)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert calls(sandbox) == before


def test_order_preview_is_schwab_only(env, secrets, sandbox, pytd):
    before = calls(sandbox)
    result = pytd(["order", "preview", ORDER_ACCOUNT, "BUY", "AAPL", "1"], env)
    assert result.returncode == 1
    assert "TD Ameritrade has no preview order endpoint" in result.stderr
    assert calls(sandbox) == before


# -- the account commands -----------------------------------------------------------------------

def _csv_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_accounts_table_json_and_csv(env, secrets, sandbox, pytd, tmp_path):
    client = sandbox_api(sandbox)
    expected = {a["securitiesAccount"]["accountId"]: a["securitiesAccount"]
                for a in client.get_accounts()}
    table_ = pytd(["accounts"], env)
    assert table_.returncode == 0, table_.stderr
    for account_id, account in expected.items():
        row = next(line for line in table_.stdout.splitlines()
                   if line.startswith(str(account_id)))
        cash = account["currentBalances"]["cashBalance"]
        assert f"{cash:,.2f}" in row and account["type"] in row
    data = json.loads(pytd(["accounts", ORDER_ACCOUNT, "--json"], env).stdout)
    assert str(data["securitiesAccount"]["accountId"]) == ORDER_ACCOUNT
    path = tmp_path / "accounts.csv"
    written = pytd(["accounts", "--csv", str(path)], env)
    assert written.stdout.startswith(f"Wrote {len(expected)} accounts to ")
    rows = _csv_rows(path)
    assert rows[0][:3] == ["account", "type", "cash"] and len(rows) == len(expected) + 1
    assert_clean(table_, secrets)


def test_positions_json_and_csv(env, secrets, sandbox, pytd, tmp_path):
    positions = sandbox_api(sandbox).get_positions()
    data = json.loads(pytd(["positions", "--json"], env).stdout)
    assert data == positions
    path = tmp_path / "positions.csv"
    result = pytd(["positions", "--csv", str(path), "--json"], env)
    assert json.loads(result.stdout) == {"csv": str(path), "rows": len(positions)}
    rows = _csv_rows(path)
    first = positions[0]
    assert rows[1][:3] == [str(first["accountId"]), first["instrument"]["symbol"],
                           first["instrument"]["assetType"]]
    assert float(rows[1][3]) == first["longQuantity"] - first["shortQuantity"]


def test_transactions_instruments_fundamentals_and_watchlists(env, secrets, sandbox, pytd):
    transactions = pytd(["transactions", ORDER_ACCOUNT, "--type", "trade"], env)
    assert transactions.returncode == 0, transactions.stderr
    assert "TRADE" in transactions.stdout.splitlines()[2]
    found = pytd(["instruments", "computer", "--projection", "desc-search"], env)
    assert "CTG" in found.stdout and "Computer Task Group" in found.stdout
    figures = pytd(["fundamentals", "AAPL", "MSFT"], env)
    lines = figures.stdout.splitlines()
    assert lines[0].split()[:2] == ["symbol", "P/E"] and len(lines) == 4
    assert pytd(["watchlists", ORDER_ACCOUNT], env).returncode == 0
    unknown = pytd(["fundamentals", "NOTASYMBOL"], env)
    assert unknown.returncode == 1 and "No fundamentals for NOTASYMBOL" in unknown.stderr


def test_help_lists_the_account_commands(env, pytd):
    text = pytd(["--help"], env).stdout
    for command in ("accounts", "positions", "transactions", "watchlists", "instruments",
                    "fundamentals", "order"):
        assert f"    {command} " in text, command

"""``pytd`` errors speak the command's language: its options and the values as typed, what
to do next, no tracebacks at a prompt; the library's errors keep their Python names.

Most cases run :func:`pyTD.cli.main` in this process against a sandbox; the prompt cases
run ``python -m pyTD`` as a child on a real pseudo-terminal, where pyTD asks.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from datetime import date

import pytest

from pyTD.exceptions import ValidationError
from pyTD.sandbox.client import sandbox_api
from tests.support.sandboxes import start_sandbox

from .cli_support import CHILD_TIMEOUT, CLI_KEY, store_tokens

NEWCOMER = ("`pytd demo` runs the whole flow against the bundled sandbox", "`pytd sandbox`")


@pytest.fixture(scope="module")
def sandbox(request):
    return start_sandbox(request, auto_approve=True)


def error_line(result) -> str:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    (line,) = [row for row in result.stderr.splitlines() if row.startswith("pytd")]
    return line


# -- validation errors: options, not Python arguments --------------------------------------------

@pytest.mark.parametrize("args, expected", [
    (["--start", "2026-12-01", "--end", "2026-11-01"],
     "pytd: error: --start 2026-12-01 is after --end 2026-11-01; pass a --start on or before "
     "--end."),
    (["--start", "2026-12-01T15:30Z", "--end", "2026-12-01T09:30Z"],
     "pytd: error: --start 2026-12-01T15:30:00+00:00 is after --end 2026-12-01T09:30:00+00:00; "
     "pass a --start on or before --end."),
    (["--period-type", "day", "--period", "7"],
     "pytd: error: --period with --period-type day must be one of 1, 2, 3, 4, 5, 10; got 7."),
    (["--period", "7"],
     "pytd: error: --period with --period-type day (the default) must be one of 1, 2, 3, 4, 5, "
     "10; got 7."),
    (["--period-type", "day", "--frequency-type", "daily"],
     "pytd: error: --frequency-type with --period-type day must be one of minute; "
     "got 'daily'."),
    (["--frequency-type", "minute", "--frequency", "7"],
     "pytd: error: --frequency with --frequency-type minute must be one of 1, 5, 10, 15, 30; "
     "got 7."),
    (["--period", "2", "--start", "2026-10-01", "--end", "2026-11-01"],
     "pytd: error: --period cannot be combined with both --start and --end; drop --period, or "
     "one of the dates."),
])
def test_history_errors_name_the_options_as_typed(env, pytd, args, expected):
    result = pytd(["history", "AAPL", *args], env)   # refused before any request
    assert result.returncode == 2
    line = error_line(result)
    assert line == expected
    assert not re.search(r"start_date|end_date|period_type|frequency_type|\d{13}", line)


@pytest.mark.parametrize("args, expected", [
    (["transactions", "123456789", "--start", "2026-12-01", "--end", "2026-11-01"],
     "pytd: error: --start 2026-12-01 is after --end 2026-11-01; pass a --start on or before "
     "--end."),
    (["transactions", "123456789", "--type", "gifts"], "pytd: error: --type must be one of ALL,"),
    (["order", "list", "123456789", "--status", "done"],
     "pytd: error: --status must be one of AWAITING_PARENT_ORDER,"),
    (["hours", "STOCKS"],
     "pytd: error: MARKET must be one of EQUITY, OPTION, FUTURE, BOND, FOREX; got 'STOCKS'."),
])
def test_the_same_table_serves_every_command(env, pytd, args, expected):
    result = pytd(args, env)
    assert result.returncode == 2
    assert error_line(result).startswith(expected)


def test_the_library_keeps_its_python_names(sandbox):
    client = sandbox_api(sandbox)
    with pytest.raises(ValidationError, match=r"^start_date \(1796083200000\) is after "
                                              r"end_date \(1793491200000\); pass a start_date "
                                              r"on or before end_date\.$") as info:
        client.get_price_history("AAPL", start_date=date(2026, 12, 1),
                                 end_date=date(2026, 11, 1))
    assert info.value.arguments == {"start_date": "1796083200000", "end_date": "1793491200000"}
    with pytest.raises(ValidationError, match=r"^period with period_type 'day' must be one "
                                              r"of 1, 2, 3, 4, 5, 10; got 7\.$"):
        client.get_price_history("AAPL", period_type="day", period=7)
    client.close()


# -- settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["auth", "status"], ["--no-store", "quote", "AAPL"],
                                  ["auth", "login", "--no-browser"]])
def test_a_missing_consumer_key_points_at_the_option_and_at_the_demo(env, pytd, args):
    env = {k: v for k, v in env.items() if k != "TD_CONSUMER_KEY"}
    result = pytd(args, env)
    assert result.returncode == 1
    line = error_line(result)
    assert "--consumer-key KEY or set TD_CONSUMER_KEY" in line
    assert all(hint in line for hint in NEWCOMER)
    assert "consumer_key" not in line and "store_tokens" not in line


def test_a_missing_callback_url_is_named_before_anything_is_asked(env, pytd):
    env = {k: v for k, v in env.items() if k != "TD_CALLBACK_URL"}
    result = pytd(["quote", "AAPL"], env)
    assert result.returncode == 1
    assert "--callback-url URL or set TD_CALLBACK_URL" in error_line(result)


# -- prompts on a real terminal ----------------------------------------------------------------

class Terminal:
    """``python -m pyTD ARGS`` with a pseudo-terminal as its standard input and output."""

    def __init__(self, args, env):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen([sys.executable, "-m", "pyTD", *args], env=env,
                                        stdin=slave, stdout=slave, stderr=slave,
                                        start_new_session=True)
        os.close(slave)
        self.output = b""

    def read_until(self, pattern: str) -> None:
        deadline = time.monotonic() + CHILD_TIMEOUT
        while not re.search(pattern, self.output.decode(errors="replace")):
            if not self._read(deadline):
                raise AssertionError(f"{pattern!r} never shown: {self.output!r}")

    def _read(self, deadline: float) -> bool:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.master], [], [], left)[0]:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the child has closed the terminal
            return False
        self.output += chunk
        return bool(chunk)

    def finish(self) -> tuple[int, str]:
        deadline = time.monotonic() + CHILD_TIMEOUT
        while self._read(deadline):
            pass
        code = self.process.wait(timeout=CHILD_TIMEOUT)
        os.close(self.master)
        return code, self.output.decode(errors="replace").replace("\r\n", "\n")


@pytest.fixture
def terminal():
    opened = []

    def start(args, env):
        opened.append(Terminal(args, env))
        return opened[-1]
    yield start
    for each in opened:
        if each.process.poll() is None:
            each.process.kill()
            each.process.wait(timeout=CHILD_TIMEOUT)


def test_ctrl_d_at_the_authorize_prompt_ends_cleanly(env, terminal):
    term = terminal(["quote", "AAPL"], env)
    term.read_until(r"Open a browser to authorize now\? \[Y/n\] ")
    os.write(term.master, b"\x04")                  # Ctrl-D: end of input
    code, output = term.finish()
    assert code == 1, output
    assert "Traceback" not in output and "EOFError" not in output
    assert "pytd: no answer (standard input ended): nothing was done" in output


def test_settings_are_checked_before_the_authorize_prompt(env, terminal):
    env = {k: v for k, v in env.items() if k != "TD_CALLBACK_URL"}
    term = terminal(["quote", "AAPL"], env)
    code, output = term.finish()
    assert code == 1, output
    assert "authorize now" not in output
    assert "--callback-url URL or set TD_CALLBACK_URL" in output


# -- what the user typed -----------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["AAPL", "aapl", "$AAPL"])
def test_movers_of_an_unknown_index_quotes_what_was_typed(env, pytd, typed):
    result = pytd(["movers", typed], env)
    assert result.returncode == 2
    line = error_line(result)
    assert f"argument INDEX: '{typed}' is not an index pyTD knows: choose from $COMPX, $DJI, " \
           "$SPX.X (the $ may be left out)" in line
    if not typed.startswith("$"):
        assert "$" + typed.upper() not in line


def test_movers_still_takes_an_index_without_its_dollar(sandbox, env, pytd):
    store_tokens(sandbox, env)
    assert pytd(["movers", "dji"], env).returncode == 0


def test_logout_twice_says_there_was_nothing_to_remove(sandbox, env, pytd):
    store_tokens(sandbox, env)
    first = pytd(["auth", "logout"], env)
    assert first.returncode == 0 and "Logged out: tokens removed from" in first.stdout
    second = pytd(["auth", "logout"], env)
    assert second.returncode == 0
    assert second.stdout.startswith("Nothing to remove: no tokens were cached in ")
    machine = json.loads(pytd(["auth", "logout", "--json"], env).stdout)
    assert machine["logged_out"] is True and machine["removed"] is False


def test_logout_of_an_unreadable_cache_still_removes_it(env, pytd):
    path = os.path.join(env["TD_CONFIG_DIR"], f"tokens-{CLI_KEY}.json")
    os.makedirs(env["TD_CONFIG_DIR"], mode=0o700, exist_ok=True)
    with open(path, "w") as handle:
        handle.write('{"version": 99}')
    os.chmod(path, 0o600)
    result = pytd(["auth", "logout"], env)
    assert result.returncode == 0 and "Logged out: tokens removed from" in result.stdout
    assert pytd(["auth", "status"], env).returncode == 1

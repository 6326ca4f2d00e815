"""``pytd auth status`` tells the truth: a refresh token the server refused is recorded in
the cache and reported (exit 1) until a new login; ``--check`` asks the server.

Each test refuses the refresh token at a real sandbox over real sockets: revoked there,
or forgotten because the sandbox was restarted on the same port.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from pyTD.cache.disk import DiskCache
from pyTD.cache.select import cache_file_name
from pyTD.cli import EXIT_ERROR, EXIT_OK, EXIT_UNREACHABLE
from pyTD.sandbox import Sandbox
from tests.support import free_port
from tests.support.sandboxes import start_sandbox

from .cli_support import CLI_KEY, store_tokens

REFUSED_LINE = (r"Refresh token:\s+refused by the server on \d{4}-\d\d-\d\d \d\d:\d\d UTC: "
                r"run `pytd auth login`")


@pytest.fixture(params=["tdameritrade", "schwab"])
def provider(request):
    return request.param


@pytest.fixture
def sandbox(request, provider):
    return start_sandbox(request, provider=provider, auto_approve=True)


@pytest.fixture
def secrets(sandbox, env):
    return store_tokens(sandbox, env)


def stored(env):
    return DiskCache(os.path.join(env["TD_CONFIG_DIR"], cache_file_name(CLI_KEY))).tokens()


def refuse_at_the_sandbox(sandbox, secrets):
    """The server no longer accepts the refresh token, and the access token has run out."""
    sandbox.revoke(secrets[0])
    sandbox.expire_access_tokens()


def assert_clean(result, secrets):
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert all(secret not in output for secret in secrets)


def test_a_refused_refresh_token_is_reported_until_a_new_login(sandbox, env, secrets, pytd):
    assert pytd(["auth", "status"], env).returncode == EXIT_OK
    refuse_at_the_sandbox(sandbox, secrets)

    call = pytd(["quote", "AAPL"], env)
    assert call.returncode == EXIT_ERROR
    assert "The server refused the refresh token before it expired" in call.stderr
    assert "pytd auth login" in call.stderr
    assert stored(env).refresh_token.refused_at is not None

    status = pytd(["auth", "status"], env)
    assert status.returncode == EXIT_ERROR, status.stdout
    assert re.search(REFUSED_LINE, status.stdout), status.stdout
    assert "valid" not in status.stdout.splitlines()[1]
    assert_clean(status, secrets)

    machine = pytd(["auth", "status", "--json"], env)
    assert machine.returncode == EXIT_ERROR
    report = json.loads(machine.stdout)
    assert report["authorized"] is False and report["refresh_expires_in"] == 0.0
    assert report["refresh_renewable"] is (sandbox.provider.name != "schwab")
    refresh = report["refresh_token"]
    assert refresh["valid"] is False and refresh["remaining_seconds"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", refresh["refused_at"])

    # The next command does not send the refused token again; it says what to do.
    grants = dict(sandbox.stats()["grants"])
    again = pytd(["quote", "AAPL"], env)
    assert again.returncode == EXIT_ERROR
    assert re.search(r"The server refused the refresh token on \d{4}-\d\d-\d\d", again.stderr)
    assert "pytd auth login" in again.stderr
    assert sandbox.stats()["grants"] == grants

    fresh = store_tokens(sandbox, env)       # a new login (the same path as `pytd auth login`)
    assert stored(env).refresh_token.refused_at is None
    status = pytd(["auth", "status", "--json"], env)
    assert status.returncode == EXIT_OK
    assert json.loads(status.stdout)["refresh_token"]["refused_at"] is None
    assert_clean(status, secrets + fresh)


@pytest.mark.parametrize("provider", ["schwab"])
def test_schwab_status_keeps_the_7_day_line_until_refused(sandbox, env, secrets, pytd):
    line = pytd(["auth", "status"], env).stdout.splitlines()[1]
    assert "Charles Schwab requires a new login every 7 days" in line
    refuse_at_the_sandbox(sandbox, secrets)
    pytd(["quote", "AAPL"], env)
    line = pytd(["auth", "status"], env).stdout.splitlines()[1]
    assert re.match(REFUSED_LINE, line) and "7 days" not in line


def test_check_ok(env, secrets, pytd):
    result = pytd(["auth", "status", "--check"], env)
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    assert re.search(r"Server check:\s+ok \(GET /\S+ was accepted in \d+ ms\)", result.stdout)
    machine = json.loads(pytd(["auth", "status", "--check", "--json"], env).stdout)
    assert machine["check"]["exit_code"] == EXIT_OK and machine["authorized"] is True
    assert_clean(result, secrets)


def test_check_after_a_sandbox_restart_is_refused_and_recorded(request, sandbox, env,
                                                               secrets, pytd):
    """A restarted sandbox has forgotten every token: even a live access token is refused."""
    port = sandbox.port
    sandbox.stop()
    restarted = Sandbox(port=port, provider=sandbox.provider.name, auto_approve=True)
    restarted.start()
    request.addfinalizer(restarted.stop)
    restarted.register_app(CLI_KEY, env["TD_CALLBACK_URL"],
                           app_secret=restarted.demo_app_secret)

    result = pytd(["auth", "status", "--check"], env)
    assert result.returncode == EXIT_ERROR, result.stdout + result.stderr
    assert "Server check:   refused: The server refused the refresh token" in result.stdout
    assert re.search(REFUSED_LINE, result.stdout)

    later = pytd(["auth", "status"], env)             # no server needed to know it now
    assert later.returncode == EXIT_ERROR and re.search(REFUSED_LINE, later.stdout)
    assert_clean(result, secrets)


def test_check_unreachable(env, secrets, pytd):
    env = {**env, "TD_BASE_URL": f"http://127.0.0.1:{free_port()}/v1"}   # nothing listens
    if env.get("TD_PROVIDER") == "schwab":
        env["TD_BASE_URL"] = env["TD_BASE_URL"][:-len("/v1")]
    result = pytd(["auth", "status", "--check"], env)
    assert result.returncode == EXIT_UNREACHABLE == 3, result.stdout + result.stderr
    assert "Server check:   server unreachable:" in result.stdout
    assert "Refresh token:  " in result.stdout
    plain = pytd(["auth", "status"], env)   # the tokens themselves are still fine
    assert plain.returncode == EXIT_OK
    assert_clean(result, secrets)


def test_check_without_tokens_asks_nobody(sandbox, env, pytd):
    started = sum(sandbox.stats()["requests"].values())
    result = pytd(["auth", "status", "--check"], env)
    assert result.returncode == EXIT_ERROR
    assert "Refresh token:  none" in result.stdout and "pytd auth login" in result.stdout
    assert "Server check:   not checked: no usable refresh token" in result.stdout
    machine = json.loads(pytd(["auth", "status", "--check", "--json"], env).stdout)
    assert machine["check"] == {"exit_code": EXIT_ERROR,
                                "result": "not checked: no usable refresh token"}
    assert sum(sandbox.stats()["requests"].values()) == started


def test_help_documents_the_exit_codes(env, pytd):
    text = pytd(["auth", "status", "--help"], env).stdout
    flat = " ".join(text.split())
    assert "--check" in flat
    assert "exit 0 when it accepts the tokens, 1 when it refuses them, 3 when it cannot be " \
           "reached" in flat


def test_status_of_an_old_cache_file_without_the_new_field(sandbox, env, secrets, pytd):
    """Cache files written before refusals were recorded read as before."""
    path = os.path.join(env["TD_CONFIG_DIR"], cache_file_name(CLI_KEY))
    with open(path) as handle:
        data = json.load(handle)
    assert "refused_at" not in json.dumps(data)
    result = pytd(["auth", "status"], env)
    assert result.returncode == EXIT_OK and "refused" not in result.stdout
    assert time.time() < stored(env).refresh_token.expires_at

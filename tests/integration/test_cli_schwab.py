"""``pytd accounts|positions|transactions|order list`` against a Schwab-mode sandbox."""

from __future__ import annotations

import json
import time

import pytest

from pyTD.auth.tokens import RefreshToken
from pyTD.sandbox.client import sandbox_api
from tests.support.sandboxes import start_sandbox

from .cli_support import CLI_KEY, app_env
from .sandbox_support import calls

ACCOUNT = "987654321"


@pytest.fixture(scope="module")
def sandbox(request):
    frozen = time.time()
    return start_sandbox(request, provider="schwab", auto_approve=True, clock=lambda: frozen)


@pytest.fixture
def env(sandbox, tmp_path):
    return app_env(sandbox, tmp_path / "config", tokens=True)


@pytest.mark.parametrize("args", [["accounts"], ["positions"], ["positions", ACCOUNT],
                                  ["transactions", ACCOUNT], ["order", "list", ACCOUNT],
                                  ["order", "list"]])
def test_account_commands_work_on_schwab(env, sandbox, pytd, args):
    result = pytd(args, env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert all(ACCOUNT not in key for key in calls(sandbox))  # hashes in paths


def test_order_place_then_list_on_schwab(env, sandbox, pytd):
    placed = pytd(["order", "place", ACCOUNT, "BUY", "AAPL", "1", "--limit", "150.10",
                   "--yes", "--json"], env)
    assert placed.returncode == 0, placed.stderr
    order_id = json.loads(placed.stdout)["order_id"]
    listed = pytd(["order", "list", ACCOUNT], env)
    assert listed.returncode == 0, listed.stderr
    assert str(order_id) in listed.stdout


def test_auth_status_shows_the_7_day_limit(env, pytd):
    text = pytd(["auth", "status"], env)
    assert text.returncode == 0, text.stderr
    (line,) = [row for row in text.stdout.splitlines() if row.startswith("Refresh token:")]
    assert "left; Charles Schwab requires a new login every 7 days)" in line
    status = json.loads(pytd(["auth", "status", "--json"], env).stdout)
    assert status["authorized"] is True and status["refresh_renewable"] is False
    assert 6 * 86400 < status["refresh_expires_in"] <= 7 * 86400


def test_auth_status_after_the_7_days_says_to_log_in(env, sandbox, pytd):
    client = sandbox_api(sandbox, authorized=False, consumer_key=CLI_KEY,
                         callback_url=env["TD_CALLBACK_URL"], config_dir=env["TD_CONFIG_DIR"],
                         cache=None)   # the DiskCache pytd reads
    issued = client.refresh_token
    client.cache.update(refresh_token=RefreshToken(
        token=issued.token, access_time=time.time() - 7 * 86400 - 60, expires_in=7 * 86400))
    client.close()
    result = pytd(["auth", "status", "--json"], env)
    assert result.returncode == 1
    status = json.loads(result.stdout)
    assert status["authorized"] is False and status["refresh_expires_in"] == 0.0
    assert "pytd auth login" in pytd(["auth", "status"], env).stdout

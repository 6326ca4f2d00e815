"""``pytd accounts|positions|transactions|order list`` against a Schwab-mode sandbox."""

from __future__ import annotations

import json
import time

import pytest

from tests.support import free_port
from tests.support.sandboxes import start_sandbox

from .cli_support import CLI_KEY, child_env, run_main, store_tokens
from .sandbox_support import calls

ACCOUNT = "987654321"


@pytest.fixture(scope="module")
def sandbox(request):
    frozen = time.time()
    return start_sandbox(request, provider="schwab", auto_approve=True, clock=lambda: frozen)


@pytest.fixture
def env(sandbox, tmp_path):
    callback = f"https://127.0.0.1:{free_port()}/callback"
    sandbox.register_app(CLI_KEY, callback, app_secret=sandbox.demo_app_secret)
    env = child_env(sandbox, tmp_path / "config", callback)
    env.update(TD_PROVIDER="schwab", TD_APP_SECRET=sandbox.demo_app_secret)
    store_tokens(sandbox, env)
    return env


@pytest.fixture
def pytd(capsys, monkeypatch):
    def run(args, env, stdin=""):
        return run_main(capsys, monkeypatch, args, env, stdin)
    return run


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

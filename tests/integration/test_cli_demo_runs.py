"""``pytd demo`` run again and again keeps one directory and ends with next steps;
``pytd hours`` says what its yes/no column means."""

from __future__ import annotations

import glob
import os
import re
import tempfile

import pytest

from pyTD.cli import EXIT_OK
from pyTD.cli.demo import demo_dir
from tests.support import free_port
from tests.support.sandboxes import start_sandbox

from .cli_support import CLI_KEY, child_env, run_main, store_tokens

STORED = re.compile(r"Tokens stored in (\S+)")


def leftovers() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "pytd-demo-*")))


@pytest.mark.parametrize("provider", ["tdameritrade", "schwab"])
def test_two_demo_runs_leave_one_directory_and_say_what_next(provider, capsys, monkeypatch,
                                                             tmp_path):
    config = tmp_path / "config"
    env = {"TD_CONFIG_DIR": str(config)}
    before = leftovers()
    runs = [run_main(capsys, monkeypatch, ["demo", "--provider", provider], env)
            for _ in range(2)]
    for run in runs:
        assert run.returncode == EXIT_OK, run.stderr
    first, second = (STORED.search(run.stdout).group(1) for run in runs)
    assert first == second
    assert os.path.dirname(first) == str(config / "demo")
    assert os.listdir(config) == ["demo"]
    assert [name for name in os.listdir(config / "demo") if name.endswith(".json")] == [
        os.path.basename(first)]
    assert leftovers() <= before
    option = " --provider schwab" if provider == "schwab" else ""
    steps = runs[1].stdout.split("Next steps:\n", 1)[1]
    assert f"1. In one terminal: pytd sandbox{option}   (it prints the exports)" in steps
    assert "pytd auth login, then" in steps
    if provider == "schwab":
        assert "register an app at https://developer.schwab.com" in steps
        assert "TD_APP_SECRET" in steps
    else:
        assert "register an app\n     with Schwab instead" in steps
        assert "pytd demo --provider schwab" in steps


def test_the_demo_directory_is_in_the_configuration_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path))
    assert demo_dir() == str(tmp_path / "demo")
    monkeypatch.delenv("TD_CONFIG_DIR")
    assert demo_dir() == os.path.join(os.environ["XDG_CONFIG_HOME"], "pyTD", "demo")


@pytest.fixture(scope="module")
def sandbox(request):
    return start_sandbox(request, auto_approve=True)


def test_hours_labels_the_column_as_the_trading_day(sandbox, capsys, monkeypatch, tmp_path):
    callback = f"http://127.0.0.1:{free_port()}/callback"
    sandbox.register_app(CLI_KEY, callback)
    env = child_env(sandbox, tmp_path / "config", callback)
    store_tokens(sandbox, env)
    # Thursday 4 July 2024, a holiday, is no trading day; Wednesday 3 July is one.
    for day, traded in (("2024-07-04", "no"), ("2024-07-03", "yes")):
        result = run_main(capsys, monkeypatch, ["hours", "equity", "--date", day], env)
        assert result.returncode == EXIT_OK, result.stderr
        header, _, row = result.stdout.splitlines()[:3]
        assert re.split(r"\s{2,}", header.strip()) == ["market", "product", "trading day",
                                                       "regular session"]
        assert re.split(r"\s{2,}", row.strip())[:3] == ["equity", "EQ", traded]

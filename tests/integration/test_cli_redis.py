"""``pytd`` with ``TD_REDIS_URL``: tokens in a real Redis server, the password never printed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pyTD.cache import RedisCache
from pyTD.sandbox.client import sandbox_api
from tests.integration.cli_support import CLI_KEY, child_env, run_main
from tests.support import free_port
from tests.support.redis_server import RedisServer
from tests.support.sandboxes import start_sandbox

PASSWORD = "Cli-Redis-Pass-77d0"


@pytest.fixture(scope="module")
def sandbox(request):
    frozen = time.time()  # market data depends on the sandbox clock: freeze it
    return start_sandbox(request, clock=lambda: frozen)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis-cli"), password=PASSWORD).start()
    yield server
    server.stop()


@pytest.fixture
def env(sandbox, server, tmp_path):
    callback = f"http://127.0.0.1:{free_port()}/callback"
    sandbox.register_app(CLI_KEY, callback)
    return {**child_env(sandbox, tmp_path / "config", callback), "TD_REDIS_URL": server.url}


def test_pytd_keeps_its_tokens_in_redis_when_td_redis_url_is_set(sandbox, server, env,
                                                                 capsys, monkeypatch):
    cache = RedisCache(server.url, key=CLI_KEY)
    client = sandbox_api(sandbox, consumer_key=CLI_KEY, callback_url=env["TD_CALLBACK_URL"],
                         cache=cache)
    secrets = [PASSWORD, client.refresh_token.token, client.access_token.token]

    status = run_main(capsys, monkeypatch, ["auth", "status", "--json"], env)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["cache"] == "RedisCache" and report["authorized"]
    assert report["location"] == (f"redis://:***@127.0.0.1:{server.port}/0 "
                                  f"[pyTD:tokens:tdameritrade:{CLI_KEY}]")
    quote = run_main(capsys, monkeypatch, ["quote", "AAPL"], env)
    assert quote.returncode == 0, quote.stderr
    logout = run_main(capsys, monkeypatch, ["auth", "logout"], env)
    assert logout.returncode == 0, logout.stderr
    assert cache.load() is None
    for result in (status, quote, logout):
        output = result.stdout + result.stderr
        assert "Traceback" not in output
        assert [secret for secret in secrets if secret in output] == []
    assert list(Path(env["TD_CONFIG_DIR"]).glob("tokens-*")) == []   # no file cache beside

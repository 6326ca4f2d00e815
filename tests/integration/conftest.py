"""Fixtures shared by the integration tests.

Each module defines its own ``sandbox`` (provider, seed, clock); ``client`` is an
api on it, closed after the module; ``env`` is the environment of a ``pytd``
for the CLI test app on it, and ``pytd`` runs the CLI in process. A module
needing something else defines its own fixture of that name.
"""

from __future__ import annotations

import pytest

from pyTD.sandbox.client import sandbox_api

from .cli_support import app_env, run_main


@pytest.fixture(scope="module")
def client(sandbox):
    """An api on the module's ``sandbox``, with its demo app's tokens."""
    a = sandbox_api(sandbox)
    yield a
    a.close()


@pytest.fixture
def env(sandbox, tmp_path):
    """The CLI test app's environment (no tokens yet), its config dir in ``tmp_path``."""
    return app_env(sandbox, tmp_path / "config")


@pytest.fixture
def pytd(capsys, monkeypatch):
    """``pytd(args, env, stdin="")``: ``main(args)`` in this process, as a CompletedProcess."""
    def run(args, env, stdin=""):
        return run_main(capsys, monkeypatch, args, env, stdin)
    return run

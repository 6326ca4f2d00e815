"""``pytd demo --provider``: the whole flow against each provider's sandbox, in process."""

from __future__ import annotations

import io
import os
import re
import stat

import pytest

from pyTD.cli.demo import run_demo
from pyTD.cli.parser import parse_args

TITLES = {"tdameritrade": "TD Ameritrade", "schwab": "Charles Schwab"}


def stored_files(config_dir):
    return [os.path.join(config_dir, name) for name in os.listdir(config_dir)
            if name.startswith("tokens-") and name.endswith(".json")]


def test_the_provider_option_lists_the_registered_providers():
    assert parse_args(["demo"]).provider == "tdameritrade"
    assert parse_args(["demo", "--provider", "schwab"]).provider == "schwab"
    with pytest.raises(SystemExit):
        parse_args(["demo", "--provider", "etrade"])


@pytest.mark.parametrize("provider", ["tdameritrade", "schwab"])
def test_demo_authorizes_and_stores_tokens_0600(provider, tmp_path):
    out = io.StringIO()
    config_dir = str(tmp_path / "demo")
    code = run_demo(config_dir=config_dir, out=out, provider=provider)
    text = out.getvalue()
    assert f"({TITLES[provider]} emulator)" in text
    assert "Authorized. Refresh token valid until" in text
    scheme = "https" if provider == "schwab" else "http"
    assert f"callback server on {scheme}://127.0.0.1:" in text
    (stored,) = stored_files(config_dir)
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    assert code == 0
    assert re.search(r"^AAPL\s+\d", text, re.MULTILINE)
    index = "$SPX" if provider == "schwab" else "$SPX.X"   # asked for as $SPX.X
    assert re.search(rf"^{re.escape(index)}\s+\d", text, re.MULTILINE)
    assert "no real account was used" in text

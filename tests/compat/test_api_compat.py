"""The ``api`` object as code written for the original pyTD uses it."""

from __future__ import annotations

import re
import sys

import pytest

import pyTD
from pyTD.api import api, default_api
from pyTD.exceptions import ValidationError
from pyTD.sandbox.client import sandbox_api


@pytest.mark.parametrize("name, value, hint", [
    ("consumer_key", "OTHER", "api(consumer_key=...) or set TD_CONSUMER_KEY"),
    ("callback_url", "http://localhost:9", "api(callback_url=...)"),
    ("store_tokens", True, "api(store_tokens=...) or pass cache="),
    ("retry_count", 9, "api(retry_count=...)"),
    ("pause", 2.0, "api(pause=...)"),
])
def test_settings_read_back_and_refuse_assignment(name, value, hint):
    a = api(consumer_key="KEY", callback_url="http://localhost:8080", store_tokens=False,
            retry_count=4, pause=0.25)
    before = getattr(a, name)
    assert before == {"consumer_key": "KEY", "callback_url": "http://localhost:8080",
                      "store_tokens": False, "retry_count": 4, "pause": 0.25}[name]
    with pytest.raises(AttributeError, match=rf"api\.{name} cannot change .*{re.escape(hint)}"):
        setattr(a, name, value)
    assert getattr(a, name) == before


def test_default_api_takes_ignore_globals(monkeypatch):
    monkeypatch.setattr(sys.modules["pyTD.api"], "_default", None)
    configured = pyTD.configure(consumer_key="CONFIGURED", store_tokens=False)
    monkeypatch.setenv("TD_CONSUMER_KEY", "FROM_ENV")
    monkeypatch.setenv("TD_STORE_TOKENS", "false")
    assert default_api() is configured
    fresh = default_api(ignore_globals=True)
    assert fresh is not configured and fresh.consumer_key == "FROM_ENV"
    assert default_api(ignore_globals=False) is configured


def test_configure_output_format_makes_pandas_the_default(monkeypatch):
    pytest.importorskip("pandas")
    monkeypatch.setattr(sys.modules["pyTD.api"], "_default", None)
    a = pyTD.configure(consumer_key="KEY", store_tokens=False, output_format="pandas")
    assert a.output_format == "pandas"
    monkeypatch.setenv("TD_OUTPUT_FORMAT", "pandas")
    assert api(consumer_key="KEY", store_tokens=False).output_format == "pandas"


def test_request_takes_a_full_url_under_the_base_url(sandbox):
    a = sandbox_api(sandbox)
    full = a.request("GET", sandbox.base_url + "/marketdata/quotes", params={"symbol": "AAPL"})
    path = a.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"})
    assert full["AAPL"]["description"] == path["AAPL"]["description"]
    assert sandbox.stats()["calls"]["GET /v1/marketdata/quotes"] == 2


@pytest.mark.parametrize("elsewhere", ["https://example.com/v1/marketdata/quotes",
                                       "{base}evil/marketdata/quotes"])
def test_a_full_url_elsewhere_is_refused_before_sending(sandbox, elsewhere):
    a = sandbox_api(sandbox)
    calls = sum(sandbox.stats()["calls"].values())
    with pytest.raises(ValidationError, match=r"is not under this api's base URL .*pass a path"):
        a.request("GET", elsewhere.format(base=sandbox.base_url))
    assert sum(sandbox.stats()["calls"].values()) == calls

"""Choosing Schwab: the app secret and the callback URL rules, checked when an api is built."""

from __future__ import annotations

import pytest

from pyTD.api import api
from pyTD.cache.memory import MemCache
from pyTD.exceptions import ConfigurationError
from pyTD.provider import SCHWAB, TD_AMERITRADE

SECRET = "S3cr3tAppSecretValue"


def schwab(**kwargs):
    options = dict(provider="schwab", consumer_key="APPKEY", app_secret=SECRET,
                   callback_url="https://127.0.0.1:8182", cache=MemCache())
    options.update(kwargs)
    return api(**options)


def test_schwab_is_chosen_by_argument_or_environment(monkeypatch):
    assert schwab().provider is SCHWAB
    monkeypatch.setenv("TD_PROVIDER", "schwab")
    monkeypatch.setenv("TD_APP_SECRET", SECRET)
    a = api(consumer_key="APPKEY", callback_url="https://127.0.0.1:8182", cache=MemCache())
    assert a.provider is SCHWAB and a.settings.app_secret == SECRET
    assert api(consumer_key="K", provider="tdameritrade", cache=MemCache()).provider \
        is TD_AMERITRADE


def test_default_provider_stays_td(monkeypatch):
    monkeypatch.delenv("TD_PROVIDER", raising=False)
    assert api(consumer_key="K", cache=MemCache()).provider is TD_AMERITRADE


def test_schwab_without_a_secret_fails_at_construction(monkeypatch):
    monkeypatch.delenv("TD_APP_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match=r"app_secret=.*TD_APP_SECRET"):
        schwab(app_secret=None)


@pytest.mark.parametrize("url, problem", [
    ("http://127.0.0.1:8182", "must use https"),
    ("https://localhost:8182", "127.0.0.1, not localhost"),
    ("https://127.0.0.1", "explicit port"),
    ("https://127.0.0.1:notaport", "invalid port"),
])
def test_callbacks_schwab_refuses_fail_at_construction(url, problem):
    with pytest.raises(ConfigurationError, match=problem) as info:
        schwab(callback_url=url)
    assert "https://127.0.0.1:8182" in str(info.value)
    assert SECRET not in str(info.value)


def test_td_keeps_its_callback_rules():
    api(consumer_key="K", callback_url="http://localhost", cache=MemCache())
    TD_AMERITRADE.check_settings("http://localhost", None)


def test_no_callback_is_fine_until_one_is_needed():
    assert schwab(callback_url=None).settings.callback_url is None


def test_refresh_warning_argument_env_default(monkeypatch):
    monkeypatch.delenv("TD_REFRESH_WARNING", raising=False)
    assert schwab().settings.refresh_warning == 86400
    monkeypatch.setenv("TD_REFRESH_WARNING", "3600")
    assert schwab().settings.refresh_warning == 3600
    assert schwab(refresh_warning=60).settings.refresh_warning == 60


@pytest.mark.parametrize("value", ["soon", "-5", "0"])
def test_bad_refresh_warning_says_what_to_pass(monkeypatch, value):
    monkeypatch.setenv("TD_REFRESH_WARNING", value)
    with pytest.raises(ConfigurationError, match=r"TD_REFRESH_WARNING.*seconds"):
        schwab()


def test_the_secret_is_in_no_repr():
    a = schwab()
    for text in (repr(a), repr(a.settings), repr(a.auth), repr(a.auth.flow), str(a.settings)):
        assert SECRET not in text

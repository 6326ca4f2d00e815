"""Building an ``api``: options, keywords, environment, the default api, repr, refresh_auth."""

from __future__ import annotations

import sys

import pytest

import pyTD
from pyTD.api import api, configure, default_api
from pyTD.cache import DiskCache, MemCache
from pyTD.exceptions import AuthorizationError, ConfigurationError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api

KEY = "APITESTKEY000000000000000000000C"


@pytest.fixture(autouse=True)
def config_dir_and_no_default_api(monkeypatch, tmp_path):
    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(sys.modules["pyTD.api"], "_default", None)


def test_both_spellings_construct_the_same_class():
    assert pyTD.api is api
    a = pyTD.api(consumer_key=KEY, callback_url="http://localhost:8080", store_tokens=False)
    assert isinstance(a, api)
    assert pyTD.api.default_api is not None


def test_options_dict_is_merged_under_keywords():
    a = api({"consumer_key": "FROMOPTIONS", "callback_url": "http://localhost:1",
             "store_tokens": False}, callback_url="http://localhost:2")
    assert a.settings.consumer_key == "FROMOPTIONS"
    assert a.settings.callback_url == "http://localhost:2"
    assert isinstance(a.cache, MemCache)


def test_unknown_option_is_refused_with_the_known_ones():
    with pytest.raises(ConfigurationError, match="consumer_key"):
        api({"consumer_kee": KEY})


def test_bad_output_format():
    with pytest.raises(ConfigurationError, match="json, pandas"):
        api(consumer_key=KEY, store_tokens=False, output_format="xml")


def test_environment_is_read_when_built(monkeypatch, tmp_path):
    monkeypatch.setenv("TD_CONSUMER_KEY", KEY)
    monkeypatch.setenv("TD_CALLBACK_URL", "http://127.0.0.1:9999/cb")
    a = default_api()
    assert a.settings.consumer_key == KEY
    assert a.settings.callback_url == "http://127.0.0.1:9999/cb"
    assert isinstance(a.cache, DiskCache)
    assert a.cache.describe().startswith(str(tmp_path / "config"))
    assert default_api() is a
    b = configure(consumer_key="OTHER", store_tokens=False)
    assert default_api() is b and b is not a


def test_store_tokens_environment_picks_the_cache(monkeypatch):
    monkeypatch.setenv("TD_STORE_TOKENS", "No")
    assert isinstance(api(consumer_key=KEY).cache, MemCache)
    monkeypatch.setenv("TD_STORE_TOKENS", "perhaps")
    with pytest.raises(ConfigurationError, match="TD_STORE_TOKENS='perhaps'"):
        api(consumer_key=KEY)


def test_repr_hides_the_key_and_never_shows_tokens():
    with Sandbox() as sandbox:
        a = sandbox_api(sandbox)
        tokens = a.auth.tokens()
        text = repr(a) + repr(a.cache) + repr(tokens.access_token) + str(tokens.refresh_token)
        assert tokens.access_token.token not in text
        assert tokens.refresh_token.token not in text
        assert a.settings.consumer_key not in repr(a)


def test_logout_forgets_tokens():
    with Sandbox() as sandbox:
        a = sandbox_api(sandbox)
        assert a.auth_valid and a.access_valid and a.refresh_valid
        a.logout()
        assert not a.auth_valid and not a.access_valid
        assert not a.access_token and not a.refresh_token


def test_refresh_auth_asks_before_overwriting_valid_tokens(monkeypatch):
    with Sandbox() as sandbox:
        a = sandbox_api(sandbox)
        monkeypatch.setattr("pyTD.auth.manager.interactive", lambda: False)
        with pytest.raises(AuthorizationError, match="force=True"):
            a.refresh_auth()
        monkeypatch.setattr("pyTD.auth.manager.interactive", lambda: True)
        monkeypatch.setattr("builtins.input", lambda prompt: "n")
        before = a.refresh_token
        a.refresh_auth()                       # declined: nothing changes
        assert a.refresh_token == before

"""pyTD 0.0.x's package constants: resolved on access, never at import."""

from __future__ import annotations

import os

import appdirs
import pytest

import pyTD
from pyTD.provider import DEFAULT_PROVIDER

NAMES = ("CONFIG_DIR", "DEFAULT_CONFIG_DIR", "DEFAULT_SSL_DIR", "BASE_URL", "BASE_AUTH_URL")


def test_defaults():
    default = appdirs.user_config_dir("pyTD")
    assert pyTD.DEFAULT_CONFIG_DIR == default
    assert pyTD.CONFIG_DIR == default
    assert pyTD.DEFAULT_SSL_DIR == default
    assert pyTD.BASE_URL == DEFAULT_PROVIDER.base_url == "https://api.tdameritrade.com/v1"
    assert pyTD.BASE_AUTH_URL == DEFAULT_PROVIDER.auth_url == "https://auth.tdameritrade.com/auth"


def test_config_dir_follows_td_config_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path / "td"))
    assert pyTD.CONFIG_DIR == str(tmp_path / "td")
    assert pyTD.DEFAULT_SSL_DIR == str(tmp_path / "td")
    assert pyTD.DEFAULT_CONFIG_DIR == appdirs.user_config_dir("pyTD")
    assert not (tmp_path / "td").exists()  # resolving creates nothing


def test_config_dir_is_absolute_and_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("TD_CONFIG_DIR", "~/tdconf")
    assert pyTD.CONFIG_DIR == os.path.join(os.path.expanduser("~"), "tdconf")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TD_CONFIG_DIR", "rel")
    assert pyTD.CONFIG_DIR == str(tmp_path / "rel")
    monkeypatch.setenv("TD_CONFIG_DIR", "")
    assert pyTD.CONFIG_DIR == appdirs.user_config_dir("pyTD")


def test_config_dir_matches_what_an_api_uses(monkeypatch, tmp_path):
    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path / "cfg"))
    a = pyTD.api(consumer_key="KEY", callback_url="http://127.0.0.1:8080", store_tokens=False)
    assert a.settings.config_dir == pyTD.CONFIG_DIR


def test_ssl_dir_is_where_the_callback_certificate_goes(monkeypatch, tmp_path):
    pytest.importorskip("cryptography")
    from pyTD.auth.tls import ensure_certificate

    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path / "cfg"))
    cert, key = ensure_certificate(pyTD.CONFIG_DIR)
    assert os.path.dirname(cert) == os.path.dirname(key) == pyTD.DEFAULT_SSL_DIR


def test_constants_are_not_cached(monkeypatch, tmp_path):
    pyTD.CONFIG_DIR  # noqa: B018
    assert "CONFIG_DIR" not in vars(pyTD)
    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path))
    assert pyTD.CONFIG_DIR == str(tmp_path)


def test_constants_are_listed_by_dir():
    assert set(NAMES) <= set(dir(pyTD))


def test_unknown_attribute_still_fails():
    with pytest.raises(AttributeError, match="module 'pyTD' has no attribute 'CONFIG_DIRS'"):
        pyTD.CONFIG_DIRS  # noqa: B018

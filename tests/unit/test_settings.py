"""Settings: argument > environment > default for every option, and clear errors."""

from __future__ import annotations

import dataclasses
import os

import pytest

from pyTD.exceptions import ConfigurationError
from pyTD.pacing import Quota
from pyTD.provider import TD_AMERITRADE
from pyTD.settings import ENV_VARS, parse_bool, resolve

#: A second provider, to tell an argument from the environment.
OTHER = dataclasses.replace(TD_AMERITRADE, name="other", title="Other")

#: name -> (argument, environment value, resolved argument, resolved env value, default)
CASES = {
    "consumer_key": ("ARGKEY", "ENVKEY", "ARGKEY", "ENVKEY", None),
    "callback_url": ("http://localhost:1", "https://127.0.0.1:2/cb", "http://localhost:1",
                     "https://127.0.0.1:2/cb", None),
    "config_dir": ("/tmp/pytd-arg", "/tmp/pytd-env", "/tmp/pytd-arg", "/tmp/pytd-env",
                   "HOME/.config/pyTD"),
    "store_tokens": (False, "no", False, False, True),
    "log_level": ("debug", "Warning", "DEBUG", "WARNING", None),
    "base_url": ("http://127.0.0.1:1/v1/", "http://127.0.0.1:2/v1", "http://127.0.0.1:1/v1",
                 "http://127.0.0.1:2/v1", TD_AMERITRADE.base_url),
    "auth_url": ("http://127.0.0.1:1/auth", "http://127.0.0.1:2/auth",
                 "http://127.0.0.1:1/auth", "http://127.0.0.1:2/auth", TD_AMERITRADE.auth_url),
    "provider": (OTHER, "TD", OTHER, TD_AMERITRADE, TD_AMERITRADE),
    "app_secret": ("ARGSECRET", "ENVSECRET", "ARGSECRET", "ENVSECRET", None),
    "output_format": ("pandas", "JSON", "pandas", "json", "json"),
    "deadline": (2.5, " 7 ", 2.5, 7.0, None),
    "max_body": (4096, "1024", 4096, 1024, None),
    "refresh_warning": (60, "3600", 60, 3600.0, 86400.0),
    "quota": ("10/2", "20", Quota(10, 2.0), Quota(20, 60.0), Quota(120, 60.0)),
    "share_quota": (True, "yes", True, True, False),
}


def test_every_setting_is_covered():
    assert set(CASES) == set(ENV_VARS)


def _expected(value, tmp_path):
    return value.replace("HOME", os.environ["HOME"]) if isinstance(value, str) else value


@pytest.mark.parametrize("name", CASES)
def test_argument_beats_environment(name, monkeypatch):
    arg, env, want, _, _ = CASES[name]
    monkeypatch.setenv(ENV_VARS[name], str(env))
    assert getattr(resolve(**{name: arg}), name) == want


@pytest.mark.parametrize("name", CASES)
def test_environment_beats_default(name, monkeypatch):
    _, env, _, want, _ = CASES[name]
    monkeypatch.setenv(ENV_VARS[name], str(env))
    assert getattr(resolve(), name) == want


@pytest.mark.parametrize("name", CASES)
def test_default(name, tmp_path):
    assert getattr(resolve(), name) == _expected(CASES[name][4], tmp_path)


@pytest.mark.parametrize("name", CASES)
def test_empty_environment_value_means_unset(name, monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VARS[name], "")
    assert getattr(resolve(), name) == _expected(CASES[name][4], tmp_path)


def test_environment_is_read_when_resolving(monkeypatch):
    monkeypatch.setenv("TD_CONSUMER_KEY", "FIRST")
    assert resolve().consumer_key == "FIRST"
    monkeypatch.setenv("TD_CONSUMER_KEY", "SECOND")
    assert resolve().consumer_key == "SECOND"
    assert resolve(env={"TD_CONSUMER_KEY": "MAPPING"}).consumer_key == "MAPPING"


TRUE = ["true", "TRUE", "True", "tRuE", "1", "yes", "YES", "Yes", " yes "]
FALSE = ["false", "FALSE", "False", "fAlSe", "0", "no", "NO", "No"]


@pytest.mark.parametrize("text", TRUE + FALSE)
def test_store_tokens_spellings(text, monkeypatch):
    monkeypatch.setenv("TD_STORE_TOKENS", text)
    assert resolve().store_tokens is (text in TRUE)
    monkeypatch.delenv("TD_STORE_TOKENS")
    assert resolve(store_tokens=text).store_tokens is (text in TRUE)


@pytest.mark.parametrize("text", ["maybe", "2", "on", "y"])
def test_invalid_store_tokens_environment_names_variable_and_value(text, monkeypatch):
    monkeypatch.setenv("TD_STORE_TOKENS", text)
    with pytest.raises(ConfigurationError) as info:
        resolve()
    message = str(info.value)
    assert f"TD_STORE_TOKENS={text!r}" in message
    assert "true/false, 1/0, yes/no" in message


def test_invalid_store_tokens_argument_names_the_argument():
    with pytest.raises(ConfigurationError, match=r"store_tokens='maybe'.*use one of"):
        resolve(store_tokens="maybe")
    assert parse_bool(True, "x") is True


def test_invalid_log_level_names_the_variable(monkeypatch):
    monkeypatch.setenv("TD_LOG_LEVEL", "loud")
    with pytest.raises(ConfigurationError, match=r"TD_LOG_LEVEL='LOUD'.*use one of"):
        resolve()
    with pytest.raises(ConfigurationError, match=r"^log_level='LOUD'"):
        resolve(log_level="loud")


@pytest.mark.parametrize("name", ["base_url", "auth_url"])
def test_url_must_be_http(name, monkeypatch):
    monkeypatch.setenv(ENV_VARS[name], "ftp://example.com")
    with pytest.raises(ConfigurationError, match=rf"{ENV_VARS[name]}=.*http\(s\)://"):
        resolve()
    with pytest.raises(ConfigurationError, match=rf"^{name}=.*http\(s\)://"):
        resolve(**{name: "localhost:8080"})


def test_unknown_setting_lists_the_known_ones():
    with pytest.raises(ConfigurationError, match=r"Unknown setting.*consumer_key"):
        resolve(consumer_kee="KEY")


def test_config_dir_is_absolute_and_expanded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve(config_dir="rel").config_dir == str(tmp_path / "rel")
    assert resolve(config_dir="~/cfg").config_dir == os.path.join(os.environ["HOME"], "cfg")


def test_resolving_creates_nothing():
    resolve(consumer_key="KEY")
    assert os.listdir(os.environ["HOME"]) == []


def test_token_url_and_requirements():
    settings = resolve(base_url="http://127.0.0.1:9/v1")
    assert settings.token_url == "http://127.0.0.1:9/v1/oauth2/token"
    with pytest.raises(ConfigurationError, match=r"consumer_key=.*TD_CONSUMER_KEY"):
        settings.require_consumer_key()
    with pytest.raises(ConfigurationError, match=r"callback_url=.*TD_CALLBACK_URL"):
        settings.require_callback_url()
    full = resolve(consumer_key=" KEY ", callback_url="http://localhost:8080")
    assert full.require_consumer_key() == "KEY"
    assert full.require_callback_url() == "http://localhost:8080"


def test_settings_are_frozen():
    settings = resolve()
    with pytest.raises(AttributeError):
        settings.consumer_key = "other"
    assert os.path.isabs(settings.config_dir)


def test_unknown_provider_names_the_known_ones(monkeypatch):
    monkeypatch.setenv("TD_PROVIDER", "nasdaq")
    with pytest.raises(ConfigurationError, match="provider='nasdaq' is not known: use one of"):
        resolve()


def test_the_app_secret_stays_out_of_the_repr():
    settings = resolve(consumer_key="KEY", app_secret="S3CRET-VALUE")
    assert "S3CRET" not in repr(settings) and "app_secret='[hidden]'" in repr(settings)
    assert "consumer_key='KEY'" in repr(settings)


def test_an_unknown_output_format_names_the_variable(monkeypatch):
    monkeypatch.setenv("TD_OUTPUT_FORMAT", "xml")
    with pytest.raises(ConfigurationError, match="TD_OUTPUT_FORMAT='xml': use one of json, pandas"):
        resolve()

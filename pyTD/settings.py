"""Resolve every option as: explicit argument > ``TD_*`` environment variable > default.

The environment is read when :func:`resolve` is called (when an ``api`` or a
cache is built), never at import::

    from pyTD.settings import resolve
    s = resolve(consumer_key="KEY", store_tokens=False)
    s.config_dir, s.base_url, s.token_url
"""

from __future__ import annotations

import os
from typing import Any, Mapping, NamedTuple, Optional
from urllib.parse import urlsplit

from pyTD.exceptions import ConfigurationError
from pyTD.output import FORMATS
from pyTD.pacing import Quota, quota_for
from pyTD.provider import DEFAULT_PROVIDER, Provider, get_provider

ENV_VARS = {
    "consumer_key": "TD_CONSUMER_KEY",
    "callback_url": "TD_CALLBACK_URL",
    "config_dir": "TD_CONFIG_DIR",
    "store_tokens": "TD_STORE_TOKENS",
    "log_level": "TD_LOG_LEVEL",
    "base_url": "TD_BASE_URL",
    "auth_url": "TD_AUTH_URL",
    "provider": "TD_PROVIDER",
    "app_secret": "TD_APP_SECRET",
    "output_format": "TD_OUTPUT_FORMAT",
    "deadline": "TD_DEADLINE",
    "max_body": "TD_MAX_BODY",
    "refresh_warning": "TD_REFRESH_WARNING",
    "quota": "TD_QUOTA",
    "share_quota": "TD_SHARE_QUOTA",
}

#: Seconds before the refresh token expires from which a run warns once.
DEFAULT_REFRESH_WARNING = 86400.0

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_LOG_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET"}


class Settings(NamedTuple):
    """The resolved configuration of one ``api``."""

    consumer_key: Optional[str]
    callback_url: Optional[str]
    config_dir: str
    store_tokens: bool
    log_level: Optional[str]
    base_url: str
    auth_url: str
    provider: Provider = DEFAULT_PROVIDER
    #: The app secret of a confidential client (HTTP Basic at the token endpoint).
    app_secret: Optional[str] = None
    #: What endpoint functions return unless a call says otherwise: ``json`` or ``pandas``.
    output_format: str = "json"
    #: Seconds an answer may take in all (``None``: a few read timeouts, see ``Transport``).
    deadline: Optional[float] = None
    #: The largest answer read, in bytes (``None``: 64 MiB, see ``Transport``).
    max_body: Optional[int] = None
    #: Seconds of refresh-token life left below which a WARNING is logged once per api.
    refresh_warning: float = DEFAULT_REFRESH_WARNING
    #: The request quota paced by (``None``: no pacing), see :func:`pyTD.pacing.quota_for`.
    quota: Optional[Quota] = None
    #: Whether processes sharing the token cache share the quota too.
    share_quota: bool = False

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields
                           if name not in ("app_secret", "provider"))
        secret = "'[hidden]'" if self.app_secret else None
        return f"Settings({fields}, provider={self.provider.name!r}, app_secret={secret})"

    @property
    def token_url(self) -> str:
        """Where tokens are requested: the base URL plus the provider's token path."""
        return self.base_url + self.provider.token_path

    def require_consumer_key(self) -> str:
        """The consumer key, or a :class:`ConfigurationError` saying how to set it."""
        if not self.consumer_key:
            raise ConfigurationError(
                "No consumer key: pass consumer_key=... or set TD_CONSUMER_KEY "
                "(your app's Consumer Key from the developer portal).",
                arguments={"consumer_key": "..."})
        return self.consumer_key

    def require_callback_url(self) -> str:
        """The callback URL, or a :class:`ConfigurationError` saying how to set it."""
        if not self.callback_url:
            raise ConfigurationError(
                "No callback URL: pass callback_url=... or set TD_CALLBACK_URL "
                "(exactly as registered for your app, e.g. http://127.0.0.1:8080).",
                arguments={"callback_url": "..."})
        return self.callback_url


def parse_bool(value: Any, name: str) -> bool:
    """``true/false/1/0/yes/no`` in any case (or a bool) -> bool; else ``ConfigurationError``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(
        f"{name}={value!r} is not a boolean: use one of true/false, 1/0, yes/no."
    )


def default_config_dir() -> str:
    """``appdirs.user_config_dir("pyTD")``: where tokens live unless configured."""
    import appdirs

    return appdirs.user_config_dir("pyTD")


def resolve_config_dir(env: Optional[Mapping[str, str]] = None) -> str:
    """The configuration directory from ``TD_CONFIG_DIR`` (in ``env``), else the default."""
    return _config_dir(_pick("config_dir", {}, os.environ if env is None else env))


def check_log_level(level: Any, source: str) -> str:
    """``level`` as an upper-case level name, or a ``ConfigurationError`` naming ``source``.

    >>> check_log_level("info", "log_level")
    'INFO'
    """
    name = str(level).upper()
    if name not in _LOG_LEVELS:
        raise ConfigurationError(f"{source}={name!r} is not a log level: "
                                 f"use one of {sorted(_LOG_LEVELS)}.")
    return name


def _config_dir(value: Any) -> str:
    return os.path.abspath(os.path.expanduser(str(value))) if value else default_config_dir()


def _pick(name: str, explicit: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    value = explicit.get(name)
    if value is not None:
        return value
    value = env.get(ENV_VARS[name])
    return value if value not in (None, "") else None


def resolve(*, env: Optional[Mapping[str, str]] = None, **explicit: Any) -> Settings:
    """Resolve every setting; unknown keyword names are a ``ConfigurationError``.

    ``provider`` is a :class:`~pyTD.provider.Provider` or a registered name
    (``TD_PROVIDER``); its hosts are the defaults of ``base_url`` and ``auth_url``.
    """
    unknown = set(explicit) - set(ENV_VARS)
    if unknown:
        raise ConfigurationError(
            f"Unknown setting(s) {sorted(unknown)}; known: {sorted(ENV_VARS)}."
        )
    env = os.environ if env is None else env
    provider = get_provider(_pick("provider", explicit, env))

    store = _pick("store_tokens", explicit, env)
    if store is None:
        store_tokens = True
    elif "store_tokens" in explicit and explicit["store_tokens"] is not None:
        store_tokens = parse_bool(store, "store_tokens")
    else:
        store_tokens = parse_bool(store, ENV_VARS["store_tokens"])

    log_level = _pick("log_level", explicit, env)
    if log_level is not None:
        log_level = check_log_level(log_level, "log_level" if explicit.get("log_level")
                                    else ENV_VARS["log_level"])

    config_dir = _config_dir(_pick("config_dir", explicit, env))

    def url(name: str, default: str) -> str:
        value = _pick(name, explicit, env) or default
        value = str(value).rstrip("/")
        if not value.startswith(("http://", "https://")):
            source = name if explicit.get(name) else ENV_VARS[name]
            raise ConfigurationError(f"{source}={value!r} must be an http(s):// URL.")
        return value

    consumer_key = _pick("consumer_key", explicit, env)
    base_url = url("base_url", provider.base_url)
    quota_source = "quota" if explicit.get("quota") is not None else ENV_VARS["quota"]
    share = _pick("share_quota", explicit, env)
    return Settings(
        consumer_key=str(consumer_key).strip() if consumer_key else None,
        callback_url=_pick("callback_url", explicit, env),
        config_dir=config_dir,
        store_tokens=store_tokens,
        log_level=log_level,
        base_url=base_url,
        auth_url=url("auth_url", provider.auth_url),
        provider=provider,
        app_secret=_pick("app_secret", explicit, env),
        output_format=_output_format(explicit, env),
        deadline=_positive("deadline", explicit, env, float, "seconds, e.g. 120"),
        max_body=_positive("max_body", explicit, env, int, "bytes, e.g. 134217728"),
        refresh_warning=_positive("refresh_warning", explicit, env, float,
                                  "seconds, e.g. 86400 for one day") or DEFAULT_REFRESH_WARNING,
        quota=quota_for(_pick("quota", explicit, env), provider.request_quota,
                        _same_host(base_url, provider.base_url), quota_source),
        share_quota=False if share is None else parse_bool(
            share, "share_quota" if explicit.get("share_quota") is not None
            else ENV_VARS["share_quota"]),
    )


def _same_host(url: str, other: str) -> bool:
    """Whether two URLs name the same scheme, host and port (the provider's own API)."""
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def _positive(name: str, explicit: Mapping[str, Any], env: Mapping[str, str],
              kind: type, example: str) -> Any:
    """A positive ``kind`` (float or int) from the argument or variable, else ``None``."""
    value = _pick(name, explicit, env)
    if value is None:
        return None
    try:
        number = kind(str(value).strip()) if not isinstance(value, (int, float)) else value
    except ValueError:
        number = None
    if isinstance(value, bool) or not isinstance(number, (int, float)) or \
            not 0 < number < float("inf") or (kind is int and number != int(number)):
        source = name if explicit.get(name) is not None else ENV_VARS[name]
        raise ConfigurationError(f"{source}={value!r} is not a positive number of {example}.")
    return kind(number)


def _output_format(explicit: Mapping[str, Any], env: Mapping[str, str]) -> str:
    value = _pick("output_format", explicit, env)
    if value is None:
        return "json"
    fmt = str(value).strip().lower()
    if fmt not in FORMATS:
        source = "output_format" if explicit.get("output_format") else ENV_VARS["output_format"]
        raise ConfigurationError(f"{source}={value!r}: use one of {', '.join(FORMATS)}.")
    return fmt

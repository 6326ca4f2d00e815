"""pyTD: a Python client for the TD Ameritrade developer API and its OAuth 2.0 flow.

>>> import pyTD
>>> a = pyTD.api(consumer_key="KEY", callback_url="http://127.0.0.1:8080")  # doctest: +SKIP
>>> a.get_quotes(["AAPL", "MSFT"])  # doctest: +SKIP

Importing pyTD reads no environment variable, creates no file and only adds a
``NullHandler`` to the ``pyTD`` logger; heavier submodules load on first use.
"""

from __future__ import annotations

import importlib
import logging
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "2.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from pyTD.api import api, configure, default_api

#: Names of :mod:`pyTD.api` that ``pyTD`` re-exports, imported on first access (so that
#: ``pytd --help`` loads no HTTP library). ``pyTD.api`` is the class, as in pyTD 1.x.
_API_NAMES = frozenset({"api", "configure", "default_api"})

_SUBMODULES = {"accounts", "auth", "cache", "cli", "exceptions", "instruments", "market",
               "provider", "sandbox", "settings"}

__all__ = ["__version__", "api", "configure", "default_api", *sorted(_SUBMODULES)]


#: pyTD 0.0.x's package constants, computed on each access (never at import):
#: ``CONFIG_DIR`` (``TD_CONFIG_DIR`` or the default), ``DEFAULT_CONFIG_DIR``
#: (``appdirs.user_config_dir("pyTD")``), ``DEFAULT_SSL_DIR`` (where the callback's
#: TLS certificate is kept: the configuration directory), ``BASE_URL`` and
#: ``BASE_AUTH_URL`` (the default provider's API and authorization URLs).
_CONSTANTS = frozenset({"BASE_AUTH_URL", "BASE_URL", "CONFIG_DIR", "DEFAULT_CONFIG_DIR",
                        "DEFAULT_SSL_DIR"})


def _constant(name: str) -> str:
    if name in ("BASE_URL", "BASE_AUTH_URL"):
        from pyTD.provider import DEFAULT_PROVIDER

        return DEFAULT_PROVIDER.base_url if name == "BASE_URL" else DEFAULT_PROVIDER.auth_url
    from pyTD.settings import default_config_dir, resolve_config_dir

    return default_config_dir() if name == "DEFAULT_CONFIG_DIR" else resolve_config_dir()


def __getattr__(name: str) -> Any:
    if name in _CONSTANTS:
        return _constant(name)
    if name in _API_NAMES:
        value = getattr(importlib.import_module("pyTD.api"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"pyTD.{name}")
    else:
        raise AttributeError(f"module 'pyTD' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _CONSTANTS | {"log_level"})


class _Package(types.ModuleType):
    """The ``pyTD`` module, with pyTD 0.0.x's ``pyTD.log_level = "INFO"`` wired to the logger.

    Importing the submodule :mod:`pyTD.api` binds ``pyTD.api``; the class is bound instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        home = sys.modules.get("pyTD.api")
        if name == "api" and home is not None and value is home:
            value = home.api
        super().__setattr__(name, value)

    @property
    def log_level(self) -> str:
        """The ``pyTD`` logger's effective level, by name (``"WARNING"``, ``"DEBUG"``...)."""
        return logging.getLevelName(logging.getLogger(__name__).getEffectiveLevel())

    @log_level.setter
    def log_level(self, level: str) -> None:
        from pyTD.settings import check_log_level

        logging.getLogger(__name__).setLevel(check_log_level(level, "pyTD.log_level"))


sys.modules[__name__].__class__ = _Package

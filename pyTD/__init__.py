"""pyTD: a Python client for the TD Ameritrade developer API and its OAuth 2.0 flow.

>>> import pyTD
>>> a = pyTD.api(consumer_key="KEY", callback_url="http://localhost:8080")  # doctest: +SKIP
>>> a.get_quotes(["AAPL", "MSFT"])  # doctest: +SKIP

Importing pyTD reads no environment variable, creates no file and only adds a
``NullHandler`` to the ``pyTD`` logger; submodules load on first use.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "2.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

_SUBMODULES = {"accounts", "auth", "cache", "cli", "exceptions", "instruments", "market",
               "provider", "sandbox", "settings"}
_FROM_API = {"api", "configure", "default_api"}

__all__ = ["__version__", *sorted(_FROM_API), *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    if name in _FROM_API:
        module = importlib.import_module("pyTD.api")
        value = getattr(module, name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"pyTD.{name}")
    else:
        raise AttributeError(f"module 'pyTD' has no attribute {name!r}")
    globals()[name] = value  # also replaces the submodule pyTD.api with the class
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""pyTD 0.0.x's location of the exceptions: the same objects as :mod:`pyTD.exceptions`.

>>> from pyTD.utils.exceptions import AuthorizationError, TDQueryError
>>> import pyTD.exceptions
>>> AuthorizationError is pyTD.exceptions.AuthorizationError
True
"""

from __future__ import annotations

from pyTD.exceptions import *  # noqa: F403 - every public name, re-exported
from pyTD.exceptions import __all__ as __all__

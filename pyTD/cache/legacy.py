"""Pick up the tokens of an install of the original pyTD (0.0.x), once.

The original pyTD kept the tokens of a consumer key in the JSON file
``~/.tdm/<consumer_key>`` (or ``$TD_CONFIG_DIR/<consumer_key>``)::

    {"refresh_token": {"token": "...", "access_time": 1700000000.0, "expires_in": 7776000},
     "access_token":  {"token": "...", "access_time": 1700000000.0, "expires_in": 1800}}

(a token may also be a plain string; then its issue time is taken to be the
file's modification time and its lifetime the usual 90 days / 30 minutes).
When :func:`~pyTD.cache.select_cache` builds the default
:class:`~pyTD.cache.DiskCache` for a TD Ameritrade consumer key, and that
cache is empty, :func:`import_legacy_tokens` copies the unexpired tokens of
such a file into it (one :meth:`~pyTD.cache.TokenCache.update`, under the
cache's lock) and logs one INFO line (paths only, never token values). The
old file is only read, never changed. Expired tokens are not imported (an
expired refresh token could only fail; authorize again with
``pytd auth login``). A file that is not in that shape is ignored with a
WARNING. Either way a marker ``<cache file>.legacy-checked`` (0600) records
that the old file was looked at, so the import happens once: after a
``logout`` the old tokens do not come back.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from typing import Any, Iterable

from pyTD._files import create_private_file, make_private_dir
from pyTD.auth.tokens import AccessToken, Clock, RefreshToken, Token
from pyTD.cache.base import TokenCache

log = logging.getLogger(__name__)

#: Where the original pyTD kept its files when ``TD_CONFIG_DIR`` was not set.
LEGACY_DIR = "~/.tdm"
#: Suffix of the marker file next to the new cache: the old file was already looked at.
MARKER_SUFFIX = ".legacy-checked"
#: Lifetimes assumed for plain-string tokens (TD Ameritrade's: 90 days, 30 minutes).
LIFETIMES = {"refresh_token": 90 * 24 * 3600.0, "access_token": 1800.0}
_MAX_BYTES = 1_000_000
_CLASSES: dict[str, type[Token]] = {"refresh_token": RefreshToken, "access_token": AccessToken}


def legacy_paths(consumer_key: str, config_dirs: Iterable[str],
                 suffix: str = "@AMER.OAUTHAP") -> list[str]:
    """Candidate old token files: each directory joined with each spelling of the key.

    >>> legacy_paths("KEY", ["/cfg"])
    ['/cfg/KEY', '/cfg/KEY@AMER.OAUTHAP']
    """
    bare = consumer_key[: -len(suffix)] if suffix and consumer_key.endswith(suffix) \
        else consumer_key
    names = list(dict.fromkeys([consumer_key, bare, bare + suffix]))
    paths: list[str] = []
    for directory in config_dirs:
        directory = os.path.abspath(os.path.expanduser(directory))
        for name in names:
            if name and os.path.basename(name) == name:
                path = os.path.join(directory, name)
                if path not in paths:
                    paths.append(path)
    return paths


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise ValueError(f"{what} is not a finite number")
    return float(value)


def read_legacy_file(path: str, clock: Clock = time.time) -> dict[str, Token]:
    """The tokens in an old pyTD file, by name (``refresh_token``/``access_token``).

    Raises ``ValueError`` (whose message never contains a token) when the file
    is not in the original's shape, ``OSError`` when it cannot be read.
    """
    with open(path, "rb") as f:
        mtime = os.fstat(f.fileno()).st_mtime
        raw = f.read(_MAX_BYTES + 1)
    if len(raw) > _MAX_BYTES:
        raise ValueError("the file is too large")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, found {type(data).__name__}")
    if not any(data.get(name) for name in _CLASSES):
        raise ValueError("it holds neither a refresh_token nor an access_token")
    tokens: dict[str, Token] = {}
    for name, cls in _CLASSES.items():
        item = data.get(name)
        if item is None or item == "" or item == {}:
            continue
        if isinstance(item, str):
            item = {"token": item}
        if not isinstance(item, dict):
            raise ValueError(f"{name} is neither an object nor a string")
        value = item.get("token")
        if not value:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{name}.token is not a string")
        issued = item.get("access_time")
        lifetime = item.get("expires_in")
        issued = mtime if issued is None else _number(issued, f"{name}.access_time")
        lifetime = LIFETIMES[name] if lifetime is None \
            else _number(lifetime, f"{name}.expires_in")
        tokens[name] = cls(token=value, access_time=issued, expires_in=lifetime, clock=clock)
    return tokens


def import_legacy_tokens(cache: TokenCache, consumer_key: str, config_dirs: Iterable[str],
                         marker: str, *, suffix: str = "@AMER.OAUTHAP",
                         clock: Clock = time.time) -> bool:
    """Copy an old pyTD file's unexpired tokens into the empty ``cache``, once.

    ``config_dirs`` are searched in order for ``<consumer_key>``; ``marker``
    is the file that records that this was done. True when tokens were
    imported. Never raises for a bad old file (a WARNING is logged instead);
    errors of ``cache`` itself (:class:`~pyTD.exceptions.CacheError`) are raised.
    """
    if os.path.exists(marker):
        return False
    candidates = legacy_paths(consumer_key, config_dirs, suffix)
    old = next((p for p in candidates if os.path.isfile(p)), None)
    if old is None:
        return False
    imported = False
    with cache.lock():  # a CacheError of the new cache is raised as on any other use
        current = cache.tokens()
        if current.refresh_token or current.access_token:
            log.debug("Token cache %s already has tokens; %s not imported",
                      cache.describe(), old)
        else:
            imported = _import(cache, old, clock)
    try:
        make_private_dir(os.path.dirname(marker))
        create_private_file(marker)
    except OSError as exc:
        log.warning("Could not record that %s was checked (%s); it will be checked again",
                    old, exc.strerror or exc)
    return imported


def _import(cache: TokenCache, old: str, clock: Clock) -> bool:
    try:
        tokens = read_legacy_file(old, clock)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        log.warning("Ignoring the original pyTD's token file %s: %s", old, reason)
        return False
    fresh = {name: token for name, token in tokens.items() if token.remaining() > 0}
    if not fresh:
        log.info("The tokens in the original pyTD's file %s have expired and were not "
                 "imported; authorize again (pytd auth login)", old)
        return False
    cache.update(refresh_token=fresh.get("refresh_token"),
                 access_token=fresh.get("access_token"))
    log.info("Imported the original pyTD's tokens (%s) from %s into %s; the old file is "
             "unchanged", ", ".join(sorted(fresh)), old, cache.describe())
    return True

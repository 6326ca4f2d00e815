"""A JSON file token cache: atomic writes, private modes, shared safely between processes.

>>> from pyTD.cache import DiskCache
>>> cache = DiskCache("/tmp/pytd-doc/tokens.json")  # doctest: +SKIP
>>> cache.access_token.valid  # doctest: +SKIP
False
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator, Optional, Union

from pyTD._files import (
    DirectorySyncError,
    atomic_write,
    create_private_file,
    make_private_dir,
    remove_stale_temp_files,
)
from pyTD.auth.tokens import Clock
from pyTD.cache._lock import LOCK_TIMEOUT, file_lock
from pyTD.cache._paths import cache_file_stat, check_directory, os_advice
from pyTD.cache.base import TokenCache, TokenSet, check_shape
from pyTD.exceptions import CacheError

#: A file modified less than this long ago (ns) is re-read on every access: a later
#: write in the same timestamp tick could reuse its inode, size and mtime.
RACY_WINDOW_NS = 2_000_000_000



def cache_path(path: Union[str, os.PathLike], config_dir: Optional[str]) -> tuple[str, bool]:
    """``(absolute path, was_absolute)``; a relative name is placed in the configuration dir."""
    path = os.path.expanduser(os.fspath(path))
    if os.path.isabs(path):
        return os.path.abspath(path), True
    if config_dir is None:
        from pyTD.settings import resolve

        config_dir = resolve().config_dir
    return os.path.abspath(os.path.join(os.path.expanduser(config_dir), path)), False


def _copy(data: Optional[dict]) -> Optional[dict]:
    if data is None:
        return None
    return {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}


class _Parsed:
    """One parse of the file: its stat stamp, the dict, and the tokens built from it."""

    __slots__ = ("data", "stamp", "tokens")

    def __init__(self, stamp: tuple, data: Optional[dict]) -> None:
        self.stamp = stamp
        self.data = data
        self.tokens: Optional[TokenSet] = None


class DiskCache(TokenCache):
    """Tokens in a JSON file, written atomically and readable only by you (0600).

    An absolute ``path`` is created at once (missing directories 0700, an
    empty file 0600); a relative name lives in the configuration directory
    (``config_dir`` or ``TD_CONFIG_DIR``/the default), which is created only
    when tokens are first written. Several processes may share the file:
    read-modify-write (:meth:`transaction`) holds a lock on ``<path>.lock``,
    waiting for it at most ``lock_timeout`` seconds (then :class:`CacheError`).
    Reading needs no lock, so a cache on a read-only file system still serves
    its valid tokens. ``path`` must be a regular file (or nothing yet), and its
    directory may not be writable by other users.

    >>> cache = DiskCache("tokens-KEY.json", config_dir="/tmp/pytd-doc")  # doctest: +SKIP
    >>> with cache.transaction() as tokens:  # doctest: +SKIP
    ...     tokens.access_token = new_token

    The original pyTD's two-argument form ``DiskCache(config_dir, filename)``
    works too: the file ``filename`` in the directory ``config_dir`` (``~`` is
    expanded; created at once, like an absolute ``path``). Either way the
    cache has ``config_dir`` (its directory), ``filename`` (its name) and
    ``config_path`` (the full path, the same as ``path``).

    >>> cache = DiskCache("~/.tdm", "MYKEY")  # doctest: +SKIP
    >>> cache.config_path  # doctest: +SKIP
    '/home/me/.tdm/MYKEY'
    """

    def __init__(self, path: Union[str, os.PathLike], filename: Optional[str] = None, *,
                 clock: Clock = time.time, config_dir: Optional[str] = None,
                 lock_timeout: float = LOCK_TIMEOUT) -> None:
        super().__init__(clock=clock)
        if filename is not None:
            if config_dir is not None:
                raise TypeError("DiskCache(config_dir, filename) takes the directory once: "
                                "pass it positionally or as config_dir=, not both.")
            name = os.fspath(filename)
            if not name or os.path.basename(name) != name:
                raise ValueError("DiskCache(config_dir, filename): filename must be a plain "
                                 "file name, without directories.")
            path = os.path.abspath(os.path.join(os.path.expanduser(os.fspath(path)), name))
        self.path, eager = cache_path(path, config_dir)
        self._dir = os.path.dirname(self.path)
        self.lock_timeout = lock_timeout
        self._file_lock = file_lock(self.path + ".lock")
        self._memo: Optional[_Parsed] = None
        self._swept = False  # stale temp files removed (once, under the lock)
        if eager:
            self._ensure_storage(create_file=True)
        elif os.path.exists(self._dir):
            check_directory(self._dir)
            self._stat()

    # -- storage ----------------------------------------------------------------
    def _ensure_storage(self, create_file: bool = False) -> None:
        check_directory(self._dir)
        try:
            make_private_dir(self._dir)
            created = create_file and create_private_file(self.path)
        except OSError as exc:
            raise CacheError(f"Cannot create the token cache {self.path}: "
                             f"{exc.strerror or exc}. {os_advice(exc)}") from exc
        if not created:
            self._stat()

    def _stat(self) -> Optional[os.stat_result]:
        """``lstat`` of the file: a regular file (mode fixed to 0600) or ``None``."""
        return cache_file_stat(self.path)

    def _unreadable(self, exc: OSError) -> CacheError:
        return CacheError(
            f"Cannot read the token cache {self.path}: {exc.strerror or exc}. Make it "
            "readable by you (chmod 600, owned by your user) or point config_dir/"
            "TD_CONFIG_DIR elsewhere."
        )

    def _current(self) -> _Parsed:
        """The parse of the file as it is now; one ``os.stat`` when it has not changed."""
        for _ in range(5):
            st = self._stat()
            if st is None:
                return _Parsed((), None)
            memo = self._memo
            if memo is not None and memo.stamp == (st.st_mtime_ns, st.st_size, st.st_ino):
                return memo
            parsed = self._parse()
            if parsed is not None:
                return parsed
        raise CacheError(f"Token cache {self.path} keeps changing while being read; "
                         "check what else writes to it.")

    def _parse(self) -> Optional[_Parsed]:
        """Read and check the file; ``None`` when it vanished or was replaced meanwhile."""
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())  # the stamp of exactly what is read
                raw = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._unreadable(exc) from exc
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        data, problem = None, ""
        if raw:
            try:
                data = json.loads(raw)
                check_shape(data)
            except ValueError as exc:  # a decoder error keeps the whole text (tokens): drop it
                problem = str(exc)
        if problem:
            self._move_aside(stamp, problem)
            return None  # replaced by a good file before the lock was taken
        parsed = _Parsed(stamp, data)
        if time.time_ns() - stamp[0] > RACY_WINDOW_NS:
            self._memo = parsed
        return parsed

    def _move_aside(self, stamp: tuple, reason: str) -> None:
        """Rename a corrupt file (under the lock, if still the same file) and raise."""
        with self._file_lock.hold(self.lock_timeout):
            st = self._stat()
            if st is None or (st.st_mtime_ns, st.st_size, st.st_ino) != stamp:
                return
            when = datetime.fromtimestamp(time.time(), tz=timezone.utc)
            target = f"{self.path}.corrupt-{when:%Y%m%dT%H%M%S}"
            n = 0
            while os.path.exists(target):
                n += 1
                target = f"{self.path}.corrupt-{when:%Y%m%dT%H%M%S}-{n}"
            try:
                os.replace(self.path, target)
            except OSError as exc:
                raise CacheError(
                    f"Token cache {self.path} is corrupt ({reason}) and could not be moved "
                    f"aside ({exc.strerror}). Delete or restore it, then re-authorize with "
                    "`pytd auth login`."
                ) from exc
        raise CacheError(
            f"Token cache {self.path} is corrupt ({reason}); it was moved to {target}. "
            "Re-authorize with `pytd auth login`, or restore the file from that copy."
        )

    # -- the plug-in methods -------------------------------------------------------
    def load(self) -> Optional[dict]:
        """A copy of the stored dict, or ``None`` when the file is missing or empty."""
        return _copy(self._current().data)

    def tokens(self) -> TokenSet:
        """Both tokens; built once per change of the file (token objects are shared)."""
        parsed = self._current()
        if parsed.tokens is None:
            parsed.tokens = TokenSet.from_dict(parsed.data, self.clock)
        return TokenSet(parsed.tokens.refresh_token, parsed.tokens.access_token)

    def save(self, data: Optional[dict]) -> None:
        """Write ``data`` atomically (temp file, fsync, rename, fsync dir); ``None`` empties it."""
        try:
            payload = b"" if data is None else \
                json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise CacheError(f"Cannot store these tokens as JSON ({exc}); nothing was written.") \
                from exc
        self._ensure_storage()
        try:
            atomic_write(self.path, payload)
        except DirectorySyncError as exc:
            raise CacheError(
                f"Wrote the token cache {self.path} but could not flush its directory "
                f"({exc.strerror}); check the disk before relying on the saved tokens."
            ) from exc
        except OSError as exc:
            raise CacheError(
                f"Could not write the token cache {self.path}: {exc.strerror or exc}. The previous "
                f"tokens are unchanged. {os_advice(exc)}"
            ) from exc

    @contextmanager
    def lock(self) -> Iterator[None]:
        """The cross-process lock on ``<path>.lock`` (re-entrant; threads serialized).

        Waits at most ``lock_timeout`` seconds; the first time it is held, temp
        files of writers killed mid-write (older than 10 minutes) are removed.
        """
        self._ensure_storage()
        with self._file_lock.hold(self.lock_timeout):
            if not self._swept:
                self._swept = True
                remove_stale_temp_files(self.path)
            yield

    @property
    def config_path(self) -> str:
        """The cache file's full path (the same as ``path``; the original pyTD's name)."""
        return self.path

    @property
    def config_dir(self) -> str:
        """The directory holding the cache file."""
        return self._dir

    @property
    def filename(self) -> str:
        """The cache file's name within :attr:`config_dir`."""
        return os.path.basename(self.path)

    def clear(self) -> None:
        """Forget both tokens (without a token file there is nothing to forget: nothing is made)."""
        if os.path.exists(self.path):
            super().clear()

    def describe(self) -> str:
        return self.path

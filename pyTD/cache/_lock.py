"""Private files and a cross-process lock for the on-disk token caches.

:class:`FileLock` holds an exclusive lock on a sidecar file (``<cache>.lock``):
``fcntl.flock`` on POSIX, ``msvcrt.locking`` on its first byte on Windows (the
Windows branch is not exercised by pyTD's test suite). It is re-entrant within
one thread and also serializes the threads of one process: every cache object
on the same path in a process shares one :class:`FileLock`.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import warnings
import weakref
from typing import Any

log = logging.getLogger("pyTD.cache")

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700

if os.name == "nt":  # pragma: no cover - not exercised on POSIX
    import msvcrt

    def _lock_fd(fd: int) -> None:
        while True:
            try:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for ~10 s, then raises
                return
            except OSError:
                continue

    def _unlock_fd(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def make_private_dir(path: str) -> None:
    """Create ``path`` and any missing parents with mode 0700; existing ones are left alone."""
    missing = []
    while path and not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, PRIVATE_DIR)
        except FileExistsError:
            continue
        os.chmod(directory, PRIVATE_DIR)  # the umask may have removed owner bits


def create_private_file(path: str) -> bool:
    """Create an empty file with mode 0600 unless it exists; True when it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return True


def fix_private_mode(path: str, mode: int) -> None:
    """Warn about and remove group/world permission bits of a file that holds secrets."""
    if os.name == "nt" or not mode & 0o077:
        return
    message = (f"Token cache {path} was readable by other users (mode "
               f"{stat.S_IMODE(mode):04o}); its mode is now 0600.")
    warnings.warn(message, stacklevel=3)
    log.warning(message)
    os.chmod(path, PRIVATE_FILE)


class FileLock:
    """An exclusive lock on a sidecar file, re-entrant per thread; use :func:`file_lock`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0  # only touched by the thread holding _thread_lock
        self._fd = -1

    def acquire(self) -> None:
        """Block until this thread holds the lock (again)."""
        self._thread_lock.acquire()
        if self._depth == 0:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
                try:
                    _lock_fd(fd)
                except BaseException:
                    os.close(fd)
                    raise
            except BaseException:
                self._thread_lock.release()
                raise
            self._fd = fd
        self._depth += 1

    def release(self) -> None:
        """Undo one :meth:`acquire`; the file lock is dropped by the outermost release."""
        self._depth -= 1
        try:
            if self._depth == 0:
                fd, self._fd = self._fd, -1
                try:
                    _unlock_fd(fd)
                finally:
                    os.close(fd)
        finally:
            self._thread_lock.release()

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


_LOCKS: weakref.WeakValueDictionary[str, FileLock] = weakref.WeakValueDictionary()
_LOCKS_GUARD = threading.Lock()


def file_lock(path: str) -> FileLock:
    """The process-wide :class:`FileLock` of ``path`` (shared by every cache on it)."""
    path = os.path.abspath(path)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(path)
        if lock is None:
            lock = _LOCKS[path] = FileLock(path)
        return lock

"""A cross-process lock for the on-disk token caches (private files: :mod:`pyTD._files`).

:class:`FileLock` holds an exclusive lock on a sidecar file (``<cache>.lock``):
``fcntl.flock`` on POSIX, ``msvcrt.locking`` on its first byte on Windows (the
Windows branch is not exercised by pyTD's test suite). It is re-entrant within
one thread and also serializes the threads of one process: every cache object
on the same path in a process shares one :class:`FileLock`.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from typing import Any

from pyTD._files import PRIVATE_FILE

if sys.platform == "win32":  # pragma: no cover - not exercised on POSIX
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

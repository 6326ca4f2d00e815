"""A cross-process lock for the on-disk token caches (private files: :mod:`pyTD._files`).

:class:`FileLock` holds an exclusive lock on a sidecar file (``<cache>.lock``):
``fcntl.flock`` on POSIX, ``msvcrt.locking`` on its first byte on Windows (the
Windows branch is not exercised by pyTD's test suite). It is re-entrant within
one thread and also serializes the threads of one process: every cache object
on the same path in a process shares one :class:`FileLock`.

Waiting is bounded: after ``timeout`` seconds (default :data:`LOCK_TIMEOUT`)
:meth:`FileLock.acquire` raises :class:`~pyTD.exceptions.CacheError` naming the
lock file and the holder's pid and host, which the holder writes into the
file. The lock file is opened with ``O_NOFOLLOW`` and must be a regular file;
every ``OSError`` becomes a ``CacheError`` saying what to do.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from pyTD._files import O_NOFOLLOW, PRIVATE_FILE, file_kind
from pyTD._fork import held_here, in_child, register
from pyTD.cache._paths import os_advice
from pyTD.exceptions import CacheError

#: Seconds to wait for a cache lock. The holder may be inside a token request, which
#: takes at most 5 s to connect plus 30 s to read (the transport's default timeout):
#: 60 s leaves a margin over that worst case.
LOCK_TIMEOUT = 60.0

_FIRST_POLL, _MAX_POLL = 0.005, 0.1

if sys.platform == "win32":  # pragma: no cover - not exercised on POSIX
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock_fd(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _open(path: str) -> int:
    """Open (creating 0600) the lock file: the one OS call that makes it, never via a symlink."""
    return os.open(path, os.O_RDWR | os.O_CREAT | O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0),
                   PRIVATE_FILE)


def holder(path: str) -> str:
    """Who holds the lock, as its holder recorded it: ``"pid 123 on host h"`` or ``""``."""
    try:
        with open(path, "rb") as f:
            pid, _, host = f.read(200).decode("ascii", "replace").strip().partition(" ")
    except OSError:
        return ""
    return f"pid {pid} on host {host}" if pid.isdigit() else ""


class FileLock:
    """An exclusive lock on a sidecar file, re-entrant per thread; use :func:`file_lock`."""

    def __init__(self, path: str, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Any] = time.sleep) -> None:
        self.path = path
        self.clock, self.sleep = clock, sleep
        self._thread_lock = threading.RLock()
        self._depth = 0  # only touched by the thread holding _thread_lock
        self._fd = -1
        register(self, FileLock._after_fork)

    def _after_fork(self) -> None:
        """In a forked child: free the thread side of a lock a vanished parent thread held.

        The ``flock`` belongs to the parent's open file, which the child then waits
        for like any other process; its inherited descriptor is closed here only.
        """
        if held_here(self._thread_lock):
            return
        self._thread_lock = threading.RLock()
        self._depth = 0
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def acquire(self, timeout: float = LOCK_TIMEOUT) -> None:
        """Wait up to ``timeout`` seconds until this thread holds the lock (again)."""
        deadline = self.clock() + timeout
        if not self._thread_lock.acquire(timeout=max(timeout, 0)):
            raise self._timed_out(timeout, f"another thread of this process (pid {os.getpid()})")
        if self._depth == 0:
            try:
                self._fd = self._lock_file(deadline, timeout)
            except BaseException:
                self._thread_lock.release()
                raise
        self._depth += 1

    def _lock_file(self, deadline: float, timeout: float) -> int:
        try:
            fd = _open(self.path)
        except OSError as exc:
            raise CacheError(f"Cannot create or open the token cache lock file {self.path}: "
                             f"{exc.strerror or exc}. {os_advice(exc)}") from exc
        try:
            kind = file_kind(os.fstat(fd).st_mode)
            if kind != "a regular file":
                raise CacheError(f"The token cache lock file {self.path} is {kind}. Remove it; "
                                 "pyTD creates the lock file itself.")
            pause = _FIRST_POLL
            while not _try_lock(fd):
                left = deadline - self.clock()
                if left <= 0:
                    raise self._timed_out(timeout, holder(self.path))
                self.sleep(min(pause, left))
                pause = min(pause * 2, _MAX_POLL)
            self._record(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        except BaseException:
            os.close(fd)
            raise
        return fd

    @staticmethod
    def _record(fd: int, data: bytes) -> None:
        """Note (or, with ``b""``, erase) the holder in the lock file; best effort only."""
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)
            os.ftruncate(fd, len(data))
        except OSError:
            pass  # the lock itself is held; only the note for waiters is missing

    def _timed_out(self, timeout: float, who: str) -> CacheError:
        by = f", held by {who}" if who else ""
        return CacheError(
            f"Timed out after {timeout:g} s waiting for the token cache lock {self.path}{by} "
            "(probably refreshing tokens). If that process is stuck, stop it; otherwise retry, "
            "or allow a longer wait with the cache's lock_timeout=...")

    def release(self) -> None:
        """Undo one :meth:`acquire`; the file lock is dropped by the outermost release."""
        self._depth -= 1
        try:
            if self._depth == 0:
                fd, self._fd = self._fd, -1
                try:
                    self._record(fd, b"")
                    _unlock_fd(fd)
                finally:
                    os.close(fd)
        finally:
            self._thread_lock.release()

    @contextmanager
    def hold(self, timeout: float = LOCK_TIMEOUT) -> Iterator[FileLock]:
        """``with lock.hold(timeout):`` ... (the lock is released on leaving)."""
        self.acquire(timeout)
        try:
            yield self
        finally:
            self.release()

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


_LOCKS: weakref.WeakValueDictionary[str, FileLock] = weakref.WeakValueDictionary()
_LOCKS_GUARD = threading.Lock()


def _fresh_guard() -> None:
    global _LOCKS_GUARD
    _LOCKS_GUARD = threading.Lock()


in_child(_fresh_guard)


def file_lock(path: str) -> FileLock:
    """The process-wide :class:`FileLock` of ``path`` (shared by every cache on it)."""
    path = os.path.abspath(path)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(path)
        if lock is None:
            lock = _LOCKS[path] = FileLock(path)
        return lock

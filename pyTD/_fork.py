"""Keeps pyTD's objects usable in a child process after ``os.fork()``.

A forked child inherits the parent's pooled keep-alive sockets (both processes
would then read each other's answers off one connection) and every lock as it
was at the fork, including one held by a thread that does not exist in the
child, which would never be released. Objects :func:`register` a reset here;
``os.register_at_fork`` runs the resets of every live object in each child::

    register(transport, lambda t: fresh_pools(t.session))

An SQLite transaction must not be open across a fork at all, so
:func:`hold_across_fork` makes ``fork()`` wait for one in flight (see
:func:`sqlite_guard`). Nothing runs where ``os.register_at_fork`` is missing
(Windows, which has no ``fork``).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any, Callable, Optional, TypeVar

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

T = TypeVar("T")

_resets: weakref.WeakKeyDictionary[Any, Callable[[Any], None]] = weakref.WeakKeyDictionary()
_holds: weakref.WeakKeyDictionary[Any, Callable[[Any], Any]] = weakref.WeakKeyDictionary()
#: Locks taken by :func:`_before_fork`, released again on both sides of the fork.
_held: list[Any] = []
#: Inherited SQLite connections, kept open and unused: SQLite forbids using (or
#: closing) a connection in a child, and a fresh one is opened there instead.
_inherited: list[Any] = []


def register(obj: T, reset: Callable[[T], None]) -> None:
    """Call ``reset(obj)`` in every child forked while ``obj`` lives (``obj`` is held weakly)."""
    _resets[obj] = reset


def hold_across_fork(obj: T, lock_of: Callable[[T], Any]) -> None:
    """Make ``fork()`` take ``lock_of(obj)`` first (when not ``None``) and release it after."""
    _holds[obj] = lock_of


def _before_fork() -> None:
    for obj, lock_of in list(_holds.items()):
        lock = lock_of(obj)
        if lock is not None:
            lock.acquire()
            _held.append(lock)


def _release_held() -> None:
    while _held:
        _held.pop().release()


def _after_fork_in_child() -> None:
    _release_held()   # this thread took them, and it is this thread that runs here
    for obj, reset in list(_resets.items()):
        try:
            reset(obj)
        except Exception:  # one broken reset must not leave the others undone
            log.warning("Resetting a %s after fork failed", type(obj).__name__, exc_info=True)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_release_held,
                        after_in_child=_after_fork_in_child)


def fresh_pools(session: requests.Session) -> None:
    """Give every ``HTTPAdapter`` of ``session`` new, empty connection pools.

    The inherited sockets are dropped in this process only (closing a copy of a
    descriptor does not end the parent's connection).
    """
    for adapter in session.adapters.values():
        if isinstance(adapter, HTTPAdapter):
            adapter.init_poolmanager(adapter._pool_connections, adapter._pool_maxsize,
                                     block=adapter._pool_block)
            adapter.proxy_manager = {}


def sqlite_guard(cache: Any) -> Optional[Any]:
    """The lock an ``SQLCache`` holds around every use of its connection, else ``None``."""
    return getattr(cache, "_guard", None)


def _held_here(lock: Any) -> bool:
    """Whether this thread owns the re-entrant ``lock`` (then it will release it itself)."""
    is_owned = getattr(lock, "_is_owned", None)
    return bool(is_owned is not None and is_owned())


def free_cache_locks(cache: Any) -> None:
    """Free the in-process locks of one of pyTD's token caches, in a forked child.

    Covers the ``TokenCache`` thread lock, the ``DiskCache`` file lock's thread
    side (the ``flock`` itself belongs to the parent's open file, which the
    child waits for like any other process) and ``SQLCache``'s connection (the
    child opens its own). A lock the forking thread holds is left alone: it
    releases it itself.
    """
    lock = getattr(cache, "_thread_lock", None)
    if lock is not None and not _held_here(lock):
        cache._thread_lock = threading.RLock()
    file_lock = getattr(cache, "_file_lock", None)
    if file_lock is not None and not _held_here(file_lock._thread_lock):
        file_lock._thread_lock = threading.RLock()
        file_lock._depth = 0
        fd, file_lock._fd = file_lock._fd, -1
        if fd >= 0:
            os.close(fd)
    guard = sqlite_guard(cache)
    if guard is not None and not _held_here(guard):
        if cache._db is not None:
            _inherited.append(cache._db)
        cache._db = None
        cache._memo = None

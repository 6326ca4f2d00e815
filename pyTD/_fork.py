"""Keeps pyTD's objects usable in a child process after ``os.fork()``.

A forked child inherits the parent's pooled keep-alive sockets (both processes
would then read each other's answers off one connection) and every lock as it
was at the fork, including one held by a thread that does not exist in the
child, which would never be released. Objects :func:`register` a reset here;
``os.register_at_fork`` runs the resets of every live object in each child::

    register(transport, lambda t: fresh_pools(t.session))

Module-level state registers with :func:`in_child`. An SQLite transaction must
not be open across a fork at all, so :func:`hold_across_fork` makes ``fork()``
wait for one in flight. Nothing runs where ``os.register_at_fork`` is missing
(Windows, which has no ``fork``).
"""

from __future__ import annotations

import logging
import os
import weakref
from typing import Any, Callable, TypeVar

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

T = TypeVar("T")

_resets: weakref.WeakKeyDictionary[Any, Callable[[Any], None]] = weakref.WeakKeyDictionary()
_holds: weakref.WeakKeyDictionary[Any, Callable[[Any], Any]] = weakref.WeakKeyDictionary()
#: Locks taken by :func:`_before_fork`, released again on both sides of the fork.
_held: list[Any] = []
_module_resets: list[Callable[[], None]] = []
#: Inherited SQLite connections, kept open and unused: SQLite forbids using (or
#: closing) a connection in a child, and a fresh one is opened there instead.
_inherited: list[Any] = []


def register(obj: T, reset: Callable[[T], None]) -> None:
    """Call ``reset(obj)`` in every child forked while ``obj`` lives (``obj`` is held weakly)."""
    _resets[obj] = reset


def in_child(reset: Callable[[], None]) -> None:
    """Call ``reset()`` in every forked child: for module-level state (held for good)."""
    _module_resets.append(reset)


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
    for reset in _module_resets:
        _run(reset, None, reset.__qualname__)
    for obj, obj_reset in list(_resets.items()):
        _run(obj_reset, obj, type(obj).__name__)


def _run(reset: Callable[..., None], obj: Any, what: str) -> None:
    try:
        if obj is None:
            reset()
        else:
            reset(obj)
    except Exception:  # one broken reset must not leave the others undone
        log.warning("Resetting %s after fork failed", what, exc_info=True)


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


def held_here(lock: Any) -> bool:
    """Whether this thread owns the re-entrant ``lock`` (then it releases it itself)."""
    is_owned = getattr(lock, "_is_owned", None)
    return bool(is_owned is not None and is_owned())


def keep_inherited(connection: Any) -> None:
    """Keep an inherited SQLite ``connection`` referenced, open and unused, in a forked child."""
    _inherited.append(connection)

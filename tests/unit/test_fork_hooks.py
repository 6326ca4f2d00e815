"""The fork hook registry of ``pyTD/_fork.py``, with real ``os.fork``."""

from __future__ import annotations

import gc
import os
import threading
import weakref

import pytest
import requests

from pyTD import _fork
from pyTD.transport import Transport

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


class Thing:
    pass


def _in_child(check) -> int:
    """Run ``check()`` in a forked child; its exit status (0: passed)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if check() else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WEXITSTATUS(status)


def test_resets_run_in_the_child_only_and_a_failing_one_does_not_stop_the_others():
    ran: list[str] = []
    broken, fine = Thing(), Thing()

    def explode(_: Thing) -> None:
        raise RuntimeError("boom")

    _fork.register(broken, explode)
    _fork.register(fine, lambda _: ran.append("fine"))
    assert _in_child(lambda: ran == ["fine"]) == 0
    assert ran == []


def test_the_registry_does_not_keep_objects_alive():
    thing = Thing()
    _fork.register(thing, lambda _: None)
    _fork.hold_across_fork(thing, lambda _: None)
    alive = weakref.ref(thing)
    del thing
    gc.collect()
    assert alive() is None


def test_a_transport_gets_new_pools_in_the_child():
    transport = Transport("http://127.0.0.1:9", session=requests.Session())
    before = transport.session.get_adapter("http://x").poolmanager
    assert _in_child(lambda: transport.session.get_adapter("http://x").poolmanager
                     is not before) == 0
    assert transport.session.get_adapter("http://x").poolmanager is before


def test_a_lock_held_across_fork_is_released_on_both_sides():
    lock = threading.Lock()
    holder = Thing()
    _fork.hold_across_fork(holder, lambda _: lock)
    assert _in_child(lambda: lock.acquire(blocking=False)) == 0
    assert lock.acquire(blocking=False)
    lock.release()

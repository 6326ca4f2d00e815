"""The slots of one request quota in an SQLite file, shared by every process using it.

What :meth:`pyTD.cache.SQLCache.quota_slots` returns, for
``api(cache=SQLCache(...), share_quota=True)``: one quota per consumer key,
in the table ``quota_slots`` of the token database. Each claim is one
``BEGIN IMMEDIATE`` transaction, so two processes never take the same slot::

    >>> from pyTD.cache import SQLCache
    >>> slots = SQLCache("/srv/tokens.db", key="KEY").quota_slots()    # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from typing import Callable, ContextManager, Optional

from pyTD._fork import keep_inherited
from pyTD.pacing import Quota, free_at

_SCHEMA = ("CREATE TABLE IF NOT EXISTS quota_slots (key TEXT NOT NULL, slot TEXT NOT NULL, "
           "claimed REAL NOT NULL, finished REAL, PRIMARY KEY (key, slot))")


class SQLSlots:
    """A :class:`~pyTD.pacing.SlotStore` in the SQLite database ``path``, for consumer key ``key``.

    ``errors(action)`` turns sqlite3 errors into :class:`~pyTD.exceptions.CacheError`
    (the cache's own). A forked child opens a connection of its own.
    """

    def __init__(self, path: str, key: str, timeout: float,
                 errors: Callable[[str], ContextManager[None]]) -> None:
        self.path, self.key, self.timeout, self._errors = path, key, timeout, errors
        self._lock = threading.Lock()
        self._db: Optional[sqlite3.Connection] = None
        self._pid = 0
        self._ids = itertools.count()

    def claim(self, quota: Quota, now: float, stale: float) -> tuple[Optional[str], float]:
        """See :meth:`pyTD.pacing.SlotStore.claim`."""
        with self._lock, self._errors("pace requests with"):
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            try:
                rows = db.execute("SELECT slot, claimed, finished FROM quota_slots WHERE key = ?",
                                  (self.key,)).fetchall()
                frees = {slot: free_at(claimed, finished, quota, stale, now)
                         for slot, claimed, finished in rows}
                freed = [(self.key, slot) for slot, when in frees.items() if when <= now]
                db.executemany("DELETE FROM quota_slots WHERE key = ? AND slot = ?", freed)
                if len(frees) - len(freed) < quota.limit:
                    slot = f"{os.getpid()}-{id(self)}-{next(self._ids)}"
                    db.execute("INSERT INTO quota_slots VALUES (?, ?, ?, NULL)",
                               (self.key, slot, now))
                    db.execute("COMMIT")
                    return slot, 0.0
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return None, min(when for when in frees.values() if when > now) - now

    def finish(self, slot: str, now: float) -> None:
        """See :meth:`pyTD.pacing.SlotStore.finish`."""
        with self._lock, self._errors("pace requests with"):
            self._connect().execute(
                "UPDATE quota_slots SET finished = ? WHERE key = ? AND slot = ?",
                (now, self.key, slot))

    def _connect(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            if self._db is not None:   # a forked child: never touch the parent's connection
                keep_inherited(self._db)
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                 check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            db.execute(_SCHEMA)
            self._db, self._pid = db, os.getpid()
        return self._db

    def __repr__(self) -> str:
        return f"SQLSlots({self.path!r}, key={self.key!r})"

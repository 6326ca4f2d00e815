"""An SQLite token cache: many consumer keys in one file, transactions, WAL.

>>> from pyTD.cache import SQLCache
>>> cache = SQLCache("/tmp/pytd-doc/tokens.db", key="MYKEY")  # doctest: +SKIP
>>> cache.refresh_token.valid  # doctest: +SKIP
False
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator, Optional, Union

from pyTD._files import create_private_file, make_private_dir, make_private_unopened
from pyTD._fork import held_here, hold_across_fork, keep_inherited
from pyTD.auth.tokens import Clock
from pyTD.cache._lock import LOCK_TIMEOUT, file_lock
from pyTD.cache._paths import cache_file_stat, check_directory, os_advice
from pyTD.cache.base import FORMAT_VERSION, TokenCache, TokenSet, check_shape
from pyTD.cache.disk import cache_path
from pyTD.cache.sql_slots import SQLSlots
from pyTD.exceptions import CacheError

_SCHEMA = ("CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, data TEXT NOT NULL, "
           "version INTEGER NOT NULL, updated REAL NOT NULL)")


def key_lock_path(path: str, key: str) -> str:
    """The lock file of one key's refreshes: ``<db>.key-<16 hex digits of sha256(key)>.lock``."""
    return f"{path}.key-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}.lock"


def _parse_row(row: tuple) -> dict:
    """The stored dict of a ``(data, version)`` row; ``ValueError`` saying what is wrong."""
    text, version = row
    if not isinstance(text, str):
        raise ValueError(f"the data column holds {type(text).__name__}, not text")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"the version column holds {type(version).__name__}, not an integer")
    data: Any = None
    problem = ""
    try:
        data = json.loads(text)
    except ValueError as exc:  # the decoder's error keeps the whole text (tokens): drop it
        problem = f"not valid JSON: {exc}"
    if problem:
        raise ValueError(problem)
    check_shape(data)
    data["version"] = version
    return data


class SQLCache(TokenCache):
    """Tokens of consumer key ``key`` in the SQLite database ``path`` (mode 0600).

    :meth:`lock` is per key: a lock file next to the database
    (:func:`key_lock_path`), so a slow refresh of one key never blocks the
    others. The database itself is locked only around each read and write
    (``BEGIN IMMEDIATE`` from the first :meth:`save` inside :meth:`lock` to its
    end). Both waits are bounded by ``timeout`` seconds (then :class:`CacheError`).
    Path rules are those of :class:`~pyTD.cache.DiskCache`.

    >>> a = SQLCache("/srv/tokens.db", key="KEY_A")  # doctest: +SKIP
    >>> # b: the same file, separate tokens
    >>> b = SQLCache("/srv/tokens.db", key="KEY_B")  # doctest: +SKIP
    """

    def __init__(self, path: Union[str, os.PathLike], key: str = "default", *,
                 clock: Clock = time.time, config_dir: Optional[str] = None,
                 timeout: float = LOCK_TIMEOUT) -> None:
        super().__init__(clock=clock)
        if not isinstance(key, str) or not key:
            raise ValueError("SQLCache needs key= as a non-empty string (e.g. the consumer key).")
        self.path, eager = cache_path(path, config_dir)
        self.key = key
        self.timeout = timeout
        self._file_lock = file_lock(key_lock_path(self.path, key))
        self._db: Optional[sqlite3.Connection] = None
        self._guard = threading.RLock()   # the connection; held through an open write
        self._depth = 0                   # nesting of lock(); touched by its holder only
        self._writing = False             # a write transaction is open (under _guard)
        self._memo: Optional[tuple[int, TokenSet]] = None  # (data_version, tokens read)
        hold_across_fork(self, lambda cache: cache._guard)  # no transaction open across fork()
        if eager or os.path.lexists(self.path):
            self._connect()

    def _after_fork(self) -> None:
        """In a forked child: open a connection of its own (SQLite forbids using the parent's)."""
        super()._after_fork()
        if not held_here(self._guard):
            if self._db is not None:
                keep_inherited(self._db)
            self._db, self._memo = None, None

    # -- connection ---------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        with self._guard:
            if self._db is not None:
                return self._db
            directory = os.path.dirname(self.path)
            check_directory(directory)
            try:
                make_private_dir(directory)
                created = create_private_file(self.path)
            except OSError as exc:
                raise CacheError(f"Cannot open the token database {self.path}: "
                                 f"{exc.strerror or exc}. {os_advice(exc)}") from exc
            if not created:
                cache_file_stat(self.path)  # a regular file, 0600
            with self._errors("open"):
                db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                     check_same_thread=False)
            try:
                with self._errors("open"):
                    db.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
                    db.execute("PRAGMA journal_mode = WAL")
                    db.execute("PRAGMA synchronous = FULL")
                    db.execute(_SCHEMA)
                self._private_sidecars()
            except CacheError:
                db.close()
                raise
            self._db = db
            return db

    def _private_sidecars(self) -> None:
        for suffix in ("-wal", "-shm"):
            try:
                make_private_unopened(self.path + suffix)   # SQLite holds locks on them
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise CacheError(
                    f"Cannot make {self.path + suffix} private: {exc.strerror or exc}. It should "
                    "be SQLite's own regular file: remove it and retry.") from exc

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn sqlite3 errors into :class:`CacheError` saying what to do."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise CacheError(
                f"Cannot {action} the token database {self.path}: {exc}. If another process "
                "holds it, retry; otherwise check the file's permissions and free disk space."
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise CacheError(
                f"The token database {self.path} is damaged or not an SQLite database ({exc}). "
                "Move it aside and re-authorize with `pytd auth login`, or restore it "
                "from a backup."
            ) from exc

    # -- the plug-in methods -----------------------------------------------------------
    def load(self) -> Optional[dict]:
        """The stored dict of this key, or ``None``; a malformed row is moved aside."""
        with self._guard:
            if self._db is None and not os.path.lexists(self.path):
                return None
            db = self._connect()
            with self._errors("read"):
                row = db.execute("SELECT data, version FROM tokens WHERE key = ?",
                                 (self.key,)).fetchone()
            if row is None:
                return None
            try:
                return _parse_row(row)
            except ValueError as exc:
                reason = str(exc)
            raise self._move_aside(db, row, reason)  # outside except: nothing chained

    def _move_aside(self, db: sqlite3.Connection, row: tuple, reason: str) -> CacheError:
        """Rename the malformed row's key (if it is still that row); the error to raise."""
        when = datetime.fromtimestamp(time.time(), tz=timezone.utc)
        aside = f"{self.key}.corrupt-{when:%Y%m%dT%H%M%S}"
        with self._errors("move aside a malformed row in"):
            taken = {r[0] for r in db.execute("SELECT key FROM tokens WHERE key LIKE ?",
                                              (aside + "%",))}
            n = 0
            while (aside if not n else f"{aside}-{n}") in taken:
                n += 1
            aside = aside if not n else f"{aside}-{n}"
            db.execute("UPDATE tokens SET key = ? WHERE key = ? AND data IS ? AND version IS ?",
                       (aside, self.key, row[0], row[1]))
        self._memo = None
        return CacheError(
            f"The tokens of {self.key!r} in {self.path} are malformed ({reason}); the row was "
            f"moved to key {aside!r}. Re-authorize with `pytd auth login`, or restore the "
            "row from that copy.")

    def tokens(self) -> TokenSet:
        """Both tokens; re-read only when another connection committed since the last read."""
        with self._guard:
            if self._db is None and not os.path.lexists(self.path):
                return TokenSet.from_dict(None, self.clock)
            version = None
            if not self._writing:  # inside a write, uncommitted rows must not be kept
                with self._errors("read"):
                    version = self._connect().execute("PRAGMA data_version").fetchone()[0]
                memo = self._memo
                if memo is not None and memo[0] == version:
                    return TokenSet(memo[1].refresh_token, memo[1].access_token)
            tokens = TokenSet.from_dict(self.load(), self.clock)
            if version is not None:
                self._memo = (version, tokens)
            return TokenSet(tokens.refresh_token, tokens.access_token)

    def save(self, data: Optional[dict]) -> None:
        """Insert/replace (or, for ``None``, delete) this key's row; committed when the
        outermost :meth:`lock` ends."""
        try:
            text = None if data is None else \
                json.dumps(data, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise CacheError(f"Cannot store these tokens as JSON ({exc}); nothing was written.") \
                from exc
        with self.lock():
            db = self._begin()
            self._memo = None  # this connection's own commits do not change data_version
            with self._errors("write"):
                if data is None:
                    db.execute("DELETE FROM tokens WHERE key = ?", (self.key,))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO tokens (key, data, version, updated) "
                        "VALUES (?, ?, ?, ?)",
                        (self.key, text, data.get("version", FORMAT_VERSION), self.clock()),
                    )

    def _begin(self) -> sqlite3.Connection:
        """The connection, in a write transaction held (with ``_guard``) until :meth:`_end`."""
        db = self._connect()
        if not self._writing:
            self._guard.acquire()
            try:
                with self._errors("lock"):
                    db.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._guard.release()
                raise
            self._writing = True
        return db

    def _end(self, commit: bool) -> None:
        if not self._writing:
            return
        db = self._db
        assert db is not None
        try:
            if commit:
                try:
                    with self._errors("commit to"):
                        db.execute("COMMIT")
                except CacheError:
                    self._rollback(db)
                    raise
            else:
                self._rollback(db)
        finally:
            self._writing = False
            self._guard.release()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """This key's lock (re-entrant per thread); what :meth:`save` wrote inside is
        committed at the end, or rolled back on an error."""
        self._connect()  # the directory and database exist before the lock file is made
        with self._file_lock.hold(self.timeout):
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._end(commit=False)
                raise
            self._depth -= 1
            if self._depth == 0:
                self._end(commit=True)

    @staticmethod
    def _rollback(db: sqlite3.Connection) -> None:
        if db.in_transaction:
            db.execute("ROLLBACK")

    def keys(self) -> list[str]:
        """Every key with tokens in this database."""
        with self._guard:
            if self._db is None and not os.path.lexists(self.path):
                return []
            with self._errors("read"):
                return [r[0] for r in self._connect().execute("SELECT key FROM tokens")]

    def close(self) -> None:
        """Close the connection (it is reopened on next use)."""
        with self._guard:
            if self._db is not None:
                self._db.close()
                self._db = None
                self._memo = None

    def quota_slots(self) -> SQLSlots:
        """This key's request quota in the same database, shared by the processes using it.

        >>> api(cache=SQLCache("/srv/tokens.db", key="KEY"), share_quota=True)  # doctest: +SKIP
        """
        self._connect()   # the file exists, private, before the slots open it
        return SQLSlots(self.path, self.key, self.timeout, self._errors)

    def describe(self) -> str:
        return f"{self.path} [{self.key}]"

    def __repr__(self) -> str:
        return f"SQLCache({self.path!r}, key={self.key!r})"

    def __enter__(self) -> SQLCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

"""An SQLite token cache: many consumer keys in one file, transactions, WAL.

>>> from pyTD.cache import SQLCache
>>> cache = SQLCache("/tmp/pytd-doc/tokens.db", key="MYKEY")  # doctest: +SKIP
>>> cache.refresh_token.valid  # doctest: +SKIP
False
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Union

from pyTD._files import PRIVATE_FILE, create_private_file, fix_private_mode, make_private_dir
from pyTD.auth.tokens import Clock
from pyTD.cache.base import FORMAT_VERSION, TokenCache, TokenSet
from pyTD.cache.disk import cache_path
from pyTD.exceptions import CacheError

_SCHEMA = ("CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, data TEXT NOT NULL, "
           "version INTEGER NOT NULL, updated REAL NOT NULL)")


class SQLCache(TokenCache):
    """Tokens of consumer key ``key`` in the SQLite database ``path`` (mode 0600).

    Every write is a transaction; :meth:`lock` holds ``BEGIN IMMEDIATE``, so
    :meth:`transaction` is a read-modify-write that other threads and
    processes wait for (up to ``timeout`` seconds, then :class:`CacheError`).
    Path rules are those of :class:`~pyTD.cache.DiskCache`.

    >>> a = SQLCache("/srv/tokens.db", key="KEY_A")  # doctest: +SKIP
    >>> b = SQLCache("/srv/tokens.db", key="KEY_B")  # same file, separate tokens
    """

    def __init__(self, path: Union[str, os.PathLike], key: str = "default", *,
                 clock: Clock = time.time, config_dir: Optional[str] = None,
                 timeout: float = 30.0) -> None:
        super().__init__(clock=clock)
        if not isinstance(key, str) or not key:
            raise ValueError("SQLCache needs key= as a non-empty string (e.g. the consumer key).")
        self.path, eager = cache_path(path, config_dir)
        self.key = key
        self.timeout = timeout
        self._db: Optional[sqlite3.Connection] = None
        self._guard = threading.RLock()
        self._depth = 0  # nesting of lock(); only touched while holding _guard
        self._memo: Optional[tuple[int, TokenSet]] = None  # (data_version, tokens read)
        if eager or os.path.exists(self.path):
            self._connect()

    # -- connection ---------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        with self._guard:
            if self._db is not None:
                return self._db
            try:
                make_private_dir(os.path.dirname(self.path))
                if not create_private_file(self.path):
                    fix_private_mode(self.path, os.stat(self.path).st_mode)
                db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                     check_same_thread=False)
            except OSError as exc:
                raise CacheError(
                    f"Cannot open the token database {self.path}: {exc.strerror or exc}. "
                    "Choose a writable location (config_dir=... or TD_CONFIG_DIR)."
                ) from exc
            try:
                with self._errors("open"):
                    db.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
                    db.execute("PRAGMA journal_mode = WAL")
                    db.execute("PRAGMA synchronous = FULL")
                    db.execute(_SCHEMA)
            except CacheError:
                db.close()
                raise
            self._db = db
            self._private_sidecars()
            return db

    def _private_sidecars(self) -> None:
        for suffix in ("-wal", "-shm"):
            try:
                os.chmod(self.path + suffix, PRIVATE_FILE)
            except FileNotFoundError:
                continue

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
        """The stored dict of this key, or ``None``."""
        with self._guard:
            if self._db is None and not os.path.exists(self.path):
                return None
            db = self._connect()
            with self._errors("read"):
                row = db.execute("SELECT data, version FROM tokens WHERE key = ?",
                                 (self.key,)).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
        except ValueError as exc:
            raise CacheError(
                f"The tokens of {self.key!r} in {self.path} are not valid JSON ({exc}); "
                "re-authorize with `pytd auth login` to replace them."
            ) from exc
        if not isinstance(data, dict):
            raise CacheError(
                f"The tokens of {self.key!r} in {self.path} are not a JSON object; "
                "re-authorize with `pytd auth login` to replace them."
            )
        data["version"] = row[1]
        return data

    def tokens(self) -> TokenSet:
        """Both tokens; re-read only when another connection committed since the last read."""
        with self._guard:
            if self._db is None and not os.path.exists(self.path):
                return TokenSet.from_dict(None, self.clock)
            version = None
            if self._depth == 0:  # inside a transaction, uncommitted rows must not be kept
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
        """Insert/replace (or, for ``None``, delete) this key's row in one transaction."""
        try:
            text = None if data is None else \
                json.dumps(data, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise CacheError(f"Cannot store these tokens as JSON ({exc}); nothing was written.") \
                from exc
        with self.lock():
            db = self._connect()  # the connection lock() holds the transaction on
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

    @contextmanager
    def lock(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error); re-entrant per thread."""
        with self._guard:
            db = self._connect()
            if self._depth == 0:
                with self._errors("lock"):
                    db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._rollback(db)
                raise
            self._depth -= 1
            if self._depth == 0:
                try:
                    with self._errors("commit to"):
                        db.execute("COMMIT")
                except CacheError:
                    self._rollback(db)
                    raise

    @staticmethod
    def _rollback(db: sqlite3.Connection) -> None:
        if db.in_transaction:
            db.execute("ROLLBACK")

    def keys(self) -> list[str]:
        """Every key with tokens in this database."""
        with self._guard:
            if self._db is None and not os.path.exists(self.path):
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

    def describe(self) -> str:
        return f"{self.path} [{self.key}]"

    def __repr__(self) -> str:
        return f"SQLCache({self.path!r}, key={self.key!r})"

    def __enter__(self) -> SQLCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

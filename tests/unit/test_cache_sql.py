"""SQLCache: schema and pragmas, many keys in one file, modes, locking, damaged databases."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from contextlib import closing

import pytest

from pyTD.auth.tokens import AccessToken, RefreshToken
from pyTD.cache import SQLCache
from pyTD.cache.base import FORMAT_VERSION
from pyTD.exceptions import CacheError

NOW = 1_700_000_000.0


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def access(value: str = "a-1") -> AccessToken:
    return AccessToken(token=value, access_time=NOW, expires_in=1800)


def test_files_are_private(tmp_path):
    old = os.umask(0)
    try:
        cache = SQLCache(tmp_path / "db" / "tokens.db", key="K")
        cache.update(access_token=access())
    finally:
        os.umask(old)
    assert mode(tmp_path / "db") == 0o700
    assert mode(cache.path) == 0o600
    sidecars = [cache.path + s for s in ("-wal", "-shm") if os.path.exists(cache.path + s)]
    assert sidecars  # WAL mode keeps them while the connection is open
    for path in sidecars:
        assert mode(path) == 0o600


def test_pragmas_and_schema(tmp_path):
    clock = lambda: 1234.5  # noqa: E731
    cache = SQLCache(tmp_path / "tokens.db", key="K", clock=clock)
    cache.update(access_token=access())
    assert cache._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert cache._db.execute("PRAGMA busy_timeout").fetchone()[0] == 60000  # LOCK_TIMEOUT
    with closing(sqlite3.connect(cache.path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = [(r[1], r[2]) for r in other.execute("PRAGMA table_info(tokens)")]
        assert columns == [("key", "TEXT"), ("data", "TEXT"), ("version", "INTEGER"),
                           ("updated", "REAL")]
        key, data, version, updated = other.execute("SELECT * FROM tokens").fetchone()
    assert (key, version, updated) == ("K", FORMAT_VERSION, 1234.5)
    assert json.loads(data)["access_token"]["token"] == "a-1"


def test_many_keys_in_one_file(tmp_path):
    a = SQLCache(tmp_path / "tokens.db", key="KEY_A")
    b = SQLCache(tmp_path / "tokens.db", key="KEY_B")
    a.update(access_token=access("for-a"))
    b.update(refresh_token=RefreshToken(token="for-b", access_time=NOW, expires_in=10))
    assert a.access_token.token == "for-a" and not a.refresh_token
    assert b.refresh_token.token == "for-b" and not b.access_token
    assert sorted(a.keys()) == ["KEY_A", "KEY_B"]
    a.clear()
    assert a.keys() == ["KEY_B"]
    assert b.refresh_token.token == "for-b"


def test_relative_name_is_created_only_when_written(tmp_path):
    config = tmp_path / "cfg"
    cache = SQLCache("tokens.db", key="K", config_dir=str(config))
    assert cache.path == str(config / "tokens.db")
    assert cache.load() is None and cache.keys() == []
    assert not config.exists()
    cache.update(access_token=access())
    assert mode(config) == 0o700 and mode(cache.path) == 0o600


def test_readable_by_others_is_warned_about_and_fixed(tmp_path):
    path = tmp_path / "tokens.db"
    SQLCache(path, key="K").update(access_token=access())
    path.chmod(0o644)
    with pytest.warns(UserWarning, match="readable by other users"):
        cache = SQLCache(path, key="K")
    assert mode(path) == 0o600
    assert cache.access_token.token == "a-1"


def test_transaction_holds_its_key_lock_but_not_the_database(tmp_path):
    holder = SQLCache(tmp_path / "tokens.db", key="K")
    other = SQLCache(tmp_path / "tokens.db", key="K", timeout=0.2)
    neighbour = SQLCache(tmp_path / "tokens.db", key="OTHER", timeout=0.2)
    errors: list[BaseException] = []

    def write_same_key() -> None:
        try:
            other.update(access_token=access("other"))
        except BaseException as exc:
            errors.append(exc)

    with holder.transaction() as tokens:
        tokens.access_token = access("holder")
        thread = threading.Thread(target=write_same_key)
        thread.start()
        thread.join(30)
        neighbour.update(access_token=access("neighbour"))   # another key: not blocked
        assert other.access_token.token != "holder"
    (error,) = errors
    assert isinstance(error, CacheError)
    assert "Timed out after 0.2 s" in str(error) and "lock_timeout" in str(error)
    assert other.access_token.token == "holder"
    assert neighbour.access_token.token == "neighbour"


def test_waiting_writer_gets_the_lock_after_commit(tmp_path):
    holder = SQLCache(tmp_path / "tokens.db", key="K")
    other = SQLCache(tmp_path / "tokens.db", key="K", timeout=10)
    holder.update(access_token=access("0"))
    done = threading.Event()

    def increment() -> None:
        with other.transaction() as tokens:
            tokens.access_token = access(str(int(tokens.access_token.token) + 1))
        done.set()

    with holder.transaction() as tokens:
        thread = threading.Thread(target=increment)
        thread.start()
        assert not done.wait(0.3)
        tokens.access_token = access("10")
    thread.join(10)
    assert other.access_token.token == "11"


def test_rollback_on_error_keeps_previous_row(tmp_path):
    cache = SQLCache(tmp_path / "tokens.db", key="K")
    cache.update(access_token=access("kept"))
    assert cache.access_token.token == "kept"
    with pytest.raises(KeyError):
        with cache.lock():
            cache.save({"access_token": access("lost").to_dict()})
            assert cache.access_token.token == "lost"  # uncommitted, seen by its writer only
            raise KeyError("boom")
    assert cache.access_token.token == "kept"
    assert SQLCache(cache.path, key="K").access_token.token == "kept"


def test_unchanged_database_is_not_read_again(tmp_path, monkeypatch):
    cache = SQLCache(tmp_path / "tokens.db", key="K")
    cache.update(access_token=access("first"))
    assert cache.access_token.token == "first"
    loads = []
    real_load = cache.load
    monkeypatch.setattr(cache, "load", lambda: loads.append(1) or real_load())
    assert cache.access_token.token == "first"
    assert loads == []
    other = SQLCache(cache.path, key="OTHER")
    other.update(access_token=access("elsewhere"))  # any commit by another connection
    assert cache.access_token.token == "first"
    assert loads == [1]


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "tokens.db"
    path.write_bytes(b"this is not an sqlite database, just some text" * 40)
    path.chmod(0o600)
    with pytest.raises(CacheError) as info:
        SQLCache(path, key="K")
    message = str(info.value)
    assert str(path) in message and "not an SQLite database" in message
    assert "pytd auth login" in message and "restore" in message


def test_damaged_row_is_a_clear_error(tmp_path):
    cache = SQLCache(tmp_path / "tokens.db", key="K")
    cache.update(access_token=access())
    with closing(sqlite3.connect(cache.path)) as other, other:
        other.execute("UPDATE tokens SET data = '{broken'")
    with pytest.raises(CacheError, match=r"not valid JSON.*pytd auth login"):
        cache.load()


def test_close_and_reopen(tmp_path):
    with SQLCache(tmp_path / "tokens.db", key="K") as cache:
        cache.update(access_token=access())
    assert cache._db is None
    assert cache.access_token.token == "a-1"


def test_repr_shows_path_and_key(tmp_path):
    cache = SQLCache(tmp_path / "tokens.db", key="K")
    assert repr(cache) == f"SQLCache({cache.path!r}, key='K')"
    assert cache.describe() == f"{cache.path} [K]"


def test_key_is_required_to_be_a_string(tmp_path):
    with pytest.raises(ValueError, match="key= as a non-empty string"):
        SQLCache(tmp_path / "tokens.db", key="")


def test_unstorable_values_are_refused_before_writing(tmp_path):
    cache = SQLCache(tmp_path / "tokens.db", key="K")
    cache.update(access_token=access("old"))
    with pytest.raises(CacheError, match=r"Cannot store these tokens as JSON.*nothing was written"):
        cache.update(access_token=AccessToken(token="t", access_time=NOW, expires_in=float("nan")))
    assert cache.access_token.token == "old"


MALFORMED_ROWS = {
    "data a blob": (b'{"version": 1}', 1),
    "version not an integer": ('{"access_token": null}', "one"),
    "not an object": ("[1, 2, 3]", 1),
    "token not a string": ('{"access_token": {"token": 5}}', 1),
    "token not an object": ('{"refresh_token": "abc"}', 1),
    "time not a number": ('{"access_token": {"token": "x", "access_time": "now"}}', 1),
    "infinite time": ('{"access_token": {"token": "x", "expires_in": Infinity}}', 1),
    "broken json": ("{broken", 1),
}


@pytest.mark.parametrize("data,version", MALFORMED_ROWS.values(), ids=MALFORMED_ROWS.keys())
def test_malformed_row_is_a_cache_error_and_moved_aside(tmp_path, data, version):
    cache = SQLCache(tmp_path / "tokens.db", key="K")
    cache.update(access_token=access())
    with closing(sqlite3.connect(cache.path)) as other, other:
        other.execute("UPDATE tokens SET data = ?, version = ?", (data, version))
    with pytest.raises(CacheError) as info:
        cache.access_token  # noqa: B018
    message = str(info.value)
    assert cache.path in message and "malformed" in message
    assert "pytd auth login" in message and "restore" in message
    assert info.value.__cause__ is None and info.value.__context__ is None
    (aside,) = [k for k in cache.keys() if k != "K"]
    assert aside.startswith("K.corrupt-") and repr(aside) in message
    with closing(sqlite3.connect(cache.path)) as other:
        assert other.execute("SELECT data FROM tokens WHERE key = ?", (aside,)).fetchone()[0] \
            == data
    assert not cache.access_token                        # the next read starts empty
    cache.update(access_token=access("re-authorized"))   # so pytd auth login works again
    assert cache.access_token.token == "re-authorized"

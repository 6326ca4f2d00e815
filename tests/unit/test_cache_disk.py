"""DiskCache: paths, file modes, corrupt and unreadable files, write failures, no re-parsing."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from pyTD.auth.tokens import AccessToken, RefreshToken
from pyTD.cache import DiskCache
from pyTD.cache.disk import RACY_WINDOW_NS
from pyTD.exceptions import CacheError

NOW = 1_700_000_000.0


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def access(value: str = "a-1") -> AccessToken:
    return AccessToken(token=value, access_time=NOW, expires_in=1800)


def age(path, seconds: float = 60) -> None:
    """Backdate the file so it is outside the racy window (as any file written a while ago)."""
    old = os.stat(path).st_mtime_ns - int(seconds * 1e9)
    os.utime(path, ns=(old, old))


def run_child(code: str, *, drop_dac: bool = False) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter; with ``drop_dac`` even root obeys file modes."""
    preexec = None
    if drop_dac and os.geteuid() == 0:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)

        def preexec():  # drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH for the exec'd child
            for cap in (1, 2):
                if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                    os._exit(77)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, preexec_fn=preexec)
    if proc.returncode == 77:
        pytest.skip("cannot drop root's file-permission override here")
    return proc


# -- paths and modes -------------------------------------------------------------------------
def test_absolute_path_creates_private_dirs_and_empty_file(tmp_path):
    path = tmp_path / "a" / "b" / "tokens.json"
    cache = DiskCache(path)
    assert path.read_bytes() == b""
    assert mode(path) == 0o600
    assert mode(tmp_path / "a") == 0o700
    assert mode(tmp_path / "a" / "b") == 0o700
    assert cache.load() is None
    assert not cache.access_token.valid


def test_created_modes_ignore_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        cache = DiskCache(tmp_path / "d" / "tokens.json")
        cache.update(access_token=access())
    finally:
        os.umask(old)
    assert mode(tmp_path / "d") == 0o700
    assert mode(cache.path) == 0o600
    assert mode(cache.path + ".lock") == 0o600
    assert sorted(os.listdir(tmp_path / "d")) == ["tokens.json", "tokens.json.lock"]


def test_existing_directories_are_left_alone(tmp_path):
    tmp_path.chmod(0o755)
    with pytest.warns(UserWarning, match="can be listed or entered by other users"):
        DiskCache(tmp_path / "tokens.json")
    assert mode(tmp_path) == 0o755


def test_relative_name_is_created_in_config_dir_only_when_written(tmp_path):
    config = tmp_path / "cfg" / "pyTD"
    cache = DiskCache("tokens-KEY.json", config_dir=str(config))
    assert cache.path == str(config / "tokens-KEY.json")
    assert cache.load() is None and not cache.refresh_token
    assert not (tmp_path / "cfg").exists()
    cache.update(access_token=access())
    assert mode(tmp_path / "cfg") == 0o700
    assert mode(config) == 0o700
    assert mode(cache.path) == 0o600


def test_relative_name_uses_td_config_dir_at_build_time(tmp_path, monkeypatch):
    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path / "first"))
    cache = DiskCache("tokens.json")
    monkeypatch.setenv("TD_CONFIG_DIR", str(tmp_path / "second"))
    cache.update(access_token=access())
    assert cache.path == str(tmp_path / "first" / "tokens.json")
    assert os.path.exists(cache.path)
    assert not (tmp_path / "second").exists()


def test_repr_and_describe_show_the_path_only(tmp_path):
    cache = DiskCache(tmp_path / "tokens.json")
    cache.update(access_token=access("very-secret-value"))
    assert cache.describe() == str(tmp_path / "tokens.json")
    assert repr(cache) == f"DiskCache({str(tmp_path / 'tokens.json')!r})"


def test_stored_file_is_plain_json(tmp_path):
    cache = DiskCache(tmp_path / "tokens.json")
    cache.update(access_token=access())
    data = json.loads((tmp_path / "tokens.json").read_text())
    assert data["access_token"]["token"] == "a-1"
    assert data["refresh_token"] is None


@pytest.mark.parametrize("bad_mode", [0o640, 0o604, 0o666])
def test_readable_by_others_is_warned_about_and_fixed(tmp_path, caplog, bad_mode):
    path = tmp_path / "tokens.json"
    DiskCache(path).update(access_token=access())
    path.chmod(bad_mode)
    with caplog.at_level(logging.WARNING, logger="pyTD"):
        with pytest.warns(UserWarning, match="readable by other users") as warned:
            cache = DiskCache(path)
    assert str(path) in str(warned[0].message)
    assert any(str(path) in r.getMessage() for r in caplog.records)
    assert mode(path) == 0o600
    assert cache.access_token.token == "a-1"


def test_mode_widened_later_is_fixed_on_next_read(tmp_path):
    path = tmp_path / "tokens.json"
    cache = DiskCache(path)
    cache.update(access_token=access())
    path.chmod(0o644)
    with pytest.warns(UserWarning, match=re.escape(str(path))):
        assert cache.access_token.token == "a-1"
    assert mode(path) == 0o600


# -- corrupt files -----------------------------------------------------------------------------
CORRUPT = {
    "truncated json": b'{"version": 1, "access_token": {"tok',
    "not an object": b"[1, 2, 3]",
    "token not a string": b'{"version": 1, "access_token": {"token": 5}}',
    "token not an object": b'{"version": 1, "refresh_token": "abc"}',
    "version not an int": b'{"version": "1"}',
    "time not a number": b'{"access_token": {"token": "x", "access_time": "now"}}',
    "binary": b"\xff\xfe\x00garbage",
    "infinite time": b'{"access_token": {"token": "x", "expires_in": Infinity}}',
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_file_is_moved_aside_with_a_clear_error(tmp_path, content):
    path = tmp_path / "tokens.json"
    cache = DiskCache(path)
    path.write_bytes(content)
    with pytest.raises(CacheError) as info:
        cache.access_token  # noqa: B018
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("tokens.json.corrupt-")]
    assert len(aside) == 1
    assert aside[0].read_bytes() == content
    message = str(info.value)
    assert str(aside[0]) in message
    assert "pytd auth login" in message and "restore" in message
    assert info.value.__context__ is None  # a decoder error would carry the whole file
    assert not path.exists()
    assert cache.load() is None  # the next read starts empty; nothing was overwritten


def test_corrupt_file_is_never_overwritten_by_an_update(tmp_path):
    path = tmp_path / "tokens.json"
    cache = DiskCache(path)
    path.write_bytes(b"{oops")
    with pytest.raises(CacheError, match="moved to"):
        cache.update(access_token=access())
    (aside,) = tmp_path.glob("tokens.json.corrupt-*")
    assert aside.read_bytes() == b"{oops"
    assert not path.exists()


def test_second_corrupt_file_gets_its_own_name(tmp_path):
    path = tmp_path / "tokens.json"
    cache = DiskCache(path)
    for content in (b"{one", b"{two"):
        path.touch(mode=0o600)
        path.write_bytes(content)
        with pytest.raises(CacheError):
            cache.load()
    kept = sorted(p.read_bytes() for p in tmp_path.glob("tokens.json.corrupt-*"))
    assert kept == [b"{one", b"{two"]


# -- no re-parsing ---------------------------------------------------------------------------
def _rewrite_in_place_keeping_stamp(path, old: bytes, new: bytes) -> None:
    assert len(old) == len(new)
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.write(new)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_ino == st.st_ino


def test_unchanged_file_is_not_parsed_again(tmp_path):
    path = tmp_path / "tokens.json"
    cache = DiskCache(path)
    cache.update(access_token=access("token-A"))
    age(path)
    assert cache.access_token.token == "token-A"
    # Same inode, size and mtime: only a re-parse could notice the new content.
    data = path.read_bytes()
    _rewrite_in_place_keeping_stamp(path, data, data.replace(b"token-A", b"token-B"))
    assert cache.access_token.token == "token-A"
    assert cache.load()["access_token"]["token"] == "token-A"
    age(path, 30)  # a changed mtime is noticed
    assert cache.access_token.token == "token-B"


def test_read_of_unchanged_file_is_one_stat_and_no_open(tmp_path, monkeypatch):
    path = tmp_path / "tokens.json"
    cache = DiskCache(path)
    cache.update(access_token=access())
    age(path)
    cache.access_token  # noqa: B018  (parse once)
    calls = []
    real_lstat = os.lstat
    monkeypatch.setattr(os, "stat", lambda *a, **k: calls.append("stat"))
    monkeypatch.setattr(os, "lstat", lambda *a, **k: calls.append("lstat") or real_lstat(*a, **k))
    monkeypatch.setattr("builtins.open", lambda *a, **k: calls.append("open"))
    assert cache.access_token.token == "a-1"
    assert calls == ["lstat"]


def test_recently_written_file_is_read_again(tmp_path):
    """A write in the same timestamp tick could keep inode, size and mtime: don't trust them."""
    path = tmp_path / "tokens.json"
    cache = DiskCache(path)
    cache.update(access_token=access("token-A"))
    assert os.stat(path).st_mtime_ns > time.time_ns() - RACY_WINDOW_NS
    assert cache.access_token.token == "token-A"
    data = path.read_bytes()
    _rewrite_in_place_keeping_stamp(path, data, data.replace(b"token-A", b"token-B"))
    assert cache.access_token.token == "token-B"


def test_change_by_another_instance_is_seen(tmp_path):
    one, two = DiskCache(tmp_path / "t.json"), DiskCache(tmp_path / "t.json")
    one.update(refresh_token=RefreshToken(token="r", access_time=NOW, expires_in=10))
    age(one.path)
    assert two.refresh_token.token == "r"
    two.update(access_token=access("from-two"))
    assert one.access_token.token == "from-two"
    assert one.refresh_token.token == "r"


# -- unreadable files and write failures -------------------------------------------------------
def test_unreadable_file_is_a_clear_error(tmp_path):
    proc = run_child(f"""
        import os
        from pyTD.cache import DiskCache
        from pyTD.exceptions import CacheError
        path = {str(tmp_path / "tokens.json")!r}
        DiskCache(path)
        os.chmod(path, 0)
        try:
            DiskCache(path).load()
        except CacheError as exc:
            print("CacheError:", exc)
    """, drop_dac=True)
    assert "CacheError: Cannot read the token cache" in proc.stdout, proc.stderr
    assert "Permission denied" in proc.stdout and "chmod 600" in proc.stdout


def test_read_only_directory_write_fails_and_keeps_old_tokens(tmp_path):
    path = tmp_path / "ro" / "tokens.json"
    DiskCache(path).update(access_token=access("old"))
    proc = run_child(f"""
        import os
        from pyTD.auth.tokens import AccessToken
        from pyTD.cache import DiskCache
        from pyTD.exceptions import CacheError
        cache = DiskCache({str(path)!r})
        os.chmod(os.path.dirname(cache.path), 0o500)
        try:
            cache.update(access_token=AccessToken(token="new", access_time=1, expires_in=1))
        except CacheError as exc:
            print("CacheError:", exc)
    """, drop_dac=True)
    os.chmod(tmp_path / "ro", 0o700)
    assert "CacheError: Could not write the token cache" in proc.stdout, proc.stderr
    assert "Permission denied" in proc.stdout and "permissions" in proc.stdout
    assert DiskCache(path).access_token.token == "old"


def test_file_size_limit_write_fails_and_removes_temp_file(tmp_path):
    path = tmp_path / "tokens.json"
    DiskCache(path).update(access_token=access("old"))
    proc = run_child(f"""
        import resource, signal
        from pyTD.auth.tokens import AccessToken
        from pyTD.cache import DiskCache
        from pyTD.exceptions import CacheError
        cache = DiskCache({str(path)!r})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        try:
            cache.update(access_token=AccessToken(token="x" * 5000, access_time=1, expires_in=1))
        except CacheError as exc:
            print("CacheError:", exc)
    """)
    assert "CacheError: Could not write the token cache" in proc.stdout, proc.stderr
    assert "File too large" in proc.stdout and "previous tokens are unchanged" in proc.stdout
    assert sorted(os.listdir(tmp_path)) == ["tokens.json", "tokens.json.lock"]
    assert DiskCache(path).access_token.token == "old"


def test_disk_full_write_fails_and_removes_temp_file(tmp_path, monkeypatch):
    import errno

    cache = DiskCache(tmp_path / "tokens.json")
    cache.update(access_token=access("old"))

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(CacheError, match=r"No space left on device.*free disk space"):
        cache.update(access_token=access("new"))
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["tokens.json", "tokens.json.lock"]
    assert DiskCache(tmp_path / "tokens.json").access_token.token == "old"


def test_cannot_create_directory_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(CacheError, match=r"Cannot create the token cache.*config_dir"):
        DiskCache(tmp_path / "file" / "sub" / "tokens.json")


def test_old_temp_files_are_removed_only_under_the_lock(tmp_path):
    from pyTD._files import STALE_TEMP_AGE
    from tests.reliability._cache_workers import lock_held_elsewhere

    path = tmp_path / "tokens.json"
    DiskCache(path).update(access_token=access("stored"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    fresh = tmp_path / f"tokens.json.tmp-{dead}-0badc0de"   # e.g. another container's write
    fresh.write_text("{in progress")
    abandoned = tmp_path / f"tokens.json.tmp-{os.getpid()}-0badc0de"
    abandoned.write_text("{partial")
    old = time.time() - STALE_TEMP_AGE - 60
    os.utime(abandoned, (old, old))
    with lock_held_elsewhere("disk", str(path)):
        cache = DiskCache(path)
        assert cache.access_token.token == "stored"
        assert abandoned.exists()                      # not holding the lock: nothing removed
    cache.update(access_token=access("new"))
    assert sorted(os.listdir(tmp_path)) == ["tokens.json", "tokens.json.lock", fresh.name]


def test_unstorable_values_are_refused_before_writing(tmp_path):
    cache = DiskCache(tmp_path / "tokens.json")
    cache.update(access_token=access("old"))
    with pytest.raises(CacheError, match=r"Cannot store these tokens as JSON.*nothing was written"):
        cache.update(access_token=AccessToken(token="t", access_time=NOW,
                                              expires_in=float("inf")))
    assert cache.access_token.token == "old"


def test_two_argument_form_of_the_original_pyTD(tmp_path):
    cache = DiskCache(str(tmp_path / "tdm"), "MYKEY")
    assert cache.config_dir == str(tmp_path / "tdm")
    assert cache.filename == "MYKEY"
    assert cache.config_path == cache.path == str(tmp_path / "tdm" / "MYKEY")
    assert os.path.isfile(cache.config_path)
    assert stat.S_IMODE(os.stat(cache.config_path).st_mode) == 0o600
    cache.update(access_token=access())
    assert DiskCache(tmp_path / "tdm" / "MYKEY").access_token == cache.access_token


def test_two_argument_form_expands_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    cache = DiskCache("~/.tdm", "KEY")
    assert cache.config_path == str(tmp_path / ".tdm" / "KEY")


def test_one_argument_forms_have_the_same_attributes(tmp_path):
    absolute = DiskCache(tmp_path / "d" / "tokens.json")
    assert (absolute.config_dir, absolute.filename, absolute.config_path) == \
        (str(tmp_path / "d"), "tokens.json", str(tmp_path / "d" / "tokens.json"))
    relative = DiskCache("tokens-KEY.json", config_dir=str(tmp_path / "cfg"))
    assert relative.config_dir == str(tmp_path / "cfg")
    assert relative.filename == "tokens-KEY.json"
    assert relative.config_path == str(tmp_path / "cfg" / "tokens-KEY.json")


def test_two_argument_form_rejects_ambiguous_arguments(tmp_path):
    with pytest.raises(TypeError):
        DiskCache(str(tmp_path), "KEY", config_dir=str(tmp_path))
    with pytest.raises(ValueError):
        DiskCache(str(tmp_path), "sub/KEY")
    with pytest.raises(ValueError):
        DiskCache(str(tmp_path), "")


def test_clearing_a_cache_that_was_never_written_creates_nothing(tmp_path):
    cache = DiskCache("tokens.json", config_dir=str(tmp_path / "config"))
    cache.clear()
    assert not (tmp_path / "config").exists()
    assert cache.load() is None

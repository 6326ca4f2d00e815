"""Where a cache may live: a regular file (or nothing) in a directory only you control.

Tests may run as root, so no real devices: a directory, a FIFO and a symlink stand
for everything that is not a regular file.
"""

from __future__ import annotations

import os
import stat

import pytest

from pyTD.auth.tokens import AccessToken
from pyTD.cache import DiskCache, SQLCache
from pyTD.exceptions import CacheError

NOW = 1_700_000_000.0
KINDS = {"disk": lambda path: DiskCache(path), "sql": lambda path: SQLCache(path, key="K")}


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def access(value: str = "a-1") -> AccessToken:
    return AccessToken(token=value, access_time=NOW, expires_in=1800)


@pytest.fixture(params=sorted(KINDS))
def make(request):
    return KINDS[request.param]


# -- not a regular file: refused, mode untouched ---------------------------------------------------
def test_a_directory_is_refused_and_keeps_its_mode(tmp_path, make):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    home.chmod(0o755)
    with pytest.raises(CacheError) as info:
        make(home)
    assert mode(home) == 0o755
    message = str(info.value)
    assert f"{home} is a directory, not a regular file" in message
    assert os.path.join(str(home), "tokens.json") in message     # what to pass instead


def test_a_fifo_is_refused_and_keeps_its_mode(tmp_path, make):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    with pytest.raises(CacheError, match="is a FIFO, not a regular file: pass the path of a "
                                         "regular file, or of one that does not exist yet"):
        make(fifo)
    assert mode(fifo) == 0o644


def test_a_symlink_is_refused_and_its_target_untouched(tmp_path, make):
    victim = tmp_path / "victim"
    victim.write_text("user data")
    victim.chmod(0o644)
    link = tmp_path / "tokens"
    os.symlink(victim, link)
    with pytest.raises(CacheError) as info:
        make(link)
    assert "is a symbolic link" in str(info.value) and str(victim) in str(info.value)
    assert mode(victim) == 0o644 and victim.read_text() == "user data"


def test_a_path_replaced_by_a_directory_later_is_refused(tmp_path):
    cache = DiskCache(tmp_path / "tokens.json")
    os.unlink(cache.path)
    os.mkdir(cache.path, 0o755)
    with pytest.raises(CacheError, match="is a directory"):
        cache.load()
    assert mode(cache.path) == 0o755


def test_mode_is_fixed_without_following_a_symlink_swapped_in(tmp_path, monkeypatch):
    """lstat saw a regular file; a symlink swapped in before the chmod is not followed."""
    cache = DiskCache(tmp_path / "tokens.json")
    cache.update(access_token=access())
    os.chmod(cache.path, 0o644)
    victim = tmp_path / "victim"
    victim.write_text("user data")
    victim.chmod(0o644)
    real_lstat = os.lstat

    def lstat_then_swap(path, *args, **kwargs):
        result = real_lstat(path, *args, **kwargs)
        if os.fspath(path) == cache.path:
            os.replace(str(tmp_path / "link"), cache.path)
        return result

    os.symlink(victim, tmp_path / "link")
    monkeypatch.setattr(os, "lstat", lstat_then_swap)
    with pytest.raises(CacheError, match="symbolic link"), pytest.warns(UserWarning):
        cache.load()
    monkeypatch.undo()
    assert mode(victim) == 0o644


# -- the directory --------------------------------------------------------------------------------
@pytest.mark.parametrize("bits", [0o770, 0o777, 0o722])
def test_a_directory_others_can_write_is_refused(tmp_path, make, bits):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(bits)
    with pytest.raises(CacheError) as info:
        make(shared / "tokens")
    message = str(info.value)
    assert f"{shared} is writable by other users (mode {bits:04o})" in message
    assert f"chmod go-w {shared}" in message
    assert not (shared / "tokens").exists()


def test_a_sticky_world_writable_directory_is_allowed_with_a_warning(tmp_path, make):
    public = tmp_path / "public"
    public.mkdir()
    public.chmod(0o1777)
    with pytest.warns(UserWarning, match="can be listed or entered by other users"):
        make(public / "tokens")


def test_a_directory_owned_by_another_user_is_refused(tmp_path, make):
    if os.geteuid() != 0:
        pytest.skip("only root can give a directory to another user")
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 54321, 54321)
    with pytest.raises(CacheError, match=r"belongs to another user \(uid 54321\)"):
        make(theirs / "tokens")


def test_a_readable_directory_is_warned_about_once(tmp_path, monkeypatch):
    from pyTD.cache import _paths

    monkeypatch.setattr(_paths, "_WARNED", set())
    listed = tmp_path / "listed"
    listed.mkdir()
    listed.chmod(0o755)
    with pytest.warns(UserWarning, match=f"chmod 700 {listed}") as warned:
        cache = DiskCache(listed / "tokens.json")
        cache.update(access_token=access())
        DiskCache(listed / "tokens.json").load()
    assert len([w for w in warned if "listed or entered" in str(w.message)]) == 1


def test_a_directory_made_writable_later_stops_writes(tmp_path):
    cache = DiskCache(tmp_path / "d" / "tokens.json")
    cache.update(access_token=access("kept"))
    os.chmod(tmp_path / "d", 0o777)
    with pytest.raises(CacheError, match="writable by other users"):
        cache.update(access_token=access("new"))
    os.chmod(tmp_path / "d", 0o700)
    assert cache.access_token.token == "kept"

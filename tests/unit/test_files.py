"""pyTD._files, the one way secrets reach the disk: modes, unguessable temp names,
no symlink following, nothing left behind on failure, durable renames."""

from __future__ import annotations

import errno
import os
import re
import stat

import pytest

import pyTD._files as files
from pyTD._files import (
    PRIVATE_FILE,
    DirectorySyncError,
    atomic_write,
    create_private_file,
    make_private_dir,
    remove_stale_temp_files,
)

SECRET = b"refresh-SECRET-value"


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


class OpenSpy:
    """Records ``(path, flags)`` of every ``os.open`` made by pyTD._files."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, int]] = []
        real = os.open

        def spy(path, flags, *args, **kwargs):
            self.calls.append((os.fspath(path), flags))
            return real(path, flags, *args, **kwargs)

        monkeypatch.setattr(files.os, "open", spy)

    def temp_paths(self) -> list[str]:
        return [path for path, _ in self.calls if files.TEMP_MARK in path]


# -- modes -------------------------------------------------------------------------------------
def test_written_file_is_0600_whatever_the_umask_and_the_old_mode(tmp_path):
    target = tmp_path / "secret.json"
    target.write_bytes(b"old")
    target.chmod(0o644)
    old = os.umask(0)
    try:
        atomic_write(str(target), SECRET)
    finally:
        os.umask(old)
    assert target.read_bytes() == SECRET
    assert mode(target) == PRIVATE_FILE == 0o600


def test_private_dir_and_file_are_0700_and_0600_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        make_private_dir(str(tmp_path / "a" / "b"))
        assert create_private_file(str(tmp_path / "a" / "b" / "f"))
    finally:
        os.umask(old)
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert mode(tmp_path / "a" / "b" / "f") == 0o600
    assert not create_private_file(str(tmp_path / "a" / "b" / "f"))   # exists: left alone


# -- temp names ----------------------------------------------------------------------------------
def test_each_write_uses_a_new_unguessable_temp_name_in_the_same_directory(tmp_path, monkeypatch):
    spy = OpenSpy(monkeypatch)
    target = str(tmp_path / "tokens.json")
    atomic_write(target, b"1")
    atomic_write(target, b"2")
    first, second = spy.temp_paths()
    assert first != second
    for name in (first, second):
        assert os.path.dirname(name) == str(tmp_path)
        # The pid (for the cleanup of dead writers) and 64 bits from `secrets`.
        assert re.fullmatch(re.escape(target) + rf"\.tmp-{os.getpid()}-[0-9a-f]{{16}}", name)
    assert sorted(os.listdir(tmp_path)) == ["tokens.json"]


def test_the_random_part_of_the_temp_name_comes_from_secrets(tmp_path, monkeypatch):
    import random

    spy = OpenSpy(monkeypatch)
    names = []
    for _ in range(2):
        random.seed(0)            # the predictable generator reset: the name must not repeat
        atomic_write(str(tmp_path / "f"), b"x")
        names.append(spy.temp_paths()[-1])
    assert names[0] != names[1]
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: "f" * (2 * n))
    assert files.temp_path("/x/f").endswith("-" + "f" * 16)


# -- never through a planted file or symlink ------------------------------------------------------
@pytest.fixture
def predictable_name(monkeypatch):
    """Make the next temp name known in advance, as an attacker would need it to be."""
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: "0" * (2 * n))

    def name(path) -> str:
        return f"{path}.tmp-{os.getpid()}-{'0' * 16}"
    return name


def test_symlink_planted_at_the_temp_path_is_refused_not_followed(tmp_path, predictable_name):
    victim = tmp_path / "victim"
    victim.write_bytes(b"do not overwrite")
    target = tmp_path / "tokens.json"
    target.write_bytes(b"previous")
    planted = predictable_name(target)
    os.symlink(victim, planted)
    with pytest.raises(FileExistsError):
        atomic_write(str(target), SECRET)
    assert victim.read_bytes() == b"do not overwrite"
    assert target.read_bytes() == b"previous"
    assert os.path.islink(planted)          # not ours: not removed either


def test_dangling_symlink_planted_at_the_temp_path_creates_nothing(tmp_path, predictable_name):
    victim = tmp_path / "elsewhere" / "stolen"
    victim.parent.mkdir()
    target = tmp_path / "tokens.json"
    os.symlink(victim, predictable_name(target))
    with pytest.raises(FileExistsError):
        atomic_write(str(target), SECRET)
    assert not victim.exists()
    assert not target.exists()


def test_symlink_at_a_new_private_file_path_is_not_followed(tmp_path):
    victim = tmp_path / "stolen"
    os.symlink(victim, tmp_path / "tokens.json")
    assert not create_private_file(str(tmp_path / "tokens.json"))
    assert not victim.exists()


def test_files_are_opened_exclusive_and_without_following_symlinks(tmp_path, monkeypatch):
    spy = OpenSpy(monkeypatch)
    atomic_write(str(tmp_path / "a"), b"x")
    create_private_file(str(tmp_path / "b"))
    created = [(p, f) for p, f in spy.calls if f & os.O_CREAT]
    assert len(created) == 2
    for _, flags in created:
        assert flags & os.O_EXCL and flags & os.O_WRONLY
        if hasattr(os, "O_NOFOLLOW"):
            assert flags & os.O_NOFOLLOW


# -- failures leave nothing behind -----------------------------------------------------------------
def _fail(exc: BaseException):
    def failing(*args, **kwargs):
        raise exc
    return failing


@pytest.mark.parametrize("step,exc", [
    ("write", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))),
    ("write", KeyboardInterrupt()),
    ("fsync", OSError(errno.EIO, os.strerror(errno.EIO))),
    ("replace", OSError(errno.EXDEV, os.strerror(errno.EXDEV))),
    ("fchmod", OSError(errno.EPERM, os.strerror(errno.EPERM))),
])
def test_a_failed_write_removes_the_temp_file_and_keeps_the_old_content(tmp_path, monkeypatch,
                                                                         step, exc):
    target = tmp_path / "tokens.json"
    target.write_bytes(b"previous")
    spy = OpenSpy(monkeypatch)
    monkeypatch.setattr(files.os, step, _fail(exc))
    with pytest.raises(type(exc)) as info:
        atomic_write(str(target), SECRET)
    monkeypatch.undo()
    assert spy.temp_paths(), "the temp file was created before the failure"
    assert sorted(os.listdir(tmp_path)) == ["tokens.json"]
    assert target.read_bytes() == b"previous"
    assert SECRET.decode() not in str(info.value)


def test_stale_temp_files_are_judged_by_age_not_by_pid(tmp_path):
    """A pid means nothing across PID namespaces (containers sharing a token volume):
    a fresh temp file of a pid that is dead here may be another container's write."""
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    target = tmp_path / "tokens.json"
    in_flight = tmp_path / f"tokens.json.tmp-{dead}-{'a' * 16}"
    abandoned = tmp_path / f"tokens.json.tmp-{os.getpid()}-{'b' * 16}"
    other = tmp_path / f"other.json.tmp-{dead}-{'c' * 16}"
    for leftover in (in_flight, abandoned, other):
        leftover.write_bytes(b"{partial")
    now = os.stat(in_flight).st_mtime
    old = now - files.STALE_TEMP_AGE - 1
    os.utime(abandoned, (old, old))
    os.utime(other, (old, old))
    remove_stale_temp_files(str(target), now=now)
    assert sorted(os.listdir(tmp_path)) == sorted([in_flight.name, other.name])
    remove_stale_temp_files(str(target), now=now + files.STALE_TEMP_AGE + 1)
    assert sorted(os.listdir(tmp_path)) == [other.name]


# -- durability ------------------------------------------------------------------------------------
def test_the_rename_is_made_durable_by_fsyncing_the_directory(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real_fsync(fd)

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc to name the fsynced descriptors")
    monkeypatch.setattr(files.os, "fsync", fsync)
    atomic_write(str(tmp_path / "tokens.json"), SECRET)
    assert len(synced) == 2
    assert files.TEMP_MARK in synced[0]        # the data, before the rename
    assert synced[1] == str(tmp_path)          # the directory entry, after it


def test_a_failed_directory_fsync_is_reported_after_the_file_was_replaced(tmp_path, monkeypatch):
    target = tmp_path / "tokens.json"
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    with pytest.raises(DirectorySyncError):
        atomic_write(str(target), SECRET)
    assert target.read_bytes() == SECRET


@pytest.mark.parametrize("code", [errno.EINVAL, errno.ENOTSUP])
def test_filesystems_that_cannot_fsync_a_directory_are_skipped(tmp_path, monkeypatch, code):
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(code, os.strerror(code))
        return real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    atomic_write(str(tmp_path / "tokens.json"), SECRET)
    assert (tmp_path / "tokens.json").read_bytes() == SECRET

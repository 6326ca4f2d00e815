"""The one way pyTD writes a file that holds a secret (tokens, a TLS key).

- :func:`make_private_dir`: missing directories are created 0700.
- :func:`create_private_file`: an empty file created 0600, never through a symlink.
- :func:`atomic_write`: the whole content or nothing. A temp file with an
  unpredictable name (``<name>.tmp-<pid>-<64 random bits>``) is created in the
  same directory with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600 (so a
  file or symlink planted there in advance is refused, never followed), written,
  fsynced, renamed over the target with ``os.replace`` and the directory is
  fsynced. On any error before the rename the temp file is removed.
- :func:`regular_file_stat`: ``lstat`` of a secret's path; anything there but a
  regular file (a directory, symlink, FIFO, device) is refused, never opened.
- :func:`fix_private_mode`: a group/world-readable secret is warned about and
  made 0600 through a descriptor opened with ``O_NOFOLLOW`` (never a link's target).
- :func:`remove_stale_temp_files`: temp files older than :data:`STALE_TEMP_AGE`
  are removed (callers hold their lock).

Callers turn the ``OSError`` raised here into their own error messages; the
data itself never appears in any message.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import stat
import sys
import time
import warnings
from typing import Optional

log = logging.getLogger("pyTD.cache")

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700

#: Refuse to follow a symlink at the final path component, where the OS can.
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: Flags of every file created here: new file only, write only, never through a symlink.
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | getattr(os, "O_BINARY", 0)

TEMP_MARK = ".tmp-"

#: Seconds after which a temp file counts as left by a dead writer (10 minutes: a
#: write of a few kilobytes never takes that long, whatever PID namespace it ran in).
STALE_TEMP_AGE = 600.0


class NotRegularFileError(OSError):
    """Something other than a regular file is at a secret's path; ``kind`` says what."""

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file", path)
        self.kind = kind


def file_kind(mode: int) -> str:
    """``"a directory"``, ``"a symbolic link"``, ... for an ``st_mode``."""
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return kind
    return "a regular file" if stat.S_ISREG(mode) else "not a file"


def regular_file_stat(path: str) -> Optional[os.stat_result]:
    """``os.lstat(path)`` of a regular file, ``None`` when nothing is there.

    Anything else (a symlink is not followed) raises :class:`NotRegularFileError`.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFileError(path, file_kind(st.st_mode))
    return st


class DirectorySyncError(OSError):
    """The file was replaced, but its directory could not be fsynced (the rename may
    not survive a power loss)."""


def make_private_dir(path: str) -> None:
    """Create ``path`` and any missing parents with mode 0700; existing ones are left alone."""
    missing = []
    while path and not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, PRIVATE_DIR)
        except FileExistsError:
            continue
        os.chmod(directory, PRIVATE_DIR)  # the umask may have removed owner bits


def create_private_file(path: str) -> bool:
    """Create an empty file with mode 0600 unless it exists; True when it was created."""
    try:
        fd = os.open(path, CREATE_FLAGS, PRIVATE_FILE)
    except FileExistsError:
        return False
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return True


def make_private(path: str) -> None:
    """Set the regular file ``path`` to 0600 without following a symlink.

    Raises :class:`NotRegularFileError` when ``path`` is not a regular file.
    """
    if sys.platform == "win32":  # pragma: no cover - no POSIX modes there
        return
    fd = os.open(path, os.O_RDONLY | O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFileError(path, file_kind(st.st_mode))
        if stat.S_IMODE(st.st_mode) != PRIVATE_FILE:
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def make_private_unopened(path: str) -> None:
    """Like :func:`make_private`, without opening ``path``.

    For a file another library holds POSIX locks on (SQLite's ``-wal`` and
    ``-shm``): closing any descriptor of a file drops every lock the process
    holds on it, and SQLite, losing its lock on the WAL index, lets another
    process reset the index under it (a crash with SIGBUS).
    """
    if sys.platform == "win32":  # pragma: no cover - no POSIX modes there
        return
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFileError(path, file_kind(st.st_mode))
    if stat.S_IMODE(st.st_mode) != PRIVATE_FILE:
        os.chmod(path, PRIVATE_FILE)


def fix_private_mode(path: str, mode: int) -> None:
    """Warn about and remove group/world permission bits of a file that holds secrets."""
    if sys.platform == "win32" or not mode & 0o077:
        return
    message = (f"Token cache {path} was readable by other users (mode "
               f"{stat.S_IMODE(mode):04o}); its mode is now 0600.")
    warnings.warn(message, stacklevel=3)
    log.warning(message)
    make_private(path)


def temp_path(path: str) -> str:
    """A fresh temp name next to ``path``: ``<path>.tmp-<pid>-<16 hex digits from secrets>``.

    The pid helps a person tell whose file it is; the random part makes the
    name unguessable. Staleness is judged by age, not by the pid (a pid means
    nothing in another PID namespace, e.g. a container sharing the directory).
    """
    return f"{path}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(8)}"


def fsync_dir(directory: str) -> None:
    """Make a rename in ``directory`` durable; filesystems that cannot fsync a directory
    (``EINVAL``/``ENOTSUP``) and Windows are skipped."""
    if sys.platform == "win32":  # pragma: no cover - directories cannot be fsynced there
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise DirectorySyncError(exc.errno, exc.strerror, directory) from exc


def atomic_write(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, as a 0600 file.

    Raises ``OSError`` (the target is then unchanged and no temp file is left),
    or :class:`DirectorySyncError` when only the final directory fsync failed.

    >>> atomic_write("/tmp/pytd-doc/secret.txt", b"value")  # doctest: +SKIP
    """
    directory = os.path.dirname(os.path.abspath(path))
    tmp = temp_path(path)
    fd = os.open(tmp, CREATE_FLAGS, PRIVATE_FILE)  # refuses an existing file or symlink
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, PRIVATE_FILE)  # whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(directory)


def remove_stale_temp_files(path: str, now: Optional[float] = None) -> None:
    """Delete temp files of ``path`` older than :data:`STALE_TEMP_AGE` (left by writers
    killed mid-write); call it holding the cache's lock. ``now`` defaults to ``time.time()``."""
    directory, name = os.path.split(os.path.abspath(path))
    prefix = name + TEMP_MARK
    cutoff = (time.time() if now is None else now) - STALE_TEMP_AGE
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix)]
    except OSError:
        return
    for leftover in names:
        full = os.path.join(directory, leftover)
        try:
            if os.lstat(full).st_mtime < cutoff:
                os.unlink(full)
        except OSError:
            continue

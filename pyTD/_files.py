"""The one way pyTD writes a file that holds a secret (tokens, a TLS key).

- :func:`make_private_dir`: missing directories are created 0700.
- :func:`create_private_file`: an empty file created 0600, never through a symlink.
- :func:`atomic_write`: the whole content or nothing. A temp file with an
  unpredictable name (``<name>.tmp-<pid>-<64 random bits>``) is created in the
  same directory with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600 (so a
  file or symlink planted there in advance is refused, never followed), written,
  fsynced, renamed over the target with ``os.replace`` and the directory is
  fsynced. On any error before the rename the temp file is removed.
- :func:`fix_private_mode`: a group/world-readable secret is warned about and
  made 0600.

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
import warnings

log = logging.getLogger("pyTD.cache")

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700

#: Refuse to follow a symlink at the final path component, where the OS can.
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: Flags of every file created here: new file only, write only, never through a symlink.
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | getattr(os, "O_BINARY", 0)

TEMP_MARK = ".tmp-"


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


def fix_private_mode(path: str, mode: int) -> None:
    """Warn about and remove group/world permission bits of a file that holds secrets."""
    if sys.platform == "win32" or not mode & 0o077:
        return
    message = (f"Token cache {path} was readable by other users (mode "
               f"{stat.S_IMODE(mode):04o}); its mode is now 0600.")
    warnings.warn(message, stacklevel=3)
    log.warning(message)
    os.chmod(path, PRIVATE_FILE)


def temp_path(path: str) -> str:
    """A fresh temp name next to ``path``: ``<path>.tmp-<pid>-<16 hex digits from secrets>``.

    The pid lets :func:`remove_stale_temp_files` tell a dead writer's leftovers
    from a live writer's file; the random part makes the name unguessable.
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


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - no cheap liveness check: keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temp_files(path: str) -> None:
    """Delete temp files of ``path`` left by writers killed mid-write (their pid is gone)."""
    directory, name = os.path.split(os.path.abspath(path))
    prefix = name + TEMP_MARK
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix)]
    except OSError:
        return
    for leftover in names:
        pid = leftover[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            try:
                os.unlink(os.path.join(directory, leftover))
            except OSError:
                continue

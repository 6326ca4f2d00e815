"""Where a token cache may live: a regular file in a directory only its owner controls.

Each check turns what the OS reports into a :class:`~pyTD.exceptions.CacheError`
that says what to pass or change instead.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import sys
import warnings
from typing import Optional

from pyTD._files import NotRegularFileError, fix_private_mode, regular_file_stat
from pyTD.exceptions import CacheError

log = logging.getLogger("pyTD.cache")

#: Directories already warned about (group/world-readable), once per process.
_WARNED: set[str] = set()

READ_ONLY_ADVICE = ("Set TD_STORE_TOKENS=false (or store_tokens=False) to keep refreshed "
                    "tokens in memory, or point the cache at a writable file system.")


def os_advice(exc: OSError) -> str:
    """What to do about an ``OSError`` met while opening, locking or writing a cache."""
    code = exc.errno
    if code == errno.EROFS:
        return "The file system is read-only: tokens can be read but not stored. " \
            + READ_ONLY_ADVICE
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "The disk (or its inodes, or your quota) is full: free disk space."
    if code in (errno.EACCES, errno.EPERM):
        return "Fix the permissions (the directory and file must be writable by you: " \
            "chmod 700 / 600), or choose another location (config_dir=... or TD_CONFIG_DIR)."
    if code == errno.ELOOP:
        return "It is a symbolic link, which pyTD never follows: remove it and pyTD " \
            "creates the file itself."
    return "Check the path, its permissions and free disk space, or choose another " \
        "location (config_dir=... or TD_CONFIG_DIR)."


def _not_a_file(path: str, kind: str) -> CacheError:
    if kind == "a directory":
        hint = f"pass the path of a file inside it, e.g. {os.path.join(path, 'tokens.json')}"
    elif kind == "a symbolic link":
        hint = ("pyTD never follows a link to a token file: pass the path it points to "
                f"({os.path.realpath(path)})")
    else:
        hint = "pass the path of a regular file, or of one that does not exist yet"
    return CacheError(f"The token cache path {path} is {kind}, not a regular file: {hint}.")


def cache_file_stat(path: str) -> Optional[os.stat_result]:
    """``lstat`` of the cache file (``None`` when missing), its mode fixed to 0600 if needed.

    A directory, symlink, FIFO or device at ``path`` is a :class:`CacheError`, and
    its mode is never touched.
    """
    try:
        st = regular_file_stat(path)
        if st is not None and st.st_mode & 0o077:
            fix_private_mode(path, st.st_mode)
    except NotRegularFileError as exc:
        raise _not_a_file(path, exc.kind) from None
    except OSError as exc:
        raise CacheError(
            f"Cannot read or fix the mode of the token cache {path}: "
            f"{exc.strerror or exc}. Make it a file owned by you (chmod 600 {path}) "
            "or point config_dir/TD_CONFIG_DIR elsewhere."
        ) from exc
    return st


def check_directory(directory: str) -> None:
    """Refuse a cache directory others can write to (or own); warn once if they can read it.

    A group/world-writable directory is refused unless its sticky bit is set
    (as on ``/tmp``): without it, anyone who may write there can rename the
    token file away or plant a file under its name. A missing directory passes
    (it is created 0700).
    """
    if sys.platform == "win32":  # pragma: no cover - no POSIX modes there
        return
    try:
        st = os.stat(directory)
    except (FileNotFoundError, NotADirectoryError):
        return  # made 0700 when first written (or refused then, naming the path)
    except OSError as exc:
        raise CacheError(f"Cannot inspect the token cache directory {directory}: "
                         f"{exc.strerror or exc}. {os_advice(exc)}") from exc
    mode = stat.S_IMODE(st.st_mode)
    if st.st_uid not in (os.geteuid(), 0):
        raise CacheError(
            f"The token cache directory {directory} belongs to another user (uid "
            f"{st.st_uid}), who could replace or remove your token files. Use a directory "
            "you own (config_dir=... or TD_CONFIG_DIR).")
    if mode & 0o022 and not st.st_mode & stat.S_ISVTX:
        raise CacheError(
            f"The token cache directory {directory} is writable by other users (mode "
            f"{mode:04o}), who could rename your token file away or plant their own. Run "
            f"`chmod go-w {directory}` (pyTD creates its own directories 0700), or choose "
            "another directory (config_dir=... or TD_CONFIG_DIR).")
    if mode & 0o077 and directory not in _WARNED:
        _WARNED.add(directory)
        message = (f"Token cache directory {directory} can be listed or entered by other "
                   f"users (mode {mode:04o}); the token files stay 0600, but `chmod 700 "
                   f"{directory}` keeps even their names private.")
        warnings.warn(message, stacklevel=3)
        log.warning(message)

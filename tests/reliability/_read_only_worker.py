"""Runs inside a private mount namespace (``unshare -m``): a real read-only token cache.

    python _read_only_worker.py <staging dir> <mount point> <base_url> <auth_url> <reads>

Mounts a tmpfs at <mount point>, copies the staged caches ``valid.json`` (valid
tokens) and ``expired.json`` (access token expired, refresh token valid) into
it, remounts it read-only, then sends <reads> quote requests on the valid cache
and one on the expired one, and prints a JSON summary.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

if __package__ in (None, ""):  # run as a script: make ``pyTD`` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))

from pyTD.api import api
from pyTD.cache import DiskCache
from pyTD.exceptions import TDError
from pyTD.sandbox import DEMO_CALLBACK_URL, DEMO_CONSUMER_KEY


def main(staging: str, mount: str, base_url: str, auth_url: str, reads: int) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mount],
                   check=True)
    for name in ("valid.json", "expired.json"):
        shutil.copy2(os.path.join(staging, name), os.path.join(mount, name))
    subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
    options = {"consumer_key": DEMO_CONSUMER_KEY, "callback_url": DEMO_CALLBACK_URL,
               "base_url": base_url, "auth_url": auth_url}
    summary: dict = {"reads": reads, "ok": 0}
    client = api(cache=DiskCache(os.path.join(mount, "valid.json")), **options)
    for _ in range(reads):
        client.get_quotes("AAPL")
        summary["ok"] += 1
    client.close()
    expired = api(cache=DiskCache(os.path.join(mount, "expired.json")), **options)
    try:
        expired.get_quotes("AAPL")
    except TDError as exc:
        summary["error"], summary["message"] = type(exc).__name__, str(exc)
    expired.close()
    summary["files"] = sorted(os.listdir(mount))
    print(json.dumps(summary))


if __name__ == "__main__":
    main(*sys.argv[1:5], int(sys.argv[5]))

"""Processes sharing one SQLCache never crash on SQLite's WAL index.

Opening and closing a descriptor of ``tokens.db-shm`` (to check its mode)
drops every POSIX lock the process holds on it; SQLite then lets another
process reset the index under the first one, which dies of SIGBUS. pyTD
checks the sidecars' modes without opening them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import sys
    from pyTD.cache import SQLCache
    cache = SQLCache(sys.argv[1], key="KEY")
    for i in range(300):
        cache.load()
        if i % 25 == 0:
            cache.save({"version": 1})
""")


def test_processes_reopening_the_database_do_not_crash(tmp_path):
    path = tmp_path / "cache" / "tokens.db"
    for _ in range(3):
        children = [subprocess.Popen([sys.executable, "-c", CHILD, str(path)],
                                     stderr=subprocess.PIPE, text=True) for _ in range(4)]
        results = [(child.wait(120), child.stderr.read() if child.stderr else "")
                   for child in children]
        for child in children:
            if child.stderr:
                child.stderr.close()
        assert [code for code, _ in results] == [0] * 4, results

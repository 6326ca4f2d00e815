"""Importing pyTD has no side effects: no files, no environment reads, only a NullHandler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

#: Runs in a fresh interpreter: replaces os.environ by a recording mapping, imports the
#: module under test, and prints what it saw as JSON.
PROBE = textwrap.dedent("""
    import json, logging, os, sys
    from collections.abc import MutableMapping

    class Recording(MutableMapping):
        def __init__(self, real):
            self.real, self.seen = real, []
        def __getitem__(self, key):
            self.seen.append(key)
            return self.real[key]
        def __setitem__(self, key, value):
            self.seen.append(key)
            self.real[key] = value
        def __delitem__(self, key):
            self.seen.append(key)
            del self.real[key]
        def __iter__(self):
            self.seen.append("<iterate>")
            return iter(self.real)
        def __len__(self):
            self.seen.append("<len>")
            return len(self.real)
        def __contains__(self, key):
            self.seen.append(key)
            return key in self.real
        def copy(self):
            self.seen.append("<copy>")
            return dict(self.real)

    before = set(sys.modules)
    root_handlers = list(logging.root.handlers)
    root_level = logging.root.level
    os.environ = recording = Recording(os.environ)
    {statement}
    os.environ = recording.real
    pytd = logging.getLogger("pyTD")
    print(json.dumps({{
        "env": recording.seen,
        "new_modules": sorted(set(sys.modules) - before),
        "handlers": [type(h).__name__ for h in pytd.handlers],
        "pytd_level": pytd.level,
        "pytd_propagate": pytd.propagate,
        "root_changed": logging.root.handlers != root_handlers or logging.root.level != root_level,
    }}))
""")


def probe(tmp_path, statement: str) -> dict:
    home, work = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TD_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               TD_CONFIG_DIR=str(tmp_path / "td-config"), TD_CONSUMER_KEY="KEY",
               PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-c", PROBE.format(statement=statement)],
                          cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "home"]
    assert list(home.iterdir()) == [] and list(work.iterdir()) == []
    return json.loads(proc.stdout)


def test_import_pytd_has_no_side_effects(tmp_path):
    seen = probe(tmp_path, "import pyTD")
    assert seen["env"] == []
    assert seen["handlers"] == ["NullHandler"]
    assert seen["pytd_level"] == 0 and seen["pytd_propagate"] is True
    assert seen["root_changed"] is False
    for optional in ("pandas", "cryptography", "sqlite3", "pyTD.sandbox"):  # load on use
        assert optional not in seen["new_modules"]


def test_the_probe_catches_an_environment_read(tmp_path):
    """The recording mapping really sees a read done the way a module would do it."""
    seen = probe(tmp_path, "import pyTD; os.environ.get('TD_CONSUMER_KEY'); os.getenv('HOME')")
    assert seen["env"] == ["TD_CONSUMER_KEY", "HOME"]


def test_import_pytd_cache_has_no_side_effects_and_skips_sqlite(tmp_path):
    seen = probe(tmp_path, "import pyTD.cache; from pyTD.cache import DiskCache, MemCache")
    assert seen["env"] == []
    assert "sqlite3" not in seen["new_modules"]
    assert seen["handlers"] == ["NullHandler"] and seen["root_changed"] is False


def test_sql_cache_imports_sqlite_on_first_use(tmp_path):
    seen = probe(tmp_path, "from pyTD.cache import SQLCache")
    assert "sqlite3" in seen["new_modules"]


def test_cache_package_exports():
    import pyTD.cache as cache

    assert cache.__all__ == ["DiskCache", "MemCache", "RedisCache", "SQLCache", "TokenCache",
                             "TokenSet", "select_cache"]
    for name in cache.__all__:
        assert getattr(cache, name).__name__ == name
    assert set(cache.__all__) <= set(dir(cache))
    with pytest.raises(AttributeError, match="no attribute 'FileCache'"):
        cache.FileCache  # noqa: B018


def test_import_pytd_utils_exceptions_has_no_side_effects(tmp_path):
    seen = probe(tmp_path, "import pyTD.utils; from pyTD.utils.exceptions import TDQueryError")
    assert seen["env"] == []
    assert seen["handlers"] == ["NullHandler"] and seen["root_changed"] is False


def test_url_constants_read_no_environment(tmp_path):
    seen = probe(tmp_path, "import pyTD; pyTD.BASE_URL; pyTD.BASE_AUTH_URL; dir(pyTD)")
    assert seen["env"] == []


def test_config_dir_constants_read_the_environment_only_when_asked(tmp_path):
    seen = probe(tmp_path, "import pyTD; pyTD.CONFIG_DIR")
    assert "TD_CONFIG_DIR" in seen["env"]

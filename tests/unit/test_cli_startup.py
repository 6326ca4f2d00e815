"""``pytd --help`` and parse errors load no HTTP, data or streaming library; ``import pyTD``
still gives every public name, the same objects as their home modules.

Each check runs in a fresh interpreter with a clean environment; the modules a bare
interpreter already loads there (a site hook may load certifi) are left out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"requests", "urllib3", "certifi", "charset_normalizer", "pandas", "websockets"}

#: Runs ``pytd`` (as the console script does, or as ``python -m pyTD``) with ``argv``
#: and, at exit, prints the loaded modules as JSON on its last line of standard output.
CLI_PROBE = textwrap.dedent("""
    import atexit, json, runpy, sys
    argv, how, before = {argv!r}, {how!r}, {before!r}
    atexit.register(lambda: print("\\n" + json.dumps(sorted(sys.modules))))
    exec(before)
    sys.argv = ["pytd", *argv]
    if how == "module":
        runpy.run_module("pyTD", run_name="__main__", alter_sys=True)
    else:
        from pyTD.cli import main
        sys.exit(main())
""")


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def bare_modules(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """What a bare interpreter loads in the same environment."""
    proc = _run("import json, sys; print(json.dumps(sorted(sys.modules)))",
                tmp_path_factory.mktemp("bare"))
    return set(json.loads(proc.stdout))


def loaded_by_cli(tmp_path: Path, bare: set[str], argv: list[str], how: str = "script",
                  before: str = "") -> tuple[int, str, set[str]]:
    """``(exit code, standard error, modules loaded beyond a bare interpreter's)``."""
    proc = _run(CLI_PROBE.format(argv=argv, how=how, before=before), tmp_path)
    modules = set(json.loads(proc.stdout.rstrip().splitlines()[-1]))
    return proc.returncode, proc.stderr, modules - bare


@pytest.mark.parametrize(("argv", "how", "code"), [
    (["--help"], "module", 0),
    (["--help"], "script", 0),
    (["--version"], "module", 0),
    (["history", "--help"], "script", 0),
    (["order", "place", "--help"], "script", 0),
    (["stream", "quotes", "--help"], "script", 0),
    (["quote"], "script", 2),
    (["history", "AAPL", "--period-type", "fortnight"], "script", 2),
    (["frobnicate"], "module", 2),
])
def test_help_version_and_parse_errors_load_no_heavy_library(tmp_path, bare_modules, argv, how,
                                                            code):
    exit_code, stderr, loaded = loaded_by_cli(tmp_path, bare_modules, argv, how)
    assert exit_code == code, stderr
    assert loaded & HEAVY == set()
    assert {"pyTD.api", "pyTD.transport"} & loaded == set()
    assert "pyTD.cli.parser" in loaded


def test_the_probe_sees_a_heavy_import(tmp_path, bare_modules):
    """The same probe, with ``pyTD.api`` imported first, reports requests and urllib3."""
    exit_code, _, loaded = loaded_by_cli(tmp_path, bare_modules, ["--help"],
                                         before="import pyTD.api")
    assert exit_code == 0
    assert {"requests", "urllib3"} <= loaded


def test_version_is_printed(tmp_path, bare_modules):
    proc = _run(CLI_PROBE.format(argv=["--version"], how="module", before=""), tmp_path)
    import pyTD

    assert proc.stdout.splitlines()[0] == f"pytd {pyTD.__version__}"


#: Imports pyTD in the order given by ``first``, then prints, for each public name,
#: whether ``pyTD.NAME`` is the object of its home module.
NAMES_PROBE = textwrap.dedent("""
    import importlib, json, sys
    exec({first!r})
    import pyTD
    import pyTD.api as bound
    from pyTD.api import api, configure, default_api
    home = sys.modules["pyTD.api"]
    star = {{}}
    exec("from pyTD import *", star)
    same = {{}}
    for name in pyTD.__all__:
        value = getattr(pyTD, name)
        if name in ("api", "configure", "default_api"):
            expected = getattr(home, name)
        elif name == "__version__":
            expected = value
        else:
            expected = importlib.import_module("pyTD." + name)
        same[name] = value is expected and star[name] is expected
    print(json.dumps({{
        "same": same,
        "api_is_class": isinstance(pyTD.api, type) and pyTD.api is api is bound is home.api,
        "home_is_module": type(home).__name__ == "module" and home.__name__ == "pyTD.api",
        "functions": configure is home.configure and default_api is home.default_api,
        "in_dir": sorted(set(pyTD.__all__) - set(dir(pyTD))),
    }}))
""")


@pytest.mark.parametrize("first", [
    "import pyTD; pyTD.api",
    "import pyTD.api",
    "from pyTD.api import api",
    "from pyTD import api",
    "import pyTD.cli.parser",
    "import pyTD.market; import pyTD.cli.commands",
])
def test_every_public_name_is_the_object_of_its_home_module(tmp_path, first):
    proc = _run(NAMES_PROBE.format(first=first), tmp_path)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["same"] == {name: True for name in seen["same"]}
    assert {"api", "configure", "default_api"} <= set(seen["same"])
    assert seen["api_is_class"] and seen["home_is_module"] and seen["functions"]
    assert seen["in_dir"] == []


def test_an_unknown_name_still_fails_with_its_name():
    import pyTD

    with pytest.raises(AttributeError, match="no attribute 'Api'"):
        pyTD.Api  # noqa: B018

"""The install commands of ``docs/installation.rst`` and README work, run as written.

Each way is tried in a fresh virtual environment made with ``python -m venv
--system-site-packages`` (so the dependencies already installed here are
found, and nothing is downloaded): from a clone (``pip install -e .``), from a
wheel built with ``python -m build``, and from a ``git+file://`` URL, the local
form of the docs' ``git+https://`` line. pip runs with ``--no-index`` and the
builds without isolation, so the test needs no network. Afterwards the venv's
own ``pytd --version`` must work and ``pyTD`` must be imported from what was
installed, not from this checkout.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pyTD

REPO = Path(__file__).resolve().parents[2]
INSTALLATION = (REPO / "docs" / "installation.rst").read_text(encoding="utf-8")
README = (REPO / "README.rst").read_text(encoding="utf-8")
#: What pip needs to install and build offline here.
OFFLINE = ["--no-index", "--no-build-isolation"]
#: pyTD's own dependencies are among this machine's packages: skip resolving them again
#: (and compiling byte code), except where the point is resolving an extra.
QUICK = ["--no-deps", "--no-compile"]
#: The docs' placeholder for where the repository is hosted, and the docs' lines run here.
HOSTED = "https://<git host>/<owner>/pyTD.git"
FROM_CLONE = "pip install -e ."
BUILD = "python -m build --wheel"
FROM_WHEEL = "pip install dist/pytd_ameritrade-*.whl"
FROM_GIT = f'pip install "git+{HOSTED}#egg=pytd-ameritrade"'
ADD_EXTRA = 'pip install "pytd-ameritrade[pandas]"'
#: Build-time packages: setuptools, and wheel for setuptools < 70.1 (both in the test extra).
BUILD_TOOLS = ("build", "setuptools", "wheel")
IGNORED = shutil.ignore_patterns(".git", ".mypy_cache", ".ruff_cache", "__pycache__", "build",
                                 "dist", "*.egg-info", "artifacts", "_build", ".venv*", ".tox")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def missing_tools() -> list[str]:
    return [name for name in BUILD_TOOLS if importlib.util.find_spec(name) is None]


def child_env() -> dict[str, str]:
    """This environment without the variables that would let the checkout leak in."""
    return {name: value for name, value in os.environ.items()
            if name not in ("PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")
            and not name.startswith("TD_")}


def run(command: list[str], cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, env=child_env(), capture_output=True, text=True,
                            timeout=240, check=False)
    assert result.returncode == 0, (f"{' '.join(command)} exited with {result.returncode}\n"
                                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def venv(path: Path) -> Path:
    """A fresh venv that sees this interpreter's packages (pip included); its ``bin``."""
    run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(path)],
        path.parent)
    return path / "bin"


def pip(bin_dir: Path, line: str, cwd: Path, *substitutions: tuple[str, str],
        quick: bool = True) -> None:
    """Run the docs' ``pip install ...`` line with the venv's interpreter, offline."""
    for old, new in substitutions:
        line = line.replace(old, new)
    arguments = [word.strip('"') for word in line.split()[2:]]
    wheels = [str(p) for p in cwd.glob(arguments[-1])] if "*" in arguments[-1] else []
    if wheels:
        arguments[-1:] = wheels
    options = [*OFFLINE, *(QUICK if quick else [])]
    run([str(bin_dir / "python"), "-m", "pip", "install", "-q", *options, *arguments], cwd)


def installed_from(bin_dir: Path, elsewhere: Path) -> Path:
    """Check the venv's ``pytd --version``; where the venv imports ``pyTD`` from."""
    assert run([str(bin_dir / "pytd"), "--version"], elsewhere).strip() == (
        f"pytd {pyTD.__version__}")
    where = run([str(bin_dir / "python"), "-c", "import pyTD; print(pyTD.__file__)"], elsewhere)
    return Path(where.strip()).resolve()


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A git repository holding this checkout's files as they are now."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    missing = missing_tools()
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (pip install -e \".[test]\")")
    target = tmp_path_factory.mktemp("install") / "pyTD"
    shutil.copytree(REPO, target, ignore=IGNORED)
    git = ["git", "-c", "user.name=pyTD test", "-c", "user.email=test@example.invalid",
           "-c", "init.defaultBranch=main"]
    run([*git, "init", "-q"], target)
    run([*git, "add", "-A"], target)
    run([*git, "commit", "-q", "-m", "snapshot"], target)
    return target


def test_the_docs_and_readme_give_the_same_install_lines():
    for line in (FROM_CLONE, BUILD, FROM_WHEEL, FROM_GIT, ADD_EXTRA, "pip install .",
                 'pip install -e ".[pandas]"'):
        assert line in INSTALLATION, line
        assert line in README, line
    assert "pip install -e . && pytd demo" in README   # README's two commands, unchanged
    assert 'pip install -e ".[test]" && python -m pytest' in README
    for text in (INSTALLATION, README):   # the index form is only ever named as not working
        assert not re.search(r"^\s*(\$ )?pip install pytd-ameritrade\s*$", text, re.MULTILINE)


def test_the_extras_table_lists_the_extras_of_setup_py():
    setup = (REPO / "setup.py").read_text(encoding="utf-8")
    extras = set(re.findall(r'^\s*"(\w+)": \[', setup, re.MULTILINE))
    extras |= set(re.findall(r'^EXTRAS\["(\w+)"\] =', setup, re.MULTILINE))
    assert extras >= {"pandas", "docs", "test"}
    table = INSTALLATION.split("Extras\n------", 1)[1].split(".. code-block::", 1)[0]
    assert set(re.findall(r"^   \* - ``(\w+)``$", table, re.MULTILINE)) == extras


def test_from_a_clone_a_wheel_and_a_git_url_then_pytd_runs(clone, tmp_path):
    elsewhere = tmp_path / "elsewhere"   # not the clone: nothing imported from a cwd
    elsewhere.mkdir()

    editable = venv(tmp_path / "clone-venv")
    pip(editable, FROM_CLONE, clone)
    assert installed_from(editable, elsewhere) == clone / "pyTD" / "__init__.py"

    run([sys.executable, "-m", "build", "--wheel", "--no-isolation"], clone)
    (wheel,) = (clone / "dist").glob("pytd_ameritrade-*.whl")
    assert wheel.name == f"pytd_ameritrade-{pyTD.__version__}-py3-none-any.whl"
    from_wheel = venv(tmp_path / "wheel-venv")
    pip(from_wheel, FROM_WHEEL, clone)
    site = installed_from(from_wheel, elsewhere)
    assert site.is_relative_to((tmp_path / "wheel-venv").resolve())
    pip(from_wheel, ADD_EXTRA, elsewhere, quick=False)   # pandas: among this machine's packages

    from_git = venv(tmp_path / "git-venv")
    pip(from_git, FROM_GIT, elsewhere, (HOSTED, clone.as_uri()))
    assert installed_from(from_git, elsewhere).is_relative_to((tmp_path / "git-venv").resolve())

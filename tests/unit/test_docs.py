"""The Sphinx documentation builds with warnings as errors, and every public name has a docstring.

The docstrings feed the API reference (``docs/reference``): a public class,
function or method without one is a hole in the documentation.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import pyTD
from tests.support.docs import build_docs

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

SPHINX_MISSING = importlib.util.find_spec("sphinx") is None
IN_CI = os.environ.get("CI") == "true"


@pytest.mark.skipif(SPHINX_MISSING and not IN_CI,
                    reason='sphinx is not installed (pip install -e ".[docs]")')
@pytest.mark.timeout(330)  # the build (its own limit: 300 s) is slow on a loaded machine
def test_docs_build_without_warnings():
    build = build_docs()
    assert build.returncode == 0, (
        f"{' '.join(build.command)} exited with {build.returncode}\n{build.output}")
    assert (build.html / "index.html").is_file()


def public_modules() -> tuple[list[ModuleType], list[str]]:
    """Every module of pyTD whose dotted name has no part starting with ``_``, and import errors."""
    errors: list[str] = []
    modules: list[ModuleType] = [pyTD]
    for info in pkgutil.walk_packages(pyTD.__path__, "pyTD.",
                                      onerror=lambda name: errors.append(f"{name}: import failed")):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue  # private modules, and __main__ (importing it would run the program)
        try:
            modules.append(importlib.import_module(info.name))
        except Exception as exc:
            errors.append(f"{info.name}: cannot be imported ({type(exc).__name__}: {exc})")
    return modules, errors


def _routine(value: Any) -> Any:
    """The function or property behind a class attribute, or None for anything else."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if inspect.isfunction(value) or isinstance(value, property):
        return value
    return None


def missing_docstrings(module: ModuleType) -> list[str]:
    """Public classes and functions defined in ``module``, and public methods and
    properties of those classes, that have no docstring (inherited ones count)."""
    missing: list[str] = []
    if not inspect.getdoc(module):
        missing.append(f"{module.__name__} (module docstring)")
    for name, value in sorted(vars(module).items()):
        if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
            continue
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        where = f"{module.__name__}.{value.__qualname__}"
        if not inspect.getdoc(value):
            missing.append(where)
        if not inspect.isclass(value):
            continue
        for attr, member in vars(value).items():
            if attr.startswith("_"):
                continue
            if inspect.isclass(member):
                documented = inspect.getdoc(member)
            else:
                routine = _routine(member)
                if routine is None:
                    continue
                documented = inspect.getdoc(routine)
            if not documented:
                missing.append(f"{where}.{attr}")
    return missing


def test_every_public_name_has_a_docstring():
    modules, errors = public_modules()
    assert not errors, "\n".join(errors)
    missing = sorted({entry for module in modules for entry in missing_docstrings(module)})
    assert not missing, (f"{len(missing)} public names have no docstring (they feed the API "
                         "reference in docs/):\n  " + "\n  ".join(missing))

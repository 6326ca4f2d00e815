"""The examples in pyTD's docstrings run (those marked ``+SKIP`` need a live account)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pyTD

MODULES = sorted(info.name for info in pkgutil.walk_packages(pyTD.__path__, "pyTD.")
                 if not info.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in finder.find(module, name):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_the_collector_finds_and_fails_a_broken_example():
    import types

    module = types.ModuleType("broken")
    module.__doc__ = ">>> 1 + 1\n3\n"
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(module, "broken"):
        runner.run(test, out=lambda text: None)
    assert runner.failures == 1

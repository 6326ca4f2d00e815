"""Sphinx directives that take their content from pyTD itself, so the pages cannot drift.

``.. pytd-help:: auth login``
    The ``--help`` text of a ``pytd`` command (``pytd-help::`` with no argument:
    the top-level help; ``sandbox-standalone``: ``python -m pyTD.sandbox --help``).
    ``:no-global:`` leaves out the global options, documented once on the page.

``.. pytd-status-table::``
    The HTTP status -> exception table of :mod:`pyTD.exceptions`.

Also: napoleon reads the first line of an attribute or property docstring as
``type: description``, which garbles pyTD's sentences with a colon ("Where the
REST API lives: pass it as ..."). pyTD writes no typed attribute docstrings, so
those docstrings are kept as written.

``.. pytd-automodules:: pyTD.sandbox``
    ``automodule`` with ``:members:`` for every public module of a package that
    ``:exclude:`` (space-separated short names) does not list, so new modules
    are documented without editing the page.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import os
import pkgutil
import shlex

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

log = logging.getLogger(__name__)

#: Width of the rendered help texts (argparse reads $COLUMNS).
HELP_COLUMNS = "88"


def help_text(command: str) -> str:
    """The ``--help`` output of ``pytd <command>`` (or of ``python -m pyTD.sandbox``)."""
    if command.strip() == "sandbox-standalone":
        from pyTD.sandbox.standalone import main

        argv = ["--help"]
    else:
        from pyTD.cli import main

        argv = [*shlex.split(command), "--help"]
    out, err = io.StringIO(), io.StringIO()
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(argv)
            except SystemExit as exc:
                if exc.code not in (0, None):
                    raise ValueError(err.getvalue().strip() or f"exit status {exc.code}") \
                        from None
            else:
                raise ValueError("the command ran instead of printing its help")
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    return out.getvalue().rstrip()


class PytdHelp(SphinxDirective):
    """Insert the help text of a ``pytd`` command as a literal block."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = False
    option_spec = {"no-global": directives.flag}

    def run(self) -> list[nodes.Node]:
        command = self.arguments[0] if self.arguments else ""
        try:
            text = help_text(command)
        except Exception as exc:  # a command documented here must exist
            log.warning("pytd-help: `pytd %s --help` failed: %s", command, exc,
                        location=self.get_location())
            return []
        if "no-global" in self.options:
            text = text.split("\nglobal options:", 1)[0].rstrip()
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


class PytdStatusTable(SphinxDirective):
    """A table of ``pyTD.exceptions.STATUS_ERRORS`` plus the fallbacks of ``error_class``."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from pyTD import exceptions

        def first_line(cls: type) -> str:
            return (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " ")

        rows = [(str(status), cls) for status, cls in sorted(exceptions.STATUS_ERRORS.items())]
        rows.append(("other 4xx", exceptions.error_class(418)))
        rows.append(("5xx", exceptions.error_class(503)))
        lines = [".. list-table::", "   :header-rows: 1", "   :widths: 15 30 55", "",
                 "   * - HTTP status", "     - Exception", "     - Meaning"]
        for status, cls in rows:
            lines += [f"   * - {status}",
                      f"     - :class:`~{cls.__module__}.{cls.__qualname__}`",
                      f"     - {first_line(cls)}"]
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source="pytd-status-table"),
                                self.content_offset, container)
        return container.children


class PytdAutomodules(SphinxDirective):
    """``automodule`` every public module of a package except the excluded ones."""

    required_arguments = 1
    has_content = False
    option_spec = {"exclude": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        package = importlib.import_module(self.arguments[0])
        excluded = set((self.options.get("exclude") or "").split())
        names = sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                       if not info.name.startswith("_") and info.name not in excluded)
        lines: list[str] = []
        for name in names:
            full = f"{package.__name__}.{name}"
            lines += [f".. rubric:: ``{full}``", "", f".. automodule:: {full}",
                      "   :members:", ""]
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source="pytd-automodules"),
                                self.content_offset, container)
        return container.children


_ATTRIBUTE_KINDS = ("attribute", "data", "property")
_as_written: dict[str, list[str]] = {}


def _remember_docstring(app, what, name, obj, options, lines) -> None:
    if what in _ATTRIBUTE_KINDS:
        _as_written[name] = list(lines)


def _restore_docstring(app, what, name, obj, options, lines) -> None:
    if what in _ATTRIBUTE_KINDS and name in _as_written:
        lines[:] = _as_written.pop(name)


def setup(app):
    """Register the directives."""
    app.add_directive("pytd-help", PytdHelp)
    app.add_directive("pytd-status-table", PytdStatusTable)
    app.add_directive("pytd-automodules", PytdAutomodules)
    # before and after napoleon's handler (priority 500)
    app.connect("autodoc-process-docstring", _remember_docstring, priority=100)
    app.connect("autodoc-process-docstring", _restore_docstring, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

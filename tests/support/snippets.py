"""Code examples of the docs, run as a reader would: rst code blocks and IPython-like snippets."""

from __future__ import annotations

import ast
import re
import textwrap
from typing import Any, Optional


def run_snippet(code: str, namespace: Optional[dict[str, Any]] = None) -> Any:
    """Run ``code`` (in ``namespace``, default a fresh one); the value of its last line if that
    is an expression, as IPython shows it."""
    tree = ast.parse(textwrap.dedent(code))
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if namespace is None:
        namespace = {"__name__": "__example__"}
    exec(compile(tree, "<example>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<example>", "eval"), namespace)


def python_blocks(text: str) -> list[str]:
    """The bodies of the ``.. code-block:: python`` directives of an rst page, dedented."""
    blocks = []
    for match in re.finditer(r"^( *)\.\. code-block:: python\n\n((?:\1 +.*\n|\n)+)", text,
                             re.MULTILINE):
        lines = match.group(2).rstrip("\n").split("\n")
        indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        blocks.append("\n".join(line[indent:] for line in lines))
    return blocks

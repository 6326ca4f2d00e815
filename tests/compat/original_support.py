"""Running the original pyTD's examples: a snippet runner and tokens for an app."""

from __future__ import annotations

import ast
import textwrap
from typing import Any

from pyTD.auth.flow import grant_from_body

#: The key and callback URL of the original's examples.
EXAMPLE_KEY, EXAMPLE_CALLBACK = "TEST@AMER.OAUTHAP", "https://localhost:8080"


def run_snippet(code: str) -> Any:
    """Run ``code`` in a fresh namespace; the value of its last line if that is an expression."""
    tree = ast.parse(textwrap.dedent(code))
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    namespace: dict[str, Any] = {"__name__": "__example__"}
    exec(compile(tree, "<example>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<example>", "eval"), namespace)


def authorize(sandbox: Any, client: Any) -> Any:
    """Tokens for ``client``'s app in its cache, as after an approved consent page."""
    body = sandbox.issue_tokens(client.settings.consumer_key)
    client.auth.store(grant_from_body(body, client.auth.clock(), client.settings.provider,
                                      client.auth.clock))
    return client

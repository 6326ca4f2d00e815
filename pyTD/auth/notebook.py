"""Show the authorization link as a clickable link when running inside Jupyter."""

from __future__ import annotations

import html
import sys
from typing import Callable


def in_notebook() -> bool:
    """True inside a Jupyter (ZMQ) kernel; never imports IPython itself."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def show_link(url: str, output: Callable[[str], object]) -> bool:
    """Display ``url`` as a link in a notebook; False (nothing shown) elsewhere.

    The plain-text copy of the URL goes to ``output`` (the auth manager's).
    """
    if not in_notebook():
        return False
    from IPython.display import HTML, display

    safe = html.escape(url, quote=True)
    display(HTML(f'<p>Authorize pyTD: <a href="{safe}" target="_blank" rel="noopener">'
                 "open the authorization page</a></p>"))
    output(f"Authorization URL: {url}")
    return True

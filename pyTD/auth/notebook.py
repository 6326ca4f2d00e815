"""Authorization inside Jupyter: the clickable link, and whether the callback can work.

The callback server runs in the kernel, on a loopback address: it receives the
redirect only when the browser showing the notebook runs on the kernel's
machine. :func:`browser_reaches_kernel` decides, from ``TD_NOTEBOOK_AUTH`` or,
by default, from signs of a remote kernel.
"""

from __future__ import annotations

import html
import os
import sys
from typing import Callable, Mapping, Optional

from pyTD.exceptions import ConfigurationError

#: How the first call in a notebook authorizes: ``auto`` (the default), ``callback`` or ``manual``.
NOTEBOOK_AUTH = "TD_NOTEBOOK_AUTH"
#: Variables that mean the kernel runs on another machine than the browser: an SSH
#: login, JupyterHub, Google Colab, Binder, GitHub Codespaces.
REMOTE_SIGNS = ("SSH_CONNECTION", "SSH_CLIENT", "JUPYTERHUB_API_URL", "COLAB_RELEASE_TAG",
                "BINDER_SERVICE_HOST", "CODESPACES")


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


def browser_reaches_kernel(callback_url: str, environ: Optional[Mapping[str, str]] = None,
                           platform: str = sys.platform) -> bool:
    """True when a redirect to ``callback_url`` can reach a callback server in this kernel.

    ``TD_NOTEBOOK_AUTH=callback`` or ``manual`` decides; with ``auto`` (or unset)
    the answer is no for a callback URL that is not a loopback address, in a
    kernel started from an SSH login or on a hosted service (:data:`REMOTE_SIGNS`),
    and on Linux without a graphical session (no ``DISPLAY``/``WAYLAND_DISPLAY``:
    no browser runs there, so it runs elsewhere).

    >>> browser_reaches_kernel("http://127.0.0.1:8080", {"TD_NOTEBOOK_AUTH": "manual"})
    False
    """
    from pyTD.auth.server import loopback_address

    env = os.environ if environ is None else environ
    choice = env.get(NOTEBOOK_AUTH, "").strip().lower()
    if choice == "callback":
        return True
    if choice == "manual":
        return False
    if choice not in ("", "auto"):
        raise ConfigurationError(
            f"{NOTEBOOK_AUTH}={env[NOTEBOOK_AUTH]!r} is not one of auto, callback, manual: "
            "set callback when the browser runs on the kernel's machine, manual to paste "
            "the redirected URL, or unset it.")
    try:
        loopback_address(callback_url)
    except ConfigurationError:
        return False
    if any(env.get(name) for name in REMOTE_SIGNS):
        return False
    return not (platform.startswith("linux")
                and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")))

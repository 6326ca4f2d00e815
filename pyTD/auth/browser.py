"""Sending the user to the authorization page: the system browser, opened off the
caller's thread, and the line that says where to go while pyTD waits."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

#: Said while the callback server waits, in a terminal.
WAITING = ("Open this URL to authorize pyTD (Ctrl+C cancels; waiting until {until}, "
           "{timeout:g} s):\n\n    {url}\n")
#: Said under the clickable link in a notebook.
NOTEBOOK_WAITING = (
    "Waiting for the authorization until {until} ({timeout:g} s); interrupt the kernel to "
    "cancel. If this browser cannot reach the kernel's machine, interrupt and run "
    "api.authorize(manual=True) instead (or set TD_NOTEBOOK_AUTH=manual).")


def open_in_background(url: str) -> None:
    """Open ``url`` in the system browser on a daemon thread.

    A console browser or a ``BROWSER=`` command (what Python picks on a headless
    SSH box) may not return until it is closed; on its own thread it cannot keep
    the caller from answering the callback page. A browser that fails to open is
    only logged: the URL has been printed.

    >>> open_in_background("http://127.0.0.1:9/")          # doctest: +SKIP
    """
    import webbrowser

    def run() -> None:
        try:
            opened = webbrowser.open(url)
        except Exception as exc:  # webbrowser.Error, OSError: the printed URL is the way on
            log.debug("Opening a browser failed (%s); open the printed URL",
                      type(exc).__name__)
            return
        if not opened:
            log.debug("No browser could be opened; open the printed URL")

    threading.Thread(target=run, name="pyTD-browser", daemon=True).start()

"""Progress of calls that send many requests: a bar, a line on standard error, or a callable.

``progress=True`` on a bulk call (``get_price_history`` of many symbols,
``get_quotes`` over several batches) shows a ``tqdm`` bar when the ``progress``
extra is installed (``tqdm.auto``: a widget in notebooks) and a plain line on
standard error otherwise. A callable receives ``(done, total)`` after each
step instead. A wait for the rate limit (the pacer's, or a 429's) shows as
"waiting Ns for the rate limit" rather than silence::

    >>> get_price_history(symbols, progress=True)                           # doctest: +SKIP
    price history: waiting 41s for the rate limit
    price history:  40%|████      | 20/50 [00:01<00:01, 14.2it/s]
    >>> get_price_history(symbols, progress=lambda done, total: print(done, total))
    ... # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Callable, Optional, TextIO, Union

#: What ``progress=`` accepts: ``True`` (a bar or a line), ``False``/``None``, or
#: ``fn(done, total)``.
ProgressArg = Union[bool, Callable[[int, int], Any], None]

WAIT_TEXT = "waiting {:.0f}s for the rate limit"


class Progress:
    """Counts steps of one bulk call; the base shows nothing (``progress=False``)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self._lock = threading.Lock()
        self._wait_ends = 0.0

    def step(self, n: int = 1) -> None:
        """``n`` more of ``total`` are done."""
        with self._lock:
            self.done += n
            self._wait_ends = 0.0
            self.show()

    def waiting(self, seconds: float) -> None:
        """A request waits ``seconds`` for the rate limit (any thread; repeats are merged)."""
        ends = time.monotonic() + seconds
        with self._lock:
            if ends <= self._wait_ends + 1.0:
                return
            self._wait_ends = ends
            self.show_wait(seconds)

    def close(self) -> None:
        """The call is over (finished or failed)."""

    def show(self) -> None:
        """Show ``done`` of ``total`` (called under the lock)."""

    def show_wait(self, seconds: float) -> None:
        """Show a rate-limit wait (called under the lock)."""


class CallbackProgress(Progress):
    """Calls ``callback(done, total)`` after each step."""

    def __init__(self, total: int, label: str, callback: Callable[[int, int], Any]) -> None:
        super().__init__(total, label)
        self.callback = callback

    def show(self) -> None:
        self.callback(self.done, self.total)


class LineProgress(Progress):
    """``label: done/total`` on ``stream``: rewritten in place on a terminal, else every 10%."""

    def __init__(self, total: int, label: str, stream: Optional[TextIO] = None) -> None:
        super().__init__(total, label)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = _isatty(self.stream)
        self._shown = -1

    def show(self) -> None:
        tenth = self.done * 10 // max(self.total, 1)
        if self.tty:
            self._write(f"\r{self.label}: {self.done}/{self.total}\x1b[K")
        elif tenth != self._shown or self.done == self.total:
            self._shown = tenth
            self._write(f"{self.label}: {self.done}/{self.total}\n")

    def show_wait(self, seconds: float) -> None:
        text = f"{self.label}: {self.done}/{self.total}, {WAIT_TEXT.format(seconds)}"
        self._write(f"\r{text}\x1b[K" if self.tty else text + "\n")

    def close(self) -> None:
        if self.tty:
            self._write("\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


class TqdmProgress(Progress):
    """A ``tqdm.auto`` bar on standard error; a wait is a line above it (never cut off)."""

    def __init__(self, total: int, label: str, tqdm: Any) -> None:
        super().__init__(total, label)
        # A terminal reporting no size (some containers' ptys) would hide the bar: assume 80x24.
        size: dict[str, Any] = {} if _columns(sys.stderr) else {"ncols": 80, "nrows": 24}
        self.bar = tqdm(total=total, desc=label, file=sys.stderr, leave=True, **size)

    def show(self) -> None:
        self.bar.update(self.done - self.bar.n)

    def show_wait(self, seconds: float) -> None:
        self.bar.write(f"{self.label}: {WAIT_TEXT.format(seconds)}", file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def start(progress: ProgressArg, total: int, label: str) -> Progress:
    """The display ``progress=`` asks for, over ``total`` steps.

    >>> start(False, 10, "quotes").total
    10
    """
    if progress is None or progress is False:
        return Progress(total, label)
    if progress is True:
        tqdm = _tqdm()
        return TqdmProgress(total, label, tqdm) if tqdm else LineProgress(total, label)
    if callable(progress):
        return CallbackProgress(total, label, progress)
    from pyTD.exceptions import ValidationError

    raise ValidationError(f"progress={progress!r}: pass True (a bar, or a line on standard "
                          "error), False, or a callable taking (done, total).")


def on_terminal() -> ProgressArg:
    """``True`` when standard error is a terminal, else ``None``: what ``pytd`` passes."""
    return True if _isatty(sys.stderr) else None


def _tqdm() -> Any:
    """``tqdm.auto.tqdm`` when the ``progress`` extra is installed, else ``None``."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _columns(stream: Any) -> int:
    """The terminal's width, ``0`` when unknown (not a terminal, or a size never set)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False

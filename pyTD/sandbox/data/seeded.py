"""Seeded hashing: every synthetic value is a pure function of ``(seed, ...)``.

Values come from SHA-256, so two sandboxes with the same seed serve the same
data in any process (``hash()`` is salted and is never used).
"""

from __future__ import annotations

import hashlib
import random


def digest(seed: int, *parts: object) -> bytes:
    """SHA-256 of the seed and ``parts``."""
    text = "\x1f".join([str(seed), *map(str, parts)])
    return hashlib.sha256(text.encode("utf-8")).digest()


def unit(seed: int, *parts: object) -> float:
    """A uniform number in ``[0, 1)`` drawn from ``(seed, *parts)``."""
    return int.from_bytes(digest(seed, *parts)[:8], "big") / 2.0**64


def rng(seed: int, *parts: object) -> random.Random:
    """A ``random.Random`` seeded from ``(seed, *parts)``."""
    # Synthetic market data, not secrets: a reproducible generator is the point.
    return random.Random(int.from_bytes(digest(seed, *parts)[:16], "big"))  # noqa: S311


def pick(seed: int, options: tuple, *parts: object) -> object:
    """One of ``options`` chosen from ``(seed, *parts)``."""
    return options[int(unit(seed, *parts) * len(options))]
